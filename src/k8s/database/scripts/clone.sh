#!/bin/bash
# Init step on a replica (SPEC S5): when the data directory holds no complete server, receive a
# streamed mariadb-backup from the donor (the pod before this one) and prepare it. The GTID
# position the backup ends at is kept in the data directory for replicate.sh.
source "$(dirname "$0")/common.sh"

if is_primary || [ -f "$READY_MARKER" ]; then
  log "no clone needed"
  exit 0
fi

attempts=${CLONE_ATTEMPTS:-30}
# A donor that stops sending must not hold this step forever. mariadb-backup can be silent for
# minutes while it waits for backup locks or for the donor's SQL thread, hence the default.
idle_timeout=${CLONE_IDLE_TIMEOUT:-600}
for attempt in $(seq 1 "$attempts"); do
  find "$DATADIR" -mindepth 1 -delete
  log "cloning from $DONOR_HOST:$DONOR_CLONE_PORT (attempt $attempt of $attempts)"
  # The info file is the last one in the stream (xtrabackup_info before MariaDB 11.1), so a
  # stream cut short never passes for a backup.
  if socat -u -T "$idle_timeout" "TCP:$DONOR_HOST:$DONOR_CLONE_PORT,connect-timeout=10" STDOUT |
    mbstream -x -C "$DATADIR" &&
    { [ -f "$DATADIR/mariadb_backup_info" ] || [ -f "$DATADIR/xtrabackup_info" ]; }; then
    break
  fi
  if [ "$attempt" -eq "$attempts" ]; then
    log "clone failed after $attempts attempts: $DONOR_HOST:$DONOR_CLONE_PORT sent no complete backup"
    exit 1
  fi
  sleep 5
done

mariadb-backup --prepare --target-dir="$DATADIR"
touch "$CLONE_MARKER" "$READY_MARKER"
log "clone prepared"
