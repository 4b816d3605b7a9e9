/**
 * The checker's judgements on small hand-made histories: what counts as lost, duplicated,
 * phantom; that an unknown outcome is never a loss; outages and recovery times; split brain;
 * convergence; and that assertHistoryHolds fails on each broken property and only then.
 */
import { describe, expect, it } from 'vitest';
import {
  analyseHistory,
  assertHistoryHolds,
  describeVerdict,
  findOutages,
  findRecoveries,
  findSplitBrain,
  HistoryViolationError,
  judgeConvergence,
  type Attempt,
  type Convergence,
  type Outcome,
  type ReadOnlySample,
  type Verdict,
} from './index.js';

function attempt(writer: string, n: number, startMs: number, endMs: number, outcome: Outcome): Attempt {
  return { writer, id: `r.${writer}.${n}`, startMs, endMs, outcome };
}

function sample(
  atMs: number,
  states: Record<string, ReadOnlySample['nodes'][number]['state']>,
): ReadOnlySample {
  return { atMs, nodes: Object.entries(states).map(([name, state]) => ({ name, state })) };
}

const converged: Convergence = judgeConvergence({ gtidPosition: '0-100-9', checksums: { t: '1' } }, [
  { name: 'db-0', gtidPosition: '0-100-9', checksums: { t: '1' } },
  { name: 'db-1', gtidPosition: '0-100-9', checksums: { t: '1' } },
]);

function verdictOf(attempts: Attempt[], present: string[], samples: ReadOnlySample[] = []): Verdict {
  return { ...analyseHistory({ attempts, samples }, present), convergence: converged };
}

describe('lost, duplicated and phantom ids', () => {
  const attempts = [
    attempt('a', 1, 0, 5, 'ok'),
    attempt('a', 2, 10, 15, 'ok'),
    attempt('a', 3, 20, 25, 'failed'),
    attempt('b', 1, 1, 6, 'ok'),
    attempt('b', 2, 11, 16, 'unknown'),
    attempt('b', 3, 21, 26, 'unknown'),
  ];

  it('an acknowledged id absent on the primary is lost; present ones are not', () => {
    const verdict = verdictOf(attempts, ['r.a.1', 'r.b.1']);
    expect(verdict.lost).toEqual(['r.a.2']);
    expect(verdict.attempts).toEqual({ ok: 3, failed: 1, unknown: 2 });
    expect(() => {
      assertHistoryHolds(verdict);
    }).toThrow(/1 acknowledged writes lost \(absent on the primary\): r\.a\.2/);
  });

  it('an id present twice is duplicated (listed once), even when its write was acknowledged', () => {
    const verdict = verdictOf(attempts, ['r.a.1', 'r.a.2', 'r.b.1', 'r.a.2', 'r.a.2']);
    expect(verdict.duplicated).toEqual(['r.a.2']);
    expect(verdict.lost).toEqual([]);
    expect(() => {
      assertHistoryHolds(verdict);
    }).toThrow(/1 ids present more than once: r\.a\.2/);
  });

  it('an id present but never attempted is a phantom', () => {
    const verdict = verdictOf(attempts, ['r.a.1', 'r.a.2', 'r.b.1', 'r.a.4']);
    expect(verdict.phantom).toEqual(['r.a.4']);
    expect(() => {
      assertHistoryHolds(verdict);
    }).toThrow(/1 ids present but never attempted: r\.a\.4/);
  });

  it('a write reported failed that is present breaks the history (the classification was wrong)', () => {
    const verdict = verdictOf(attempts, ['r.a.1', 'r.a.2', 'r.b.1', 'r.a.3']);
    expect(verdict.failedPresent).toEqual(['r.a.3']);
    expect(() => {
      assertHistoryHolds(verdict);
    }).toThrow(/1 writes reported failed but present: r\.a\.3/);
  });

  it('an unknown outcome is allowed either way: present or absent, it is not lost and the history holds', () => {
    const verdict = verdictOf(attempts, ['r.a.1', 'r.a.2', 'r.b.1', 'r.b.3']);
    expect(verdict.unknownPresent).toEqual(['r.b.3']);
    expect(verdict.unknownAbsent).toEqual(['r.b.2']);
    expect(verdict).toMatchObject({ lost: [], duplicated: [], phantom: [], failedPresent: [] });
    expect(() => {
      assertHistoryHolds(verdict);
    }).not.toThrow();
  });
});

describe('outages and recoveries', () => {
  it("a writer's outage runs from its first unacknowledged attempt's start to its next acknowledgement", () => {
    const outages = findOutages([
      attempt('a', 1, 0, 10, 'ok'),
      attempt('a', 2, 20, 30, 'unknown'),
      attempt('a', 3, 40, 45, 'failed'),
      attempt('a', 4, 50, 55, 'failed'),
      attempt('a', 5, 60, 75, 'ok'),
      attempt('a', 6, 80, 90, 'ok'),
      attempt('a', 7, 100, 101, 'failed'),
      attempt('a', 8, 110, 130, 'ok'),
    ]);
    expect(outages).toEqual([
      { fromMs: 20, toMs: 75, recoveryMs: 55, unacknowledged: 3 },
      { fromMs: 100, toMs: 130, recoveryMs: 30, unacknowledged: 1 },
    ]);
  });

  it('an outage with no acknowledgement after it is not recovered', () => {
    expect(findOutages([attempt('a', 1, 0, 10, 'ok'), attempt('a', 2, 20, 1020, 'unknown')])).toEqual([
      { fromMs: 20, toMs: undefined, recoveryMs: undefined, unacknowledged: 1 },
    ]);
    expect(findOutages([attempt('a', 1, 0, 10, 'ok')])).toEqual([]);
  });

  it('overall: the first acknowledgement by any writer ends it; a write begun before an acknowledgement does not start one', () => {
    // The primary dies at about 100. a's write begun at 90 is cut off, but b's begun at 95 was
    // still acknowledged at 99: writes were possible until then. c's write begun at 95 hangs until
    // its timeout at 3095. a reconnects to the new primary and is acknowledged at 2010, b at 2015,
    // c at 3110.
    const attempts = [
      attempt('a', 1, 80, 85, 'ok'),
      attempt('a', 2, 90, 101, 'unknown'),
      attempt('a', 3, 110, 111, 'failed'),
      attempt('a', 4, 2000, 2010, 'ok'),
      attempt('b', 1, 95, 99, 'ok'),
      attempt('b', 2, 105, 106, 'failed'),
      attempt('b', 3, 2005, 2015, 'ok'),
      attempt('c', 1, 95, 3095, 'unknown'),
      attempt('c', 2, 3100, 3110, 'ok'),
    ];
    const recoveries = findRecoveries(attempts);
    expect(recoveries.overall).toEqual([{ fromMs: 105, toMs: 2010, recoveryMs: 1905, unacknowledged: 2 }]);
    expect(recoveries.byWriter).toEqual({
      a: [{ fromMs: 90, toMs: 2010, recoveryMs: 1920, unacknowledged: 2 }],
      b: [{ fromMs: 105, toMs: 2015, recoveryMs: 1910, unacknowledged: 1 }],
      c: [{ fromMs: 95, toMs: 3110, recoveryMs: 3015, unacknowledged: 1 }],
    });
  });

  it('overall: writes failing again after the recovery are a second outage', () => {
    const outages = findOutages([
      attempt('a', 1, 0, 10, 'ok'),
      attempt('a', 2, 20, 30, 'failed'),
      attempt('b', 1, 25, 40, 'ok'),
      attempt('a', 3, 45, 50, 'failed'),
      attempt('b', 2, 50, 55, 'failed'),
      attempt('a', 4, 60, 70, 'ok'),
    ]);
    expect(outages).toEqual([
      { fromMs: 20, toMs: 40, recoveryMs: 20, unacknowledged: 1 },
      { fromMs: 45, toMs: 70, recoveryMs: 25, unacknowledged: 2 },
    ]);
  });

  it('outages show in the verdict table, per writer too', () => {
    const verdict = verdictOf(
      [attempt('a', 1, 0, 10, 'ok'), attempt('a', 2, 20, 30, 'failed'), attempt('a', 3, 40, 1250, 'ok')],
      ['r.a.1', 'r.a.3'],
    );
    expect(describeVerdict(verdict)).toMatch(/^outages +1230 ms from 20 ms$/m);
    expect(describeVerdict(verdict)).toMatch(/^by writer +a 1230 ms$/m);
  });
});

describe('split brain', () => {
  const samples = [
    sample(0, { 'db-0': 'writable', 'db-1': 'read-only', 'db-2': 'read-only' }),
    sample(100, { 'db-0': 'writable', 'db-1': 'writable', 'db-2': 'read-only' }),
    sample(200, { 'db-0': 'unreachable', 'db-1': 'writable', 'db-2': 'read-only' }),
    sample(300, { 'db-0': 'writable', 'db-1': 'writable', 'db-2': 'writable' }),
    sample(400, { 'db-0': 'unreachable', 'db-1': 'unreachable', 'db-2': 'read-only' }),
  ];

  it('is a sample with two or more writable nodes; an unreachable node is not writable', () => {
    expect(findSplitBrain(samples)).toEqual([
      { atMs: 100, writable: ['db-0', 'db-1'] },
      { atMs: 300, writable: ['db-0', 'db-1', 'db-2'] },
    ]);
  });

  it('breaks the history', () => {
    const verdict = verdictOf([], [], samples);
    expect(verdict.samples).toBe(5);
    expect(() => {
      assertHistoryHolds(verdict);
    }).toThrow(/2 samples with two or more writable nodes \(first at 100 ms: db-0, db-1\)/);
  });
});

describe('convergence', () => {
  it('needs every node caught up, answering, and with the same checksums as the primary', () => {
    const convergence = judgeConvergence({ gtidPosition: '0-100-9', checksums: { t: '1', u: '2' } }, [
      { name: 'equal', gtidPosition: '0-100-9', checksums: { t: '1', u: '2' } },
      { name: 'different', gtidPosition: '0-100-9', checksums: { t: '1', u: '3' } },
      { name: 'behind', gtidPosition: '0-100-8' },
      { name: 'unreachable', error: 'ECONNREFUSED' },
    ]);
    expect(convergence.converged).toBe(false);
    expect(convergence.nodes.map((node) => [node.name, node.state])).toEqual([
      ['equal', 'equal'],
      ['different', 'different'],
      ['behind', 'behind'],
      ['unreachable', 'unreachable'],
    ]);
    const verdict: Verdict = { ...verdictOf([], []), convergence };
    expect(() => {
      assertHistoryHolds(verdict);
    }).toThrow(/not converged: different different, behind behind, unreachable unreachable/);
    expect(describeVerdict(verdict)).toMatch(
      /^converged +no \(primary at 0-100-9; equal equal, different different, behind behind at 0-100-8, unreachable unreachable \(ECONNREFUSED\)\)$/m,
    );
    expect(converged.converged).toBe(true);
  });
});

describe('assertHistoryHolds', () => {
  it('throws a HistoryViolationError with every violation and the verdict table', () => {
    const verdict = verdictOf(
      [attempt('a', 1, 0, 10, 'ok'), attempt('a', 2, 20, 30, 'ok')],
      ['r.a.2', 'r.a.2', 'r.x.1'],
      [sample(0, { 'db-0': 'writable', 'db-1': 'writable' })],
    );
    let error: unknown;
    try {
      assertHistoryHolds(verdict);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HistoryViolationError);
    expect((error as HistoryViolationError).violations).toEqual([
      '1 acknowledged writes lost (absent on the primary): r.a.1',
      '1 ids present more than once: r.a.2',
      '1 ids present but never attempted: r.x.1',
      '1 samples with two or more writable nodes (first at 0 ms: db-0, db-1)',
    ]);
    expect((error as Error).message).toContain(describeVerdict(verdict));
    expect(describeVerdict(verdict)).toMatch(/^lost +1 {2}r\.a\.1$/m);
    expect(describeVerdict(verdict)).toMatch(/^attempts +2: 2 ok, 0 failed, 0 unknown$/m);
  });
});
