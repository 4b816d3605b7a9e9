/**
 * What each local MariaDB node is, as plain data: its name, ports, directories and the exact
 * environment the pod scripts get (which node is the primary is the runner's state: it moves). The StatefulSet gives a pod the same variables
 * (`src/k8s/database/mariadb-cluster.ts`); here loopback addresses stand in for the Services.
 * No I/O: the runner (`local-mariadb-cluster.ts`) lays these out on disk and starts the processes.
 */
import { join } from 'node:path';

export type NodeRole = 'primary' | 'replica';

/** The passwords of the DB Secret's accounts (`MARIADB_*_PASSWORD` in the pods). */
export interface LocalMariaDbPasswords {
  /** root, on the socket and from the network (the bootstrap Job). */
  readonly root: string;
  /** The `replicator` user the replicas connect as. */
  readonly replication: string;
  /** The `exporter` user of mysqld-exporter. */
  readonly monitor: string;
  /** The `failover` user of the failover manager. */
  readonly failover: string;
}

export interface NodePorts {
  /** SQL port (3306 in a pod). */
  readonly db: number;
  /** Port the replication sidecar serves streamed backups on (3307 in a pod). */
  readonly clone: number;
}

/** One node: a pod of the StatefulSet, as local directories and loopback ports. */
export interface LocalNodeSpec {
  readonly ordinal: number;
  /** The pod name (`POD_NAME`), e.g. `quire-mariadb-1`. */
  readonly name: string;
  /** `100 + ordinal`, as configure.sh sets it. */
  readonly serverId: number;
  /** Address clients connect to. */
  readonly host: string;
  readonly port: number;
  readonly clonePort: number;
  /** The node's own directory (HOME of its processes). */
  readonly dir: string;
  /** The data volume (`DATADIR`). */
  readonly dataDir: string;
  /** The in-memory run directory of a pod (`RUN_DIR`): option files and the socket. */
  readonly runDir: string;
  /** `TMPDIR`; mariadb-backup's scratch directory when this node donates a backup. */
  readonly tmpDir: string;
  readonly socket: string;
  /** Output of mariadbd (run-server.sh). */
  readonly serverLog: string;
  /** Output of the replication sidecar (replicate.sh, and serve-backup.sh per backup). */
  readonly replicationLog: string;
  /** Output of the init steps (configure.sh, clone.sh) and other scripts run on the node. */
  readonly initLog: string;
}

export interface ClusterLayout {
  readonly baseDir: string;
  /** The StatefulSet's name; nodes are `<name>-<ordinal>`. */
  readonly name: string;
  /** The scripts "ConfigMap": the pod scripts and config templates, mode 0555. */
  readonly scriptsDir: string;
  /** `TEMPLATES_DIR`: the scripts directory, or a copy of the templates with the bind address changed. */
  readonly templatesDir: string;
  /** Ports and process ids, kept across runs (replicas store the primary's port). */
  readonly stateFile: string;
  readonly nodes: readonly LocalNodeSpec[];
}

/** Unix socket paths are limited to 108 bytes with the terminating NUL. */
export const MAX_SOCKET_PATH = 107;

/** The default StatefulSet name, as `quireNames({ name: 'quire' }).db`. */
export const DEFAULT_CLUSTER_NAME = 'quire-mariadb';

/** The bind address of the pods (`base.cnf`). */
export const POD_BIND_ADDRESS = '0.0.0.0';

export interface LayoutInput {
  readonly baseDir: string;
  readonly name: string;
  /** Ports per node; index 0 is the primary. */
  readonly ports: readonly NodePorts[];
  /** Address clients use. */
  readonly host: string;
  /** Whether the templates are a changed copy (bind address other than the pods'). */
  readonly ownTemplates: boolean;
}

export function clusterLayout(input: LayoutInput): ClusterLayout {
  const scriptsDir = join(input.baseDir, 'scripts');
  return {
    baseDir: input.baseDir,
    name: input.name,
    scriptsDir,
    templatesDir: input.ownTemplates ? join(input.baseDir, 'templates') : scriptsDir,
    stateFile: join(input.baseDir, 'cluster.json'),
    nodes: input.ports.map((ports, ordinal) => nodeSpec(input, ordinal, ports)),
  };
}

function nodeSpec(input: LayoutInput, ordinal: number, ports: NodePorts): LocalNodeSpec {
  const name = `${input.name}-${ordinal}`;
  const dir = join(input.baseDir, name);
  const runDir = join(dir, 'run');
  return {
    ordinal,
    name,
    serverId: 100 + ordinal,
    host: input.host,
    port: ports.db,
    clonePort: ports.clone,
    dir,
    dataDir: join(dir, 'data'),
    runDir,
    tmpDir: join(dir, 'tmp'),
    socket: join(runDir, 'mysqld.sock'),
    serverLog: join(dir, 'mariadb.log'),
    replicationLog: join(dir, 'replication.log'),
    initLog: join(dir, 'init.log'),
  };
}

export interface EnvInput {
  readonly passwords: LocalMariaDbPasswords;
  readonly path: string;
  /** The node that is the primary now (`PRIMARY_NAME`). */
  readonly primary: LocalNodeSpec;
  /** The node a replica clones from when its data directory is empty. @default the primary */
  readonly donor?: LocalNodeSpec;
  /** `CLONE_ATTEMPTS` of clone.sh. */
  readonly cloneAttempts: number;
  /** Added last, so they can override (e.g. `CLONE_IDLE_TIMEOUT`). */
  readonly extra?: Readonly<Record<string, string>>;
}

/**
 * The environment of every script of a node: the variables of the StatefulSet's containers, with
 * `PRIMARY_HOST`/`DONOR_HOST` set to loopback in place of the headless Service's names.
 */
export function nodeEnv(layout: ClusterLayout, node: LocalNodeSpec, input: EnvInput): Record<string, string> {
  const primary = input.primary;
  const donor = input.donor ?? primary;
  return {
    PATH: input.path,
    HOME: node.dir,
    TMPDIR: node.tmpDir,
    POD_NAME: node.name,
    DB_HEADLESS: layout.name,
    DATADIR: node.dataDir,
    RUN_DIR: node.runDir,
    TEMPLATES_DIR: layout.templatesDir,
    DB_PORT: String(node.port),
    CLONE_PORT: String(node.clonePort),
    PRIMARY_NAME: primary.name,
    PRIMARY_HOST: primary.host,
    PRIMARY_PORT: String(primary.port),
    DONOR_HOST: donor.host,
    DONOR_CLONE_PORT: String(donor.clonePort),
    CLONE_ATTEMPTS: String(input.cloneAttempts),
    MARIADB_ROOT_PASSWORD: input.passwords.root,
    MARIADB_REPLICATION_PASSWORD: input.passwords.replication,
    MARIADB_MONITOR_PASSWORD: input.passwords.monitor,
    MARIADB_FAILOVER_PASSWORD: input.passwords.failover,
    ...input.extra,
  };
}

export interface BootstrapInput {
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

/** The environment of the bootstrap Job (bootstrap.sh), pointed at the local primary. */
export function bootstrapEnv(
  primary: LocalNodeSpec,
  input: BootstrapInput & { readonly passwords: LocalMariaDbPasswords; readonly path: string },
): Record<string, string> {
  return {
    PATH: input.path,
    HOME: primary.dir,
    TMPDIR: primary.tmpDir,
    PRIMARY_HOST: primary.host,
    PRIMARY_PORT: String(primary.port),
    DB_NAME: input.database,
    DB_USER: input.user,
    MARIADB_PASSWORD: input.password,
    MARIADB_ROOT_PASSWORD: input.passwords.root,
    MARIADB_REPLICATION_PASSWORD: input.passwords.replication,
    MARIADB_MONITOR_PASSWORD: input.passwords.monitor,
    MARIADB_FAILOVER_PASSWORD: input.passwords.failover,
  };
}

/**
 * The donor of a replica that needs a clone: like the StatefulSet, the node just before it, or
 * else the nearest running node before it, or else any running node (all hold the same data).
 */
export function chooseDonor(ordinal: number, running: ReadonlySet<number>): number | undefined {
  for (let candidate = ordinal - 1; candidate >= 0; candidate--) {
    if (running.has(candidate)) return candidate;
  }
  return [...running].filter((candidate) => candidate !== ordinal).sort((a, b) => a - b)[0];
}

/** The binaries the scripts run, with the Debian package of each. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  bash: 'bash',
  mariadbd: 'mariadb-server',
  'mariadb-install-db': 'mariadb-server',
  mariadb: 'mariadb-client',
  'mariadb-admin': 'mariadb-client',
  'mariadb-binlog': 'mariadb-client',
  'mariadb-backup': 'mariadb-backup',
  mbstream: 'mariadb-backup',
  socat: 'socat',
  setpriv: 'util-linux',
};

/** The tools needed; setpriv only when running as root (to drop to the mysql user). */
export function requiredTools(asRoot: boolean): string[] {
  return Object.keys(TOOL_PACKAGES).filter((tool) => asRoot || tool !== 'setpriv');
}

/** The apt command installing the packages of the given tools. */
export function installCommand(tools: readonly string[], asRoot: boolean): string {
  const packages = [...new Set(tools.map((tool) => TOOL_PACKAGES[tool] ?? tool))];
  return `${asRoot ? '' : 'sudo '}apt-get install -y ${packages.join(' ')}`;
}

/** The directories searched for the tools when no PATH is given: the process's PATH and the sbin ones. */
export function defaultToolPath(processPath: string | undefined): string {
  const dirs = (processPath ?? '').split(':').filter((dir) => dir !== '');
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!dirs.includes(dir)) dirs.push(dir);
  }
  return dirs.join(':');
}

/**
 * base.cnf with another bind address: the pods listen on every interface (the Services reach them
 * by pod IP), a local node only on loopback. Fails if the template no longer has the line.
 */
export function withBindAddress(baseCnf: string, address: string): string {
  const line = /^bind_address=.*$/m;
  if (!line.test(baseCnf)) throw new Error('base.cnf has no bind_address line to change');
  return baseCnf.replace(line, `bind_address=${address}`);
}
