/**
 * The history and its checker on a real primary and replica, replicating asynchronously (the
 * durability weakened on purpose): a history without a fault holds; real server errors and a
 * frozen server are classified as the writer says; a duplicated and a made-up id, a split brain,
 * a replica behind and a replica that diverged each break the history; and a primary lost while its replica was not receiving
 * takes acknowledged writes with it, which the checker reports as lost.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Durability } from '../../../src/k8s/database/pod-scripts.js';
import { eventually, rootQuery, startTestCluster, TEST_APP, type TestCluster } from '../local-mariadb.js';
import { stepTimer } from '../timings.js';
import {
  assertHistoryHolds,
  checkHistory,
  describeVerdict,
  findSplitBrain,
  sqlWriter,
  startHistory,
  type AttemptResult,
  type DbNode,
  type Endpoint,
  type History,
  type HistoryRun,
  type NodeWriteState,
  type ReadOnlySample,
} from './index.js';

/** Acknowledged as soon as the primary has committed: a lost primary can take its last writes with it. */
const ASYNC: Durability = { replication: 'async', ackTimeoutMs: 5000, whenNoReplicaAcks: 'fall-back' };

const login = { user: TEST_APP.user, password: TEST_APP.password, database: TEST_APP.database };

let test: TestCluster;
const { timings, timed } = stepTimer();

beforeAll(async () => {
  test = await timed('start primary + replica', () =>
    startTestCluster('history', { replicas: 1, durability: ASYNC }),
  );
});

afterAll(async () => {
  await test.dispose();
  console.info('history steps (ms):', timings);
});

function node(ordinal: number): DbNode {
  const { name, host, port } = test.cluster.node(ordinal);
  return { name, host, port };
}

function endpoint(ordinal: number): Endpoint {
  const { host, port } = node(ordinal);
  return { host, port };
}

const nodes = (): DbNode[] => [node(0), node(1)];

function stateOf(sample: ReadOnlySample, ordinal: number): NodeWriteState | undefined {
  return sample.nodes.find((entry) => entry.name === node(ordinal).name)?.state;
}

/** Wait until `count` writes begun since `sinceMs` are acknowledged. */
async function acknowledged(run: HistoryRun, count: number, sinceMs = run.now()): Promise<void> {
  await eventually(`${count} acknowledged writes`, () => {
    return run.attempts.filter((entry) => entry.outcome === 'ok' && entry.startMs >= sinceMs).length >= count;
  });
}

/** Run `during` while the history runs, then stop it (also when `during` fails). */
async function recorded(run: HistoryRun, during: () => Promise<void>): Promise<History> {
  try {
    await during();
  } catch (error) {
    await run.stop();
    throw error;
  }
  return run.stop();
}

describe('on a healthy cluster', () => {
  it('a history without a fault holds: every write acknowledged and present once, converged, one writable node', async () => {
    const run = await startHistory({ write: () => endpoint(0), login, nodes, writers: 4 });
    const history = await timed('history without a fault', () => recorded(run, () => acknowledged(run, 200)));
    const verdict = await checkHistory(history, { primary: endpoint(0), nodes: nodes(), login });
    console.info(`without a fault:\n${describeVerdict(verdict)}`);
    expect(verdict.attempts.ok).toBeGreaterThanOrEqual(200);
    expect(verdict.attempts).toMatchObject({ failed: 0, unknown: 0 });
    expect(verdict).toMatchObject({
      lost: [],
      duplicated: [],
      phantom: [],
      failedPresent: [],
      splitBrainSamples: [],
    });
    expect(verdict.convergence.nodes.map((entry) => entry.state)).toEqual(['equal', 'equal']);
    expect(verdict.recoveries.overall).toEqual([]);
    expect(verdict.samples).toBeGreaterThan(3);
    expect(
      history.samples.every(
        (sample) => stateOf(sample, 0) === 'writable' && stateOf(sample, 1) === 'read-only',
      ),
    ).toBe(true);
    expect(() => {
      assertHistoryHolds(verdict);
    }).not.toThrow();
  });

  it('a read-only replica refuses an INSERT (failed); an INSERT to a frozen primary is unknown, and is applied once it thaws', async () => {
    const toReplica = sqlWriter({
      name: 'probe',
      write: () => endpoint(1),
      login,
      connectTimeoutMs: 1000,
      queryTimeoutMs: 1000,
    });
    expect(await toReplica.attempt('probe.replica.1')).toEqual({
      outcome: 'failed',
      error: expect.stringMatching(/^ER_OPTION_PREVENTS_STATEMENT \(1290\): /) as string,
    });
    await toReplica.close();

    const toPrimary = sqlWriter({
      name: 'probe',
      write: () => endpoint(0),
      login,
      connectTimeoutMs: 1000,
      queryTimeoutMs: 1000,
    });
    expect(await toPrimary.attempt('probe.frozen.1')).toEqual({ outcome: 'ok' });
    await test.cluster.killNode(0, 'SIGSTOP', 'server');
    let frozen: AttemptResult | undefined;
    try {
      frozen = await toPrimary.attempt('probe.frozen.2');
    } finally {
      await test.cluster.killNode(0, 'SIGCONT', 'server');
      await toPrimary.close();
    }
    expect(frozen).toEqual({
      outcome: 'unknown',
      error: 'PROTOCOL_SEQUENCE_TIMEOUT: Query inactivity timeout',
    });
    await eventually('the timed-out INSERT applied after the thaw', async () => {
      const rows = (await rootQuery(
        test.cluster,
        0,
        "SELECT COUNT(*) AS n FROM quire_app.quire_history WHERE id = 'probe.frozen.2'",
      )) as { n: number }[];
      return Number(rows[0]?.n) === 1;
    });
  });

  it('an id present twice and one never attempted, in the real table, are duplicated and phantom', async () => {
    const run = await startHistory({ write: () => endpoint(0), login, nodes, writers: 2 });
    const history = await recorded(run, () => acknowledged(run, 20));
    const written = history.attempts.find((entry) => entry.outcome === 'ok')?.id;
    const madeUp = `${history.run}.sql-1.999999`;
    await rootQuery(
      test.cluster,
      0,
      `INSERT INTO quire_app.quire_history (id) VALUES ('${String(written)}'), ('${madeUp}')`,
    );
    const verdict = await checkHistory(history, { primary: endpoint(0), nodes: nodes(), login });
    expect(verdict).toMatchObject({ lost: [], duplicated: [written], phantom: [madeUp], failedPresent: [] });
    expect(verdict.convergence.converged).toBe(true);
    expect(() => {
      assertHistoryHolds(verdict);
    }).toThrow(/1 ids present more than once[\s\S]*1 ids present but never attempted/);
  });

  it('two writable nodes, a replica behind, and a replica that diverged each break the history', async () => {
    const run = await startHistory({ write: () => endpoint(0), login, nodes, writers: 2 });
    let bothWritableFromMs = 0;
    let bothWritableUntilMs = 0;
    const history = await recorded(run, async () => {
      await acknowledged(run, 50);
      bothWritableFromMs = run.now();
      await rootQuery(test.cluster, 1, 'SET GLOBAL read_only = 0');
      await eventually('two samples with both nodes writable', () => findSplitBrain(run.samples).length >= 2);
      await rootQuery(test.cluster, 1, 'SET GLOBAL read_only = 1');
      bothWritableUntilMs = run.now();
      // A change on the replica alone (not in its binary log), which replication never undoes.
      await rootQuery(
        test.cluster,
        1,
        "SET SESSION sql_log_bin = 0; UPDATE quire_app.quire_history SET id = CONCAT('diverged-', id) ORDER BY seq LIMIT 1",
      );
      await rootQuery(test.cluster, 1, 'STOP SLAVE SQL_THREAD');
      await acknowledged(run, 50);
    });

    const behind = await checkHistory(history, {
      primary: endpoint(0),
      nodes: nodes(),
      login,
      catchUpTimeoutMs: 1000,
    });
    console.info(`split brain, replica behind:\n${describeVerdict(behind)}`);
    expect(behind).toMatchObject({ lost: [], duplicated: [], phantom: [], failedPresent: [] });
    expect(behind.splitBrainSamples.length).toBeGreaterThanOrEqual(2);
    for (const sample of behind.splitBrainSamples) {
      expect(sample.writable).toEqual([node(0).name, node(1).name]);
      expect(sample.atMs).toBeGreaterThanOrEqual(bothWritableFromMs);
      expect(sample.atMs).toBeLessThanOrEqual(bothWritableUntilMs);
    }
    expect(behind.convergence.nodes.map((entry) => entry.state)).toEqual(['equal', 'behind']);
    expect(() => {
      assertHistoryHolds(behind);
    }).toThrow(/samples with two or more writable nodes[\s\S]*not converged: quire-mariadb-1 behind/);

    await rootQuery(test.cluster, 1, 'START SLAVE SQL_THREAD');
    const diverged = await checkHistory(history, { primary: endpoint(0), nodes: nodes(), login });
    expect(diverged.convergence.nodes.map((entry) => entry.state)).toEqual(['equal', 'different']);
    expect(() => {
      assertHistoryHolds(diverged);
    }).toThrow(/not converged: quire-mariadb-1 different/);

    // Undone, the same tables converge again: the checksums differed by that one row.
    await rootQuery(
      test.cluster,
      1,
      "SET SESSION sql_log_bin = 0; UPDATE quire_app.quire_history SET id = SUBSTRING(id, 10) WHERE id LIKE 'diverged-%'",
    );
    const repaired = await checkHistory(history, { primary: endpoint(0), nodes: nodes(), login });
    expect(repaired.convergence.converged).toBe(true);
  });
});

describe('when durability is weakened on purpose', () => {
  it('a primary lost while its replica received nothing takes acknowledged writes with it: the checker reports them lost', async () => {
    let writeTo = endpoint(0);
    const run = await startHistory({ write: () => writeTo, login, nodes, writers: 4 });
    let ioStoppedMs = 0;
    let killFromMs = 0;
    let killedMs = 0;
    let promotedMs = 0;
    const history = await timed('history across the lost primary', () =>
      recorded(run, async () => {
        await acknowledged(run, 50);
        await rootQuery(test.cluster, 1, 'STOP SLAVE IO_THREAD');
        ioStoppedMs = run.now();
        // Acknowledged writes now land on the primary only.
        await sleep(1000);
        killFromMs = run.now();
        await test.cluster.killNode(0, 'SIGKILL', 'server');
        killedMs = run.now();
        await rootQuery(test.cluster, 1, 'STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0');
        writeTo = endpoint(1);
        promotedMs = run.now();
        await acknowledged(run, 50, promotedMs);
      }),
    );
    const verdict = await timed('check against the promoted replica', () =>
      checkHistory(history, { primary: endpoint(1), nodes: [node(1)], login }),
    );
    console.info(`across the lost primary:\n${describeVerdict(verdict)}`);

    // Every write acknowledged while the replica received nothing is lost; none that the new
    // primary acknowledged is.
    const acknowledgedWhileCutOff = history.attempts
      .filter((entry) => entry.outcome === 'ok' && entry.startMs >= ioStoppedMs && entry.endMs <= killFromMs)
      .map((entry) => entry.id);
    expect(acknowledgedWhileCutOff.length).toBeGreaterThan(20);
    expect(verdict.lost).toEqual(expect.arrayContaining(acknowledgedWhileCutOff));
    const lost = new Set(verdict.lost);
    expect(
      history.attempts.filter((entry) => lost.has(entry.id)).every((entry) => entry.endMs <= killedMs),
    ).toBe(true);
    expect(verdict).toMatchObject({ duplicated: [], phantom: [], failedPresent: [], splitBrainSamples: [] });
    expect(verdict.convergence.converged).toBe(true);
    expect(() => {
      assertHistoryHolds(verdict);
    }).toThrow(/acknowledged writes lost \(absent on the primary\)/);

    // The sampler saw the old primary go and the replica become writable.
    expect(
      history.samples.some(
        (sample) => stateOf(sample, 0) === 'unreachable' && stateOf(sample, 1) === 'writable',
      ),
    ).toBe(true);
    // One outage, from about the kill to the first write the new primary acknowledged; every
    // writer recovered.
    expect(verdict.recoveries.overall).toHaveLength(1);
    const [outage] = verdict.recoveries.overall;
    expect(outage?.fromMs).toBeGreaterThanOrEqual(ioStoppedMs);
    expect(outage?.fromMs).toBeLessThanOrEqual(killedMs);
    expect(outage?.toMs).toBeGreaterThanOrEqual(promotedMs);
    for (const outages of Object.values(verdict.recoveries.byWriter)) {
      expect(outages).toHaveLength(1);
      expect(outages[0]?.toMs).toBeGreaterThanOrEqual(promotedMs);
    }
  });
});
