#!/bin/bash
# Init step on a replica (SPEC S5): when the data directory holds no complete server, receive a
# streamed mariadb-backup from the donor (the pod before this one) and prepare it. A node the
# failover manager asked to clone again (RECLONE_REQUESTS) first saves its errant transactions. The GTID
# position the backup ends at is kept in the data directory for replicate.sh.
source "$(dirname "$0")/common.sh"

# Save, as SQL, this node's transactions after GTID position $1 ('-': all) from its binary logs
# into $ERRANT_DIR/errant-$2.sql, and mark request $2 done so that a restart does not clone again.
save_errant() {
  local from=$1 id=$2 logs=() entry
  mkdir -p "$ERRANT_DIR"
  local file=$ERRANT_DIR/errant-$id.sql
  if [ -f "$DATADIR/mariadb-bin.index" ]; then
    while read -r entry; do logs+=("$DATADIR/${entry#./}"); done <"$DATADIR/mariadb-bin.index"
  fi
  if [ ${#logs[@]} -eq 0 ]; then
    echo "-- $POD_NAME had no binary log" >"$file.tmp"
  else
    [ "$from" = - ] && from=
    # --verbose adds each row event's values as commented pseudo-SQL (the events are base64).
    mariadb-binlog --verbose ${from:+"--start-position=$from"} "${logs[@]}" >"$file.tmp"
  fi
  mv "$file.tmp" "$file"
  touch "$ERRANT_DIR/$id.done"
  log "saved the transactions after '${from}' in $file; cloning again"
}

# The failover manager asked for this node to be cloned again (it holds writes the primary lacks).
errant_from='' request_id=''
while read -r pod from id; do
  [ "$pod" = "$POD_NAME" ] && errant_from=$from request_id=$id
done <<<"${RECLONE_REQUESTS:-}"
if [ -n "$request_id" ] && [ -f "$READY_MARKER" ] && ! is_primary; then
  if [ ! -f "$ERRANT_DIR/$request_id.done" ]; then
    save_errant "$errant_from" "$request_id"
    rm -f "$READY_MARKER"
  fi
fi

if is_primary || [ -f "$READY_MARKER" ]; then
  log "no clone needed"
  exit 0
fi

attempts=${CLONE_ATTEMPTS:-30}
# A donor that stops sending must not hold this step forever. mariadb-backup can be silent for
# minutes while it waits for backup locks or for the donor's SQL thread, hence the default.
idle_timeout=${CLONE_IDLE_TIMEOUT:-600}
for attempt in $(seq 1 "$attempts"); do
  find "$DATADIR" -mindepth 1 -maxdepth 1 ! -name "${ERRANT_DIR##*/}" -exec rm -rf {} +
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
