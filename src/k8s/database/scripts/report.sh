#!/bin/bash
# Prints this server's role and replication state as key=value lines, for `quire status` and
# `quire doctor` (run in the server container with `kubectl exec`).
source "$(dirname "$0")/common.sh"

printf 'read_only=%s\n' "$(local_sql -e 'SELECT @@read_only')"
printf 'gtid_current_pos=%s\n' "$(local_sql -e 'SELECT @@gtid_current_pos')"
printf 'gtid_binlog_pos=%s\n' "$(local_sql -e 'SELECT @@gtid_binlog_pos')"
# Semi-sync: whether it is on, and on the primary whether it is in effect (OFF after a fall-back
# to async), how many replicas ack, and how many commits went without an ack since the start.
printf 'semi_sync_master_enabled=%s\nsemi_sync_slave_enabled=%s\n' \
  "$(local_sql -e 'SELECT @@rpl_semi_sync_master_enabled')" "$(local_sql -e 'SELECT @@rpl_semi_sync_slave_enabled')"
local_sql -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_clients', 'Rpl_semi_sync_master_no_tx', 'Rpl_semi_sync_slave_status')" |
  sed -n 's/^Rpl_\(semi_sync_[a-z_]*\)\t\(.*\)$/\1=\2/p'
local_sql --column-names -e 'SHOW SLAVE STATUS\G' |
  sed -n 's/^ *\(Master_Host\|Master_Port\|Slave_IO_Running\|Slave_SQL_Running\|Seconds_Behind_Master\|Last_IO_Errno\|Last_IO_Error\|Last_SQL_Errno\|Last_SQL_Error\|Gtid_IO_Pos\): \(.*\)$/\1=\2/p'
