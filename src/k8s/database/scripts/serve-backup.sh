#!/bin/bash
# One backup stream to the connected replica (started by socat per connection). On a replica
# donor the SQL thread is paused while the backup runs and its slave position is recorded.
source "$(dirname "$0")/common.sh"

extra=()
is_primary || extra=(--slave-info --safe-slave-backup)
log "streaming a backup"
# The end of a backup waits for the redo log copy thread, which looks for new log every
# --log-copy-interval ms: the default of 1000 adds up to a second to every clone.
if is_primary; then
  exec mariadb-backup --defaults-file="$BACKUP_CNF" --socket="$SOCKET" \
    --backup --stream=xbstream --target-dir="${TMPDIR:-/tmp}" --log-copy-interval=100
fi
status=0
mariadb-backup --defaults-file="$BACKUP_CNF" --socket="$SOCKET" \
  --backup --stream=xbstream --target-dir="${TMPDIR:-/tmp}" --log-copy-interval=100 "${extra[@]}" || status=$?
# A stream cut short (the receiver died) leaves the SQL thread that --safe-slave-backup paused
# stopped for good: start it again. Its output must not reach the stream (stdout).
local_sql -e 'START SLAVE SQL_THREAD' >&2 || log "could not restart the SQL thread"
exit "$status"
