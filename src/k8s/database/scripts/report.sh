#!/bin/bash
# Prints this server's role and replication state as key=value lines, for `quire status` and
# `quire doctor` (run in the server container with `kubectl exec`).
source "$(dirname "$0")/common.sh"

printf 'read_only=%s\n' "$(local_sql -e 'SELECT @@read_only')"
printf 'gtid_current_pos=%s\n' "$(local_sql -e 'SELECT @@gtid_current_pos')"
local_sql --column-names -e 'SHOW SLAVE STATUS\G' |
  sed -n 's/^ *\(Master_Host\|Slave_IO_Running\|Slave_SQL_Running\|Seconds_Behind_Master\|Last_IO_Errno\|Last_IO_Error\|Last_SQL_Errno\|Last_SQL_Error\|Gtid_IO_Pos\): \(.*\)$/\1=\2/p'
