/**
 * A MariaDB primary and replicas as local processes on loopback, run by the very pod scripts the
 * StatefulSet runs (`src/k8s/database/scripts/`), in the same order: per node configure.sh and
 * clone.sh (the init containers), then run-server.sh (the server container) and replicate.sh (the
 * replication sidecar), ready when probe.sh passes. A replica with an empty data directory is seeded
 * by a backup streamed from a running node and replicates by GTID; a restarted node keeps its data.
 *
 * Used by `quire up` and by the tests; the processes outlive the Node process that started them
 * (each in its own process group, output in a log file), and a later `open` of the same directory
 * finds them again.
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_DURABILITY } from '../../config/schema.js';
import {
  durabilityEnv,
  podScriptFiles,
  SCRIPTS_MOUNT,
  scriptCommand,
  type Durability,
} from '../../k8s/database/pod-scripts.js';
import { readClusterState, writeClusterState, type NodeState } from './cluster-state.js';
import {
  CloneFailedError,
  DirectoryError,
  LocalMariaDbError,
  NodeNotRunningError,
  NodeStartError,
  PrimaryDataMissingError,
  ScriptFailedError,
} from './errors.js';
import {
  bootstrapEnv,
  chooseDonor,
  clusterLayout,
  DEFAULT_CLUSTER_NAME,
  defaultToolPath,
  MAX_SOCKET_PATH,
  nodeEnv,
  POD_BIND_ADDRESS,
  withBindAddress,
  type BootstrapInput,
  type ClusterLayout,
  type LocalMariaDbPasswords,
  type LocalNodeSpec,
  type NodePorts,
  type NodeRole,
} from './node-spec.js';
import { parseNodeReport, type NodeReport } from '../../topology/node-report.js';
import { assertPortFree, freePort, isListening } from './ports.js';
import {
  commandLine,
  endGroups,
  isAlive,
  runToEnd,
  signalGroup,
  sleep,
  startInBackground,
  tailFile,
  waitForGroupsToEnd,
  type ScriptResult,
} from './process-group.js';
import { describeUser, localRunUser, type RunUser } from './run-user.js';
import { assertTools } from './tools.js';
import { assertSpace, diskFullError, footprintBytes, INITIAL_DATA_BYTES } from './disk-space.js';

/** File the scripts write once a data directory holds a complete server (`READY_MARKER` in common.sh). */
export const READY_MARKER = '.quire-ready';

/** Address clients connect to. */
const LOOPBACK = '127.0.0.1';

export interface LocalMariaDbClusterOptions {
  /** Directory of the scripts, the state file and one directory per node; created when missing. */
  readonly baseDir: string;
  /** Replicas besides the primary. @default 1 */
  readonly replicas?: number;
  /** The DB Secret's passwords; they must stay the same for the life of the data directories. */
  readonly passwords: LocalMariaDbPasswords;
  /**
   * Ports per node (index = ordinal, 0 the primary). Ports not given are the ones in the state file,
   * else free loopback ports below the kernel's ephemeral range, and are kept in the state file for
   * the next run. Ports given here should be below that range too (32768 on Linux): a port in it can
   * be taken by an outgoing connection while the node is stopped.
   */
  readonly ports?: readonly (Partial<NodePorts> | undefined)[];
  /** The StatefulSet's name; nodes are `<name>-<ordinal>`. @default 'quire-mariadb' */
  readonly name?: string;
  /**
   * Address mariadbd listens on. The pods use 0.0.0.0; a local node stays on loopback.
   * @default '127.0.0.1'
   */
  readonly bindAddress?: string;
  /** PATH of the scripts. @default the process's PATH with the sbin directories added */
  readonly path?: string;
  /** `CLONE_ATTEMPTS` of clone.sh (5 s apart). @default 3 */
  readonly cloneAttempts?: number;
  /** `database.durability`: semi-sync or async, as on Kubernetes. @default the configuration's default */
  readonly durability?: Durability;
  /** Added to every node's environment (e.g. `CLONE_IDLE_TIMEOUT`). @default {} */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** How long a node may take to become ready, in ms. @default 180000 */
  readonly startTimeoutMs?: number;
  /** How long a node may take to stop after SIGTERM before it is killed, in ms. @default 60000 */
  readonly stopTimeoutMs?: number;
}

/** A node and its processes, as seen now. */
export interface LocalMariaDbNode extends LocalNodeSpec {
  /** As recorded: the primary (the failover manager moves it) or a replica. */
  readonly role: NodeRole;
  /** Process (and process group) id of the server: mariadbd, or run-server.sh before it execs. */
  readonly pid: number | undefined;
  /** Process group id of the replication sidecar (socat serving backups). */
  readonly sidecarPid: number | undefined;
  /** Whether the server process is alive. */
  readonly running: boolean;
}

export interface NodeStartResult {
  readonly node: LocalMariaDbNode;
  /** True when both processes were already running and nothing was started. */
  readonly alreadyRunning: boolean;
  /** The init steps' results, when the server was (re)started. */
  readonly configure?: ScriptResult;
  readonly clone?: ScriptResult;
  /**
   * The backup streamed in, when the data directory had to be seeded: the ordinal of the node it
   * came from, how long clone.sh took (receiving and preparing it), the bytes it holds.
   */
  readonly cloned?: { readonly from: number; readonly ms: number; readonly bytes: number };
  /** Milliseconds from the start of the init steps to ready, when something was started. */
  readonly startMs?: number;
  /** Whether the primary's data directory was initialised (its first start). */
  readonly initialised?: boolean;
}

/** How the app reaches its database once bootstrap.sh has run. */
export interface AppLogin {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

export type NodeLog = 'server' | 'replication' | 'init';

interface Pids {
  server?: number;
  sidecar?: number;
}

export class LocalMariaDbCluster {
  /** Groups of scripts running to their end (to end them with killNow). */
  private readonly running = new Set<number>();
  private readonly pids: Pids[];
  private primaryOrdinal: number;
  private promotedAt: string | undefined;

  private constructor(
    readonly layout: ClusterLayout,
    private readonly options: Required<Omit<LocalMariaDbClusterOptions, 'ports'>>,
    /** Who runs the nodes: mysql (via setpriv) when the runner is root, else the runner's user. */
    readonly runUser: RunUser,
    /** Nodes in the state file beyond the configured count (after a scale-down); stopped by start. */
    private readonly extraPids: Pids[],
    pids: Pids[],
    primary: { readonly ordinal: number; readonly promotedAt?: string | undefined },
  ) {
    this.pids = pids;
    this.primaryOrdinal = primary.ordinal;
    this.promotedAt = primary.promotedAt;
  }

  /**
   * Lay out the directories and scripts, choose or reuse ports and find processes of an earlier
   * run still running. Starts nothing.
   */
  static async open(options: LocalMariaDbClusterOptions): Promise<LocalMariaDbCluster> {
    const resolved = {
      baseDir: resolve(options.baseDir),
      replicas: options.replicas ?? 1,
      passwords: options.passwords,
      name: options.name ?? DEFAULT_CLUSTER_NAME,
      bindAddress: options.bindAddress ?? LOOPBACK,
      path: options.path ?? defaultToolPath(process.env.PATH),
      cloneAttempts: options.cloneAttempts ?? 3,
      durability: options.durability ?? DEFAULT_DURABILITY,
      extraEnv: options.extraEnv ?? {},
      startTimeoutMs: options.startTimeoutMs ?? 180_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 60_000,
    };
    if (!Number.isInteger(resolved.replicas) || resolved.replicas < 0) {
      throw new RangeError(`replicas must be a whole number >= 0 (got ${resolved.replicas})`);
    }
    for (const [key, value] of Object.entries(resolved.passwords)) {
      if (value === '') throw new RangeError(`passwords.${key} is empty; the pods refuse empty passwords`);
    }
    const runUser = localRunUser();
    assertTools(resolved.path, runUser.dropsFromRoot);
    mkdirSync(resolved.baseDir, { recursive: true, mode: 0o755 });

    const stateFile = join(resolved.baseDir, 'cluster.json');
    const state = readClusterState(stateFile);
    if (state !== undefined && state.name !== resolved.name) {
      throw new DirectoryError(
        resolved.baseDir,
        `holds the nodes of "${state.name}", not "${resolved.name}"`,
        'use the same name, or another directory',
      );
    }
    const ports = await choosePorts(resolved.replicas + 1, options.ports ?? [], state?.nodes ?? []);
    const layout = clusterLayout({
      baseDir: resolved.baseDir,
      name: resolved.name,
      ports,
      host: LOOPBACK,
      ownTemplates: resolved.bindAddress !== POD_BIND_ADDRESS,
    });
    const primaryOrdinal = state?.primary ?? 0;
    if (primaryOrdinal >= layout.nodes.length) {
      throw new DirectoryError(
        resolved.baseDir,
        `the primary is ${resolved.name}-${primaryOrdinal}, which ${layout.nodes.length} node(s) would leave out`,
        `keep at least ${primaryOrdinal + 1} nodes, or switch the primary over to a lower node first`,
      );
    }
    checkPrimaryPortKept(layout, primaryOrdinal, state?.nodes[primaryOrdinal]?.ports);
    for (const node of layout.nodes) {
      if (Buffer.byteLength(node.socket) > MAX_SOCKET_PATH) {
        throw new DirectoryError(
          node.socket,
          `the socket path is ${Buffer.byteLength(node.socket)} bytes, more than Unix sockets allow (${MAX_SOCKET_PATH})`,
          'choose a shorter base directory',
        );
      }
    }

    writeScripts(layout, resolved.bindAddress);
    if (runUser.dropsFromRoot) assertReachable(runUser, resolved.baseDir, resolved.path);
    const pids = layout.nodes.map((node, ordinal) => adopt(layout, node, state?.nodes[ordinal]));
    const extras = (state?.nodes ?? []).slice(layout.nodes.length).map((node) => ({
      ...(node.serverPid !== undefined && isAlive(node.serverPid) ? { server: node.serverPid } : {}),
      ...(node.sidecarPid !== undefined && isAlive(node.sidecarPid) ? { sidecar: node.sidecarPid } : {}),
    }));
    const cluster = new LocalMariaDbCluster(layout, resolved, runUser, extras, pids, {
      ordinal: primaryOrdinal,
      promotedAt: state?.promotedAt,
    });
    for (const node of layout.nodes) cluster.ensureNodeDirs(node);
    cluster.saveState();
    return cluster;
  }

  /**
   * Open the directory and start every node that is not running: the primary, then the replicas
   * that hold data (together), then those with an empty data directory one after another in order,
   * each seeded from the node before it. If a node fails,
   * the nodes this call started are stopped again before the error is thrown.
   */
  static async start(options: LocalMariaDbClusterOptions): Promise<LocalMariaDbCluster> {
    const cluster = await LocalMariaDbCluster.open(options);
    await cluster.startAll();
    return cluster;
  }

  /** Every node, with its processes as they are now. */
  get nodes(): readonly LocalMariaDbNode[] {
    return this.layout.nodes.map((spec) => this.node(spec.ordinal));
  }

  node(ordinal: number): LocalMariaDbNode {
    const spec = this.spec(ordinal);
    const pids = this.livePids(ordinal);
    return {
      ...spec,
      role: this.roleOf(ordinal),
      pid: pids.server,
      sidecarPid: pids.sidecar,
      running: pids.server !== undefined,
    };
  }

  /** The node recorded as the primary. */
  get primary(): LocalMariaDbNode {
    return this.node(this.primaryOrdinal);
  }

  get replicas(): readonly LocalMariaDbNode[] {
    return this.nodes.filter((node) => node.ordinal !== this.primaryOrdinal);
  }

  /** The primary's GTID position when it was promoted; undefined for the first primary. */
  get primaryPromotedAt(): string | undefined {
    return this.promotedAt;
  }

  /**
   * Record that `ordinal` is the primary from now on, promoted at GTID position `promotedAt`.
   * Only the record: the failover manager fences the old primary first and promotes the server
   * after. A node started from now on starts as this role (read-only unless it is the primary).
   */
  recordPrimary(ordinal: number, promotedAt: string): void {
    this.spec(ordinal);
    this.primaryOrdinal = ordinal;
    this.promotedAt = promotedAt;
    this.saveState();
  }

  private roleOf(ordinal: number): NodeRole {
    return ordinal === this.primaryOrdinal ? 'primary' : 'replica';
  }

  /** Start every node not running (see `start`); the result of each, by ordinal. */
  async startAll(): Promise<NodeStartResult[]> {
    const startedHere: number[] = [];
    const results: NodeStartResult[] = [];
    try {
      for (const extra of this.extraPids.splice(0)) await this.endPids(extra, 'SIGTERM');
      const start = async (ordinal: number): Promise<void> => {
        const result = await this.startNode(ordinal);
        results[ordinal] = result;
        if (!result.alreadyRunning) startedHere.push(ordinal);
      };
      await start(this.primaryOrdinal);
      // Replicas with data start together; those needing a clone, one after another in order.
      const replicas = this.layout.nodes.filter((node) => node.ordinal !== this.primaryOrdinal);
      const seeded = replicas.filter((node) => existsSync(join(node.dataDir, READY_MARKER)));
      const settled = await Promise.allSettled(seeded.map((node) => start(node.ordinal)));
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      for (const node of replicas.filter((candidate) => !seeded.includes(candidate)))
        await start(node.ordinal);
    } catch (error) {
      for (const ordinal of startedHere.reverse()) await this.stopNode(ordinal);
      throw error;
    }
    return results;
  }

  /**
   * Start a node's missing processes and wait until it is ready: configure.sh and clone.sh, then
   * run-server.sh, then replicate.sh. A replica whose data directory lost its server (removed) is
   * stopped if needed and cloned again from a running node. If the node does not become ready, the
   * processes this call started are ended again. `until: 'serving'` waits only until the server
   * answers and the sidecar serves backups: a primary that was failed over comes back read-only and
   * is ready for reads only once the failover manager has rejoined it.
   */
  async startNode(
    ordinal: number,
    options: { readonly until?: 'ready' | 'serving' } = {},
  ): Promise<NodeStartResult> {
    const spec = this.spec(ordinal);
    const role = this.roleOf(ordinal);
    const others = this.layout.nodes.filter((node) => node.ordinal !== ordinal);
    const marked = (node: LocalNodeSpec): boolean => existsSync(join(node.dataDir, READY_MARKER));
    let pids = this.livePids(ordinal);
    if (!marked(spec) && role === 'replica' && (pids.server ?? pids.sidecar) !== undefined) {
      // Its data directory was removed under the running server: start over with a clone.
      await this.stopNode(ordinal);
      pids = {};
    }
    if (!marked(spec) && role === 'primary' && others.some(marked)) {
      throw new PrimaryDataMissingError(spec.dataDir);
    }
    this.ensureNodeDirs(spec);
    const until = options.until ?? 'ready';
    if (pids.server !== undefined && pids.sidecar !== undefined) {
      await this.waitReady(spec, until);
      return { node: this.node(ordinal), alreadyRunning: true };
    }

    const started = Date.now();
    let configure: ScriptResult | undefined;
    let clone: ScriptResult | undefined;
    let cloned: NodeStartResult['cloned'];
    const initialises = role === 'primary' && !marked(spec);
    try {
      if (pids.server === undefined) {
        await assertPortFree(spec.port, this.options.bindAddress, `SQL port of ${spec.name}`);
        const donor = role === 'replica' && !marked(spec) ? this.donorFor(spec) : undefined;
        if (initialises) assertSpace(spec.dataDir, INITIAL_DATA_BYTES, `initialising the primary's data`);
        if (donor !== undefined) {
          assertSpace(spec.dataDir, footprintBytes(donor.dataDir), `a clone of ${donor.name}'s data`);
        }
        configure = await this.runStep(spec, 'configure.sh');
        const cloneStarted = Date.now();
        clone = await this.runScript(ordinal, 'clone.sh', [], { donor, timeoutMs: 30 * 60_000 });
        const cloneMs = Date.now() - cloneStarted;
        if (clone.code !== 0) throw this.cloneFailed(spec, donor, clone, cloneMs);
        if (donor !== undefined) {
          cloned = { from: donor.ordinal, ms: cloneMs, bytes: footprintBytes(spec.dataDir) };
        }
        // A live sidecar stays, as a pod's other container does when the server container restarts:
        // replicate.sh is then serving backups over the server's socket (replication was set up
        // in the data directory and restarts with the server), or still waiting for the server.
        this.pids[ordinal] = {
          ...this.livePids(ordinal),
          server: await startInBackground(this.command('run-server.sh'), {
            env: this.env(ordinal, { donor }),
            cwd: spec.dir,
            logFile: spec.serverLog,
          }),
        };
        this.saveState();
      }
      if (this.livePids(ordinal).sidecar === undefined) {
        await assertPortFree(spec.clonePort, POD_BIND_ADDRESS, `backup port of ${spec.name}`);
        this.pids[ordinal] = {
          ...this.livePids(ordinal),
          sidecar: await startInBackground(this.command('replicate.sh'), {
            env: this.env(ordinal),
            cwd: spec.dir,
            logFile: spec.replicationLog,
          }),
        };
        this.saveState();
      }
      await this.waitReady(spec, until);
    } catch (error) {
      await this.endStartedSince(ordinal, pids);
      throw error;
    }
    return {
      node: this.node(ordinal),
      alreadyRunning: false,
      startMs: Date.now() - started,
      initialised: initialises,
      ...(configure === undefined ? {} : { configure }),
      ...(clone === undefined ? {} : { clone }),
      ...(cloned === undefined ? {} : { cloned }),
    };
  }

  /** Stop a node as the kubelet stops a pod: SIGTERM (mariadbd shuts down cleanly), SIGKILL after the timeout. */
  async stopNode(ordinal: number): Promise<void> {
    this.spec(ordinal);
    await this.endPids(this.pids[ordinal] ?? {}, 'SIGTERM');
    this.pids[ordinal] = {};
    this.saveState();
  }

  /**
   * Send a signal to a node's processes (`which`: the server, the sidecar or both). For SIGKILL,
   * SIGTERM, SIGINT and SIGQUIT it waits until they are gone.
   */
  async killNode(
    ordinal: number,
    signal: NodeJS.Signals = 'SIGKILL',
    which: 'server' | 'sidecar' | 'both' = 'both',
  ): Promise<void> {
    this.spec(ordinal);
    const pids = this.pids[ordinal] ?? {};
    const targets = [
      which !== 'sidecar' ? pids.server : undefined,
      which !== 'server' ? pids.sidecar : undefined,
    ].filter((pid): pid is number => pid !== undefined);
    for (const pid of targets) signalGroup(pid, signal);
    if (['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGQUIT'].includes(signal)) {
      if (!(await waitForGroupsToEnd(targets, this.options.stopTimeoutMs))) {
        throw new LocalMariaDbError(
          'LOCAL_DB_STOP_FAILED',
          `${this.spec(ordinal).name} did not end within ${this.options.stopTimeoutMs} ms of ${signal}`,
        );
      }
      this.pids[ordinal] = {
        ...(which === 'sidecar' && pids.server !== undefined ? { server: pids.server } : {}),
        ...(which === 'server' && pids.sidecar !== undefined ? { sidecar: pids.sidecar } : {}),
      };
      this.saveState();
    }
  }

  /** Stop every node: the replicas (together), then the primary. Data is kept. */
  async stop(): Promise<void> {
    for (const extra of this.extraPids.splice(0)) await this.endPids(extra, 'SIGTERM');
    await Promise.all(this.replicas.map((node) => this.stopNode(node.ordinal)));
    await this.stopNode(this.primaryOrdinal);
  }

  /** SIGKILL every process group this runner knows of, at once (for an exiting test process). */
  killNow(): void {
    for (const pids of [...this.pids, ...this.extraPids]) {
      for (const pid of [pids.server, pids.sidecar]) if (pid !== undefined) signalGroup(pid, 'SIGKILL');
    }
    for (const pid of this.running) signalGroup(pid, 'SIGKILL');
  }

  /**
   * Run the bootstrap Job's script against the primary: the app database, its least-privilege
   * user, and every password brought in line. Idempotent.
   */
  async bootstrap(input: BootstrapInput): Promise<AppLogin> {
    const primary = this.spec(this.primaryOrdinal);
    if (this.livePids(this.primaryOrdinal).server === undefined) {
      throw new NodeNotRunningError(primary.name, 'bootstrap.sh needs the primary');
    }
    const env = bootstrapEnv(primary, {
      ...input,
      passwords: this.options.passwords,
      path: this.options.path,
    });
    const result = await this.execute(primary, this.command('bootstrap.sh'), env, 5 * 60_000, true);
    if (result.code !== 0) throw this.scriptFailed(primary, 'bootstrap.sh', result);
    return { host: primary.host, port: primary.port, ...input };
  }

  /** report.sh on a running node: role and replication state. */
  async report(ordinal: number): Promise<NodeReport> {
    const spec = this.spec(ordinal);
    if (this.livePids(ordinal).server === undefined) {
      throw new NodeNotRunningError(spec.name, 'report.sh needs its server');
    }
    const result = await this.runScript(ordinal, 'report.sh', [], { log: false });
    if (result.code !== 0) throw this.scriptFailed(spec, 'report.sh', result);
    return parseNodeReport(result.stdout);
  }

  /** probe.sh: whether the node's liveness or readiness probe passes now. */
  async probe(ordinal: number, kind: 'live' | 'ready'): Promise<boolean> {
    return (await this.runScript(ordinal, 'probe.sh', [kind], { log: false, timeoutMs: 15_000 })).code === 0;
  }

  /**
   * Run one of the pod scripts in a node's environment, as `kubectl exec` would in its pod. Output
   * is appended to the node's init log unless `log` is false.
   */
  async runScript(
    ordinal: number,
    script: string,
    args: readonly string[] = [],
    options: {
      readonly env?: Readonly<Record<string, string>>;
      readonly donor?: LocalNodeSpec | undefined;
      readonly timeoutMs?: number;
      readonly log?: boolean;
    } = {},
  ): Promise<ScriptResult> {
    const spec = this.spec(ordinal);
    const env = { ...this.env(ordinal, { donor: options.donor }), ...options.env };
    return this.execute(
      spec,
      this.command(script, ...args),
      env,
      options.timeoutMs ?? 120_000,
      options.log ?? true,
    );
  }

  /** The environment a node's scripts get (the pod's variables). */
  env(ordinal: number, options: { readonly donor?: LocalNodeSpec | undefined } = {}): Record<string, string> {
    return nodeEnv(this.layout, this.spec(ordinal), {
      passwords: this.options.passwords,
      path: this.options.path,
      primary: this.spec(this.primaryOrdinal),
      cloneAttempts: this.options.cloneAttempts,
      extra: { ...durabilityEnv(this.options.durability), ...this.options.extraEnv },
      ...(options.donor === undefined ? {} : { donor: options.donor }),
    });
  }

  /**
   * A node's log: the server's output, the sidecar's, or the init steps'. `sinceStart` keeps only
   * what follows the last start (or script run); `lines` keeps the last lines.
   */
  log(ordinal: number, which: NodeLog, options: { sinceStart?: boolean; lines?: number } = {}): string {
    const spec = this.spec(ordinal);
    const file = { server: spec.serverLog, replication: spec.replicationLog, init: spec.initLog }[which];
    let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (options.sinceStart === true) {
      const at = text.lastIndexOf('==> ');
      if (at >= 0) text = text.slice(at);
    }
    return options.lines === undefined ? text : lastLines(text, options.lines);
  }

  /** Remove a stopped node's data directory (its next start clones it again, or initialises the primary). */
  removeData(ordinal: number): void {
    const spec = this.spec(ordinal);
    if (this.livePids(ordinal).server !== undefined) {
      throw new LocalMariaDbError(
        'LOCAL_DB_NODE_RUNNING',
        `${spec.name} is running; stop it before removing its data`,
      );
    }
    rmSync(spec.dataDir, { recursive: true, force: true });
  }

  /** The running node a replica with an empty data directory clones from (chooseDonor). */
  private donorFor(spec: LocalNodeSpec): LocalNodeSpec {
    const serving = new Set(
      this.layout.nodes
        .filter((node) => node.ordinal !== spec.ordinal && this.livePids(node.ordinal).sidecar !== undefined)
        .filter((node) => isListening(node.clonePort))
        .map((node) => node.ordinal),
    );
    const donorOrdinal = chooseDonor(spec.ordinal, serving);
    if (donorOrdinal === undefined) {
      throw new NodeNotRunningError(
        `every node but ${spec.name}`,
        `${spec.name} has an empty data directory and needs a running node to clone from`,
      );
    }
    return this.spec(donorOrdinal);
  }

  private cloneFailed(
    spec: LocalNodeSpec,
    donor: LocalNodeSpec | undefined,
    clone: ScriptResult,
    ms: number,
  ): LocalMariaDbError {
    if (donor === undefined) return this.scriptFailed(spec, 'clone.sh', clone);
    const tail = [
      `--- clone.sh on ${spec.name}:`,
      lastLines(clone.stdout + clone.stderr, 20),
      `--- ${donor.name} (its backups, mariadb-backup's output), ${donor.replicationLog}:`,
      tailFile(donor.replicationLog, 20),
    ].join('\n');
    return (
      diskFullError(spec.dataDir, 'the clone', clone.stdout + clone.stderr, tail) ??
      new CloneFailedError(
        spec.name,
        `${donor.name} (${donor.host}:${donor.clonePort})`,
        `clone.sh failed after ${Math.round(ms / 1000)} s`,
        tail,
      )
    );
  }

  /** End the node's processes that are not among `before` (those a failed start began). */
  private async endStartedSince(ordinal: number, before: Pids): Promise<void> {
    const now = this.pids[ordinal] ?? {};
    await this.endPids(
      {
        ...(now.server !== before.server ? { server: now.server } : {}),
        ...(now.sidecar !== before.sidecar ? { sidecar: now.sidecar } : {}),
      },
      'SIGTERM',
    );
    this.pids[ordinal] = this.livePids(ordinal);
    this.saveState();
  }

  private spec(ordinal: number): LocalNodeSpec {
    const spec = this.layout.nodes[ordinal];
    if (spec === undefined) {
      throw new RangeError(`no node ${ordinal}: the cluster has nodes 0..${this.layout.nodes.length - 1}`);
    }
    return spec;
  }

  /** The node's recorded processes that are still alive (dead ones are forgotten). */
  private livePids(ordinal: number): Pids {
    const pids = this.pids[ordinal] ?? {};
    const live: Pids = {};
    if (pids.server !== undefined && isAlive(pids.server)) live.server = pids.server;
    if (pids.sidecar !== undefined && isAlive(pids.sidecar)) live.sidecar = pids.sidecar;
    return live;
  }

  private async endPids(pids: Pids, signal: NodeJS.Signals): Promise<void> {
    const groups = [pids.server, pids.sidecar].filter((pid): pid is number => pid !== undefined);
    await endGroups(groups, signal, this.options.stopTimeoutMs);
  }

  private command(script: string, ...args: string[]): string[] {
    const [shell, path, ...rest] = scriptCommand(script, ...args);
    if (shell === undefined || path === undefined) throw new Error(`no command for ${script}`);
    return [...this.runUser.prefix, shell, path.replace(SCRIPTS_MOUNT, this.layout.scriptsDir), ...rest];
  }

  private async execute(
    spec: LocalNodeSpec,
    command: string[],
    env: Record<string, string>,
    timeoutMs: number,
    log: boolean,
  ): Promise<ScriptResult> {
    const result = await runToEnd(command, { env, cwd: spec.dir, timeoutMs, track: this.running });
    if (log) {
      const status = result.code === null ? `signal ${result.signal ?? '?'}` : `exit ${result.code}`;
      const header = `==> ${new Date().toISOString()} ${command.slice(this.runUser.prefix.length).join(' ')}: ${status}\n`;
      writeFileSync(spec.initLog, header + result.stdout + result.stderr, { flag: 'a', mode: 0o640 });
    }
    return result;
  }

  private async runStep(spec: LocalNodeSpec, script: string): Promise<ScriptResult> {
    const result = await this.runScript(spec.ordinal, script);
    if (result.code !== 0) throw this.scriptFailed(spec, script, result);
    return result;
  }

  private scriptFailed(spec: LocalNodeSpec, script: string, result: ScriptResult): LocalMariaDbError {
    const status = result.code === null ? `killed by ${result.signal ?? '?'}` : `exit code ${result.code}`;
    const output = lastLines(result.stdout + result.stderr, 30);
    return (
      diskFullError(spec.dataDir, script, output) ?? new ScriptFailedError(spec.name, script, status, output)
    );
  }

  /**
   * Wait for probe.sh live and ready (unless `until` is serving), and for the sidecar to listen;
   * fail early when a process exits.
   */
  private async waitReady(spec: LocalNodeSpec, until: 'ready' | 'serving'): Promise<void> {
    const deadline = Date.now() + this.options.startTimeoutMs;
    const stages: { name: string; check: () => Promise<boolean> }[] = [
      { name: 'answer the liveness probe', check: () => this.probe(spec.ordinal, 'live') },
      ...(until === 'ready'
        ? [{ name: 'answer the readiness probe', check: () => this.probe(spec.ordinal, 'ready') }]
        : []),
      {
        name: `serve backups on port ${spec.clonePort}`,
        check: () => Promise.resolve(isListening(spec.clonePort)),
      },
    ];
    for (const stage of stages) {
      for (;;) {
        const pids = this.livePids(spec.ordinal);
        if (pids.server === undefined) {
          const tail = tailFile(spec.serverLog, 30);
          throw (
            diskFullError(spec.dataDir, 'MariaDB', tail) ??
            new NodeStartError(spec.name, `mariadbd exited (${spec.serverLog}):`, tail)
          );
        }
        if (pids.sidecar === undefined) {
          throw new NodeStartError(
            spec.name,
            `the replication sidecar exited (${spec.replicationLog}):`,
            tailFile(spec.replicationLog, 30),
          );
        }
        if (await stage.check()) break;
        if (Date.now() > deadline) {
          throw new NodeStartError(
            spec.name,
            `it did not ${stage.name} within ${Math.round(this.options.startTimeoutMs / 1000)} s (${spec.serverLog}):`,
            `${tailFile(spec.serverLog, 20)}\n--- ${spec.replicationLog}:\n${tailFile(spec.replicationLog, 10)}`,
          );
        }
        await sleep(200);
      }
    }
  }

  /** The node's directories, owned by the run user (a volume with fsGroup in the pod). */
  private ensureNodeDirs(spec: LocalNodeSpec): void {
    const dirs: [string, number][] = [
      [spec.dir, 0o750],
      [spec.dataDir, 0o750],
      [spec.runDir, 0o700],
      [spec.tmpDir, 0o750],
    ];
    for (const [dir, mode] of dirs) {
      if (existsSync(dir)) {
        const owner = statSync(dir).uid;
        if (owner !== this.runUser.uid) {
          throw new DirectoryError(
            dir,
            `owned by ${describeUser(owner)}, but the nodes run as ${describeUser(this.runUser.uid)}`,
            `give it to that user (${this.runUser.dropsFromRoot ? '' : 'sudo '}chown -R ${this.runUser.name}: ${spec.dir}) or remove it`,
          );
        }
        continue;
      }
      mkdirSync(dir, { mode });
      chmodSync(dir, mode);
      if (this.runUser.dropsFromRoot) chownSync(dir, this.runUser.uid, this.runUser.gid);
    }
  }

  private saveState(): void {
    const nodes: NodeState[] = this.layout.nodes.map((node, ordinal) => {
      const pids = this.pids[ordinal] ?? {};
      return {
        ports: { db: node.port, clone: node.clonePort },
        ...(pids.server === undefined ? {} : { serverPid: pids.server }),
        ...(pids.sidecar === undefined ? {} : { sidecarPid: pids.sidecar }),
      };
    });
    writeClusterState(this.layout.stateFile, {
      version: 1,
      name: this.layout.name,
      nodes,
      primary: this.primaryOrdinal,
      ...(this.promotedAt === undefined ? {} : { promotedAt: this.promotedAt }),
    });
  }
}

function lastLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Ports of each node: given, else kept from the state file, else free ones (all distinct). */
async function choosePorts(
  count: number,
  given: readonly (Partial<NodePorts> | undefined)[],
  kept: readonly NodeState[],
): Promise<NodePorts[]> {
  const taken = new Set<number>();
  for (let ordinal = 0; ordinal < count; ordinal++) {
    for (const port of [given[ordinal]?.db, given[ordinal]?.clone]) if (port !== undefined) taken.add(port);
  }
  const ports: NodePorts[] = [];
  const pick = async (wanted: number | undefined, keptPort: number | undefined): Promise<number> => {
    if (wanted !== undefined) return wanted;
    if (keptPort !== undefined && !taken.has(keptPort)) {
      taken.add(keptPort);
      return keptPort;
    }
    const port = await freePort(LOOPBACK, taken);
    taken.add(port);
    return port;
  };
  for (let ordinal = 0; ordinal < count; ordinal++) {
    const db = await pick(given[ordinal]?.db, kept[ordinal]?.ports.db);
    const clone = await pick(given[ordinal]?.clone, kept[ordinal]?.ports.clone);
    if (db === clone) throw new RangeError(`node ${ordinal}: the SQL and backup ports are both ${db}`);
    ports.push({ db, clone });
  }
  const all = ports.flatMap((node) => [node.db, node.clone]);
  const duplicate = all.find((port, index) => all.indexOf(port) !== index);
  if (duplicate !== undefined) throw new RangeError(`port ${duplicate} is given to two nodes`);
  return ports;
}

/** Replicas keep the primary's port in their replication settings: it must not change under them. */
function checkPrimaryPortKept(layout: ClusterLayout, ordinal: number, kept: NodePorts | undefined): void {
  const primary = layout.nodes[ordinal];
  if (primary === undefined || kept === undefined || kept.db === primary.port) return;
  const seeded = layout.nodes
    .filter((node) => node.ordinal !== ordinal)
    .filter((node) => existsSync(join(node.dataDir, READY_MARKER)));
  if (seeded.length > 0) {
    throw new LocalMariaDbError(
      'LOCAL_DB_PORT_CHANGED',
      `the primary's port would change from ${kept.db} to ${primary.port}, but ${seeded
        .map((node) => node.name)
        .join(', ')} replicate from port ${kept.db}; keep port ${kept.db}, or remove the replicas' data ` +
        `directories so that they are cloned again`,
      2,
    );
  }
}

/**
 * The scripts "ConfigMap" (mode 0555, as mounted in the pods), written afresh on every open; each
 * file is replaced by a rename so that a running script keeps reading the version it started with.
 * When the bind address differs from the pods', TEMPLATES_DIR is a copy of the config templates
 * with only that line changed.
 */
function writeScripts(layout: ClusterLayout, bindAddress: string): void {
  const files = podScriptFiles();
  const write = (dir: string, entries: Record<string, string>): void => {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    for (const [name, text] of Object.entries(entries)) {
      const target = join(dir, name);
      if (existsSync(target) && readFileSync(target, 'utf8') === text) continue;
      writeFileSync(`${target}.new`, text, { mode: 0o555 });
      renameSync(`${target}.new`, target);
    }
    chmodSync(dir, 0o555);
  };
  write(layout.scriptsDir, files);
  if (layout.templatesDir !== layout.scriptsDir) {
    const templates = Object.fromEntries(Object.entries(files).filter(([name]) => name.endsWith('.cnf')));
    const base = templates['base.cnf'];
    if (base === undefined) throw new Error('the pod scripts have no base.cnf');
    write(layout.templatesDir, { ...templates, 'base.cnf': withBindAddress(base, bindAddress) });
  }
}

/** As root, every directory down to the base directory must let the mysql user through. */
function assertReachable(runUser: RunUser, baseDir: string, path: string): void {
  const dirs: string[] = [];
  for (let dir = baseDir; ; dir = dirname(dir)) {
    dirs.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  const result = spawnSync(
    runUser.prefix[0] ?? 'setpriv',
    [
      ...runUser.prefix.slice(1),
      'bash',
      '-c',
      'for d; do [ -x "$d" ] || { printf %s "$d"; exit 1; }; done',
      '_',
      ...dirs,
    ],
    { encoding: 'utf8', env: { PATH: path } },
  );
  if (result.status !== 0) {
    const blocked = result.stdout || baseDir;
    throw new DirectoryError(
      blocked,
      `the ${runUser.name} user, which runs MariaDB, cannot enter it (mode ${(statSync(blocked).mode & 0o777).toString(8)})`,
      `choose a base directory it can reach (e.g. under /var/lib or /tmp), or run chmod o+x ${blocked}`,
    );
  }
}

/** A recorded process of an earlier run, if it is still that node's process (not a reused pid). */
function adopt(layout: ClusterLayout, node: LocalNodeSpec, state: NodeState | undefined): Pids {
  const pids: Pids = {};
  const matches = (pid: number, own: string, script: string): boolean => {
    const line = commandLine(pid)?.join(' ');
    if (line === undefined) return false;
    if (line.includes(own)) return true;
    return line.includes(join(layout.scriptsDir, script)) && environ(pid).includes(`POD_NAME=${node.name}`);
  };
  const server = state?.serverPid;
  const sidecar = state?.sidecarPid;
  if (server !== undefined && matches(server, join(node.runDir, 'my.cnf'), 'run-server.sh'))
    pids.server = server;
  if (sidecar !== undefined && matches(sidecar, `TCP-LISTEN:${node.clonePort},`, 'replicate.sh')) {
    pids.sidecar = sidecar;
  }
  return pids;
}

function environ(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return [];
  }
}
