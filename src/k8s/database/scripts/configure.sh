#!/bin/bash
# Init step: give this pod its server config (SPEC S2). The node PRIMARY_NAME names starts as the
# primary (binary log, GTID); every other node starts as a read-only replica, with the same binary
# log so that the failover manager can promote it. server_id is 100 + ordinal.
# Also writes the root and exporter option files so that no password appears in a command line.
source "$(dirname "$0")/common.sh"

role=replica
is_primary && role=primary
server_id=$((100 + ORDINAL))

# database.durability: semi-sync makes the primary acknowledge a commit only once a replica has
# written it to its relay log (AFTER_SYNC: no other session sees the commit before that either),
# so losing the primary loses no acknowledged write. Without an ack within the timeout (or, with
# fall-back, as soon as no replica is connected) the primary goes on alone, and says so in
# Rpl_semi_sync_master_status until a replica has caught up; block waits for an ack instead (the
# longest timeout MariaDB takes, about 49 days). Every node gets the primary's settings, enabled only
# on the primary: a replica the failover manager promotes turns them on, one it demotes off.
durability_settings() {
  case "${DB_REPLICATION:-semi-sync}" in
    async)
      printf 'rpl_semi_sync_master_enabled=OFF\nrpl_semi_sync_slave_enabled=OFF\n'
      return
      ;;
    semi-sync) ;;
    *)
      log "DB_REPLICATION is '$DB_REPLICATION'; it must be semi-sync or async (database.durability.replication)"
      exit 2
      ;;
  esac
  local timeout=${DB_ACK_TIMEOUT_MS:-5000} wait_no_slave
  case "${DB_WHEN_NO_REPLICA_ACKS:-fall-back}" in
    fall-back) wait_no_slave=OFF ;;
    block) timeout=4294967295 wait_no_slave=ON ;;
    *)
      log "DB_WHEN_NO_REPLICA_ACKS is '$DB_WHEN_NO_REPLICA_ACKS'; it must be fall-back or block (database.durability.whenNoReplicaAcks)"
      exit 2
      ;;
  esac
  [[ $timeout =~ ^[0-9]+$ ]] || {
    log "DB_ACK_TIMEOUT_MS is '$timeout'; it must be a number of milliseconds (database.durability.ackTimeoutMs)"
    exit 2
  }
  local enabled=OFF
  [ "$role" = replica ] || enabled=ON
  printf 'rpl_semi_sync_slave_enabled=ON\nrpl_semi_sync_master_enabled=%s\n' "$enabled"
  printf 'rpl_semi_sync_master_wait_point=AFTER_SYNC\nrpl_semi_sync_master_timeout=%s\n' "$timeout"
  printf 'rpl_semi_sync_master_wait_no_slave=%s\n' "$wait_no_slave"
}
durability=$(durability_settings)

umask 077
mkdir -p "$RUN_DIR"
{
  cat "$TEMPLATES_DIR/base.cnf"
  printf 'datadir=%s\nsocket=%s\nport=%s\nserver_id=%s\nreport_host=%s\n' \
    "$DATADIR" "$SOCKET" "$DB_PORT" "$server_id" "$POD_NAME"
  cat "$TEMPLATES_DIR/$role.cnf"
  printf '%s\n' "$durability"
} >"$MY_CNF"
printf '[client]\nuser=root\npassword=%s\n[mariadb-backup]\nuser=root\npassword=%s\n' \
  "$(cnf_string "$MARIADB_ROOT_PASSWORD")" "$(cnf_string "$MARIADB_ROOT_PASSWORD")" >"$ROOT_CNF"
printf '[client]\nuser=exporter\npassword=%s\nhost=127.0.0.1\nport=%s\n' \
  "$(cnf_string "${MARIADB_MONITOR_PASSWORD:-}")" "$DB_PORT" >"$RUN_DIR/exporter.cnf"
# The exporter sidecar runs as its own user and reads its file through the group.
chmod 0640 "$RUN_DIR/exporter.cnf"
# mariadb-backup takes no --defaults-extra-file beside --defaults-file, so one file joins the
# server's settings and root's credentials.
printf '!include %s\n!include %s\n' "$MY_CNF" "$ROOT_CNF" >"$BACKUP_CNF"
log "configured as $role with server_id $server_id, ${DB_REPLICATION:-semi-sync} replication"
