/**
 * The failover manager's SQL under its own account, on real servers (a primary and a replica run
 * by the pod scripts): the account of accounts.sh can observe, fence, promote and re-point — a
 * whole switchover — and can touch no data and no account.
 */
import { createConnection, type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectNode,
  FAILOVER_DB_USER,
  fenceNode,
  followPrimary,
  observeNode,
  promoteNode,
} from '../../src/topology/node-sql.js';
import {
  eventually,
  rootQuery,
  startTestCluster,
  TEST_PASSWORDS,
  type TestCluster,
} from '../support/local-mariadb.js';

let test: TestCluster;
const TIMEOUT_MS = 5000;

const failoverLogin = (ordinal: number) => {
  const node = test.cluster.node(ordinal);
  return { host: node.host, port: node.port, user: FAILOVER_DB_USER, password: TEST_PASSWORDS.failover };
};

beforeAll(async () => {
  test = await startTestCluster('node-sql');
  await rootQuery(test.cluster, 0, `CREATE TABLE ${test.app.database}.notes (id INT PRIMARY KEY)`);
}, 180_000);

afterAll(async () => {
  await test.dispose();
});

describe("the failover manager's account", () => {
  it('may touch no data, no account, and neither sync_binlog nor InnoDB flushing', async () => {
    const connection = await connectNode(failoverLogin(0), TIMEOUT_MS);
    try {
      for (const sql of [
        `SELECT * FROM ${test.app.database}.notes`,
        `INSERT INTO ${test.app.database}.notes VALUES (1)`,
        'SELECT * FROM mysql.global_priv',
        "CREATE USER 'intruder'@'%'",
        'SET GLOBAL sync_binlog = 0',
        'SET GLOBAL innodb_flush_log_at_trx_commit = 0',
      ]) {
        await expect(connection.query(sql), sql).rejects.toThrow(/denied|privilege/i);
      }
    } finally {
      await connection.end();
    }
  });

  it('switches the primary over: fence the primary (its clients cut off), promote the replica, re-point the old one', async () => {
    const [old, replica] = [
      await connectNode(failoverLogin(0), TIMEOUT_MS),
      await connectNode(failoverLogin(1), TIMEOUT_MS),
    ];
    const app: Connection = await createConnection({ ...test.app, database: test.app.database });
    try {
      expect((await observeNode(old, TIMEOUT_MS)).readOnly).toBe(false);
      expect((await observeNode(replica, TIMEOUT_MS)).replication?.sqlRunning).toBe('Yes');
      await app.query(`INSERT INTO ${test.app.database}.notes VALUES (1)`);

      await fenceNode(old, TIMEOUT_MS);
      expect((await observeNode(old, TIMEOUT_MS)).readOnly).toBe(true);
      // The app's session was ended: nothing more commits through it.
      await expect(app.query(`INSERT INTO ${test.app.database}.notes VALUES (2)`)).rejects.toThrow();

      await promoteNode(replica, { semiSync: true, applyTimeoutMs: TIMEOUT_MS });
      const promoted = await observeNode(replica, TIMEOUT_MS);
      expect(promoted.readOnly).toBe(false);
      expect(promoted.replication).toBeUndefined();

      const primary = test.cluster.node(1);
      await followPrimary(old, primary, {
        replicationPassword: TEST_PASSWORDS.replication,
        timeoutMs: TIMEOUT_MS,
      });
      await rootQuery(test.cluster, 1, `INSERT INTO ${test.app.database}.notes VALUES (3)`);
      await eventually('the row written on the new primary on the old one', async () => {
        const rows = await rootQuery(
          test.cluster,
          0,
          `SELECT id FROM ${test.app.database}.notes ORDER BY id`,
        );
        return JSON.stringify(rows) === JSON.stringify([{ id: 1 }, { id: 3 }]);
      });
      expect((await observeNode(old, TIMEOUT_MS)).replication).toMatchObject({
        masterPort: primary.port,
        sqlRunning: 'Yes',
      });
    } finally {
      app.destroy();
      await Promise.all([old.end(), replica.end()]);
    }
  });

  it('is made by bootstrap.sh on servers initialised without it, on every node', async () => {
    for (const ordinal of [0, 1]) {
      await rootQuery(
        test.cluster,
        ordinal,
        `SET SESSION sql_log_bin = 0; DROP USER '${FAILOVER_DB_USER}'@'%'`,
      );
    }
    await expect(connectNode(failoverLogin(0), TIMEOUT_MS)).rejects.toThrow(/denied/i);
    // The primary is node 1 now (the switchover above).
    test.cluster.recordPrimary(1, '');
    await test.cluster.bootstrap({
      database: test.app.database,
      user: test.app.user,
      password: test.app.password,
    });
    for (const ordinal of [1, 0]) {
      await eventually(`the account on node ${ordinal}`, async () => {
        const connection = await connectNode(failoverLogin(ordinal), TIMEOUT_MS);
        await connection.end();
        return true;
      });
    }
  });
});
