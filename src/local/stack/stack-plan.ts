/**
 * The plan `quire up` hands to the supervisor (what to run: the workers' command lines and ports,
 * the proxy's ports and host) and the state the supervisor keeps (what runs now: pids, health,
 * restarts). Both are JSON files in the state directory, replaced in one step, without secrets.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Durability } from '../../k8s/database/pod-scripts.js';
import type { ManagerStatus } from '../../topology/failover-manager.js';
import { LocalStackError } from './errors.js';

export interface StackPlan {
  readonly version: 1;
  /** The configured host (ingress.host): the certificate's name and the URL's. */
  readonly host: string;
  readonly httpsPort: number;
  readonly httpPort: number;
  /** `https://<host>:<httpsPort>`. */
  readonly publicUrl: string;
  /** DB nodes (which one is the primary is recorded in the runner's state file: it moves). */
  readonly dbNodes: number;
  /** The write endpoint's loopback port: the supervisor forwards it to the current primary. */
  readonly writePort: number;
  /** LocalMariaDbCluster name (the StatefulSet's). */
  readonly clusterName: string;
  /** database.durability, for the DB nodes the supervisor restarts. */
  readonly durability: Durability;
  /** One per web worker: its loopback port. */
  readonly workerPorts: readonly number[];
  /** `quire serve ...` without --port (the supervisor adds each worker's). */
  readonly workerCommand: readonly string[];
  /** Environment of the workers besides PATH (secrets by file name only). */
  readonly workerEnv: Readonly<Record<string, string>>;
}

export type WorkerStatus = 'starting' | 'ready' | 'backoff' | 'stopped';

export interface WorkerState {
  readonly index: number;
  readonly port: number;
  readonly pid?: number;
  readonly status: WorkerStatus;
  readonly restarts: number;
  /** How the last run ended, e.g. "signal SIGKILL" or "exit 1". */
  readonly lastExit?: string;
}

export interface DbNodeSupervision {
  readonly ordinal: number;
  readonly restarts: number;
  readonly lastError?: string;
}

export interface SupervisorState {
  readonly pid: number;
  readonly startedAt: string;
  /** The plan it runs, as JSON (a different plan means a restart of the supervisor). */
  readonly plan: string;
  readonly proxyListening: boolean;
  readonly workers: readonly WorkerState[];
  readonly db: readonly DbNodeSupervision[];
  /** Reads per DB ordinal so far (ReadTally.totals(), up to ~2 s old); absent from an older supervisor. */
  readonly reads?: Readonly<Record<number, number>>;
  /** The failover manager's view: the primary, why it waits, the last role change, errant saves. */
  readonly failover?: ManagerStatus;
}

export function writeJson(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the file's type
export function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    throw new LocalStackError(
      'LOCAL_STACK_STATE',
      `${file} is damaged (not JSON); run quire down, remove it, and run quire up`,
      2,
    );
  }
}
