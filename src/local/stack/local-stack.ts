/**
 * The local stack's operations: `up` (the DB nodes by LocalMariaDbCluster, their bootstrap, then
 * the supervisor with the web workers and the TLS proxy), `down` and `status`. `up` is a list of
 * named steps, each run by the CLI with its progress and timing; a failed `up` stops what it
 * started and leaves running what was running before.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { resolve } from 'node:path';
import type { QuireConfig } from '../../config/schema.js';
import { quireNames } from '../../k8s/names.js';
import { SecretStore } from '../../secrets/secret-store.js';
import {
  describeWriteProtection,
  writeProtection,
  type NodeReport,
  type WriteProtection,
} from '../../topology/node-report.js';
import { freePort, type AppLogin, type LocalMariaDbCluster } from '../mariadb/index.js';
import { readClusterState } from '../mariadb/cluster-state.js';
import { assertPortFree } from '../mariadb/ports.js';
import {
  commandLine,
  isAlive,
  signalGroup,
  sleep,
  startInBackground,
  tailFile,
  waitForGroupsToEnd,
} from '../mariadb/process-group.js';
import { localRunUser } from '../mariadb/run-user.js';
import { assertTools } from '../mariadb/tools.js';
import type { ManagerStatus } from '../../topology/failover-manager.js';
import { withDbLock } from './db-lock.js';
import { openStackCluster, stackToolPath } from './stack-cluster.js';
import { LocalStackError } from './errors.js';
import { selfCommand } from './self-command.js';
import { loadStackPasswords, type StackPasswords } from './stack-passwords.js';
import { ensureStackDirs, stackPaths, type StackPaths } from './stack-paths.js';
import { readJson, writeJson, type StackPlan, type SupervisorState, type WorkerState } from './stack-plan.js';
import { workerReady } from './supervisor.js';

/** @default ports of the proxy: the Ingress's 443 and 80, moved above 1024. */
export const DEFAULT_HTTPS_PORT = 8443;
export const DEFAULT_HTTP_PORT = 8080;

export interface LocalStackOptions {
  readonly config: QuireConfig;
  /** The configuration file, when one was read (the workers read it too). */
  readonly configFile?: string;
  /** The `.quire` directory (secret store); the stack's state is its `local/`. */
  readonly quireDir: string;
  /** @default the previous run's, else 8443 */
  readonly httpsPort?: number;
  /** @default the previous run's, else 8080 */
  readonly httpPort?: number;
  /** How long the workers may take to become ready, in ms. @default 120000 */
  readonly readyTimeoutMs?: number;
}

/** A timed part of a step (a node's clone, the first worker's start), for up-timings.json. */
export interface UpPhase {
  readonly name: string;
  readonly ms: number;
  /** Bytes it moved (a clone's data). */
  readonly bytes?: number;
}

export interface UpStep {
  readonly title: string;
  /** Runs the step, telling `record` the time of its parts; returns a short detail for the progress line. */
  readonly run: (record: (phase: UpPhase) => void) => Promise<string | undefined>;
}

/** What the last successful `quire up` took: each step and its parts (written to up-timings.json). */
export interface UpTimings {
  readonly version: 1;
  readonly finishedAt: string;
  readonly totalMs: number;
  readonly steps: readonly {
    readonly title: string;
    readonly ms: number;
    readonly phases: readonly UpPhase[];
  }[];
}

/** Keep the timings of an `up` in the state directory, for scripts and `npm run bench:up`. */
export function writeUpTimings(quireDir: string, timings: UpTimings): void {
  writeJson(stackPaths(localStateDir(quireDir)).upTimingsFile, timings);
}

export interface UpResult {
  readonly url: string;
  readonly host: string;
  readonly httpsPort: number;
  readonly httpPort: number;
  /** The owner's login, when the first worker created the account during this `up`. */
  readonly ownerLogin?: { readonly email: string; readonly password: string };
  readonly certificateFile: string;
}

/** The state directory of the local stack inside `.quire`. */
export function localStateDir(quireDir: string): string {
  return resolve(quireDir, 'local');
}

const asRoot = (): boolean => process.getuid?.() === 0;

/** The supervisor's state, when it is running. */
export function runningSupervisor(paths: StackPaths): SupervisorState | undefined {
  const state = readJson<SupervisorState>(paths.supervisorStateFile);
  if (state === undefined || !isAlive(state.pid)) return undefined;
  const line = commandLine(state.pid)?.join(' ') ?? '';
  return line.includes('supervise') ? state : undefined;
}

/** Stop the supervisor's process group (it, the proxy, the workers), and workers a killed supervisor left. */
async function stopSupervisor(paths: StackPaths): Promise<void> {
  const state = readJson<SupervisorState>(paths.supervisorStateFile);
  if (state === undefined) return;
  const ours = (pid: number): boolean => /supervise|serve/.test(commandLine(pid)?.join(' ') ?? '');
  // The supervisor alone first: it takes the workers' last read counts, then stops them itself.
  if (ours(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    await waitForGroupsToEnd([state.pid], 20_000);
  }
  // Then whatever is left of its group, and workers a killed supervisor left.
  const pids = [
    state.pid,
    ...state.workers.flatMap((worker) => (worker.pid === undefined ? [] : [worker.pid])),
  ].filter(ours);
  for (const pid of pids) signalGroup(pid, 'SIGTERM');
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGTERM');
  if (!(await waitForGroupsToEnd(pids, 20_000))) {
    for (const pid of pids) signalGroup(pid, 'SIGKILL');
    await waitForGroupsToEnd(pids, 5000);
  }
  rmSync(paths.supervisorStateFile, { force: true });
}

/**
 * The steps of `quire up`, and the result once they have all run. On a failure in any step, call
 * `rollback` (the CLI does) to stop what this run started.
 */
export function planUp(options: LocalStackOptions): {
  steps: UpStep[];
  result: () => UpResult;
  rollback: () => Promise<void>;
} {
  const { config } = options;
  const names = quireNames(config);
  const paths = stackPaths(localStateDir(options.quireDir));
  const nodes = config.database.replicas;
  const previous = readJson<StackPlan>(paths.planFile);
  const httpsPort = options.httpsPort ?? previous?.httpsPort ?? DEFAULT_HTTPS_PORT;
  const httpPort = options.httpPort ?? previous?.httpPort ?? DEFAULT_HTTP_PORT;
  const host = config.ingress.host;
  const url = `https://${host}${httpsPort === 443 ? '' : `:${httpsPort}`}/`;
  let passwords: StackPasswords | undefined;
  let cluster: LocalMariaDbCluster | undefined;
  let login: AppLogin | undefined;
  let startedNodes: number[] = [];
  let startedSupervisor = false;
  let ownerLogin: UpResult['ownerLogin'];

  const steps: UpStep[] = [
    {
      title: 'Check the machine: MariaDB tools, ports, state directory',
      run: async () => {
        const root = asRoot();
        assertTools(stackToolPath(), root);
        localRunUser();
        if (runningSupervisor(paths) === undefined) {
          if (httpsPort === httpPort) {
            throw new LocalStackError(
              'LOCAL_STACK_START_FAILED',
              `the HTTPS and HTTP ports are both ${httpsPort}; give two ports`,
              2,
            );
          }
          await assertPortFree(
            httpsPort,
            '127.0.0.1',
            'HTTPS port of the local stack; choose another with --https-port',
          );
          await assertPortFree(
            httpPort,
            '127.0.0.1',
            'HTTP port of the local stack; choose another with --http-port',
          );
        }
        ensureStackDirs(paths, root);
        passwords = loadStackPasswords(paths);
        return paths.dir;
      },
    },
    {
      title: `Start MariaDB: 1 primary + ${nodes - 1} replica${nodes - 1 === 1 ? '' : 's'} (GTID, cloned by mariabackup)`,
      run: async (record) => {
        if (passwords === undefined) throw new Error('no passwords');
        const pw = passwords;
        return withDbLock(paths.dbLockDir, async () => {
          cluster = await openStackCluster(paths, nodes, names.db, pw, config.database.durability);
          const before = new Set(cluster.nodes.filter((node) => node.running).map((node) => node.ordinal));
          try {
            const results = await cluster.startAll();
            for (const { node, startMs, initialised, cloned } of results) {
              if (startMs === undefined) continue;
              if (cloned !== undefined) {
                const donor = cluster.node(cloned.from).name;
                record({ name: `${node.name}: clone from ${donor}`, ms: cloned.ms, bytes: cloned.bytes });
              }
              const what = initialised === true ? 'initialise and start' : 'start';
              record({ name: `${node.name}: ${what}`, ms: startMs - (cloned?.ms ?? 0) });
            }
          } finally {
            startedNodes = cluster.nodes
              .filter((node) => node.running && !before.has(node.ordinal))
              .map((node) => node.ordinal);
          }
          const ports = cluster.nodes.map((node) => `${node.name} :${node.port}`).join(', ');
          return startedNodes.length === 0 ? `already running (${ports})` : ports;
        });
      },
    },
    {
      title: 'Bootstrap the app database and its least-privilege user',
      run: async () => {
        if (cluster === undefined || passwords === undefined) throw new Error('no cluster');
        login = await cluster.bootstrap({
          database: config.database.name,
          user: config.database.user,
          password: passwords.app,
        });
        return `${login.user}@${login.database}`;
      },
    },
    {
      title: `Start ${config.web.replicas} web worker${config.web.replicas === 1 ? '' : 's'} (migrations) and TLS on ${host}`,
      run: async (record) => {
        if (cluster === undefined || login === undefined) throw new Error('no database');
        const certificateStarted = Date.now();
        const store = await SecretStore.open(options.quireDir);
        const tls = store.valuesFor(config.namespace).selfSignedTls(names.tlsSecret, host);
        await store.save();
        if (asRoot()) chmodSync(options.quireDir, 0o711);
        writeFileSync(paths.certificateFile, tls.certificate, { mode: 0o644 });
        writeFileSync(paths.privateKeyFile, tls.privateKey, { mode: 0o600 });
        record({ name: 'TLS certificate', ms: Date.now() - certificateStarted });
        const workerPorts: number[] = [];
        const taken = new Set([
          httpsPort,
          httpPort,
          ...cluster.nodes.flatMap((node) => [node.port, node.clonePort]),
        ]);
        const keptWritePort = previous?.writePort;
        const writePort =
          keptWritePort !== undefined && !taken.has(keptWritePort)
            ? keptWritePort
            : await freePort('127.0.0.1', taken);
        taken.add(writePort);
        for (let index = 0; index < config.web.replicas; index++) {
          const kept = previous?.workerPorts[index];
          const port = kept !== undefined && !taken.has(kept) ? kept : await freePort('127.0.0.1', taken);
          taken.add(port);
          workerPorts.push(port);
        }
        const plan: StackPlan = {
          version: 1,
          host,
          httpsPort,
          httpPort,
          publicUrl: url.replace(/\/$/, ''),
          dbNodes: nodes,
          writePort,
          clusterName: names.db,
          durability: config.database.durability,
          workerPorts,
          workerCommand: [
            ...selfCommand(),
            'serve',
            ...(options.configFile === undefined ? [] : ['--config', resolve(options.configFile)]),
            // Writes through the endpoint that follows the primary; reads from every node (the
            // app reads from the ones that replicate, and from the primary when none does).
            '--primary',
            `127.0.0.1:${writePort}`,
            ...cluster.nodes.flatMap((node) => ['--replica', `${node.host}:${node.port}`]),
            '--host',
            '127.0.0.1',
          ],
          workerEnv: {
            QUIRE_DB_NAME: login.database,
            QUIRE_DB_USER: login.user,
            QUIRE_DB_PASSWORD_FILE: paths.dbPasswordFile,
            QUIRE_SESSION_SECRET_FILE: paths.sessionSecretFile,
            QUIRE_PUBLIC_URL: url.replace(/\/$/, ''),
            QUIRE_MEDIA_DIR: paths.mediaDir,
            QUIRE_TRUST_PROXY: 'true',
            ...(process.env.HOME === undefined ? {} : { HOME: process.env.HOME }),
          },
        };
        const running = runningSupervisor(paths);
        if (running !== undefined && running.plan === JSON.stringify(plan)) {
          return `already running (supervisor pid ${running.pid})`;
        }
        await stopSupervisor(paths);
        writeJson(paths.planFile, plan);
        const pid = await startInBackground(
          [...selfCommand(), 'local', 'supervise', '--local-dir', paths.dir],
          {
            env: Object.fromEntries(
              Object.entries(process.env).filter(
                (entry): entry is [string, string] => entry[1] !== undefined,
              ),
            ),
            cwd: paths.dir,
            logFile: paths.supervisorLog,
          },
        );
        startedSupervisor = true;
        await waitForWorkers(paths, pid, workerPorts.length, options.readyTimeoutMs ?? 120_000, record);
        if (existsSync(paths.ownerLoginFile)) {
          const text = readFileSync(paths.ownerLoginFile, 'utf8');
          rmSync(paths.ownerLoginFile);
          const email = /email:\s*(\S+)/.exec(text)?.[1];
          const password = /password:\s*(\S+)/.exec(text)?.[1];
          if (email !== undefined && password !== undefined) ownerLogin = { email, password };
        }
        return `supervisor pid ${pid}; workers on ports ${workerPorts.join(', ')}; https :${httpsPort}, http :${httpPort}`;
      },
    },
  ];
  return {
    steps,
    result: () => ({
      url,
      host,
      httpsPort,
      httpPort,
      certificateFile: paths.certificateFile,
      ...(ownerLogin === undefined ? {} : { ownerLogin }),
    }),
    rollback: async () => {
      if (startedSupervisor) await stopSupervisor(paths);
      if (cluster !== undefined) {
        for (const ordinal of [...startedNodes].reverse()) await cluster.stopNode(ordinal);
      }
    },
  };
}

/** Wait until the proxy listens and every worker is ready, recording when each came. */
async function waitForWorkers(
  paths: StackPaths,
  pid: number,
  count: number,
  timeoutMs: number,
  record: (phase: UpPhase) => void,
): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const seen = new Set<string>();
  const once = (name: string, happened: boolean): void => {
    if (!happened || seen.has(name)) return;
    seen.add(name);
    record({ name, ms: Date.now() - started });
  };
  for (;;) {
    if (!isAlive(pid)) {
      throw new LocalStackError(
        'LOCAL_STACK_START_FAILED',
        `the supervisor (web workers and TLS proxy) exited; its log, ${paths.supervisorLog}:\n${tailFile(paths.supervisorLog, 20)}`,
      );
    }
    const state = readJson<SupervisorState>(paths.supervisorStateFile);
    const ready = state?.workers.filter((worker) => worker.status === 'ready').length ?? 0;
    once('TLS proxy listening', state?.proxyListening === true);
    once('first web worker ready (migrations, owner account)', ready > 0);
    once(`all ${count} web workers ready`, ready === count);
    if (state?.proxyListening === true && ready === count) return;
    if (Date.now() > deadline) {
      const logs = (state?.workers ?? []).map(
        (worker) =>
          `--- web-${worker.index} (${worker.status}, ${worker.restarts} restarts):\n${tailFile(`${paths.logDir}/web-${worker.index}.log`, 10)}`,
      );
      throw new LocalStackError(
        'LOCAL_STACK_START_FAILED',
        `${ready} of ${count} web workers became ready within ${Math.round(timeoutMs / 1000)} s:\n${logs.join('\n')}`,
      );
    }
    await sleep(100);
  }
}

/** Stop everything (supervisor, workers, proxy, DB nodes); data is kept unless `purge`. */
export async function downStack(quireDir: string, purge: boolean): Promise<string[]> {
  const paths = stackPaths(localStateDir(quireDir));
  const done: string[] = [];
  if (!existsSync(paths.dir)) return ['nothing to stop: no local stack in ' + paths.dir];
  if (readJson<SupervisorState>(paths.supervisorStateFile) !== undefined) {
    await stopSupervisor(paths);
    done.push('stopped the web workers and the TLS proxy');
  }
  const state = readClusterState(`${paths.dbDir}/cluster.json`);
  if (state !== undefined && existsSync(paths.passwordsFile)) {
    const passwords = loadStackPasswords(paths);
    await withDbLock(paths.dbLockDir, async () => {
      const cluster = await openStackCluster(paths, state.nodes.length, state.name, passwords);
      await cluster.stop();
    });
    done.push(`stopped ${state.nodes.length} MariaDB node${state.nodes.length === 1 ? '' : 's'}`);
  }
  if (purge) {
    rmSync(paths.dir, { recursive: true, force: true });
    done.push(`removed ${paths.dir} (data, logs, passwords)`);
  } else {
    done.push(`data kept in ${paths.dir}; quire up starts it again`);
  }
  return done;
}

export interface ComponentStatus {
  readonly component: string;
  readonly role: string;
  readonly pid: number | null;
  readonly port: number | null;
  readonly health: string;
  readonly restarts: number | null;
  /** Seconds behind the primary (replicas). */
  readonly lagSeconds: number | null;
  readonly gtid: string | null;
  /**
   * Reads it served (DB nodes): the supervisor's tally over the workers' processes, so it never
   * goes down when one restarts; up to ~2 s old.
   */
  readonly reads: number | null;
  readonly detail?: string;
  /** The writable DB node: whether the writes it acknowledged are on a replica. */
  readonly writes?: { readonly protection: WriteProtection; readonly summary: string };
}

export interface LocalStackStatus {
  readonly stateDir: string;
  readonly url: string | null;
  readonly components: readonly ComponentStatus[];
  /** The failover manager's state while the supervisor runs: why it waits, the last role change. */
  readonly failover?: ManagerStatus;
}

/** What runs now, from the state files and a probe of each part. */
export async function localStackStatus(quireDir: string): Promise<LocalStackStatus> {
  const paths = stackPaths(localStateDir(quireDir));
  const plan = readJson<StackPlan>(paths.planFile);
  const components: ComponentStatus[] = [];
  const supervisor = existsSync(paths.dir) ? runningSupervisor(paths) : undefined;
  const state = existsSync(paths.dir) ? readClusterState(`${paths.dbDir}/cluster.json`) : undefined;
  if (state !== undefined && existsSync(paths.passwordsFile)) {
    const passwords = loadStackPasswords(paths);
    await withDbLock(paths.dbLockDir, async () => {
      const cluster = await openStackCluster(paths, state.nodes.length, state.name, passwords);
      for (const node of cluster.nodes) {
        let report: NodeReport | undefined;
        let health = node.running ? 'starting' : 'stopped';
        let detail: string | undefined;
        if (node.running) {
          try {
            report = await cluster.report(node.ordinal);
            health = (await cluster.probe(node.ordinal, 'ready')) ? 'ready' : 'not ready';
          } catch (error) {
            detail = error instanceof Error ? error.message : String(error);
          }
        }
        const replication = report?.replication;
        if (
          replication !== undefined &&
          (replication.ioRunning !== 'Yes' || replication.sqlRunning !== 'Yes')
        ) {
          health = 'not replicating';
          detail =
            replication.lastIoError ||
            replication.lastSqlError ||
            `IO ${replication.ioRunning}, SQL ${replication.sqlRunning}`;
        } else if (replication !== undefined && health === 'ready') {
          health = 'replicating';
        }
        components.push({
          component: node.name,
          role: node.role,
          pid: node.pid ?? null,
          port: node.port,
          health,
          restarts: supervisor?.db[node.ordinal]?.restarts ?? null,
          lagSeconds: replication?.secondsBehindMaster ?? null,
          gtid: report?.gtidCurrentPos ?? null,
          reads: supervisor === undefined ? null : (supervisor.reads?.[node.ordinal] ?? 0),
          ...(detail === undefined ? {} : { detail }),
          ...(report === undefined || report.readOnly
            ? {}
            : {
                writes: {
                  protection: writeProtection(report.semiSync),
                  summary: describeWriteProtection(report.semiSync),
                },
              }),
        });
      }
    });
  }
  const workerStates: readonly WorkerState[] =
    supervisor?.workers ??
    plan?.workerPorts.map((port, index): WorkerState => ({ index, port, status: 'stopped', restarts: 0 })) ??
    [];
  for (const worker of workerStates) {
    const alive = supervisor !== undefined && worker.pid !== undefined && isAlive(worker.pid);
    const healthy = alive && (await workerReady(worker.port));
    components.push({
      component: `web-${worker.index}`,
      role: 'web worker',
      pid: alive ? (worker.pid ?? null) : null,
      port: worker.port,
      health: healthy ? 'ready' : supervisor === undefined ? 'stopped' : worker.status,
      restarts: worker.restarts,
      lagSeconds: null,
      gtid: null,
      reads: null,
      ...(worker.lastExit !== undefined ? { detail: `last exit: ${worker.lastExit}` } : {}),
    });
  }
  if (plan !== undefined) {
    components.push({
      component: 'write-endpoint',
      role: 'writes → the primary (failover manager)',
      pid: supervisor?.pid ?? null,
      port: plan.writePort,
      health:
        supervisor?.failover === undefined
          ? 'stopped'
          : supervisor.failover.waiting === undefined
            ? 'ready'
            : 'waiting',
      restarts: null,
      lagSeconds: null,
      gtid: null,
      reads: null,
      ...(supervisor?.failover === undefined ? {} : { detail: `leads to ${supervisor.failover.primary}` }),
    });
    components.push({
      component: 'tls-proxy',
      role: `https ${plan.host}, http → https :${plan.httpPort}`,
      pid: supervisor?.pid ?? null,
      port: plan.httpsPort,
      health: supervisor?.proxyListening === true ? 'ready' : 'stopped',
      restarts: null,
      lagSeconds: null,
      gtid: null,
      reads: null,
    });
  }
  return {
    stateDir: paths.dir,
    url: plan === undefined ? null : `${plan.publicUrl}/`,
    components,
    ...(supervisor?.failover === undefined ? {} : { failover: supervisor.failover }),
  };
}
