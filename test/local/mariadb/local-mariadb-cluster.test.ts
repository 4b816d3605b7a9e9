/**
 * The local runner on real MariaDB processes: a primary and two replicas started by the pod
 * scripts, stopped and started with their data, a replica with a removed data directory cloned
 * again, a killed primary restarted, and nothing left running at the end.
 */
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CloneFailedError,
  LocalMariaDbCluster,
  type LocalMariaDbNode,
} from '../../../src/local/mariadb/index.js';
import {
  eventually,
  rootQuery,
  startTestCluster,
  TEST_PASSWORDS,
  type TestCluster,
} from '../../support/local-mariadb.js';
import { stepTimer } from '../../support/timings.js';

const isRoot = process.getuid?.() === 0;

/** The real uid of a process, from /proc. */
function uidOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
}

/** Local addresses (hex, as in /proc/net/tcp) on which something listens on `port`. */
function listenAddresses(port: number): string[] {
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([, local, , state]) => local?.endsWith(suffix) === true && state === '0A')
      .map(([, local]) => local?.split(':')[0] ?? ''),
  );
}

/** Whether a live (not zombie) process is left in the group. */
function groupExists(pgid: number): boolean {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .some((entry) => {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        return false;
      }
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pgid && state !== 'Z';
    });
}

async function count(test: TestCluster, ordinal: number): Promise<number> {
  const rows = (await rootQuery(test.cluster, ordinal, 'SELECT COUNT(*) AS n FROM quire_app.note')) as {
    n: number;
  }[];
  return Number(rows[0]?.n);
}

describe('LocalMariaDbCluster on real MariaDB processes', () => {
  let test: TestCluster;
  let cluster: LocalMariaDbCluster;
  const { timings, timed } = stepTimer();
  const waitForRows = (ordinal: number, rows: number): Promise<void> =>
    eventually(`${rows} rows on node ${ordinal}`, async () => (await count(test, ordinal)) === rows, 30_000);

  beforeAll(async () => {
    test = await timed('start 1 primary + 2 replicas', () =>
      startTestCluster('local-runner', { replicas: 2, cloneAttempts: 1 }),
    );
    cluster = test.cluster;
    await rootQuery(cluster, 0, 'CREATE TABLE quire_app.note (id INT PRIMARY KEY, body VARCHAR(100))');
  });

  afterAll(async () => {
    await test.dispose();
    console.info('local runner steps (ms):', timings);
  });

  it('starts a primary and two read-only replicas replicating by GTID, as the mysql user on loopback', async () => {
    expect(cluster.nodes.map((node) => [node.name, node.role, node.serverId])).toEqual([
      ['quire-mariadb-0', 'primary', 100],
      ['quire-mariadb-1', 'replica', 101],
      ['quire-mariadb-2', 'replica', 102],
    ]);
    const ports = cluster.nodes.flatMap((node) => [node.port, node.clonePort]);
    expect(new Set(ports).size).toBe(6);
    for (const node of cluster.nodes) {
      expect(node.running).toBe(true);
      const rows = (await rootQuery(
        cluster,
        node.ordinal,
        'SELECT @@server_id AS id, @@read_only AS ro',
      )) as {
        id: number;
        ro: number;
      }[];
      expect(rows[0]).toEqual({ id: node.serverId, ro: node.role === 'primary' ? 0 : 1 });
      // mariadbd listens on 127.0.0.1 only (the pods' 0.0.0.0 changed in the local templates).
      expect(listenAddresses(node.port)).toEqual(['0100007F']);
      if (isRoot && node.pid !== undefined) expect(uidOf(node.pid)).toBe(cluster.runUser.uid);
    }
    for (const ordinal of [1, 2]) {
      const report = await cluster.report(ordinal);
      expect(report.readOnly).toBe(true);
      expect(report.replication).toMatchObject({
        masterHost: '127.0.0.1',
        ioRunning: 'Yes',
        sqlRunning: 'Yes',
      });
    }
    expect((await cluster.report(0)).replication).toBeUndefined();
    await rootQuery(cluster, 0, 'INSERT INTO quire_app.note VALUES (1, "one")');
    await waitForRows(1, 1);
    await waitForRows(2, 1);
  });

  it('a second runner on the same directory finds the running nodes and starts nothing', async () => {
    const pids = cluster.nodes.map((node) => [node.pid, node.sidecarPid]);
    const again = await LocalMariaDbCluster.open({
      baseDir: test.baseDir,
      replicas: 2,
      passwords: TEST_PASSWORDS,
    });
    expect(again.nodes.map((node) => [node.pid, node.sidecarPid])).toEqual(pids);
    expect(again.nodes.map((node) => node.port)).toEqual(cluster.nodes.map((node) => node.port));
    const result = await again.startNode(1);
    expect(result.alreadyRunning).toBe(true);
  });

  it('a stopped and started replica keeps its data and catches up without a clone', async () => {
    const before: LocalMariaDbNode = cluster.node(1);
    await timed('stop replica', () => cluster.stopNode(1));
    expect(cluster.node(1).running).toBe(false);
    for (const pid of [before.pid, before.sidecarPid])
      if (pid !== undefined) expect(groupExists(pid)).toBe(false);
    expect(listenAddresses(before.port)).toEqual([]);
    await rootQuery(cluster, 0, 'INSERT INTO quire_app.note VALUES (2, "while replica 1 was down")');
    const result = await timed('start replica', () => cluster.startNode(1));
    expect(result.alreadyRunning).toBe(false);
    expect(result.cloned?.from).toBeUndefined();
    expect(result.clone?.stderr).toContain('no clone needed');
    expect(cluster.log(1, 'replication', { sinceStart: true })).toContain('replication already configured');
    expect(result.node.port).toBe(before.port);
    await waitForRows(1, 2);
  });

  it('a replica whose data directory was removed is cloned again from the node before it', async () => {
    await cluster.stopNode(2);
    cluster.removeData(2);
    const result = await timed('re-clone replica', () => cluster.startNode(2));
    expect(result.cloned?.from).toBe(1);
    expect(result.clone?.stderr).toContain('clone prepared');
    await waitForRows(2, 2);
    const report = await cluster.report(2);
    expect(report.replication).toMatchObject({ ioRunning: 'Yes', sqlRunning: 'Yes' });
    await rootQuery(cluster, 0, 'INSERT INTO quire_app.note VALUES (3, "after the clone")');
    await waitForRows(2, 3);
  });

  it('a clone that fails names the donor and shows the end of the logs', async () => {
    // The primary donates this time: a backup cut short on a replica donor would leave that
    // replica's SQL thread stopped (mariadb-backup --safe-slave-backup does not restart it).
    await cluster.stopNode(1);
    await cluster.stopNode(2);
    cluster.removeData(2);
    // A data directory the nodes' user cannot write to: mbstream cannot unpack the stream.
    const dataDir = cluster.node(2).dataDir;
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o500);
    if (isRoot) chownSync(dataDir, cluster.runUser.uid, cluster.runUser.gid);
    const failure = await cluster.startNode(2).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(failure).toBeInstanceOf(CloneFailedError);
    const error = failure as CloneFailedError;
    expect(error.code).toBe('LOCAL_DB_CLONE_FAILED');
    expect(error.message).toContain(
      `quire-mariadb-2 could not be cloned from quire-mariadb-0 (127.0.0.1:${cluster.node(0).clonePort})`,
    );
    expect(error.logTail).toContain('clone failed after 1 attempts');
    expect(error.logTail).toContain('--- quire-mariadb-0 (its backups');
    expect(cluster.node(2).running).toBe(false);
    chmodSync(dataDir, 0o750);
    expect((await cluster.startNode(2)).cloned?.from).toBe(0);
    await cluster.startNode(1);
    await waitForRows(2, 3);
    await waitForRows(1, 3);
  });

  it('a killed primary restarts with its data; the replicas reconnect and catch up', async () => {
    const old = cluster.node(0);
    await timed('kill primary', () => cluster.killNode(0, 'SIGKILL'));
    expect(cluster.node(0).running).toBe(false);
    for (const pid of [old.pid, old.sidecarPid]) if (pid !== undefined) expect(groupExists(pid)).toBe(false);
    // The replicas keep serving what they have.
    expect(await count(test, 1)).toBe(3);
    const result = await timed('restart primary', () => cluster.startNode(0));
    expect(result.node.pid).not.toBe(old.pid);
    expect(await count(test, 0)).toBe(3);
    await rootQuery(cluster, 0, 'INSERT INTO quire_app.note VALUES (4, "after the restart")');
    // The IO threads retry every MASTER_CONNECT_RETRY (10 s).
    await timed('replicas catch up', async () => {
      await waitForRows(1, 4);
      await waitForRows(2, 4);
    });
  });

  it('a replica whose server was killed restarts the server alone; its sidecar stays and it catches up', async () => {
    const old = cluster.node(1);
    const sidecarStarts = (): number => cluster.log(1, 'replication').split('serving backups on port').length;
    const startsBefore = sidecarStarts();
    await cluster.killNode(1, 'SIGKILL', 'server');
    expect(cluster.node(1)).toMatchObject({ running: false, sidecarPid: old.sidecarPid });
    await rootQuery(
      cluster,
      0,
      'INSERT INTO quire_app.note VALUES (5, "while the server of replica 1 was down")',
    );
    const result = await timed('restart a replica server', () => cluster.startNode(1));
    expect(result.alreadyRunning).toBe(false);
    expect(result.node.pid).not.toBe(old.pid);
    expect(result.node.sidecarPid).toBe(old.sidecarPid);
    // One sidecar: the old one, still the only one serving backups.
    expect(listenAddresses(old.clonePort)).toHaveLength(1);
    expect(sidecarStarts()).toBe(startsBefore);
    await waitForRows(1, 5);
    expect((await cluster.report(1)).replication).toMatchObject({ ioRunning: 'Yes', sqlRunning: 'Yes' });
  });

  it('stop ends every process of every node and keeps the data', async () => {
    const groups = cluster.nodes.flatMap((node) => [node.pid, node.sidecarPid]);
    await timed('stop all', () => cluster.stop());
    for (const pid of groups) if (pid !== undefined) expect(groupExists(pid)).toBe(false);
    for (const node of cluster.nodes) {
      expect(node.running).toBe(false);
      expect(listenAddresses(node.port)).toEqual([]);
      expect(listenAddresses(node.clonePort)).toEqual([]);
      expect(readFileSync(join(node.dataDir, '.quire-ready'), 'utf8')).toBe('');
    }
    await timed('start all again', () => cluster.startAll());
    expect(await count(test, 2)).toBe(5);
  });
});
