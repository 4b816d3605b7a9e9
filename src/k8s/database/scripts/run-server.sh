#!/bin/bash
# Main container: start mariadbd with the config configure.sh wrote. On the primary's first
# start, initialise the data directory with a temporary server that cannot be reached over the
# network, set the root password and create the replication, monitoring and failover users; only then is
# the directory marked ready, so a crash half-way never leaves a server without a root password.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/accounts.sh"

initialise_primary() {
  log "initialising an empty data directory"
  find "$DATADIR" -mindepth 1 -delete
  mariadb-install-db --defaults-file="$MY_CNF" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve >/dev/null
  mariadbd --defaults-file="$MY_CNF" --skip-networking &
  local pid=$!
  local deadline=$((SECONDS + 120))
  until mariadb --socket="$SOCKET" -uroot -e 'SELECT 1' >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { log "temporary server did not start"; exit 1; }
    sleep 0.2
  done
  # Kept out of the binary log: replicas start from a clone of this directory, and the log
  # would otherwise hold the passwords. mariadb-install-db also makes passwordless root
  # accounts for 127.0.0.1, ::1 and the host name: dropped. root@localhost (the socket) serves
  # the pod's own scripts, root@'%' the bootstrap Job, which comes over the network.
  mariadb --socket="$SOCKET" -uroot <<SQL
SET SESSION sql_log_bin = 0;
SELECT GROUP_CONCAT(QUOTE(User), '@', QUOTE(Host)) INTO @extra FROM mysql.global_priv
  WHERE User IN ('', 'mysql') OR (User = 'root' AND Host <> 'localhost');
EXECUTE IMMEDIATE IFNULL(CONCAT('DROP USER ', @extra), 'DO 0');
CREATE USER IF NOT EXISTS 'replicator'@'%' IDENTIFIED BY $(sql_string "$MARIADB_REPLICATION_PASSWORD");
GRANT $REPLICATOR_PRIVILEGES ON *.* TO 'replicator'@'%';
CREATE USER IF NOT EXISTS 'exporter'@'127.0.0.1' IDENTIFIED BY $(sql_string "$MARIADB_MONITOR_PASSWORD")
  WITH MAX_USER_CONNECTIONS 3;
GRANT $EXPORTER_PRIVILEGES ON *.* TO 'exporter'@'127.0.0.1';
CREATE USER IF NOT EXISTS 'failover'@'%' IDENTIFIED BY $(sql_string "$MARIADB_FAILOVER_PASSWORD");
GRANT $FAILOVER_PRIVILEGES ON *.* TO 'failover'@'%';
ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_string "$MARIADB_ROOT_PASSWORD");
CREATE USER 'root'@'%' IDENTIFIED BY $(sql_string "$MARIADB_ROOT_PASSWORD");
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  mariadb-admin --defaults-extra-file="$ROOT_CNF" --socket="$SOCKET" shutdown
  wait "$pid"
  touch "$READY_MARKER"
  log "data directory initialised"
}

if [ ! -f "$READY_MARKER" ]; then
  if ! is_primary; then
    log "replica data directory is incomplete; the clone step must fill it first"
    exit 1
  fi
  initialise_primary
fi
exec mariadbd --defaults-file="$MY_CNF"
