/**
 * The output of report.sh (key=value lines: read_only, gtid_current_pos, the semi-sync state and,
 * on a replica, the fields of SHOW SLAVE STATUS) as a typed value: the one parser of it, for the
 * local runner, `quire status` and `quire doctor`.
 */

export interface ReplicationReport {
  readonly masterHost: string;
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
  readonly semiSync: SemiSyncReport;
  /** Absent when the server has no replication configured (the primary). */
  readonly replication?: ReplicationReport;
  /** Every key=value line, as printed. */
  readonly raw: Readonly<Record<string, string>>;
}

export function parseNodeReport(text: string): NodeReport {
  const raw: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) raw[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  const int = (key: string): number => Number.parseInt(raw[key] ?? '0', 10) || 0;
  const str = (key: string): string => raw[key] ?? '';
  const replication: ReplicationReport | undefined =
    raw.Slave_IO_Running === undefined && raw.Slave_SQL_Running === undefined
      ? undefined
      : {
          masterHost: str('Master_Host'),
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
    semiSync: {
      primaryEnabled: on('semi_sync_master_enabled'),
      primaryActive: on('semi_sync_master_status'),
      ackingReplicas: int('semi_sync_master_clients'),
      commitsWithoutAck: int('semi_sync_master_no_tx'),
      replicaEnabled: on('semi_sync_slave_enabled'),
    },
    ...(replication === undefined ? {} : { replication }),
    raw,
  };
}
