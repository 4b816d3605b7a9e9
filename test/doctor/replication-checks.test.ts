import { describe, expect, it } from 'vitest';
import { replicationChecks } from '../../src/doctor/checks/replication-checks.js';
import { loadFixture } from './fixtures.js';

describe('replicationChecks', () => {
  it('finds nothing on the healthy stack, whose replica replicates', () => {
    const healthy = loadFixture('healthy-stack');
    expect(
      healthy.database.map((server) => [server.pod, server.readOnly, server.replica?.ioRunning ?? null]),
    ).toEqual([
      ['quire-mariadb-0', false, null],
      ['quire-mariadb-1', true, 'Yes'],
    ]);
    expect(replicationChecks(healthy)).toEqual([]);
  });

  it('reports the stopped replica with the command that starts it', () => {
    const [found, ...others] = replicationChecks(loadFixture('replica-stopped'));
    expect(others).toEqual([]);
    expect(found?.id).toBe('REPLICA_NOT_RUNNING');
    expect(found?.summary).toBe(
      'replica quire-mariadb-1 is not replicating from quire-mariadb-0.quire-mariadb (Slave_IO_Running No, Slave_SQL_Running No)',
    );
    expect(found?.fix).toContain("-e 'START SLAVE'");
  });

  it('reports a replica that accepts writes', () => {
    const [found, ...others] = replicationChecks(loadFixture('replica-writable'));
    expect(others).toEqual([]);
    expect(found?.id).toBe('SECOND_WRITABLE_PRIMARY');
    expect(found?.fix).toContain('SET GLOBAL read_only = ON');
  });

  it('warns about the replica lagging past the bound', () => {
    const [found, ...others] = replicationChecks(loadFixture('replica-lagging'));
    expect(others).toEqual([]);
    expect(found?.id).toBe('REPLICATION_LAGGING');
    expect(found?.severity).toBe('warning');
    expect(found?.summary).toMatch(
      /^replica quire-mariadb-1 is \d+s behind the primary \(database\.maxReplicationLagSeconds is 30\)$/,
    );
  });

  it('does not call the same lag a problem under a wider bound', () => {
    const recorded = loadFixture('replica-lagging');
    expect(
      replicationChecks({ ...recorded, quire: { ...recorded.quire, maxReplicationLagSeconds: 86400 } }),
    ).toEqual([]);
  });

  it('reports replication broken with the error number and text', () => {
    const [found, ...others] = replicationChecks(loadFixture('replication-broken'));
    expect(others).toEqual([]);
    expect(found?.id).toBe('REPLICATION_BROKEN');
    expect(found?.summary).toContain('replication on quire-mariadb-1 stopped with error 1062 (SQL thread)');
    expect(found?.summary).toContain("Duplicate entry '1' for key 'PRIMARY'");
  });
});

describe('replicationChecks when a server cannot be read', () => {
  it('warns, naming the pod and why', () => {
    const recorded = loadFixture('healthy-stack');
    const [found, ...others] = replicationChecks({
      ...recorded,
      database: recorded.database.map((server) =>
        server.ordinal === 1
          ? {
              ...server,
              readOnly: null,
              replica: null,
              unreadable: 'the mariadb container is not running (pod Pending)',
            }
          : server,
      ),
    });
    expect(others).toEqual([]);
    expect(found?.severity).toBe('warning');
    expect(found?.summary).toBe(
      'the replication state of quire-mariadb-1 could not be read: the mariadb container is not running (pod Pending)',
    );
  });
});
