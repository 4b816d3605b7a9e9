/**
 * The database layer through a failover behind one write endpoint: a TCP forwarder in front of a
 * real primary (node 0) and replica (node 1), switched to the replica once the primary is fenced
 * read-only and the replica promoted, as a failover manager does. Writes get
 * PrimaryUnavailableError during the move and nothing else, then reach the new primary with no
 * restart; reads go on and see the session's writes; a token of the old primary holds on the nodes
 * after the move; the old primary rejoins as a replica and serves reads. Then back, through a
 * forwarder that closes its connections on the switch; connections that fail only when used; and
 * a read Service over both nodes, whose connections reach two servers at once.
 */
import { sql, type Generated, type Kysely } from 'kysely';
import { escape } from 'mysql2';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Database,
  mergeGtidTokens,
  PrimaryUnavailableError,
  type DatabaseOptions,
  type GtidToken,
  type ReadOnlyKysely,
} from '../../src/db/index.js';
import {
  eventually,
  rootQuery,
  startTestCluster,
  TEST_PASSWORDS,
  type TestCluster,
} from '../support/local-mariadb.js';
import { TcpForwarder, type ForwardTarget } from './support/tcp-forwarder.js';

interface Tables {
  note: { id: Generated<number>; body: string };
}

const WRITABLE = 'writable (@@read_only = 0): a primary, not a replica';
const NOT_REPLICATING = 'replication SQL thread not running';

async function serverId(db: ReadOnlyKysely<Tables> | Kysely<Tables>): Promise<number> {
  const { rows } = await sql<{ server: number }>`SELECT @@server_id AS server`.execute(db);
  return Number(rows[0]?.server);
}

/** Which server answered, and whether it has the note. */
async function probe(db: ReadOnlyKysely<Tables>, body: string): Promise<{ server: number; found: boolean }> {
  const { rows } = await sql<{ server: number; found: number }>`
    SELECT @@server_id AS server, (SELECT COUNT(*) FROM note WHERE body = ${body}) AS found`.execute(db);
  return { server: Number(rows[0]?.server), found: Number(rows[0]?.found) > 0 };
}

/** Insert a note; which server took it, and the token. */
async function write(db: Database<Tables>, body: string): Promise<{ server: number; token: GtidToken }> {
  const { value, token } = await db.writer.write(async (trx) => {
    await trx.insertInto('note').values({ body }).execute();
    return serverId(trx);
  });
  if (token === undefined) throw new Error(`the write of "${body}" gave no token`);
  return { server: value, token };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
}

/**
 * A session writing a note and reading it back with the write's token, over and over until
 * stopped, recording each outcome (`ok on <server>` or the error's name).
 */
function session(db: Database<Tables>): { stop(): Promise<void>; writes: string[]; reads: string[] } {
  const writes: string[] = [];
  const reads: string[] = [];
  const stopped = new AbortController();
  const done = (async () => {
    for (let i = 0; !stopped.signal.aborted; i++) {
      const body = `session ${i}`;
      let token: GtidToken | undefined;
      try {
        const written = await write(db, body);
        token = written.token;
        writes.push(`ok on ${written.server}`);
      } catch (error) {
        writes.push(error instanceof PrimaryUnavailableError ? error.name : String(error));
      }
      try {
        const seen = await db.reader.read((q) => probe(q, body), { after: token });
        reads.push(token === undefined || seen.found ? 'ok' : `"${body}" not seen on ${seen.server}`);
      } catch (error) {
        reads.push(String(error));
      }
      await sleep(20);
    }
  })();
  return {
    writes,
    reads,
    async stop() {
      stopped.abort();
      await done;
    },
  };
}

describe('a failover behind the write endpoint', () => {
  let test: TestCluster;
  /** The write endpoint. */
  let forwarder: TcpForwarder;
  const forwarders: TcpForwarder[] = [];
  let options: DatabaseOptions;
  /** Like the web app: checks every 200 ms, the replica list naming both nodes. */
  let app: Database<Tables>;
  /** The other Database objects a test opens, closed at the end. */
  const others: Database<Tables>[] = [];
  /** A token of the old primary, taken before the move. */
  let before: GtidToken;
  const timings: Record<string, number> = {};

  const node = (ordinal: number): ForwardTarget => {
    const { host, port } = test.cluster.node(ordinal);
    return { host, port };
  };
  const root = (ordinal: number, query: string): Promise<unknown[]> =>
    rootQuery(test.cluster, ordinal, query);
  const replicaReasons = (): Record<string, string> =>
    Object.fromEntries(app.health().replicas.map((replica) => [replica.name, replica.reason]));
  /**
   * The primary only (through `through`), checked once at the start: what its pool does follows
   * from its own queries.
   */
  const connectUnchecked = async (through = forwarder): Promise<Database<Tables>> => {
    const db = await Database.connect<Tables>({
      ...options,
      primary: { host: '127.0.0.1', port: through.port },
      replicas: [],
      healthCheckIntervalMs: 3_600_000,
    });
    others.push(db);
    return db;
  };

  /** Open `count` connections to the primary, idle when this returns. */
  const idle = async (db: Database<Tables>, count: number): Promise<void> => {
    await Promise.all(
      Array.from({ length: count }, () =>
        db.reader.read((q) => sql`SELECT SLEEP(0.1)`.execute(q), { primary: true }),
      ),
    );
  };

  /** Fence `from` (read-only), wait until `to` has applied all of it, and make `to` a primary. */
  const promote = async (from: number, to: number): Promise<void> => {
    await root(from, 'SET GLOBAL read_only = 1');
    const [fenced] = (await root(from, 'SELECT @@gtid_binlog_pos AS position')) as { position: string }[];
    const [caughtUp] = (await root(
      to,
      `SELECT MASTER_GTID_WAIT(${escape(fenced?.position ?? '')}, 20) AS result`,
    )) as { result: number }[];
    expect(caughtUp?.result).toBe(0);
    await root(to, 'STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0');
  };

  /** Make the read-only `ordinal` a replica of `primary`, from where its binary log ends. */
  const rejoin = async (ordinal: number, primary: number): Promise<void> => {
    const { host, port } = node(primary);
    await root(
      ordinal,
      `SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos;
      CHANGE MASTER TO MASTER_HOST = ${escape(host)}, MASTER_PORT = ${port}, MASTER_USER = 'replicator',
        MASTER_PASSWORD = ${escape(TEST_PASSWORDS.replication)}, MASTER_USE_GTID = slave_pos;
      START SLAVE`,
    );
  };

  beforeAll(async () => {
    const start = Date.now();
    test = await startTestCluster('failover', { replicas: 1 });
    timings['start cluster'] = Date.now() - start;
    forwarder = await TcpForwarder.start(node(0));
    forwarders.push(forwarder);
    options = {
      primary: { host: '127.0.0.1', port: forwarder.port },
      // After a failover the list names the new primary and the old one: both are here from the start.
      replicas: [
        { ...node(1), name: 'node-1' },
        { ...node(0), name: 'node-0' },
      ],
      database: test.app.database,
      user: test.app.user,
      password: test.app.password,
    };
    app = await Database.connect<Tables>({
      ...options,
      metrics: new Registry(),
      healthCheckIntervalMs: 200,
      maxReplicaLagSeconds: 2,
      readYourWritesTimeoutMs: 300,
    });
    await app.writer.run((q) =>
      sql`CREATE TABLE note (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(100) NOT NULL)`.execute(q),
    );
    await eventually('the table on the replica', async () => {
      await root(1, 'SELECT 1 FROM quire_app.note');
      return true;
    });
  });

  afterAll(async () => {
    for (const db of [app, ...others]) await db.close();
    for (const each of forwarders) await each.close();
    await test.dispose();
    console.info('failover test steps (ms):', timings);
  });

  it('before the move: the writable node in the replica list is the primary, not a replica', async () => {
    await app.checkHealth();
    expect(replicaReasons()).toEqual({ 'node-1': 'ok', 'node-0': WRITABLE });
    const servers = new Set<number>();
    for (let i = 0; i < 4; i++) servers.add(await app.reader.read(serverId));
    expect(servers).toEqual(new Set([101]));
    const written = await write(app, 'before the move');
    expect(written.server).toBe(100);
    expect(written.token).toMatch(/^0-100-\d+$/);
    before = written.token;
  });

  it('the move: writes get PrimaryUnavailableError or succeed, then reach the new primary; reads go on and see each write', async () => {
    // Connections opened before the move, which the forwarder keeps leading to the old primary.
    const writes = await connectUnchecked();
    await Promise.all(['a', 'b', 'c'].map((body) => write(writes, `warm ${body}`)));
    const mixed = await connectUnchecked();
    await write(mixed, 'warm mixed');
    const reads = await connectUnchecked();
    expect(await reads.reader.read(serverId, { primary: true })).toBe(100);

    const running = session(app);
    await sleep(300);
    const start = Date.now();

    // A transaction open when read_only is set: its COMMIT is refused, and nothing of it stays.
    const inFlight = failure(
      writes.writer.write(async (trx) => {
        await trx.insertInto('note').values({ body: 'in flight' }).execute();
        await sql`SELECT SLEEP(0.5)`.execute(trx);
      }),
    );
    await sleep(200);
    await root(0, 'SET GLOBAL read_only = 1');
    const refusedCommit = await inFlight;
    expect(refusedCommit).toBeInstanceOf(PrimaryUnavailableError);
    expect(refusedCommit).toMatchObject({ code: 'DB_PRIMARY_UNAVAILABLE', statusCode: 503 });
    expect(await root(0, "SELECT id FROM quire_app.note WHERE body = 'in flight'")).toEqual([]);

    // The endpoint still leads to the old primary.
    const refused = await failure(write(writes, 'while fenced'));
    expect(refused).toBeInstanceOf(PrimaryUnavailableError);
    expect((refused as Error).message).toContain(`the primary database 127.0.0.1:${forwarder.port}`);
    expect((refused as Error).message).toContain('--read-only');
    expect((refused as PrimaryUnavailableError).cause).toMatchObject({ errno: 1290 });

    await promote(0, 1);
    forwarder.switchTo(node(1), { closeOpen: false });
    timings['fence to switch'] = Date.now() - start;

    // Its three connections to the old primary were retired with the refused one: the first write
    // after the switch opens a new connection, through the forwarder, to the new primary.
    expect((await write(writes, 'after the switch')).server).toBe(101);

    // A pool that saw no error: the connection it opens to the new primary retires the one to the
    // old primary, which would not see that write.
    const stale = mixed.reader.read(async (q) => (await sql`SELECT SLEEP(0.5)`.execute(q), serverId(q)), {
      primary: true,
    });
    await sleep(100);
    expect((await write(mixed, 'on a new connection')).server).toBe(101);
    expect(await stale).toBe(100);
    for (let i = 0; i < 3; i++) {
      expect(await mixed.reader.read((q) => probe(q, 'on a new connection'), { primary: true })).toEqual({
        server: 101,
        found: true,
      });
    }

    // A pool that only reads keeps its connection to the old primary, which answers reads, until
    // the next health check finds the endpoint read-only and retires it.
    expect(await reads.reader.read(serverId, { primary: true })).toBe(100);
    await reads.checkHealth();
    expect(reads.health().primary).toMatchObject({
      up: false,
      error: expect.stringContaining('read-only') as string,
    });
    expect(await reads.reader.read(serverId, { primary: true })).toBe(101);
    expect((await reads.checkHealth()).primary.up).toBe(true);

    await eventually(
      'the session to write on the new primary',
      () => running.writes.at(-1) === 'ok on 101',
      10_000,
    );
    timings['fence to a write on the new primary'] = Date.now() - start;
    await sleep(300);
    await running.stop();
    expect(new Set(running.writes)).toEqual(new Set(['ok on 100', 'PrimaryUnavailableError', 'ok on 101']));
    expect(running.writes.lastIndexOf('ok on 100')).toBeLessThan(running.writes.indexOf('ok on 101'));
    expect(new Set(running.reads)).toEqual(new Set(['ok']));

    // Neither node serves as a replica now: reads go to the new primary, which has the old token.
    await eventually('the checker to see the new roles', () => {
      const reasons = replicaReasons();
      return (
        app.health().primary.up && reasons['node-1'] === WRITABLE && reasons['node-0'] === NOT_REPLICATING
      );
    });
    expect(await app.reader.read((q) => probe(q, 'before the move'), { after: before })).toEqual({
      server: 101,
      found: true,
    });
  });

  it('the old primary rejoins as a replica: a token from before the move is covered there, one from after it waited for', async () => {
    await rejoin(0, 1);
    await eventually('node-0 to serve reads', () => replicaReasons()['node-0'] === 'ok');
    const registry = new Registry();
    // Checked once, now: node-0 stays in its read pool while its SQL thread is stopped below.
    const steady = await Database.connect<Tables>({
      ...options,
      metrics: registry,
      healthCheckIntervalMs: 3_600_000,
      readYourWritesTimeoutMs: 3000,
    });
    others.push(steady);
    expect(steady.health().replicas.map((replica) => replica.reason)).toEqual([WRITABLE, 'ok']);
    const waits = async (outcome: string): Promise<number> => {
      const found = await registry.getSingleMetric('quire_db_read_your_writes_waits_total')?.get();
      return (found?.values ?? [])
        .filter((value) => value.labels.outcome === outcome)
        .reduce((sum, value) => sum + value.value, 0);
    };

    // `0-100-N` against node-0's position in domain 0, now `0-101-M` with M > N.
    expect(await steady.reader.read((q) => probe(q, 'before the move'), { after: before })).toEqual({
      server: 100,
      found: true,
    });
    expect(await waits('reached')).toBe(1);

    await root(0, 'STOP SLAVE SQL_THREAD');
    const after = await write(app, 'after the move');
    expect(after.token).toMatch(/^0-101-\d+$/);
    // The session's cookie keeps the later of its two tokens.
    const token = mergeGtidTokens(before, after.token);
    expect(token).toBe(after.token);
    const restart = sleep(300).then(() => root(0, 'START SLAVE SQL_THREAD'));
    const seen = await steady.reader.read((q) => probe(q, 'after the move'), { after: token });
    await restart;
    expect(seen).toEqual({ server: 100, found: true });
    expect(await waits('reached')).toBe(2);
    expect(await waits('timeout')).toBe(0);
  });

  it('back, through a forwarder that closes its connections: closed connections are not used again, reads are served, writes resume', async () => {
    // Idle connections to the current primary (node 1) when the forwarder closes them.
    const reads = await connectUnchecked();
    const writes = await connectUnchecked();
    await idle(reads, 3);
    await idle(writes, 2);
    await promote(1, 0);
    const start = Date.now();
    forwarder.switchTo(node(0), { closeOpen: true });
    // Asked at once, before the pools have seen their connections closed. The read, which
    // changes nothing, is tried again on a new connection: the lost one retired the other closed
    // ones. The write may be lost with its connection.
    const [read, written] = await Promise.all([
      reads.reader.read(serverId, { primary: true }),
      failure(write(writes, 'as the forwarder closes')),
    ]);
    expect(read).toBe(100);
    if (written !== undefined) expect(written).toBeInstanceOf(PrimaryUnavailableError);
    expect((await write(writes, 'after the close')).server).toBe(100);
    expect((await write(reads, 'after the close, too')).server).toBe(100);
    timings['switch to a write on the old primary again'] = Date.now() - start;
    await eventually('the checker to see the roles swapped back', () => {
      const reasons = replicaReasons();
      return (
        app.health().primary.up && reasons['node-0'] === WRITABLE && reasons['node-1'] === NOT_REPLICATING
      );
    });
    expect((await write(app, 'app after the close')).server).toBe(100);
  });

  it('connections that fail only when used (their server vanished without closing them): the first failure retires the others', async () => {
    // A forwarder of their own: the other pools' connections, which may be in use, stay whole.
    const vanishing = await TcpForwarder.start(node(0));
    forwarders.push(vanishing);
    const reads = await connectUnchecked(vanishing);
    const writes = await connectUnchecked(vanishing);
    await idle(reads, 3);
    await idle(writes, 3);
    vanishing.breakOpen();
    // The read is tried again on a new connection, not on the next broken one.
    expect(await reads.reader.read(serverId, { primary: true })).toBe(100);
    // One write is lost with its connection; the next opens a new one.
    expect(await failure(write(writes, 'on a broken connection'))).toBeInstanceOf(PrimaryUnavailableError);
    expect((await write(writes, 'on a new connection, too')).server).toBe(100);
  });

  it('a read Service spreading connections over two servers: a connection to the other one retires nothing', async () => {
    const service = await TcpForwarder.start(node(0), node(1));
    forwarders.push(service);
    const db = await Database.connect<Tables>({
      ...options,
      replicas: [],
      readService: { host: '127.0.0.1', port: service.port, name: 'read-service' },
      healthCheckIntervalMs: 3_600_000,
    });
    others.push(db);
    const servers = new Set<number>();
    for (let round = 0; round < 5; round++) {
      const pair = await Promise.all(
        [0, 1].map(() =>
          db.reader.read(async (q) => {
            await sql`SELECT SLEEP(0.05)`.execute(q);
            return serverId(q);
          }),
        ),
      );
      for (const server of pair) servers.add(server);
    }
    expect(servers).toEqual(new Set([100, 101]));
    // The health check's connection and one more, each used again in every round.
    expect(service.accepted).toBe(2);
  });
});
