# The accounts Quire makes on every MariaDB server, and what each may do. Sourced, not run:
# run-server.sh makes them when it initialises the primary, bootstrap.sh keeps them in line on
# servers initialised by an older Quire.

# Replicas log in as replicator to stream the binary log and to clone (mariadb-backup).
# shellcheck disable=SC2034 # used by the scripts that source this file
REPLICATOR_PRIVILEGES='REPLICATION SLAVE, REPLICATION SLAVE ADMIN, BINLOG MONITOR'

# The metrics exporter beside each server, over loopback only.
# shellcheck disable=SC2034
EXPORTER_PRIVILEGES='PROCESS, REPLICA MONITOR, BINLOG MONITOR, SELECT'

# The failover manager: observe replication and semi-sync, promote (stop replication, RESET SLAVE
# ALL, which MariaDB ties to RELOAD; switch semi-sync, which REPLICATION MASTER ADMIN grants with
# the other semi-sync settings, and read_only), re-point replicas, fence a server (read_only, and
# end its clients' sessions: PROCESS to see them, CONNECTION ADMIN to kill them, which also lets it
# set the connection limits). No data or account privileges, no sync_binlog or InnoDB settings.
# shellcheck disable=SC2034
FAILOVER_PRIVILEGES='REPLICA MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN, READ_ONLY ADMIN, RELOAD, PROCESS, CONNECTION ADMIN'
