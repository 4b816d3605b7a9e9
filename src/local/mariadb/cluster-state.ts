/**
 * The runner's state file: the ports of every node (kept, because a replica stores its primary's
 * port when replication starts) and the process group ids of the running processes (so that a
 * later run finds them: `quire up` leaves running nodes alone, `quire down` stops them).
 * It holds no password.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DirectoryError } from './errors.js';
import type { NodePorts } from './node-spec.js';

export interface NodeState {
  readonly ports: NodePorts;
  /** Process group of run-server.sh (then mariadbd). */
  readonly serverPid?: number;
  /** Process group of replicate.sh (then socat). */
  readonly sidecarPid?: number;
}

export interface ClusterState {
  readonly version: 1;
  readonly name: string;
  readonly nodes: readonly NodeState[];
  /** Ordinal of the primary: 0 until a failover or switchover moves it. */
  readonly primary?: number;
  /**
   * The primary's GTID position when it was promoted: a node that was primary before and holds a
   * transaction beyond it has writes no other node has (errant) and must be cloned again.
   */
  readonly promotedAt?: string;
}

const isPort = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65536;
const isPid = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 1;

/** The state in `file`, or undefined when there is none; a damaged file is a DirectoryError. */
export function readClusterState(file: string): ClusterState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const damaged = (what: string): DirectoryError =>
    new DirectoryError(
      file,
      `the runner's state file is damaged (${what})`,
      'remove it; ports are chosen anew',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw damaged('not JSON');
  }
  const value = parsed as {
    version?: unknown;
    name?: unknown;
    nodes?: unknown;
    primary?: unknown;
    promotedAt?: unknown;
  };
  if (value.version !== 1 || typeof value.name !== 'string' || !Array.isArray(value.nodes)) {
    throw damaged('no version 1, name and nodes');
  }
  const nodes = (value.nodes as unknown[]).map((entry, ordinal): NodeState => {
    const node = entry as {
      ports?: { db?: unknown; clone?: unknown };
      serverPid?: unknown;
      sidecarPid?: unknown;
    };
    if (!isPort(node.ports?.db) || !isPort(node.ports.clone)) throw damaged(`node ${ordinal} has no ports`);
    return {
      ports: { db: node.ports.db, clone: node.ports.clone },
      ...(isPid(node.serverPid) ? { serverPid: node.serverPid } : {}),
      ...(isPid(node.sidecarPid) ? { sidecarPid: node.sidecarPid } : {}),
    };
  });
  const primary = value.primary ?? 0;
  if (typeof primary !== 'number' || !Number.isInteger(primary) || primary < 0 || primary >= nodes.length) {
    throw damaged(`primary ${JSON.stringify(primary)} is not one of the nodes`);
  }
  return {
    version: 1,
    name: value.name,
    nodes,
    primary,
    ...(typeof value.promotedAt === 'string' ? { promotedAt: value.promotedAt } : {}),
  };
}

/** Replace the state file in one step. */
export function writeClusterState(file: string, state: ClusterState): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}
