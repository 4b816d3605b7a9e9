/**
 * The failover manager's target on the local stack: the supervisor owns the MariaDB processes,
 * so fencing is killing the old primary's server (SIGKILL also ends a frozen one; it comes back
 * read-only), the primary is recorded in the runner's state file (cluster.json), and the write
 * endpoint is the supervisor's forwarder. Every change to the nodes is made under the DB lock, on
 * the cluster as the state file has it now.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FailoverTarget, ManagedNode } from '../../topology/failover-manager.js';
import type { LocalMariaDbCluster } from '../mariadb/index.js';
import { withDbLock } from './db-lock.js';
import type { WriteEndpoint } from './write-endpoint.js';

export interface LocalFailoverOptions {
  /** Opens the stack's cluster as the state file has it now (openStackCluster). */
  readonly openCluster: () => Promise<LocalMariaDbCluster>;
  readonly dbLockDir: string;
  readonly endpoint: WriteEndpoint;
  readonly log: (line: string) => void;
}

export async function localFailoverTarget(options: LocalFailoverOptions): Promise<FailoverTarget> {
  const locked = <T>(work: (cluster: LocalMariaDbCluster) => Promise<T>): Promise<T> =>
    withDbLock(options.dbLockDir, async () => work(await options.openCluster()));
  const cluster = await locked((opened) => Promise.resolve(opened));
  const nodes: ManagedNode[] = cluster.nodes.map((node) => ({
    name: node.name,
    host: node.host,
    port: node.port,
  }));
  let recorded = { primary: cluster.primary.name, promotedAt: cluster.primaryPromotedAt };
  const ordinalOf = (name: string): number => {
    const ordinal = nodes.findIndex((node) => node.name === name);
    if (ordinal < 0) throw new Error(`no node ${name}`);
    return ordinal;
  };
  return {
    nodes,
    recorded: () => recorded,
    recordPrimary: (name, promotedAt) =>
      locked(async (opened) => {
        opened.recordPrimary(ordinalOf(name), promotedAt);
        recorded = { primary: name, promotedAt };
        return Promise.resolve();
      }),
    fence: (name) =>
      locked(async (opened) => {
        const node = opened.node(ordinalOf(name));
        if (node.pid !== undefined) {
          options.log(`fencing ${name}: killing its server (pid ${node.pid})`);
          await opened.killNode(node.ordinal, 'SIGKILL', 'server');
        }
      }),
    reclone: async (name, errantFrom) => {
      const ordinal = ordinalOf(name);
      const node = nodes[ordinal];
      if (node === undefined) throw new Error(`no node ${name}`);
      // Stopped with its data removed, the supervisor starts it again as a clone of a running node.
      return locked(async (opened) => {
        const dump = await opened.runScript(ordinal, 'errant.sh', errantFrom === '' ? [] : [errantFrom], {
          log: false,
          timeoutMs: 5 * 60_000,
        });
        if (dump.code !== 0) throw new Error(`errant.sh on ${node.name} failed: ${dump.stderr.trim()}`);
        const file = join(
          opened.node(ordinal).dir,
          `errant-${new Date().toISOString().replace(/[:.]/g, '-')}.sql`,
        );
        const header = `-- Transactions of ${node.name} after ${errantFrom || 'its start'} that no other node had when it was cloned again\n`;
        writeFileSync(file, header + dump.stdout, { mode: 0o600 });
        await opened.stopNode(ordinal);
        opened.removeData(ordinal);
        return file;
      });
    },
    writeEndpoint: {
      hold: () => {
        options.endpoint.hold();
      },
      leadTo: (node) => {
        options.endpoint.leadTo(node.port);
      },
    },
    log: options.log,
  };
}
