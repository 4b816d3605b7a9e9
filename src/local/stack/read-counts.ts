/**
 * Reads served by each DB node. The web workers' /metrics (asked directly, as Prometheus does, not
 * through the proxy) count `quire_db_reads_total` by pool: `replica-<n>` for the n-th of quire
 * serve's --replica flags (the local stack gives every node, in order: node n - 1), `primary` for
 * the write endpoint (the node that is primary now). Those counters live and die with a worker
 * process, so the supervisor keeps a tally over processes (ReadTally) that never goes down.
 */
import { get } from 'node:http';
import { readJson, writeJson } from './stack-plan.js';

/** Reads per DB ordinal (0 the primary); in JSON the keys are the ordinals as strings. */
export type ReadTotals = Readonly<Record<number, number>>;

/** `quire_db_reads_total` by pool, from Prometheus text. */
export function parseReadCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of text.matchAll(
    /^quire_db_reads_total\{[^}]*pool="([^"]+)"[^}]*\}\s+(\d+(?:\.\d+)?)/gm,
  )) {
    const [, pool = '', value = '0'] = match;
    counts.set(pool, (counts.get(pool) ?? 0) + Number(value));
  }
  return counts;
}

/** A worker's /metrics text, or undefined when it does not answer (down, timed out, not 200). */
function metricsText(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/metrics', timeout: 2000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        resolve(response.statusCode === 200 ? text : undefined);
      });
    });
    request.on('timeout', () => {
      request.destroy();
    });
    request.on('error', () => {
      resolve(undefined);
    });
    // After 'end' this does nothing; without it, an answer cut short would never settle.
    request.on('close', () => {
      resolve(undefined);
    });
  });
}

/**
 * One worker's reads per DB ordinal, or undefined when it does not answer (not "no reads").
 * `primary` is the ordinal of the node that is primary now.
 */
export async function workerReadCounts(
  port: number,
  primary: number,
): Promise<Map<number, number> | undefined> {
  const text = await metricsText(port);
  if (text === undefined) return undefined;
  const byOrdinal = new Map<number, number>();
  for (const [pool, count] of parseReadCounts(text)) {
    const ordinal =
      pool === 'primary' ? primary : Number(/^replica-(\d+)$/.exec(pool)?.[1] ?? Number.NaN) - 1;
    if (Number.isInteger(ordinal)) byOrdinal.set(ordinal, (byOrdinal.get(ordinal) ?? 0) + count);
  }
  return byOrdinal;
}

const add = (into: Map<number, number>, ordinal: number, count: number): void => {
  into.set(ordinal, (into.get(ordinal) ?? 0) + count);
};

/**
 * Reads over worker processes: the last counts seen per live process (by pid, so a worker restarted
 * on the same port is a new one) plus the "retired" counts of processes that ended. A process's
 * counter only grows and its last count moves unchanged into retired, so totals() never decreases.
 */
export class ReadTally {
  private readonly retired = new Map<number, number>();
  private readonly live = new Map<number, Map<number, number>>();

  constructor(retired: ReadTotals = {}) {
    for (const [ordinal, count] of Object.entries(retired)) {
      if (Number.isInteger(Number(ordinal)) && Number.isFinite(count) && count > 0) {
        add(this.retired, Number(ordinal), count);
      }
    }
  }

  /** What process `pid` reports now. */
  observe(pid: number, counts: ReadonlyMap<number, number>): void {
    const seen = this.live.get(pid) ?? new Map<number, number>();
    // The larger of the two: a counter does not go down, and nor may the tally on an odd answer.
    for (const [ordinal, count] of counts) seen.set(ordinal, Math.max(seen.get(ordinal) ?? 0, count));
    this.live.set(pid, seen);
  }

  /** Process `pid` ended: its last counts become retired (a later process with its pid starts at 0). */
  retire(pid: number): void {
    for (const [ordinal, count] of this.live.get(pid) ?? []) add(this.retired, ordinal, count);
    this.live.delete(pid);
  }

  /** Retired plus live, per ordinal. */
  totals(): Record<number, number> {
    const sum = new Map(this.retired);
    for (const counts of this.live.values()) for (const [ordinal, count] of counts) add(sum, ordinal, count);
    return Object.fromEntries(sum);
  }
}

/** The totals kept in `file` (read-counts.json), {} when there are none. */
export function loadReadTotals(file: string): ReadTotals {
  const value = readJson<unknown>(file);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as ReadTotals) : {};
}

export function saveReadTotals(file: string, totals: ReadTotals): void {
  writeJson(file, totals);
}
