import { describe, expect, it } from 'vitest';
import { parseNodeReport, writeProtection } from '../../src/topology/node-report.js';

describe('parseNodeReport', () => {
  it('reads a primary (no replication)', () => {
    expect(parseNodeReport('read_only=0\ngtid_current_pos=0-100-7\ngtid_binlog_pos=0-100-7\n')).toEqual({
      readOnly: false,
      gtidCurrentPos: '0-100-7',
      gtidBinlogPos: '0-100-7',
      semiSync: {
        primaryEnabled: false,
        primaryActive: false,
        ackingReplicas: 0,
        commitsWithoutAck: 0,
        replicaEnabled: false,
        replicaActive: false,
      },
      raw: { read_only: '0', gtid_current_pos: '0-100-7', gtid_binlog_pos: '0-100-7' },
    });
  });

  it.each([
    { case: 'acked by a replica', enabled: '1', status: 'ON', clients: 1, protection: 'semi-sync' },
    { case: 'after an ack timed out', enabled: '1', status: 'OFF', clients: 1, protection: 'fell-back' },
    // MariaDB keeps the status ON while it commits with no replica connected.
    { case: 'with no replica connected', enabled: '1', status: 'ON', clients: 0, protection: 'fell-back' },
    { case: 'configured async', enabled: '0', status: 'OFF', clients: 0, protection: 'async' },
  ] as const)(
    'tells whether a primary $case protects its writes',
    ({ enabled, status, clients, protection }) => {
      const report = parseNodeReport(
        `read_only=0\nsemi_sync_master_enabled=${enabled}\nsemi_sync_slave_enabled=0\n` +
          `semi_sync_master_clients=${clients}\nsemi_sync_master_no_tx=3\nsemi_sync_master_status=${status}\n`,
      );
      expect(report.semiSync).toMatchObject({ ackingReplicas: clients, commitsWithoutAck: 3 });
      expect(writeProtection(report.semiSync)).toBe(protection);
    },
  );

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
