#!/bin/bash
# One backup stream to the connected replica (started by socat per connection). On a replica
# donor the SQL thread is paused while the backup runs and its slave position is recorded.
source "$(dirname "$0")/common.sh"

extra=()
is_primary || extra=(--slave-info --safe-slave-backup)
log "streaming a backup"
exec mariadb-backup --defaults-file="$BACKUP_CNF" --socket="$SOCKET" \
  --backup --stream=xbstream --target-dir="${TMPDIR:-/tmp}" "${extra[@]}"
