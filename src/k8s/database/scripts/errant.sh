#!/bin/bash
# Prints, as SQL, this server's transactions after GTID position $1 (all of them without it): the
# failover manager runs it on a node that holds writes no other node has (a primary that died
# before a replica received its last commits) and keeps the output before the node is cloned again.
source "$(dirname "$0")/common.sh"

first=$(local_sql -e 'SHOW BINARY LOGS' | head -n 1 | cut -f 1)
if [ -z "$first" ]; then
  echo "-- $POD_NAME has no binary log"
  exit 0
fi
# --verbose adds each row event's values as commented pseudo-SQL (the events themselves are base64).
exec mariadb-binlog --defaults-extra-file="$ROOT_CNF" --read-from-remote-server --socket="$SOCKET" \
  --verbose --to-last-log ${1:+"--start-position=$1"} "$first"
