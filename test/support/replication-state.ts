/**
 * Whether a local stack's DB nodes have settled after a role change: every node answers, the
 * primary alone takes writes, and every other node replicates from it and acks its writes
 * (semi-sync), with the reason when a node is not there yet. Used by the failover test and bench.
 */
import { createConnection } from 'mysql2/promise';
import type { DbNode } from './history/index.js';

export interface NodeReplicationState {
  readonly name: string;
  readonly port: number;
  readonly readOnly?: boolean;
  /** Its semi-sync replica status is ON: it acks the writes it receives. */
  readonly acking?: boolean;
  /** SHOW SLAVE STATUS, when it replicates. */
  readonly source?: { readonly port: number; readonly io: string; readonly sql: string };
  /** Why it did not answer. */
  readonly error?: string;
}

/** Each node's read_only, semi-sync and replication state, queried as root, all at once. */
export function readReplicationStates(
  nodes: readonly DbNode[],
  rootPassword: string,
): Promise<NodeReplicationState[]> {
  return Promise.all(
    nodes.map(async (node): Promise<NodeReplicationState> => {
      try {
        const connection = await createConnection({
          host: node.host,
          port: node.port,
          user: 'root',
          password: rootPassword,
          connectTimeout: 1000,
        });
        try {
          const [[variables]] = (await connection.query(
            "SELECT @@read_only AS ro, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_SLAVE_STATUS') AS acking",
          )) as unknown as [{ ro: number; acking: string | null }[]];
          const [[slave]] = (await connection.query('SHOW SLAVE STATUS')) as unknown as [
            { Master_Port: number; Slave_IO_Running: string; Slave_SQL_Running: string }[],
          ];
          return {
            name: node.name,
            port: node.port,
            readOnly: variables?.ro === 1,
            acking: variables?.acking === 'ON',
            ...(slave === undefined
              ? {}
              : {
                  source: {
                    port: slave.Master_Port,
                    io: slave.Slave_IO_Running,
                    sql: slave.Slave_SQL_Running,
                  },
                }),
          };
        } finally {
          await connection.end();
        }
      } catch (error) {
        return {
          name: node.name,
          port: node.port,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    }),
  );
}

/** Why the nodes have not settled around the primary on `primaryPort`; empty when they have. */
export function unsettledReasons(states: readonly NodeReplicationState[], primaryPort: number): string[] {
  return states.flatMap((state): string[] => {
    if (state.error !== undefined) return [`${state.name} does not answer (${state.error})`];
    if (state.port === primaryPort)
      return state.readOnly === true ? [`${state.name} (primary) is read-only`] : [];
    const { source } = state;
    const reasons = [
      ...(state.readOnly === true ? [] : [`${state.name} is writable`]),
      ...(state.acking === true ? [] : [`${state.name} does not ack (semi-sync replica status off)`]),
    ];
    if (source === undefined) return [...reasons, `${state.name} does not replicate`];
    if (source.port !== primaryPort) reasons.push(`${state.name} replicates from port ${source.port}`);
    if (source.io !== 'Yes' || source.sql !== 'Yes') {
      reasons.push(`${state.name} replication threads IO ${source.io}, SQL ${source.sql}`);
    }
    return reasons;
  });
}
