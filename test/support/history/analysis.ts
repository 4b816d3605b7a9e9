/**
 * The checker's judgements, as pure functions of a recorded history and what was read back from
 * the nodes: lost, duplicated and phantom ids, split-brain samples, outages and how long writes
 * took to recover, whether the nodes converged.
 */
import { gtidCovers, parseGtidList } from '../../../src/db/gtid.js';
import type { Attempt, ReadOnlySample } from './model.js';

/**
 * A span in which writes were not acknowledged: from the start of the first unacknowledged attempt
 * begun after the last acknowledgement, to the next acknowledgement (of an attempt by any writer,
 * for the overall outages; by the writer, for a writer's). An unacknowledged attempt begun before
 * an acknowledgement of another writer's is left out: writes were still possible after it began.
 */
export interface Outage {
  readonly fromMs: number;
  /** Undefined when no write was acknowledged after it before the history ended. */
  readonly toMs: number | undefined;
  /** `toMs - fromMs`. */
  readonly recoveryMs: number | undefined;
  /** Attempts begun in it that were not acknowledged (`failed` or `unknown`). */
  readonly unacknowledged: number;
}

export interface Recoveries {
  readonly overall: readonly Outage[];
  readonly byWriter: Readonly<Record<string, readonly Outage[]>>;
}

export interface SplitBrainSample {
  readonly atMs: number;
  /** The nodes with `@@read_only = 0`, two or more. */
  readonly writable: readonly string[];
}

export interface HistoryAnalysis {
  readonly attempts: { readonly ok: number; readonly failed: number; readonly unknown: number };
  /** Acknowledged, but absent on the primary. */
  readonly lost: readonly string[];
  /** Present more than once (each listed once). */
  readonly duplicated: readonly string[];
  /** Present, but never attempted. */
  readonly phantom: readonly string[];
  /** Reported definitely not applied, but present: the writer's classification was wrong. */
  readonly failedPresent: readonly string[];
  /** Outcome unknown: either is allowed. */
  readonly unknownPresent: readonly string[];
  readonly unknownAbsent: readonly string[];
  readonly samples: number;
  readonly splitBrainSamples: readonly SplitBrainSample[];
  readonly recoveries: Recoveries;
}

/** Judge a history against the ids present on the primary (every occurrence of each). */
export function analyseHistory(
  history: { readonly attempts: readonly Attempt[]; readonly samples: readonly ReadOnlySample[] },
  presentIds: readonly string[],
): HistoryAnalysis {
  const occurrences = new Map<string, number>();
  for (const id of presentIds) occurrences.set(id, (occurrences.get(id) ?? 0) + 1);
  const attempts = [...history.attempts].sort((a, b) => a.startMs - b.startMs);
  const attempted = new Set(attempts.map((attempt) => attempt.id));
  const ids = (outcome: Attempt['outcome'], present: boolean): string[] =>
    attempts
      .filter((attempt) => attempt.outcome === outcome && occurrences.has(attempt.id) === present)
      .map((attempt) => attempt.id);
  const count = (outcome: Attempt['outcome']): number =>
    attempts.filter((attempt) => attempt.outcome === outcome).length;
  return {
    attempts: { ok: count('ok'), failed: count('failed'), unknown: count('unknown') },
    lost: ids('ok', false),
    duplicated: [...occurrences].filter(([, times]) => times > 1).map(([id]) => id),
    phantom: [...occurrences.keys()].filter((id) => !attempted.has(id)),
    failedPresent: ids('failed', true),
    unknownPresent: ids('unknown', true),
    unknownAbsent: ids('unknown', false),
    samples: history.samples.length,
    splitBrainSamples: findSplitBrain(history.samples),
    recoveries: findRecoveries(attempts),
  };
}

export function findSplitBrain(samples: readonly ReadOnlySample[]): SplitBrainSample[] {
  return samples
    .map((sample) => ({
      atMs: sample.atMs,
      writable: sample.nodes.filter((node) => node.state === 'writable').map((node) => node.name),
    }))
    .filter((sample) => sample.writable.length >= 2);
}

/** The outages of all writers together and of each writer (in the order they first wrote). */
export function findRecoveries(attempts: readonly Attempt[]): Recoveries {
  const writers = [...new Set(attempts.map((attempt) => attempt.writer))];
  return {
    overall: findOutages(attempts),
    byWriter: Object.fromEntries(
      writers.map((writer) => [writer, findOutages(attempts.filter((attempt) => attempt.writer === writer))]),
    ),
  };
}

/** The outages in some attempts, taken in the order they ended. */
export function findOutages(attempts: readonly Attempt[]): Outage[] {
  const outages: Outage[] = [];
  let lastAckMs = -Infinity;
  let open: { fromMs: number; unacknowledged: number } | undefined;
  const byEnd = [...attempts].sort((a, b) => a.endMs - b.endMs || a.startMs - b.startMs);
  for (const attempt of byEnd) {
    if (attempt.outcome === 'ok') {
      if (open !== undefined) {
        outages.push({ ...open, toMs: attempt.endMs, recoveryMs: attempt.endMs - open.fromMs });
        open = undefined;
      }
      lastAckMs = attempt.endMs;
    } else if (attempt.startMs >= lastAckMs) {
      open = {
        fromMs: Math.min(open?.fromMs ?? Infinity, attempt.startMs),
        unacknowledged: (open?.unacknowledged ?? 0) + 1,
      };
    }
  }
  if (open !== undefined) outages.push({ ...open, toMs: undefined, recoveryMs: undefined });
  return outages;
}

export type NodeConvergenceState = 'equal' | 'different' | 'behind' | 'unreachable';

/** What the checker saw on a node once it stopped waiting for it. */
export interface NodeObservation {
  readonly name: string;
  /** Its `@@gtid_current_pos`, when it answered. */
  readonly gtidPosition?: string;
  /** CHECKSUM TABLE by table, once the node had caught up. */
  readonly checksums?: Readonly<Record<string, string | null>>;
  /** The last error it gave. */
  readonly error?: string;
}

export interface NodeConvergence extends NodeObservation {
  readonly state: NodeConvergenceState;
}

export interface Convergence {
  /** Every node given answered, caught up with the primary, and has the same tables. */
  readonly converged: boolean;
  readonly primaryGtidPosition: string;
  readonly nodes: readonly NodeConvergence[];
}

export function judgeConvergence(
  primary: { readonly gtidPosition: string; readonly checksums: Readonly<Record<string, string | null>> },
  observations: readonly NodeObservation[],
): Convergence {
  const nodes = observations.map((node): NodeConvergence => {
    if (node.gtidPosition === undefined) return { ...node, state: 'unreachable' };
    if (!gtidCovers(parseGtidList(node.gtidPosition), parseGtidList(primary.gtidPosition))) {
      return { ...node, state: 'behind' };
    }
    // Caught up, but it stopped answering before its checksums were taken.
    if (node.checksums === undefined) return { ...node, state: 'unreachable' };
    const same = Object.entries(primary.checksums).every(
      ([table, checksum]) => node.checksums?.[table] === checksum,
    );
    return { ...node, state: same ? 'equal' : 'different' };
  });
  return {
    converged: nodes.every((node) => node.state === 'equal'),
    primaryGtidPosition: primary.gtidPosition,
    nodes,
  };
}
