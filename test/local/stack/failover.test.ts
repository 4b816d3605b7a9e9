/**
 * The primary can die: `quire up` with a primary and two replicas, writers recording every write
 * through the write endpoint (the history checker), and faults on the primary: its server killed
 * (kill -9), frozen past the detection time (SIGSTOP) and resumed, and a switchover under load.
 * After each the failover manager must have moved the primary, and at the end every acknowledged
 * write is on the primary exactly once, nothing appeared that no one wrote, every node has the
 * same rows, and no sample saw two writable nodes. The old primary must come back as a replica.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/local/mariadb/index.js';
import { stackPaths, type StackPlan, type SupervisorState } from '../../../src/local/stack/index.js';
import { loadStackPasswords } from '../../../src/local/stack/stack-passwords.js';
import { runCli } from '../../support/cli.js';
import {
  assertHistoryHolds,
  checkHistory,
  describeVerdict,
  startHistory,
  type DbNode,
  type HistoryRun,
} from '../../support/history/index.js';
import { eventually } from '../../support/local-mariadb.js';
import { readReplicationStates, unsettledReasons } from '../../support/replication-state.js';

interface ClusterFile {
  readonly primary?: number;
  readonly nodes: readonly { readonly ports: { readonly db: number }; readonly serverPid?: number }[];
}

describe('failover on the local stack', { timeout: 420_000 }, () => {
  let dir: string;
  let configFile: string;
  let paths: ReturnType<typeof stackPaths>;
  let nodes: DbNode[];
  let history: HistoryRun | undefined;
  const cli = (...args: string[]) => runCli([...args, '--config', configFile]);
  const clusterFile = (): ClusterFile =>
    JSON.parse(readFileSync(join(paths.dbDir, 'cluster.json'), 'utf8')) as ClusterFile;
  const primaryOrdinal = (): number => clusterFile().primary ?? 0;

  /** Every node answers; the primary alone takes writes; every other one replicates from it and acks. */
  const settled = async (): Promise<boolean> => {
    const primaryPort = nodes[primaryOrdinal()]?.port ?? 0;
    const states = await readReplicationStates(nodes, loadStackPasswords(paths).root);
    return unsettledReasons(states, primaryPort).length === 0;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quire-failover-'));
    chmodSync(dir, 0o755);
    configFile = join(dir, 'quire.yaml');
    writeFileSync(
      configFile,
      'database:\n  replicas: 3\nweb:\n  replicas: 1\ningress:\n  host: failover.quire.test\n',
    );
    const httpsPort = await freePort('127.0.0.1');
    const httpPort = await freePort('127.0.0.1', new Set([httpsPort]));
    const up = await cli('up', '--https-port', String(httpsPort), '--http-port', String(httpPort));
    expect(up.code, up.stderr + up.stdout).toBe(0);
    paths = stackPaths(join(dir, '.quire', 'local'));
    nodes = clusterFile().nodes.map((node, ordinal) => ({
      name: `quire-mariadb-${ordinal}`,
      host: '127.0.0.1',
      port: node.ports.db,
    }));
    await eventually('all three nodes replicating', settled, 60_000);
  });

  afterAll(async () => {
    await history?.stop();
    await cli('down', '--purge', '--yes');
    if (process.env.QUIRE_KEEP_TEST_DIRS === undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write through killed, frozen and switched-over primaries', async () => {
    const plan = JSON.parse(readFileSync(paths.planFile, 'utf8')) as StackPlan;
    const login = {
      user: 'quire',
      password: readFileSync(paths.dbPasswordFile, 'utf8').trim(),
      database: 'quire',
    };
    history = await startHistory({
      write: () => ({ host: '127.0.0.1', port: plan.writePort }),
      login,
      nodes: () => nodes,
      writers: 3,
    });
    const run = history;
    const faults: { kind: string; at: number; from: number; to?: number }[] = [];
    const waitForAcks = async (count: number) => {
      await eventually(
        `${count} acknowledged writes`,
        () => run.attempts.filter((a) => a.outcome === 'ok').length >= count,
        30_000,
      );
    };
    const moved = async (from: number) => {
      await eventually(
        `the primary to move off quire-mariadb-${from}`,
        () => primaryOrdinal() !== from,
        30_000,
      );
      const fault = faults.at(-1);
      if (fault !== undefined) fault.to = primaryOrdinal();
      // The old primary is back as a replica and every replica acks before the next fault.
      await eventually('the nodes to settle', settled, 90_000);
    };
    const serverPid = (ordinal: number): number => {
      const pid = clusterFile().nodes[ordinal]?.serverPid;
      if (pid === undefined || pid <= 1) throw new Error(`quire-mariadb-${ordinal} has no server pid`);
      return pid;
    };

    await waitForAcks(50);
    for (const round of [1, 2]) {
      const from = primaryOrdinal();
      faults.push({ kind: `kill -9 #${round}`, at: run.now(), from });
      process.kill(serverPid(from), 'SIGKILL');
      await moved(from);
      await waitForAcks(run.attempts.filter((a) => a.outcome === 'ok').length + 50);
    }

    {
      const from = primaryOrdinal();
      const pid = serverPid(from);
      faults.push({ kind: 'frozen (SIGSTOP)', at: run.now(), from });
      process.kill(pid, 'SIGSTOP');
      await eventually(
        `the primary to move off quire-mariadb-${from}`,
        () => primaryOrdinal() !== from,
        30_000,
      );
      // Resumed after the failover: the zombie must not take a write (the manager fenced it).
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Already gone: fenced by SIGKILL.
      }
      await moved(from);
      await waitForAcks(run.attempts.filter((a) => a.outcome === 'ok').length + 50);
    }

    {
      const from = primaryOrdinal();
      faults.push({ kind: 'switchover', at: run.now(), from });
      const result = await cli('local', 'switchover');
      expect(result.code, result.stderr + result.stdout).toBe(0);
      expect(result.stdout).toMatch(/switchover: quire-mariadb-\d → quire-mariadb-\d; writes held \d+ ms/);
      await moved(from);
      await waitForAcks(run.attempts.filter((a) => a.outcome === 'ok').length + 50);
    }

    const recorded = await history.stop();
    history = undefined;
    const primary = nodes[primaryOrdinal()];
    if (primary === undefined) throw new Error('no primary');
    const verdict = await checkHistory(recorded, { primary, nodes, login });
    process.stdout.write(`${describeVerdict(verdict)}\nfaults: ${JSON.stringify(faults)}\n`);
    assertHistoryHolds(verdict);
    expect(verdict.attempts.ok).toBeGreaterThan(250);
    // Each fault moved the primary to another node (a failover, not a restart of the old one).
    for (const fault of faults) expect(fault.to, fault.kind).not.toBe(fault.from);
    const state = JSON.parse(readFileSync(paths.supervisorStateFile, 'utf8')) as SupervisorState;
    expect(state.failover?.lastChange?.kind).toBe('switchover');
    expect(state.failover?.waiting).toBeUndefined();
  });

  it("waits when no replica holds the last writes, fails over when told to, and saves the old primary's errant writes", async () => {
    const root = loadStackPasswords(paths).root;
    const asRoot = (node: DbNode) =>
      createConnection({
        host: node.host,
        port: node.port,
        user: 'root',
        password: root,
        connectTimeout: 2000,
      });
    const from = primaryOrdinal();
    const oldPrimary = nodes[from];
    if (oldPrimary === undefined) throw new Error('no primary');
    const probe = await asRoot(oldPrimary);
    await probe.query('CREATE TABLE IF NOT EXISTS quire.errant_probe (id VARCHAR(40) NOT NULL)');
    await eventually('the probe table on every node', settled, 30_000);
    // The replicas stop receiving: the primary's next writes are on it alone (semi-sync times out
    // after database.durability.ackTimeoutMs and falls back, which the manager records).
    for (const node of nodes.filter((_, ordinal) => ordinal !== from)) {
      const connection = await asRoot(node);
      await connection.query('STOP SLAVE IO_THREAD');
      await connection.end();
    }
    await probe.query("INSERT INTO quire.errant_probe VALUES ('errant-write-1'), ('errant-write-2')");
    await probe.end();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const pid = clusterFile().nodes[from]?.serverPid;
    if (pid === undefined) throw new Error('no server pid');
    process.kill(pid, 'SIGSTOP');
    const supervisor = (): SupervisorState =>
      JSON.parse(readFileSync(paths.supervisorStateFile, 'utf8')) as SupervisorState;
    // A kill -9 above may have left commits on a killed primary that no replica had received (the
    // binary log is written before the ack is awaited): those re-clones are listed already.
    const erredBefore = supervisor().failover?.errant.length ?? 0;
    await eventually('the manager to wait', () => supervisor().failover?.waiting !== undefined, 20_000);
    expect(supervisor().failover?.waiting).toMatch(/fallen back|acked/);
    expect(primaryOrdinal()).toBe(from);

    const forced = await cli('local', 'failover', '--allow-data-loss');
    expect(forced.code, forced.stderr + forced.stdout).toBe(0);
    expect(forced.stdout).toContain(`failover: quire-mariadb-${from} →`);
    expect(primaryOrdinal()).not.toBe(from);
    // The frozen primary was fenced (killed); it comes back read-only, holding two writes the new
    // primary lacks: it is cloned again, those writes kept in a file.
    await eventually(
      'the old primary cloned again',
      () => (supervisor().failover?.errant.length ?? 0) > erredBefore,
      90_000,
    );
    const saved = supervisor().failover?.errant[erredBefore];
    expect(saved?.node).toBe(`quire-mariadb-${from}`);
    expect(readFileSync(saved?.file ?? '', 'utf8')).toContain('errant-write-1');
    await eventually('the nodes to settle', settled, 120_000);
    const newPrimary = nodes[primaryOrdinal()];
    if (newPrimary === undefined) throw new Error('no primary');
    const check = await asRoot(newPrimary);
    const [rows] = (await check.query('SELECT id FROM quire.errant_probe')) as unknown as [{ id: string }[]];
    await check.end();
    expect(rows).toEqual([]);
    // quire local status says where writes go, the last role change and where the errant writes are.
    const shown = await cli('local', 'status');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      new RegExp(`write-endpoint .* ready .* leads to quire-mariadb-${primaryOrdinal()}`),
    );
    expect(shown.stdout).toContain(
      `last failover: quire-mariadb-${from} → quire-mariadb-${primaryOrdinal()}`,
    );
    expect(shown.stdout).toContain(`quire-mariadb-${from} was cloned again at`);
  });

  it('keeps the primary where the failovers left it over quire down and quire up', async () => {
    if (primaryOrdinal() === 0) {
      const moved = await cli('local', 'switchover', '--to', 'quire-mariadb-2');
      expect(moved.code, moved.stderr).toBe(0);
      await eventually('the nodes to settle', settled, 60_000);
    }
    const primary = primaryOrdinal();
    expect(primary).not.toBe(0);
    const down = await cli('down');
    expect(down.code, down.stderr).toBe(0);
    const up = await cli('up');
    expect(up.code, up.stderr + up.stdout).toBe(0);
    expect(primaryOrdinal()).toBe(primary);
    await eventually('the nodes to settle', settled, 60_000);
  });
});
