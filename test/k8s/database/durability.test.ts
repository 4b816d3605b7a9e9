/**
 * database.durability on real MariaDB servers started by the pod scripts (configure.sh writes the
 * settings on both targets): semi-sync waits AFTER_SYNC for a replica's ack, with `block` a commit
 * no replica received is never acknowledged, with `fall-back` the primary goes on alone and the
 * report says so until the replica is back, and `async` is reported as such.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DURABILITY } from '../../../src/config/schema.js';
import { writeProtection } from '../../../src/topology/node-report.js';
import { eventually, rootQuery, startTestCluster, type TestCluster } from '../../support/local-mariadb.js';

const variable = async (test: TestCluster, ordinal: number, name: string): Promise<string> => {
  const rows = (await rootQuery(test.cluster, ordinal, `SELECT @@${name} AS value`)) as { value: unknown }[];
  return String(rows[0]?.value);
};

/** Whether `promise` settles within `ms`. */
const settlesWithin = (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      setTimeout(() => {
        resolve(false);
      }, ms);
    }),
  ]);

describe('database.durability on real MariaDB', () => {
  describe('semi-sync, falling back when no replica acks (the default)', () => {
    let test: TestCluster;
    beforeAll(async () => {
      test = await startTestCluster('durability-fall-back', { replicas: 1 });
      await rootQuery(test.cluster, 0, 'CREATE TABLE quire_app.note (id INT PRIMARY KEY)');
    });
    afterAll(async () => {
      await test.dispose();
    });

    it('runs lossless settings on every server: semi-sync AFTER_SYNC, binlog and InnoDB log synced per commit', async () => {
      expect(DEFAULT_DURABILITY).toEqual({
        replication: 'semi-sync',
        ackTimeoutMs: 5000,
        whenNoReplicaAcks: 'fall-back',
      });
      expect(await variable(test, 0, 'rpl_semi_sync_master_enabled')).toBe('1');
      expect(await variable(test, 0, 'rpl_semi_sync_master_wait_point')).toBe('AFTER_SYNC');
      expect(await variable(test, 0, 'rpl_semi_sync_master_timeout')).toBe('5000');
      expect(await variable(test, 1, 'rpl_semi_sync_slave_enabled')).toBe('1');
      for (const ordinal of [0, 1]) {
        expect(await variable(test, ordinal, 'sync_binlog')).toBe('1');
        expect(await variable(test, ordinal, 'innodb_flush_log_at_trx_commit')).toBe('1');
        expect(await variable(test, ordinal, 'gtid_strict_mode')).toBe('1');
      }
      await rootQuery(test.cluster, 0, 'INSERT INTO quire_app.note VALUES (1)');
      const report = await test.cluster.report(0);
      expect(report.semiSync).toMatchObject({ primaryEnabled: true, primaryActive: true, ackingReplicas: 1 });
      expect(writeProtection(report.semiSync)).toBe('semi-sync');
    });

    it('goes on alone when the replica stops receiving, says so, and waits for acks again once it is back', async () => {
      const before = (await test.cluster.report(0)).semiSync.commitsWithoutAck;
      await rootQuery(test.cluster, 1, 'STOP SLAVE IO_THREAD');
      try {
        await eventually(
          'the replica to disconnect',
          async () => (await test.cluster.report(0)).semiSync.ackingReplicas === 0,
        );
        // No replica connected: the commit is acknowledged without waiting for the timeout.
        expect(
          await settlesWithin(rootQuery(test.cluster, 0, 'INSERT INTO quire_app.note VALUES (2)'), 3000),
        ).toBe(true);
        const report = await test.cluster.report(0);
        expect(writeProtection(report.semiSync)).toBe('fell-back');
        expect(report.semiSync.commitsWithoutAck).toBeGreaterThan(before);
      } finally {
        await rootQuery(test.cluster, 1, 'START SLAVE IO_THREAD');
      }
      await eventually('semi-sync to be in effect again', async () => {
        await rootQuery(
          test.cluster,
          0,
          'INSERT INTO quire_app.note VALUES (3) ON DUPLICATE KEY UPDATE id = id',
        );
        return writeProtection((await test.cluster.report(0)).semiSync) === 'semi-sync';
      });
    });
  });

  describe('semi-sync that blocks without an ack', () => {
    let test: TestCluster;
    beforeAll(async () => {
      test = await startTestCluster('durability-block', {
        replicas: 1,
        durability: { replication: 'semi-sync', ackTimeoutMs: 1000, whenNoReplicaAcks: 'block' },
      });
      await rootQuery(test.cluster, 0, 'CREATE TABLE quire_app.note (id INT PRIMARY KEY)');
    });
    afterAll(async () => {
      await test.dispose();
    });

    it('never acknowledges a commit that no replica has received, and does once one has', async () => {
      await rootQuery(test.cluster, 1, 'STOP SLAVE IO_THREAD');
      let commit: Promise<unknown> | undefined;
      try {
        commit = rootQuery(test.cluster, 0, 'INSERT INTO quire_app.note VALUES (1)');
        // Well past the ack timeout of 1 s: `block` does not give up.
        expect(await settlesWithin(commit, 4000)).toBe(false);
        expect((await test.cluster.report(0)).semiSync.commitsWithoutAck).toBe(0);
      } finally {
        await rootQuery(test.cluster, 1, 'START SLAVE IO_THREAD');
      }
      expect(await settlesWithin(commit, 20_000)).toBe(true);
      await eventually('the row on the replica', async () => {
        const rows = (await rootQuery(test.cluster, 1, 'SELECT COUNT(*) AS n FROM quire_app.note')) as {
          n: number;
        }[];
        return Number(rows[0]?.n) === 1;
      });
    });
  });

  describe('async', () => {
    let test: TestCluster;
    beforeAll(async () => {
      test = await startTestCluster('durability-async', {
        replicas: 1,
        durability: { ...DEFAULT_DURABILITY, replication: 'async' },
      });
    });
    afterAll(async () => {
      await test.dispose();
    });

    it('replicates without acks and reports that the primary alone may hold the last writes', async () => {
      expect(await variable(test, 0, 'rpl_semi_sync_master_enabled')).toBe('0');
      expect(await variable(test, 1, 'rpl_semi_sync_slave_enabled')).toBe('0');
      expect(writeProtection((await test.cluster.report(0)).semiSync)).toBe('async');
    });
  });
});
