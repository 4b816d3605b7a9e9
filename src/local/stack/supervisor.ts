/**
 * The supervisor: a small detached process (`quire local supervise`) that `quire up` starts and
 * `quire down` stops. It runs the TLS proxy, runs the web workers (`quire serve`, the first alone
 * until ready so that it migrates and creates the owner, then the others) and restarts a worker
 * that exits, with backoff (1 s, doubling to 30 s; reset after 30 s of good running).
 * It runs the write endpoint and the failover manager (src/topology): a dead primary is failed over
 * to a replica that holds every acknowledged write, and the endpoint leads to the new one. Every
 * second it restarts a DB node whose server died, by the same LocalMariaDbCluster `quire up` uses:
 * a replica at once (it comes back read-only; the manager rejoins it), the primary only when no
 * replica may take over. `quire local switchover` and `quire local failover` reach the manager
 * through a control socket in the state directory.
 * Every 2 s it tallies the reads the ready workers count (ReadTally, kept in read-counts.json).
 * What runs, the reads and the manager's state are written to supervisor.json for `quire local status`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { get, type Server } from 'node:http';
import { FailoverManager } from '../../topology/failover-manager.js';
import { FAILOVER_DB_USER } from '../../topology/node-sql.js';
import { startControlServer } from './control-socket.js';
import { localFailoverTarget } from './local-failover.js';
import { startWriteEndpoint, type WriteEndpoint } from './write-endpoint.js';
import { withDbLock } from './db-lock.js';
import { loadReadTotals, ReadTally, saveReadTotals, workerReadCounts } from './read-counts.js';
import { openStackCluster } from './stack-cluster.js';
import { loadStackPasswords } from './stack-passwords.js';
import { stackPaths, workerLog } from './stack-paths.js';
import {
  readJson,
  writeJson,
  type DbNodeSupervision,
  type StackPlan,
  type SupervisorState,
  type WorkerState,
} from './stack-plan.js';
import { startTlsProxy, type TlsProxy } from './tls-proxy.js';

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
/** A worker that ran this long before exiting starts its next backoff from the first step. */
const GOOD_RUN_MS = 30_000;
const DB_CHECK_MS = 1000;
const READS_SCRAPE_MS = 2000;

/** The marker of the owner's one-time login in the first worker's stderr (start-server.ts). */
const OWNER_MARKER = 'Quire owner account created.';

interface Worker {
  state: WorkerState;
  child?: ChildProcess;
  startedAt: number;
  failures: number;
  timer?: NodeJS.Timeout;
}

/** GET a worker's /readyz: true on 200. */
export function workerReady(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/readyz', timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => {
      request.destroy();
    });
    request.on('error', () => {
      resolve(false);
    });
  });
}

export async function runSupervisor(stateDir: string): Promise<void> {
  const paths = stackPaths(stateDir);
  const plan = readJson<StackPlan>(paths.planFile);
  if (plan === undefined) throw new Error(`no plan in ${paths.planFile}; quire up writes it`);
  const log = (line: string): void => {
    process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  let stopping = false;
  const isStopping = (): boolean => stopping;
  const running: { proxy?: TlsProxy; endpoint?: WriteEndpoint; manager?: FailoverManager; control?: Server } =
    {};
  const db: DbNodeSupervision[] = Array.from({ length: plan.dbNodes }, (_, ordinal) => ({
    ordinal,
    restarts: 0,
  }));
  const dbNextTry: number[] = db.map(() => 0);
  const dbFailures: number[] = db.map(() => 0);
  const workers: Worker[] = plan.workerPorts.map((port, index) => ({
    state: { index, port, status: 'stopped', restarts: 0 },
    startedAt: 0,
    failures: 0,
  }));
  // The previous supervisors' totals: their workers are gone (quire up stops them before starting this one).
  const tally = new ReadTally(loadReadTotals(paths.readCountsFile));
  let savedReads = JSON.stringify(tally.totals());

  const save = (): void => {
    if (stopping) return;
    const state: SupervisorState = {
      pid: process.pid,
      startedAt: new Date(startedAt).toISOString(),
      plan: JSON.stringify(plan),
      proxyListening: running.proxy !== undefined,
      workers: workers.map((worker) => worker.state),
      db,
      reads: tally.totals(),
      ...(running.manager === undefined ? {} : { failover: running.manager.status() }),
    };
    writeJson(paths.supervisorStateFile, state);
  };
  const startedAt = Date.now();
  const set = (worker: Worker, change: Partial<WorkerState>): void => {
    worker.state = { ...worker.state, ...change };
    save();
  };

  const start = (worker: Worker): void => {
    const { index, port } = worker.state;
    const [file, ...args] = plan.workerCommand;
    if (file === undefined) throw new Error('the plan has no worker command');
    const fd = openSync(workerLog(paths, index), 'a', 0o600);
    writeSync(fd, `==> ${new Date().toISOString()} start web-${index} on port ${port}\n`);
    const child = spawn(file, [...args, '--port', String(port)], {
      env: { ...plan.workerEnv, PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', fd, 'pipe'],
    });
    closeSync(fd);
    worker.child = child;
    worker.startedAt = Date.now();
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (text.includes(OWNER_MARKER)) {
        // The owner's password is shown once, by quire up: it goes to a 0600 file, not to the log.
        writeFileSync(paths.ownerLoginFile, text.trim() + '\n', { mode: 0o600 });
        writeFileSync(workerLog(paths, index), 'owner account created; quire up shows its login once\n', {
          flag: 'a',
        });
      } else {
        writeFileSync(workerLog(paths, index), text, { flag: 'a' });
      }
    });
    child.once('error', (error) => {
      log(`web-${index}: ${error.message}`);
    });
    child.once('exit', (code, signal) => {
      worker.child = undefined;
      // Its counts die with it: keep the last seen (also when stopping, after the last scrape).
      if (child.pid !== undefined) tally.retire(child.pid);
      if (stopping) return;
      const how = signal === null ? `exit ${code ?? '?'}` : `signal ${signal}`;
      worker.failures = Date.now() - worker.startedAt > GOOD_RUN_MS ? 0 : worker.failures + 1;
      const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.max(0, worker.failures - 1));
      log(`web-${index} (pid ${child.pid ?? '?'}) ended (${how}); restarting in ${delay} ms`);
      worker.state = {
        index,
        port,
        status: 'backoff',
        lastExit: how,
        restarts: worker.state.restarts + 1,
      };
      save();
      worker.timer = setTimeout(() => {
        if (!stopping) start(worker);
      }, delay);
    });
    log(`web-${index} started (pid ${child.pid ?? '?'}, port ${port})`);
    set(worker, { status: 'starting', ...(child.pid === undefined ? {} : { pid: child.pid }) });
    void watchReady(worker, child);
  };

  const watchReady = async (worker: Worker, child: ChildProcess): Promise<void> => {
    while (!stopping && worker.child === child) {
      if (await workerReady(worker.state.port)) {
        if (worker.child === child && worker.state.status !== 'ready') set(worker, { status: 'ready' });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const passwords = loadStackPasswords(paths);
  const openCluster = () =>
    openStackCluster(paths, plan.dbNodes, plan.clusterName, passwords, plan.durability);

  const checkDb = async (): Promise<void> => {
    await withDbLock(paths.dbLockDir, async () => {
      const cluster = await openCluster();
      for (const node of cluster.nodes) {
        if (stopping || (node.running && node.sidecarPid !== undefined)) continue;
        if (Date.now() < (dbNextTry[node.ordinal] ?? 0)) continue;
        // A dead primary is the failover manager's: restarted only when no replica may take over.
        if (node.role === 'primary' && running.manager?.primaryMayRestart === false) continue;
        log(`${node.name} is not running; starting it`);
        const entry = db[node.ordinal];
        try {
          // A replica that was primary comes back read-only, ready once the manager rejoined it.
          await cluster.startNode(node.ordinal, { until: node.role === 'primary' ? 'ready' : 'serving' });
          dbFailures[node.ordinal] = 0;
          db[node.ordinal] = { ordinal: node.ordinal, restarts: (entry?.restarts ?? 0) + 1 };
          log(`${node.name} restarted`);
        } catch (error) {
          const failures = (dbFailures[node.ordinal] ?? 0) + 1;
          dbFailures[node.ordinal] = failures;
          dbNextTry[node.ordinal] = Date.now() + Math.min(60_000, 2000 * 2 ** failures);
          const message = error instanceof Error ? error.message : String(error);
          db[node.ordinal] = { ordinal: node.ordinal, restarts: entry?.restarts ?? 0, lastError: message };
          log(`${node.name} did not start: ${message}`);
        }
        save();
      }
    });
  };

  /** Observe each ready worker's read counts; persist and publish the totals when they changed. */
  const scrapeReads = async (): Promise<void> => {
    await Promise.all(
      workers.map(async (worker) => {
        const child = worker.child;
        const pid = child?.pid;
        if (pid === undefined || worker.state.status !== 'ready') return;
        const primary = plan.dbNodes > 0 ? primaryOrdinal() : 0;
        const counts = await workerReadCounts(worker.state.port, primary);
        // A process that exited meanwhile is retired already: a late answer must not count it twice.
        if (counts !== undefined && worker.child === child) tally.observe(pid, counts);
      }),
    );
    const reads = JSON.stringify(tally.totals());
    if (reads === savedReads) return;
    try {
      // Totals, not only the retired part (retiring leaves them as they are): were this supervisor
      // killed, the next one starts from them.
      saveReadTotals(paths.readCountsFile, tally.totals());
      savedReads = reads;
      save();
    } catch (error) {
      log(`keeping the read counts failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const readsLoop = async (): Promise<void> => {
    while (!stopping) {
      await new Promise((resolve) => setTimeout(resolve, READS_SCRAPE_MS));
      if (isStopping()) return;
      await scrapeReads();
    }
  };

  /** Publish the manager's state when it changed (a failover, a reason to wait). */
  const managerStatusLoop = async (): Promise<void> => {
    let published = '';
    while (!stopping) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const status = JSON.stringify(running.manager?.status());
      if (status !== published && !isStopping()) {
        published = status;
        save();
      }
    }
  };

  const dbLoop = async (): Promise<void> => {
    while (!stopping) {
      await new Promise((resolve) => setTimeout(resolve, DB_CHECK_MS));
      if (isStopping()) return;
      try {
        await checkDb();
      } catch (error) {
        log(`database check failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    log(`${signal}: stopping the proxy and the web workers`);
    stopping = true;
    for (const worker of workers) clearTimeout(worker.timer);
    // The workers' last counts before they end (each is retired as it exits).
    await scrapeReads();
    const exits = workers.map((worker) => {
      const child = worker.child;
      if (child === undefined || child.exitCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      });
    });
    await running.manager?.stop();
    running.control?.close();
    await Promise.all([...exits, running.proxy?.close(), running.endpoint?.close()]);
    rmSync(paths.supervisorStateFile, { force: true });
    log('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  save();
  // The write endpoint leads to the recorded primary before the first worker migrates through it.
  const endpoint = await startWriteEndpoint({ port: plan.writePort });
  running.endpoint = endpoint;
  const target = await localFailoverTarget({ openCluster, dbLockDir: paths.dbLockDir, endpoint, log });
  const primaryNode = target.nodes.find((node) => node.name === target.recorded().primary);
  if (primaryNode !== undefined) endpoint.leadTo(primaryNode.port);
  const manager = new FailoverManager(target, {
    user: FAILOVER_DB_USER,
    password: passwords.failover,
    replicationPassword: passwords.replication,
    semiSync: plan.durability.replication === 'semi-sync',
  });
  running.manager = manager;
  const primaryOrdinal = (): number =>
    Math.max(
      0,
      target.nodes.findIndex((node) => node.name === target.recorded().primary),
    );
  running.control = await startControlServer(paths.controlSocket, manager, log);
  log(`write endpoint on 127.0.0.1:${plan.writePort}, leading to ${target.recorded().primary}`);
  running.proxy = await startTlsProxy({
    host: plan.host,
    httpsPort: plan.httpsPort,
    httpPort: plan.httpPort,
    certificate: readFileSync(paths.certificateFile, 'utf8'),
    privateKey: readFileSync(paths.privateKeyFile, 'utf8'),
    upstreams: () =>
      workers.filter((worker) => worker.state.status === 'ready').map((worker) => worker.state.port),
    log,
  });
  log(`proxy listening: https on 127.0.0.1:${plan.httpsPort} for ${plan.host}, http on ${plan.httpPort}`);
  save();
  const [first, ...others] = workers;
  // The first worker migrates and creates the owner; the others start once it is ready.
  if (first !== undefined) {
    start(first);
    while (!isStopping() && first.state.status !== 'ready') {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  for (const worker of others) start(worker);
  void manager.run();
  void managerStatusLoop();
  void dbLoop();
  void readsLoop();
}
