# Shared by the MariaDB pod scripts. Sourced, not run. Uses only bash, coreutils, sed and the
# MariaDB client tools, so the scripts behave the same on the official mariadb image and on a
# Debian-built one.
#
# Inputs (environment):
#   POD_NAME            this pod's name (<statefulset>-<ordinal>)
#   PRIMARY_NAME        the node that is the primary when this one starts; default <statefulset>-0.
#                       After a failover the failover manager names another; every other node
#                       starts read-only, so a node that was primary and comes back never takes writes
#   DB_HEADLESS         headless Service giving pods stable names: <statefulset>-<n>.<DB_HEADLESS>
#   PRIMARY_HOST        write endpoint; default <PRIMARY_NAME>.<DB_HEADLESS>
#   PRIMARY_PORT        SQL port of the primary; default DB_PORT
#   DONOR_HOST          pod a new replica clones from; default the pod before this one (pod 0: the primary)
#   DONOR_CLONE_PORT    backup stream port of the donor; default CLONE_PORT
#   DB_PORT, CLONE_PORT SQL port (3306) and backup stream port (3307)
#   DATADIR, RUN_DIR    data directory, and a private in-memory directory for option files
#   MARIADB_ROOT_PASSWORD, MARIADB_REPLICATION_PASSWORD, MARIADB_MONITOR_PASSWORD,
#   MARIADB_FAILOVER_PASSWORD (the accounts of accounts.sh)
#   RECLONE_REQUESTS    nodes the failover manager asked to clone again, one "<pod> <gtid|-> <id>"
#                       per line (the topology record's reclone key); empty on the local stack

set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/quote.sh"

: "${POD_NAME:?POD_NAME must name this pod}"
DB_PORT=${DB_PORT:-3306}
CLONE_PORT=${CLONE_PORT:-3307}
DATADIR=${DATADIR:-/var/lib/mysql}
RUN_DIR=${RUN_DIR:-/run/quire}
TEMPLATES_DIR=${TEMPLATES_DIR:-$(dirname "${BASH_SOURCE[0]}")}
ORDINAL=${POD_NAME##*-}
STATEFULSET=${POD_NAME%-*}
PRIMARY_NAME=${PRIMARY_NAME:-$STATEFULSET-0}
PRIMARY_HOST=${PRIMARY_HOST:-$PRIMARY_NAME.${DB_HEADLESS:-$STATEFULSET}}
PRIMARY_PORT=${PRIMARY_PORT:-$DB_PORT}
# The pod before this one holds a complete copy by the time this one starts; pod 0 has none before
# it (it clones only once it lost its data after a failover) and takes the primary's.
donor_name=$STATEFULSET-$((ORDINAL - 1))
[ "$ORDINAL" -gt 0 ] || donor_name=$PRIMARY_NAME
DONOR_HOST=${DONOR_HOST:-$donor_name.${DB_HEADLESS:-$STATEFULSET}}
DONOR_CLONE_PORT=${DONOR_CLONE_PORT:-$CLONE_PORT}
# shellcheck disable=SC2034 # used by the scripts that source this file
MY_CNF=$RUN_DIR/my.cnf
ROOT_CNF=$RUN_DIR/root.cnf
# shellcheck disable=SC2034
BACKUP_CNF=$RUN_DIR/backup.cnf
SOCKET=$RUN_DIR/mysqld.sock
# Written once the data directory holds a complete server (initialised primary or prepared clone).
# shellcheck disable=SC2034
READY_MARKER=$DATADIR/.quire-ready
# Written by clone.sh beside a prepared clone, removed once replication starts from its position:
# a node with data but neither this nor replication settings (a primary that was failed over)
# waits for the failover manager to rejoin it.
# shellcheck disable=SC2034
CLONE_MARKER=$DATADIR/.quire-cloned
# Where clone.sh keeps, as SQL, the transactions of a node cloned again because it held writes the
# primary lacks (base.cnf hides the directory from MariaDB; the clone keeps it).
# shellcheck disable=SC2034
ERRANT_DIR=$DATADIR/.quire-errant

log() { printf '%s [%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$POD_NAME" "$*" >&2; }

is_primary() { [ "$POD_NAME" = "$PRIMARY_NAME" ]; }

# Run SQL on the local server as root.
local_sql() { mariadb --defaults-extra-file="$ROOT_CNF" --socket="$SOCKET" --batch --skip-column-names "$@"; }

# Wait until the local server answers SQL (at most $1 seconds). Polled often: the sidecar's wait
# is on the path of every node's start (a replica is ready once it serves backups).
wait_for_local_server() {
  local deadline=$((SECONDS + ${1:-300}))
  until local_sql -e 'SELECT 1' >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "the local server did not answer within ${1:-300}s"
      return 1
    fi
    sleep 0.2
  done
}
