#!/bin/bash
# Init step: give this pod its server config by ordinal (SPEC S2). Ordinal 0 is the primary
# (binary log, GTID); the others are read-only replicas. server_id is 100 + ordinal.
# Also writes the root and exporter option files so that no password appears in a command line.
source "$(dirname "$0")/common.sh"

role=replica
is_primary && role=primary
server_id=$((100 + ORDINAL))

umask 077
mkdir -p "$RUN_DIR"
{
  cat "$TEMPLATES_DIR/base.cnf"
  printf 'datadir=%s\nsocket=%s\nport=%s\nserver_id=%s\nreport_host=%s\n' \
    "$DATADIR" "$SOCKET" "$DB_PORT" "$server_id" "$POD_NAME"
  cat "$TEMPLATES_DIR/$role.cnf"
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
log "configured as $role with server_id $server_id"
