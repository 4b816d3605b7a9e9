#!/bin/bash
# Bootstrap Job (SPEC S6): wait for the primary, then create the app database and its
# least-privilege user, make the failover manager's account on a database initialised before it
# existed, and bring every Quire user's password in line with the Secret.
# Idempotent: it can run after every install and upgrade.
set -euo pipefail
: "${PRIMARY_HOST:?}" "${DB_NAME:?}" "${DB_USER:?}"
PRIMARY_PORT=${PRIMARY_PORT:-${DB_PORT:-3306}}
source "$(dirname "$0")/quote.sh"
source "$(dirname "$0")/accounts.sh"

umask 077
cnf=$(mktemp)
trap 'rm -f "$cnf"' EXIT
printf '[client]\nuser=root\npassword=%s\nhost=%s\nport=%s\n' \
  "$(cnf_string "$MARIADB_ROOT_PASSWORD")" "$PRIMARY_HOST" "$PRIMARY_PORT" >"$cnf"

for attempt in $(seq 1 60); do
  error=$(mariadb --defaults-extra-file="$cnf" -e 'SELECT 1' 2>&1 >/dev/null) && break
  if [ "$attempt" -eq 60 ]; then
    echo "primary $PRIMARY_HOST:$PRIMARY_PORT did not answer in 5 minutes: $error" >&2
    exit 1
  fi
  sleep 5
done

app=$(sql_string "$DB_USER")@"'%'"
# Passwords are set by SET PASSWORD, which the binary log records hashed (CREATE and ALTER USER
# would put them there in clear text). A new user stays locked until it has its password.
# In GRANT a database name is a pattern, so its _ and % are escaped.
mariadb --defaults-extra-file="$cnf" <<SQL
CREATE DATABASE IF NOT EXISTS $(sql_ident "$DB_NAME") CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS $app ACCOUNT LOCK;
SET PASSWORD FOR $app = PASSWORD($(sql_string "$MARIADB_PASSWORD"));
ALTER USER $app ACCOUNT UNLOCK;
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, LOCK TABLES,
  CREATE TEMPORARY TABLES ON $(sql_ident "$(sql_pattern "$DB_NAME")").* TO $app;
SET PASSWORD FOR 'replicator'@'%' = PASSWORD($(sql_string "$MARIADB_REPLICATION_PASSWORD"));
SET PASSWORD FOR 'exporter'@'127.0.0.1' = PASSWORD($(sql_string "$MARIADB_MONITOR_PASSWORD"));
CREATE USER IF NOT EXISTS 'failover'@'%' ACCOUNT LOCK;
SET PASSWORD FOR 'failover'@'%' = PASSWORD($(sql_string "$MARIADB_FAILOVER_PASSWORD"));
ALTER USER 'failover'@'%' ACCOUNT UNLOCK;
GRANT $FAILOVER_PRIVILEGES ON *.* TO 'failover'@'%';
SQL
echo "database $DB_NAME and user $DB_USER are ready on $PRIMARY_HOST:$PRIMARY_PORT"
