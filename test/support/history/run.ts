/**
 * A history run: concurrent writers, each writing new ids in a loop and recording every attempt,
 * and the read_only sampler beside them, until `stop`.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from './connection.js';
import {
  idPrefix,
  type Attempt,
  type AttemptResult,
  type DbNode,
  type Endpoint,
  type History,
  type HistoryWriter,
  type Login,
  type ReadOnlySample,
} from './model.js';
import { startReadOnlySampler } from './sampler.js';
import { createHistoryTable, HISTORY_TABLE, sqlWriter } from './sql-writer.js';

export interface HistoryOptions {
  /** The write endpoint, asked again before each new connection (it can move). */
  readonly write: () => Endpoint;
  /** The app user; the history's table lives in its database. */
  readonly login: Login;
  /** Every DB node, asked again before each read_only sample. */
  readonly nodes: () => readonly DbNode[];
  /** How many direct-SQL writers (named sql-0, sql-1, ...). */
  readonly writers: number;
  /** Writers of other kinds (e.g. through the web app); the run closes them when it stops. */
  readonly extraWriters?: readonly HistoryWriter[];
  /** Pause after each attempt, so that the writers leave the machine some room. @default 10 */
  readonly pauseMs?: number;
  /** @default 1000 */
  readonly connectTimeoutMs?: number;
  /** How long an INSERT may take before it counts as `unknown`. @default 3000 */
  readonly queryTimeoutMs?: number;
  /** @default 100 */
  readonly sampleIntervalMs?: number;
  /** How long a node may take to answer a sample before it counts as unreachable. @default 500 */
  readonly sampleTimeoutMs?: number;
}

export interface HistoryRun {
  /** Milliseconds since the run started, on the clock of its attempts and samples (to mark a fault). */
  now(): number;
  /** The attempts so far, growing until stop. */
  readonly attempts: readonly Attempt[];
  /** The read_only samples so far, growing until stop. */
  readonly samples: readonly ReadOnlySample[];
  /** Stop the writers (each after its attempt under way) and the sampler; the history recorded. */
  stop(): Promise<History>;
}

const WRITER_NAME = /^[A-Za-z0-9_-]{1,40}$/;

/** Create the history's table on the write endpoint and start the writers and the sampler. */
export async function startHistory(options: HistoryOptions): Promise<HistoryRun> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 1000;
  const queryTimeoutMs = options.queryTimeoutMs ?? 3000;
  const pauseMs = options.pauseMs ?? 10;
  if (!Number.isInteger(options.writers) || options.writers < 0) {
    throw new RangeError(`writers must be a whole number >= 0 (got ${options.writers})`);
  }
  const writers: HistoryWriter[] = [
    ...Array.from({ length: options.writers }, (_, index) =>
      sqlWriter({
        name: `sql-${index}`,
        write: options.write,
        login: options.login,
        connectTimeoutMs,
        queryTimeoutMs,
      }),
    ),
    ...(options.extraWriters ?? []),
  ];
  const names = writers.map((writer) => writer.name);
  const badName = names.find((name, index) => !WRITER_NAME.test(name) || names.indexOf(name) !== index);
  if (badName !== undefined) {
    throw new RangeError(
      `writer name "${badName}" is repeated or not 1-40 letters, digits, - or _ (names: ${names.join(', ')})`,
    );
  }
  const endpoint = options.write();
  try {
    await createHistoryTable(endpoint, options.login, queryTimeoutMs);
  } catch (error) {
    await Promise.all(writers.map((writer) => writer.close()));
    throw new Error(
      `the history could not create ${HISTORY_TABLE} on ${endpoint.host}:${endpoint.port}: ${describeError(error)}`,
    );
  }

  const run = randomBytes(3).toString('hex');
  const startedAt = new Date();
  const origin = performance.now();
  const now = (): number => performance.now() - origin;
  const attempts: Attempt[] = [];
  let stopping = false;
  const sampler = startReadOnlySampler({
    nodes: options.nodes,
    login: options.login,
    intervalMs: options.sampleIntervalMs ?? 100,
    timeoutMs: options.sampleTimeoutMs ?? 500,
    now,
  });

  const write = async (writer: HistoryWriter): Promise<void> => {
    const prefix = idPrefix(run, writer.name);
    for (let n = 1; !stopping; n++) {
      const id = `${prefix}${n}`;
      const startMs = now();
      let result: AttemptResult;
      try {
        result = await writer.attempt(id);
      } catch (error) {
        result = { outcome: 'unknown', error: `the writer threw: ${describeError(error)}` };
      }
      attempts.push({ writer: writer.name, id, startMs, endMs: now(), ...result });
      await sleep(pauseMs);
    }
  };
  const loops = writers.map(write);

  let stopped: Promise<History> | undefined;
  return {
    now,
    attempts,
    samples: sampler.samples,
    stop(): Promise<History> {
      stopped ??= (async (): Promise<History> => {
        stopping = true;
        await Promise.all(loops);
        await Promise.all(writers.map((writer) => writer.close()));
        const samples = await sampler.stop();
        return { run, startedAt, endMs: now(), writers, attempts: [...attempts], samples };
      })();
      return stopped;
    },
  };
}
