/**
 * The read_only sampler: every interval, `SELECT @@read_only` on every node at once, over its own
 * connections. Two nodes writable in one sample is a split brain.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { openConnection } from './connection.js';
import type { DbNode, Login, NodeWriteState, ReadOnlySample } from './model.js';

export interface SamplerOptions {
  /** Every node, asked again before each sample (nodes can come and go). */
  readonly nodes: () => readonly DbNode[];
  readonly login: Login;
  readonly intervalMs: number;
  /** How long a node may take to connect or answer before it counts as unreachable. */
  readonly timeoutMs: number;
  /** The run's clock. */
  readonly now: () => number;
}

export interface ReadOnlySampler {
  /** The samples so far (the same array goes on growing until stop). */
  readonly samples: readonly ReadOnlySample[];
  /** Stop after the sample under way; the samples taken. */
  stop(): Promise<ReadOnlySample[]>;
}

export function startReadOnlySampler(options: SamplerOptions): ReadOnlySampler {
  const samples: ReadOnlySample[] = [];
  const connections = new Map<string, Connection>();
  const login = { user: options.login.user, password: options.login.password };
  let stopping = false;

  const stateOf = async (node: DbNode): Promise<NodeWriteState> => {
    const key = `${node.name}@${node.host}:${node.port}`;
    let connection = connections.get(key);
    try {
      if (connection === undefined) {
        // Only forgotten when lost: mysql2 closes it itself, and a query in flight must get its error.
        const opened = await openConnection(node, login, options.timeoutMs, () => {
          if (connections.get(key) === opened) connections.delete(key);
        });
        connections.set(key, opened);
        connection = opened;
      }
      const [rows] = await connection.query<RowDataPacket[]>({
        sql: 'SELECT @@read_only AS readOnly',
        timeout: options.timeoutMs,
      });
      return Number(rows[0]?.readOnly) === 0 ? 'writable' : 'read-only';
    } catch {
      // Not writable for this sample; the next one connects again.
      connection?.destroy();
      if (connections.get(key) === connection) connections.delete(key);
      return 'unreachable';
    }
  };

  const sampleUntilStopped = async (): Promise<void> => {
    while (!stopping) {
      const atMs = options.now();
      const nodes = await Promise.all(
        options.nodes().map(async (node) => ({ name: node.name, state: await stateOf(node) })),
      );
      samples.push({ atMs, nodes });
      await sleep(Math.max(0, atMs + options.intervalMs - options.now()));
    }
  };
  const loop = sampleUntilStopped();

  return {
    samples,
    async stop(): Promise<ReadOnlySample[]> {
      stopping = true;
      await loop;
      for (const connection of connections.values()) connection.destroy();
      connections.clear();
      return [...samples];
    },
  };
}
