#!/bin/bash
# Sidecar: on a fresh clone, start GTID replication from the primary at the position the clone
# ended (SPEC S5); then, on every pod, serve a streamed mariadb-backup on CLONE_PORT for the next
# replica. A replica that is neither (a primary that was failed over, back read-only) is left to
# the failover manager, which rejoins it to the new primary or has it cloned again.
source "$(dirname "$0")/common.sh"

# The GTID position a prepared backup ends at: a replica donor records its slave position,
# a primary donor its binary log position. Before MariaDB 11.1 the files are named xtrabackup_*.
clone_gtid() {
  local file
  for file in mariadb_backup_slave_info xtrabackup_slave_info; do
    if [ -s "$DATADIR/$file" ]; then
      sed -n "s/.*gtid_slave_pos *= *'\([^']*\)'.*/\1/p" "$DATADIR/$file" | head -n 1
      return
    fi
  done
  for file in mariadb_backup_binlog_info xtrabackup_binlog_info; do
    if [ -s "$DATADIR/$file" ]; then
      cut -f 3 "$DATADIR/$file" | head -n 1
      return
    fi
  done
}

start_replication() {
  if [ -n "$(local_sql -e 'SHOW SLAVE STATUS')" ]; then
    log "replication already configured"
    return
  fi
  if [ ! -f "$CLONE_MARKER" ]; then
    log "no replication configured and not a fresh clone: waiting read-only for the failover manager"
    return
  fi
  local gtid
  gtid=$(clone_gtid)
  log "starting replication from $PRIMARY_HOST at GTID '${gtid}'"
  local_sql <<SQL
SET GLOBAL gtid_slave_pos = $(sql_string "$gtid");
CHANGE MASTER TO
  MASTER_HOST = $(sql_string "$PRIMARY_HOST"),
  MASTER_PORT = $PRIMARY_PORT,
  MASTER_USER = 'replicator',
  MASTER_PASSWORD = $(sql_string "$MARIADB_REPLICATION_PASSWORD"),
  MASTER_USE_GTID = slave_pos,
  MASTER_CONNECT_RETRY = 10;
START SLAVE;
SQL
  rm -f "$CLONE_MARKER"
}

wait_for_local_server 600
is_primary || start_replication
log "serving backups on port $CLONE_PORT"
# Run like every script, by bash (no exec bit needed), from the scripts' own directory (not
# TEMPLATES_DIR), so that socat's address holds no path for it to split at ',' or ':'.
cd "$(dirname "$0")"
exec socat "TCP-LISTEN:$CLONE_PORT,reuseaddr,fork" "SYSTEM:exec bash serve-backup.sh"
