/**
 * The database layer on a real primary and two replicas started by the local runner: reads on the
 * replicas and writes on the primary, read-your-writes through a stopped SQL thread and through
 * MASTER_DELAY, replicas leaving and rejoining the read pool, and a primary that dies and comes
 * back while the same Database object keeps serving.
 */
import { sql, type Generated } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Database,
  PrimaryUnavailableError,
  type DatabaseOptions,
  type GtidToken,
  type ReadOnlyKysely,
} from '../../src/db/index.js';
import { eventually, rootQuery, startTestCluster, type TestCluster } from '../support/local-mariadb.js';

interface Tables {
  note: { id: Generated<number>; body: string };
}

/** Which server answered, and whether it has the note. */
async function probe(db: ReadOnlyKysely<Tables>, body: string): Promise<{ server: number; found: boolean }> {
  const { rows } = await sql<{ server: number; found: number }>`
    SELECT @@server_id AS server, (SELECT COUNT(*) FROM note WHERE body = ${body}) AS found`.execute(db);
  return { server: Number(rows[0]?.server), found: Number(rows[0]?.found) > 0 };
}

async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const found = registry.getSingleMetric(`quire_db_${name}`);
  if (found === undefined) return 0;
  const { values } = await found.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}

describe('Database on a real primary and two replicas', () => {
  let test: TestCluster;
  /** Checks every 200 ms, lag bound 2 s: for the read pool tests. */
  let db: Database<Tables>;
  let registry: Registry;
  /** Checked once only, so that its read pool stays as it is: for the read-your-writes tests. */
  let steady: Database<Tables>;
  let steadyRegistry: Registry;
  const timings: Record<string, number> = {};

  const onReplicas = async (query: string): Promise<void> => {
    await Promise.all([rootQuery(test.cluster, 1, query), rootQuery(test.cluster, 2, query)]);
  };
  const write = (body: string): Promise<GtidToken | undefined> =>
    db.writer
      .write((trx) => trx.insertInto('note').values({ body }).execute())
      .then((result) => result.token);
  const servers = async (database: Database<Tables>, reads: number): Promise<Set<number>> => {
    const seen = new Set<number>();
    for (let i = 0; i < reads; i++) seen.add((await database.reader.read((q) => probe(q, ''))).server);
    return seen;
  };
  const onReplica = async (ordinal: number, body: string): Promise<boolean> => {
    const rows = (await rootQuery(
      test.cluster,
      ordinal,
      `SELECT COUNT(*) AS n FROM quire_app.note WHERE body = '${body}'`,
    )) as {
      n: number;
    }[];
    return Number(rows[0]?.n) > 0;
  };

  beforeAll(async () => {
    const start = Date.now();
    test = await startTestCluster('db', { replicas: 2 });
    timings['start cluster'] = Date.now() - start;
    const { cluster, app } = test;
    const options: DatabaseOptions = {
      primary: { host: app.host, port: app.port },
      replicas: [1, 2].map((ordinal) => ({
        host: cluster.node(ordinal).host,
        port: cluster.node(ordinal).port,
        name: `replica-${ordinal}`,
      })),
      database: app.database,
      user: app.user,
      password: app.password,
    };
    registry = new Registry();
    db = await Database.connect<Tables>({
      ...options,
      metrics: registry,
      healthCheckIntervalMs: 200,
      maxReplicaLagSeconds: 2,
      readYourWritesTimeoutMs: 300,
    });
    await db.writer.run((q) =>
      sql`CREATE TABLE note (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(100) NOT NULL)`.execute(q),
    );
    // onReplica fails until the table is there.
    await eventually(
      'the table on both replicas',
      async () => !(await onReplica(1, 'x')) && !(await onReplica(2, 'x')),
    );
    steadyRegistry = new Registry();
    steady = await Database.connect<Tables>({
      ...options,
      metrics: steadyRegistry,
      healthCheckIntervalMs: 3_600_000,
      readYourWritesTimeoutMs: 3000,
    });
  });

  afterAll(async () => {
    await steady.close();
    await db.close();
    await test.dispose();
    console.info('database test steps (ms):', timings);
  });

  it('reads go to the replicas in turn, writes to the primary', async () => {
    expect(await servers(db, 6)).toEqual(new Set([101, 102]));
    const { value, token } = await db.writer.run(async (q) => (await probe(q, '')).server);
    expect(value).toBe(100);
    const written = await db.writer.write(async (trx) => {
      await trx.insertInto('note').values({ body: 'first' }).execute();
      return (await sql<{ server: number }>`SELECT @@server_id AS server`.execute(trx)).rows[0]?.server;
    });
    expect(written.value).toBe(100);
    expect(written.token).toMatch(/^0-100-\d+$/);
    expect(written.token).not.toBe(token);
    const [position] = (await rootQuery(test.cluster, 0, 'SELECT @@gtid_binlog_pos AS p')) as { p: string }[];
    expect(written.token).toBe(position?.p);
    expect(await metric(registry, 'reads_total', { pool: 'replica-1' })).toBeGreaterThanOrEqual(3);
    expect(await metric(registry, 'reads_total', { pool: 'replica-2' })).toBeGreaterThanOrEqual(3);
    expect(await metric(registry, 'reads_total', { pool: 'primary' })).toBe(0);
    expect(await metric(registry, 'pool_connections_in_use', { pool: 'primary' })).toBe(0);
    expect(await metric(registry, 'primary_up')).toBe(1);
    // What must be current everywhere (credentials) is read on the primary when asked.
    const onPrimary = await db.reader.read(async (q) => (await probe(q, '')).server, { primary: true });
    expect(onPrimary).toBe(100);
    expect(await metric(registry, 'reads_total', { pool: 'primary' })).toBe(1);
    // The reader's type has no way to write.
    type Writes = Extract<
      keyof ReadOnlyKysely<Tables>,
      'insertInto' | 'updateTable' | 'deleteFrom' | 'transaction'
    >;
    // Fails to compile if ReadOnlyKysely had any of them.
    const readOnly: [Writes] extends [never] ? true : false = true;
    expect(readOnly).toBe(true);
  });

  it('read-your-writes holds while the replicas do not apply changes (SQL thread stopped)', async () => {
    await onReplicas('STOP SLAVE SQL_THREAD');
    try {
      const token = await write('while stopped');
      // Without the token a read is served by a replica that lacks the row...
      const stale = await steady.reader.read((q) => probe(q, 'while stopped'));
      expect(stale).toEqual({ server: expect.any(Number) as number, found: false });
      expect([101, 102]).toContain(stale.server);
      // ...with it, the replica is waited for, then the primary answers.
      const start = Date.now();
      expect(await steady.reader.read((q) => probe(q, 'while stopped'), { after: token })).toEqual({
        server: 100,
        found: true,
      });
      timings['read-your-writes fallback'] = Date.now() - start;
      expect(await metric(steadyRegistry, 'read_your_writes_waits_total', { outcome: 'timeout' })).toBe(1);
      expect(await metric(steadyRegistry, 'read_fallbacks_total', { reason: 'gtid_wait_timeout' })).toBe(1);
      expect(await metric(steadyRegistry, 'reads_total', { pool: 'primary' })).toBe(1);

      // A replica that applies the write while the read waits serves it.
      const second = await write('applied during the wait');
      const restart = new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
        onReplicas('START SLAVE SQL_THREAD'),
      );
      const fresh = await steady.reader.read((q) => probe(q, 'applied during the wait'), { after: second });
      await restart;
      expect(fresh.found).toBe(true);
      expect([101, 102]).toContain(fresh.server);
      expect(await metric(steadyRegistry, 'read_your_writes_waits_total', { outcome: 'reached' })).toBe(1);
    } finally {
      await onReplicas('START SLAVE SQL_THREAD');
    }
  });

  it('read-your-writes holds while replication is delayed (MASTER_DELAY), and lagging replicas leave the pool', async () => {
    await onReplicas('STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 60; START SLAVE');
    try {
      const token = await write('delayed');
      expect((await steady.reader.read((q) => probe(q, 'delayed'))).found).toBe(false);
      expect(await steady.reader.read((q) => probe(q, 'delayed'), { after: token })).toEqual({
        server: 100,
        found: true,
      });
      // The checker sees the replicas fall behind past the 2 s bound and reads go to the primary.
      const start = Date.now();
      await eventually('both replicas to leave the pool for their lag', () =>
        db.health().replicas.every((replica) => !replica.healthy && replica.reason.startsWith('lagging')),
      );
      timings['lagging replicas dropped'] = Date.now() - start;
      expect((await db.reader.read((q) => probe(q, 'delayed'))).server).toBe(100);
      expect(
        await metric(registry, 'read_fallbacks_total', { reason: 'no_healthy_replica' }),
      ).toBeGreaterThan(0);
      expect(await metric(registry, 'replica_lag_seconds', { pool: 'replica-1' })).toBeGreaterThan(2);
    } finally {
      await onReplicas('STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE');
    }
    await eventually('the replicas to catch up and rejoin', () =>
      db.health().replicas.every((replica) => replica.healthy),
    );
    expect(await onReplica(1, 'delayed')).toBe(true);
    expect(await servers(db, 6)).toEqual(new Set([101, 102]));
  });

  it('a stopped or down replica leaves the read pool and rejoins when it recovers', async () => {
    const health = (name: string): string | undefined =>
      db.health().replicas.find((replica) => replica.name === name)?.reason;
    await rootQuery(test.cluster, 1, 'STOP SLAVE');
    await eventually(
      'replica-1 to leave',
      () => health('replica-1') === 'replication SQL thread not running',
    );
    expect(await metric(registry, 'replica_healthy', { pool: 'replica-1' })).toBe(0);
    expect(await servers(db, 4)).toEqual(new Set([102]));

    // With replica-2 down as well, no replica is left: the primary serves reads.
    const start = Date.now();
    await test.cluster.stopNode(2);
    await eventually('replica-2 to leave', () => health('replica-2')?.startsWith('unreachable') === true);
    expect(await servers(db, 2)).toEqual(new Set([100]));

    await rootQuery(test.cluster, 1, 'START SLAVE');
    await eventually('replica-1 to rejoin', () => health('replica-1') === 'ok');
    expect(await servers(db, 2)).toEqual(new Set([101]));
    await test.cluster.startNode(2);
    await eventually('replica-2 to rejoin', () => health('replica-2') === 'ok');
    timings['replica 2 down and back'] = Date.now() - start;
    expect(await servers(db, 6)).toEqual(new Set([101, 102]));
  });

  it('a killed primary: writes fail with PrimaryUnavailableError, reads go on, and writes resume when it is back', async () => {
    const before = await write('before the crash');
    await eventually(
      'the row on both replicas',
      async () => (await onReplica(1, 'before the crash')) && onReplica(2, 'before the crash'),
    );
    await test.cluster.killNode(0, 'SIGKILL');
    const failure = await write('during the outage').then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(failure).toBeInstanceOf(PrimaryUnavailableError);
    expect(failure).toMatchObject({ code: 'DB_PRIMARY_UNAVAILABLE', statusCode: 503 });
    expect((failure as Error).message).toContain(
      `the primary database 127.0.0.1:${test.app.port} is unavailable`,
    );

    // The replicas, reconnecting to a primary that is down, keep serving what they have.
    await eventually('the checker to see the primary down', () => !db.health().primary.up);
    expect(await metric(registry, 'primary_up')).toBe(0);
    const during = await db.reader.read((q) => probe(q, 'before the crash'), { after: before });
    expect(during.found).toBe(true);
    expect([101, 102]).toContain(during.server);

    const start = Date.now();
    await test.cluster.startNode(0);
    // The same Database object: the pool opens new connections by itself.
    const token = await write('after the restart');
    timings['primary restart to first write'] = Date.now() - start;
    expect(token).toMatch(/^0-100-\d+$/);
    expect((await db.reader.read((q) => probe(q, 'after the restart'), { after: token })).found).toBe(true);
    await eventually('the replicas to reconnect and rejoin', () =>
      db.health().replicas.every((replica) => replica.healthy),
    );
    expect(await onReplica(2, 'after the restart')).toBe(true);
  });
});
