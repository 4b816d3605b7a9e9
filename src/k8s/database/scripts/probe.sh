#!/bin/bash
# Probes of the server container. live: the server process answers. ready: it answers SQL and,
# when it is read-only (a replica), its SQL thread applies changes (a replica whose SQL thread
# stopped serves stale reads, so it leaves the read Service; a lost primary alone does not make
# replicas unready). The role is the server's own, not the one it started with: a replica the
# failover manager promoted is ready as the primary, a primary it fenced is not ready until it
# replicates.
source "$(dirname "$0")/common.sh"

case "${1:-}" in
  live)
    mariadb-admin --defaults-extra-file="$ROOT_CNF" --socket="$SOCKET" ping >/dev/null
    ;;
  ready)
    if [ "$(local_sql -e 'SELECT @@read_only')" != 0 ]; then
      # \G prints the field names only with --column-names.
      [ "$(local_sql --column-names -e 'SHOW SLAVE STATUS\G' | sed -n 's/^ *Slave_SQL_Running: //p')" = Yes ]
    fi
    ;;
  *)
    echo "usage: probe.sh live|ready" >&2
    exit 2
    ;;
esac
