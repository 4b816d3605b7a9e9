/**
 * The output of report.sh (key=value lines: read_only, gtid_current_pos and, on a replica, the
 * fields of SHOW SLAVE STATUS) as a typed value.
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

export interface NodeReport {
  readonly readOnly: boolean;
  readonly gtidCurrentPos: string;
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
  return {
    readOnly: raw.read_only === '1',
    gtidCurrentPos: str('gtid_current_pos'),
    ...(replication === undefined ? {} : { replication }),
    raw,
  };
}
