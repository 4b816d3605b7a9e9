/**
 * What a history is made of: writers' attempts, each with its outcome, and samples of which
 * nodes accepted writes. Times are milliseconds since the run started, on one monotonic clock
 * (performance.now), so that attempts and samples can be compared with each other.
 */
import type { Connection } from 'mysql2/promise';

/**
 * What an attempt to write tells about whether it was applied: `ok`, acknowledged (its commit
 * returned); `failed`, definitely not applied; `unknown`, it may or may not have been applied
 * (the connection broke or timed out while the write was in flight).
 */
export type Outcome = 'ok' | 'failed' | 'unknown';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface DbNode extends Endpoint {
  readonly name: string;
}

/** An account on every node and the database the history's tables live in. */
export interface Login {
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export interface AttemptResult {
  readonly outcome: Outcome;
  /** Why it was not `ok`: the error's code and message. */
  readonly error?: string;
}

/**
 * Something that writes ids somewhere and can tell which are there: a direct-SQL writer, or a
 * writer through the web app. The history calls `attempt` in a loop, one call at a time, with a new
 * id each time (`<run>.<name>.<n>`), and `close` once after the last.
 */
export interface HistoryWriter {
  /** Unique in a run; part of its ids, so letters, digits, `-` and `_` only. */
  readonly name: string;
  /** The tables its writes land in, in the login's database: compared by CHECKSUM TABLE on every node. */
  readonly tables: readonly string[];
  /** Write `id` once, without retrying; never rejects (an exception counts as `unknown`). */
  attempt(id: string): Promise<AttemptResult>;
  /** Every occurrence of every id starting with `prefix` on the node `connection` is to (twice if duplicated). */
  presentIds(connection: Connection, prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface Attempt {
  readonly writer: string;
  readonly id: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly outcome: Outcome;
  readonly error?: string;
}

export type NodeWriteState = 'writable' | 'read-only' | 'unreachable';

/** Every node's `@@read_only` at one instant (queried concurrently). */
export interface ReadOnlySample {
  readonly atMs: number;
  readonly nodes: readonly { readonly name: string; readonly state: NodeWriteState }[];
}

export interface History {
  /** Tag of this run in every id, so that a table written by earlier runs can be checked. */
  readonly run: string;
  /** Wall-clock time of 0 ms. */
  readonly startedAt: Date;
  readonly endMs: number;
  readonly writers: readonly HistoryWriter[];
  readonly attempts: readonly Attempt[];
  readonly samples: readonly ReadOnlySample[];
}

/** The prefix of every id a writer writes in a run. */
export function idPrefix(run: string, writer: string): string {
  return `${run}.${writer}.`;
}
