import { describe, expect, it } from 'vitest';
import { replicationChecks } from '../../src/doctor/checks/replication-checks.js';
import type { SemiSyncReport } from '../../src/topology/node-report.js';
import type { ClusterSnapshot } from '../../src/doctor/index.js';
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

  it('reports the stopped replica with the command that starts it, and the primary going on alone', () => {
    const [unprotected, found, ...others] = replicationChecks(loadFixture('replica-stopped'));
    expect(others).toEqual([]);
    // As recorded: MariaDB keeps Rpl_semi_sync_master_status ON with no replica connected.
    expect(unprotected?.id).toBe('WRITES_NOT_ON_A_REPLICA');
    expect(unprotected?.evidence[0]?.detail).toContain('writes: NOT protected');
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

  describe("whether the primary's acknowledged writes are on a replica", () => {
    const withPrimarySemiSync = (semiSync: SemiSyncReport): ClusterSnapshot => {
      const healthy = loadFixture('healthy-stack');
      return {
        ...healthy,
        database: healthy.database.map((server) => (server.ordinal === 0 ? { ...server, semiSync } : server)),
      };
    };
    const semiSync = { ackingReplicas: 1, commitsWithoutAck: 2, replicaEnabled: false, replicaActive: false };

    it('finds nothing while semi-sync is in effect', () => {
      expect(
        replicationChecks(withPrimarySemiSync({ ...semiSync, primaryEnabled: true, primaryActive: true })),
      ).toEqual([]);
    });

    it('reports a fall-back to async as an error that names the primary', () => {
      const [found, ...others] = replicationChecks(
        withPrimarySemiSync({ ...semiSync, ackingReplicas: 0, primaryEnabled: true, primaryActive: false }),
      );
      expect(others).toEqual([]);
      expect(found?.id).toBe('WRITES_NOT_ON_A_REPLICA');
      expect(found?.severity).toBe('error');
      expect(found?.summary).toContain('the primary quire-mariadb-0 fell back to async replication');
      expect(found?.fix).toContain('whenNoReplicaAcks');
    });

    it('says when replication is configured async', () => {
      const [found, ...others] = replicationChecks(
        withPrimarySemiSync({ ...semiSync, primaryEnabled: false, primaryActive: false }),
      );
      expect(others).toEqual([]);
      expect(found?.id).toBe('WRITES_ASYNC');
      expect(found?.severity).toBe('info');
    });
  });
});
