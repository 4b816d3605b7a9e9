/**
 * What one MariaDB server says of its role and replication: read_only, its GTID positions, the
 * semi-sync state and, on a replica, the fields of SHOW SLAVE STATUS. report.sh prints them as
 * key=value lines (for `quire status` and `quire doctor`, through `kubectl exec`); the failover
 * manager reads the same fields over SQL (`NODE_REPORT_QUERIES`). Both become a NodeReport here.
 */

export interface ReplicationReport {
  readonly masterHost: string;
  /** 0 when report.sh did not print it. */
  readonly masterPort: number;
  /** `Yes`, `No` or `Connecting`. */
  readonly ioRunning: string;
  readonly sqlRunning: string;
  /** `null` when MariaDB does not know (the IO thread is not connected). */
  readonly secondsBehindMaster: number | null;
  readonly lastIoErrno: number;
  readonly lastIoError: string;
  readonly lastSqlErrno: number;
  readonly lastSqlError: string;
  /** GTID position the IO thread has received. */
  readonly gtidIoPos: string;
}

/** Semi-synchronous replication as one server sees it. */
export interface SemiSyncReport {
  /** As a primary, it waits for a replica's ack (`rpl_semi_sync_master_enabled`). */
  readonly primaryEnabled: boolean;
  /** As a primary, it waits now: false after an ack timed out, until a replica caught up. */
  readonly primaryActive: boolean;
  /** Replicas connected that ack. */
  readonly ackingReplicas: number;
  /** Commits acknowledged without a replica's ack since the server started. */
  readonly commitsWithoutAck: number;
  /** As a replica, it acks what it receives (`rpl_semi_sync_slave_enabled`). */
  readonly replicaEnabled: boolean;
  /** As a replica, it is connected to its primary and acking now (`Rpl_semi_sync_slave_status`). */
  readonly replicaActive: boolean;
}

/**
 * Whether every write a primary acknowledged is on a replica: `semi-sync` (yes), `fell-back`
 * (semi-sync is configured but the primary went on without an ack: the last writes may be on the
 * primary alone until a replica catches up) or `async` (configured so: no such promise).
 */
export type WriteProtection = 'semi-sync' | 'fell-back' | 'async';

export function writeProtection(semiSync: SemiSyncReport): WriteProtection {
  if (!semiSync.primaryEnabled) return 'async';
  // With no replica connected MariaDB commits without waiting (rpl_semi_sync_master_wait_no_slave
  // OFF) yet keeps Rpl_semi_sync_master_status ON: only the count of acking replicas tells.
  return semiSync.primaryActive && semiSync.ackingReplicas > 0 ? 'semi-sync' : 'fell-back';
}

/** One line for a person: whether the primary's acknowledged writes are on a replica. */
export function describeWriteProtection(semiSync: SemiSyncReport): string {
  const withoutAck = `${semiSync.commitsWithoutAck} commit(s) acknowledged without a replica since the server started`;
  switch (writeProtection(semiSync)) {
    case 'semi-sync':
      return `writes: semi-sync, every acknowledged write is on a replica (${semiSync.ackingReplicas} acking; ${withoutAck})`;
    case 'fell-back':
      return `writes: NOT protected: semi-sync fell back to async (no replica connected, or none acked within database.durability.ackTimeoutMs), so the last acknowledged writes may be on the primary alone until a replica catches up (${withoutAck})`;
    case 'async':
      return 'writes: async replication (database.durability.replication): a lost primary may take its last acknowledged writes with it';
  }
}

export interface NodeReport {
  readonly readOnly: boolean;
  readonly gtidCurrentPos: string;
  /** The transactions in this server's own binary log: on a node that was primary, its writes. */
  readonly gtidBinlogPos: string;
  readonly semiSync: SemiSyncReport;
  /** Absent when the server has no replication configured (the primary). */
  readonly replication?: ReplicationReport;
  /** Every key=value line, as printed. */
  readonly raw: Readonly<Record<string, string>>;
}

/**
 * The role a server plays, as observed: the primary takes writes and replicates from no one; any
 * other server is a replica (one that takes writes too is a second primary: the doctor says so).
 */
export function observedRole(report: NodeReport): 'primary' | 'replica' {
  return !report.readOnly && report.replication === undefined ? 'primary' : 'replica';
}

/** report.sh's output. */
export function parseNodeReport(text: string): NodeReport {
  const raw: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) raw[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return nodeReportFromFields(raw);
}

/**
 * The statements that give report.sh's fields over SQL, each answering rows of (key, value) in
 * report.sh's names; SHOW SLAVE STATUS is read apart (`slaveStatusFields`).
 */
export const NODE_REPORT_QUERIES: readonly string[] = [
  `SELECT 'read_only', @@read_only UNION ALL SELECT 'gtid_current_pos', @@gtid_current_pos
   UNION ALL SELECT 'gtid_binlog_pos', @@gtid_binlog_pos
   UNION ALL SELECT 'semi_sync_master_enabled', @@rpl_semi_sync_master_enabled
   UNION ALL SELECT 'semi_sync_slave_enabled', @@rpl_semi_sync_slave_enabled`,
  `SELECT LOWER(SUBSTR(VARIABLE_NAME, 5)), VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
   WHERE VARIABLE_NAME IN ('RPL_SEMI_SYNC_MASTER_STATUS', 'RPL_SEMI_SYNC_MASTER_CLIENTS',
     'RPL_SEMI_SYNC_MASTER_NO_TX', 'RPL_SEMI_SYNC_SLAVE_STATUS')`,
];

/** The fields of SHOW SLAVE STATUS that report.sh prints, from its row (none: not a replica). */
export const SLAVE_STATUS_FIELDS = [
  'Master_Host',
  'Master_Port',
  'Slave_IO_Running',
  'Slave_SQL_Running',
  'Seconds_Behind_Master',
  'Last_IO_Errno',
  'Last_IO_Error',
  'Last_SQL_Errno',
  'Last_SQL_Error',
  'Gtid_IO_Pos',
] as const;

/** A NodeReport from report.sh's key=value fields, however they were read. */
export function nodeReportFromFields(raw: Readonly<Record<string, string>>): NodeReport {
  const int = (key: string): number => Number.parseInt(raw[key] ?? '0', 10) || 0;
  const str = (key: string): string => raw[key] ?? '';
  const replication: ReplicationReport | undefined =
    raw.Slave_IO_Running === undefined && raw.Slave_SQL_Running === undefined
      ? undefined
      : {
          masterHost: str('Master_Host'),
          masterPort: int('Master_Port'),
          ioRunning: str('Slave_IO_Running'),
          sqlRunning: str('Slave_SQL_Running'),
          secondsBehindMaster: /^\d+$/.test(str('Seconds_Behind_Master'))
            ? Number(str('Seconds_Behind_Master'))
            : null,
          lastIoErrno: int('Last_IO_Errno'),
          lastIoError: str('Last_IO_Error'),
          lastSqlErrno: int('Last_SQL_Errno'),
          lastSqlError: str('Last_SQL_Error'),
          gtidIoPos: str('Gtid_IO_Pos'),
        };
  const on = (key: string): boolean => raw[key] === '1' || raw[key] === 'ON';
  return {
    readOnly: raw.read_only === '1',
    gtidCurrentPos: str('gtid_current_pos'),
    gtidBinlogPos: str('gtid_binlog_pos'),
    semiSync: {
      primaryEnabled: on('semi_sync_master_enabled'),
      primaryActive: on('semi_sync_master_status'),
      ackingReplicas: int('semi_sync_master_clients'),
      commitsWithoutAck: int('semi_sync_master_no_tx'),
      replicaEnabled: on('semi_sync_slave_enabled'),
      replicaActive: on('semi_sync_slave_status'),
    },
    ...(replication === undefined ? {} : { replication }),
    raw,
  };
}
