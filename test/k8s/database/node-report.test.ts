import { describe, expect, it } from 'vitest';
import { parseNodeReport } from '../../../src/local/mariadb/node-report.js';

describe('parseNodeReport', () => {
  it('reads a primary (no replication)', () => {
    expect(parseNodeReport('read_only=0\ngtid_current_pos=0-100-7\n')).toEqual({
      readOnly: false,
      gtidCurrentPos: '0-100-7',
      raw: { read_only: '0', gtid_current_pos: '0-100-7' },
    });
  });

  it.each([
    {
      case: 'a replica in step',
      text:
        'read_only=1\ngtid_current_pos=0-100-7\nMaster_Host=127.0.0.1\nSlave_IO_Running=Yes\nSlave_SQL_Running=Yes\n' +
        'Seconds_Behind_Master=0\nLast_IO_Errno=0\nLast_IO_Error=\nLast_SQL_Errno=0\nLast_SQL_Error=\nGtid_IO_Pos=0-100-7\n',
      replication: {
        ioRunning: 'Yes',
        sqlRunning: 'Yes',
        secondsBehindMaster: 0,
        lastIoErrno: 0,
        gtidIoPos: '0-100-7',
      },
    },
    {
      case: 'a replica that lost its primary',
      text:
        'read_only=1\ngtid_current_pos=0-100-7\nMaster_Host=db-0\nSlave_IO_Running=Connecting\nSlave_SQL_Running=Yes\n' +
        "Seconds_Behind_Master=NULL\nLast_IO_Errno=2003\nLast_IO_Error=error reconnecting to master 'r@db-0:3306' - a=b\n",
      replication: {
        masterHost: 'db-0',
        ioRunning: 'Connecting',
        secondsBehindMaster: null,
        lastIoErrno: 2003,
        lastIoError: "error reconnecting to master 'r@db-0:3306' - a=b",
      },
    },
  ])('reads $case', ({ text, replication }) => {
    const report = parseNodeReport(text);
    expect(report.readOnly).toBe(true);
    expect(report.replication).toMatchObject(replication);
  });
});
