#!/bin/bash
# Bootstrap Job (SPEC S6): wait for the primary, then create the app database and its
# least-privilege user, and bring every Quire user's password in line with the Secret.
# Idempotent: it can run after every install and upgrade.
set -euo pipefail
: "${PRIMARY_HOST:?}" "${DB_NAME:?}" "${DB_USER:?}"
DB_PORT=${DB_PORT:-3306}
source "$(dirname "$0")/quote.sh"

umask 077
cnf=$(mktemp)
printf '[client]\nuser=root\npassword=%s\nhost=%s\nport=%s\n' \
  "$(cnf_string "$MARIADB_ROOT_PASSWORD")" "$PRIMARY_HOST" "$DB_PORT" >"$cnf"

for attempt in $(seq 1 60); do
  mariadb --defaults-extra-file="$cnf" -e 'SELECT 1' >/dev/null 2>&1 && break
  [ "$attempt" -lt 60 ] || { echo "primary $PRIMARY_HOST:$DB_PORT did not answer in 5 minutes" >&2; exit 1; }
  sleep 5
done

mariadb --defaults-extra-file="$cnf" <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS $(sql_string "$DB_USER")@'%' IDENTIFIED BY $(sql_string "$MARIADB_PASSWORD");
ALTER USER $(sql_string "$DB_USER")@'%' IDENTIFIED BY $(sql_string "$MARIADB_PASSWORD");
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, LOCK TABLES,
  CREATE TEMPORARY TABLES ON \`$DB_NAME\`.* TO $(sql_string "$DB_USER")@'%';
ALTER USER 'replicator'@'%' IDENTIFIED BY $(sql_string "$MARIADB_REPLICATION_PASSWORD");
ALTER USER 'exporter'@'127.0.0.1' IDENTIFIED BY $(sql_string "$MARIADB_MONITOR_PASSWORD");
SQL
rm -f "$cnf"
echo "database $DB_NAME and user $DB_USER are ready on $PRIMARY_HOST"
