/**
 * The checker: reads back what a history's writers left on the primary, waits for every node to
 * catch up with it and compares their tables, then judges (analysis.ts). `assertHistoryHolds`
 * fails a test on a broken safety property, with `describeVerdict`'s table.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { escapeId, type Connection, type RowDataPacket } from 'mysql2/promise';
import { gtidCovers, parseGtidList } from '../../../src/db/gtid.js';
import {
  analyseHistory,
  judgeConvergence,
  type Convergence,
  type HistoryAnalysis,
  type NodeObservation,
  type Outage,
} from './analysis.js';
import { describeError, openConnection } from './connection.js';
import { idPrefix, type DbNode, type Endpoint, type History, type Login } from './model.js';

export interface CheckOptions {
  /** The node that is primary now: the writes that count are the ones there. */
  readonly primary: Endpoint;
  /** The nodes that must have converged with it (the primary among them or not). */
  readonly nodes: readonly DbNode[];
  readonly login: Login;
  /** How long the nodes may take to catch up with the primary. @default 30000 */
  readonly catchUpTimeoutMs?: number;
  /** @default 2000 */
  readonly connectTimeoutMs?: number;
}

export interface Verdict extends HistoryAnalysis {
  readonly convergence: Convergence;
}

const POLL_MS = 200;

export async function checkHistory(history: History, options: CheckOptions): Promise<Verdict> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const tables = [...new Set(history.writers.flatMap((writer) => writer.tables))];
  let primary: Connection;
  try {
    primary = await openConnection(options.primary, options.login, connectTimeoutMs);
  } catch (error) {
    throw new Error(
      `the history cannot be checked: the primary ${options.primary.host}:${options.primary.port} does not answer (${describeError(error)})`,
    );
  }
  try {
    const present: string[] = [];
    for (const writer of history.writers) {
      present.push(...(await writer.presentIds(primary, idPrefix(history.run, writer.name))));
    }
    const primaryState = {
      gtidPosition: await gtidBinlogPosition(primary),
      checksums: await checksumTables(primary, options.login.database, tables),
    };
    const deadline = Date.now() + (options.catchUpTimeoutMs ?? 30_000);
    const observations = await Promise.all(
      options.nodes.map((node) =>
        observeNode(node, options.login, tables, primaryState.gtidPosition, deadline, connectTimeoutMs),
      ),
    );
    return {
      ...analyseHistory(history, present),
      convergence: judgeConvergence(primaryState, observations),
    };
  } finally {
    primary.destroy();
  }
}

async function gtidBinlogPosition(connection: Connection): Promise<string> {
  const [rows] = await connection.query<RowDataPacket[]>('SELECT @@gtid_binlog_pos AS position');
  return String(rows[0]?.position ?? '');
}

async function checksumTables(
  connection: Connection,
  database: string,
  tables: readonly string[],
): Promise<Record<string, string | null>> {
  if (tables.length === 0) return {};
  const [rows] = await connection.query<RowDataPacket[]>(
    `CHECKSUM TABLE ${tables.map((table) => `${escapeId(database)}.${escapeId(table)}`).join(', ')}`,
  );
  // Null for a table that does not exist there.
  return Object.fromEntries(
    tables.map((table) => {
      const checksum = rows.find((row) => row.Table === `${database}.${table}`)?.Checksum as
        string | number | null | undefined;
      return [table, checksum === null || checksum === undefined ? null : String(checksum)];
    }),
  );
}

/**
 * Poll a node until its `@@gtid_current_pos` covers the primary's binary log position, then take
 * its checksums; at the deadline, what it last showed.
 */
async function observeNode(
  node: DbNode,
  login: Login,
  tables: readonly string[],
  target: string,
  deadline: number,
  connectTimeoutMs: number,
): Promise<NodeObservation> {
  let connection: Connection | undefined;
  let gtidPosition: string | undefined;
  let error: string | undefined;
  try {
    for (;;) {
      try {
        connection ??= await openConnection(node, login, connectTimeoutMs);
        const [rows] = await connection.query<RowDataPacket[]>('SELECT @@gtid_current_pos AS position');
        gtidPosition = String(rows[0]?.position ?? '');
        if (gtidCovers(parseGtidList(gtidPosition), parseGtidList(target))) {
          return {
            name: node.name,
            gtidPosition,
            checksums: await checksumTables(connection, login.database, tables),
          };
        }
      } catch (caught) {
        error = describeError(caught);
        connection?.destroy();
        connection = undefined;
      }
      if (Date.now() >= deadline) {
        return {
          name: node.name,
          ...(gtidPosition === undefined ? {} : { gtidPosition }),
          ...(error === undefined ? {} : { error }),
        };
      }
      await sleep(POLL_MS);
    }
  } finally {
    connection?.destroy();
  }
}

/** One line per broken safety property; none when the history holds. */
export function historyViolations(verdict: Verdict): string[] {
  const violations: string[] = [];
  const some = (ids: readonly string[], what: string): void => {
    if (ids.length > 0) violations.push(`${ids.length} ${what}: ${sampleOf(ids)}`);
  };
  some(verdict.lost, 'acknowledged writes lost (absent on the primary)');
  some(verdict.duplicated, 'ids present more than once');
  some(verdict.phantom, 'ids present but never attempted');
  some(verdict.failedPresent, 'writes reported failed but present');
  if (verdict.splitBrainSamples.length > 0) {
    const first = verdict.splitBrainSamples[0];
    violations.push(
      `${verdict.splitBrainSamples.length} samples with two or more writable nodes (first at ${ms(first?.atMs)}: ${first?.writable.join(', ') ?? ''})`,
    );
  }
  if (!verdict.convergence.converged) {
    const off = verdict.convergence.nodes.filter((node) => node.state !== 'equal');
    violations.push(`not converged: ${off.map((node) => `${node.name} ${node.state}`).join(', ')}`);
  }
  return violations;
}

export class HistoryViolationError extends Error {
  constructor(
    readonly violations: readonly string[],
    readonly verdict: Verdict,
  ) {
    super(
      `the history does not hold:\n${violations.map((line) => `  - ${line}`).join('\n')}\n${describeVerdict(verdict)}`,
    );
    this.name = 'HistoryViolationError';
  }
}

/**
 * Throw a HistoryViolationError if an acknowledged write was lost, an id is duplicated or made up,
 * a failed write is present, two nodes were writable at once, or the nodes did not converge.
 */
export function assertHistoryHolds(verdict: Verdict): void {
  const violations = historyViolations(verdict);
  if (violations.length > 0) throw new HistoryViolationError(violations, verdict);
}

/** A short table of the verdict, for a test's output. */
export function describeVerdict(verdict: Verdict): string {
  const { ok, failed, unknown } = verdict.attempts;
  const idsRow = (ids: readonly string[]): string =>
    ids.length === 0 ? '0' : `${ids.length}  ${sampleOf(ids)}`;
  const convergence = verdict.convergence;
  const nodes = convergence.nodes
    .map((node) => {
      const detail =
        node.state === 'behind'
          ? ` at ${node.gtidPosition ?? '?'}`
          : node.state === 'unreachable'
            ? ` (${node.error ?? 'no answer'})`
            : '';
      return `${node.name} ${node.state}${detail}`;
    })
    .join(', ');
  const writers = Object.entries(verdict.recoveries.byWriter)
    .map(([writer, outages]) => `${writer} ${outages.length === 0 ? '-' : outages.map(recovery).join('/')}`)
    .join(', ');
  const rows: [string, string][] = [
    ['attempts', `${ok + failed + unknown}: ${ok} ok, ${failed} failed, ${unknown} unknown`],
    ['unknown', `${verdict.unknownPresent.length} present, ${verdict.unknownAbsent.length} absent`],
    ['lost', idsRow(verdict.lost)],
    ['duplicated', idsRow(verdict.duplicated)],
    ['phantom', idsRow(verdict.phantom)],
    ['failed present', idsRow(verdict.failedPresent)],
    ['split brain', `${verdict.splitBrainSamples.length} of ${verdict.samples} samples`],
    [
      'converged',
      `${convergence.converged ? 'yes' : 'no'} (primary at ${convergence.primaryGtidPosition || 'empty'}; ${nodes || 'no nodes'})`,
    ],
    [
      'outages',
      verdict.recoveries.overall
        .map((outage) => `${recovery(outage)} from ${ms(outage.fromMs)}`)
        .join(', ') || 'none',
    ],
    ['by writer', writers || 'no writers'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

function recovery(outage: Outage): string {
  return outage.recoveryMs === undefined ? 'not recovered' : ms(outage.recoveryMs);
}

function ms(value: number | undefined): string {
  return value === undefined ? '?' : `${Math.round(value)} ms`;
}

function sampleOf(ids: readonly string[], shown = 5): string {
  return ids.length <= shown ? ids.join(', ') : `${ids.slice(0, shown).join(', ')}, ...`;
}
