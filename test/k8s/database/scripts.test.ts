/**
 * The MariaDB pod scripts run for real, as the StatefulSet runs them: in a temporary directory laid
 * out like the pods (the scripts "ConfigMap" at mode 0555, a data directory, an in-memory run
 * directory and /tmp per pod), with loopback ports, as the mysql user (uid 999 in the pod), each
 * through `scriptCommand` as in the manifests. Pod 0 initialises the primary; pod 1 clones it and
 * replicates; the bootstrap Job creates the app database and user; pod 2 clones replica pod 1.
 *
 * Needs Debian's mariadb-server, mariadb-backup and socat (MariaDB 10.11); a missing tool fails the
 * test with the command that installs them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podScriptFiles, SCRIPTS_MOUNT, scriptCommand } from '../../../src/k8s/database/pod-scripts.js';

const TOOLS = [
  'mariadbd',
  'mariadb',
  'mariadb-admin',
  'mariadb-install-db',
  'mariadb-backup',
  'mbstream',
  'socat',
];
const INSTALL = 'apt-get install -y mariadb-server mariadb-backup socat';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// Passwords with every character the quoting helpers must handle.
const PASSWORDS = {
  MARIADB_ROOT_PASSWORD: `r"o\\o't #$x ;`,
  MARIADB_REPLICATION_PASSWORD: `re'pl\\"ica`,
  MARIADB_MONITOR_PASSWORD: 'mon #1 "x"',
};
const APP_PASSWORD = `a"p\\p'#1 $HOME`;
// An underscore, which GRANT reads as a wildcard unless escaped.
const DB_NAME = 'quire_app';
const DB_USER = 'quire';

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Pod {
  readonly name: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly runDir: string;
  readonly socket: string;
  readonly dbPort: number;
  readonly clonePort: number;
}

interface Background {
  readonly name: string;
  readonly child: ChildProcess;
  output: string;
  exited: boolean;
}

interface Containers {
  readonly server: Background;
  readonly sidecar: Background;
}

function findTool(name: string): boolean {
  return PATH.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const isRoot = process.getuid?.() === 0;
/** As root, drop to the mysql user (the pods run as uid 999, and mariadbd refuses root). */
const AS_MYSQL = isRoot ? ['setpriv', '--reuid=mysql', '--regid=mysql', '--init-groups', '--'] : [];

function mysqlIds(): { uid: number; gid: number } {
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'mysql'], { encoding: 'utf8' }).stdout);
  return { uid: id('-u'), gid: id('-g') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}

/** Whether something listens on a TCP port (without connecting: a connection to a clone port starts a backup). */
function listening(port: number): boolean {
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((file) => {
    let table: string;
    try {
      table = readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    return table.split('\n').some((line) => {
      const [, address, , state] = line.trim().split(/\s+/);
      return address?.endsWith(local) === true && state === '0A';
    });
  });
}

function collect(child: ChildProcess): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  context: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await sleep(250);
  }
}

class Cluster {
  readonly root = mkdtempSync(join(tmpdir(), 'quire-db-scripts-'));
  readonly scriptsDir = join(this.root, 'scripts');
  readonly background: Background[] = [];
  readonly pods: Pod[] = [];
  private readonly ids = isRoot ? mysqlIds() : undefined;

  constructor() {
    chmodSync(this.root, 0o755);
    // The scripts ConfigMap, mounted read-only with defaultMode 0555.
    mkdirSync(this.scriptsDir);
    for (const [name, text] of Object.entries(podScriptFiles())) {
      writeFileSync(join(this.scriptsDir, name), text, { mode: 0o555 });
    }
    chmodSync(this.scriptsDir, 0o555);
  }

  /** A directory the mysql user owns (a volume with fsGroup in the pod). */
  ownedDir(path: string): string {
    mkdirSync(path, { recursive: true, mode: 0o750 });
    if (this.ids) chownSync(path, this.ids.uid, this.ids.gid);
    return path;
  }

  async addPod(ordinal: number): Promise<Pod> {
    const name = `quire-mariadb-${ordinal}`;
    const dir = this.ownedDir(join(this.root, name));
    const runDir = this.ownedDir(join(dir, 'run'));
    const pod: Pod = {
      name,
      dir,
      dataDir: this.ownedDir(join(dir, 'data')),
      runDir,
      socket: join(runDir, 'mysqld.sock'),
      dbPort: await freePort(),
      clonePort: await freePort(),
    };
    this.ownedDir(join(dir, 'tmp'));
    this.pods.push(pod);
    return pod;
  }

  /** The environment the StatefulSet gives a pod, with loopback addresses in place of Services. */
  podEnv(pod: Pod, donor: Pod | undefined, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const primary = this.pods[0];
    if (primary === undefined) throw new Error('no primary pod');
    return {
      PATH,
      HOME: pod.dir,
      TMPDIR: join(pod.dir, 'tmp'),
      POD_NAME: pod.name,
      DB_HEADLESS: 'quire-mariadb-headless',
      DATADIR: pod.dataDir,
      RUN_DIR: pod.runDir,
      TEMPLATES_DIR: this.scriptsDir,
      DB_PORT: String(pod.dbPort),
      CLONE_PORT: String(pod.clonePort),
      PRIMARY_HOST: '127.0.0.1',
      PRIMARY_PORT: String(primary.dbPort),
      DONOR_HOST: '127.0.0.1',
      DONOR_CLONE_PORT: String((donor ?? pod).clonePort),
      // The donor serves when a pod starts: a failing clone should fail the test fast.
      CLONE_ATTEMPTS: '3',
      ...PASSWORDS,
      ...extra,
    };
  }

  /** The manifests' command for a script, with the mount path replaced by the test's directory. */
  command(script: string, ...args: string[]): string[] {
    const [shell, path, ...rest] = scriptCommand(script, ...args);
    if (shell === undefined || path === undefined) throw new Error(`no command for ${script}`);
    return [...AS_MYSQL, shell, path.replace(SCRIPTS_MOUNT, this.scriptsDir), ...rest];
  }

  spawn(command: string[], env: NodeJS.ProcessEnv, detached: boolean): ChildProcess {
    const [file, ...args] = command;
    if (file === undefined) throw new Error('empty command');
    // Every process gets its own process group, so that afterAll can end it with all its children.
    return spawn(file, args, { env, cwd: this.root, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Run a script to its end (an init container, a probe, the Job). */
  async run(
    script: string,
    env: NodeJS.ProcessEnv,
    args: string[] = [],
    timeoutMs = 60_000,
  ): Promise<Result> {
    const child = this.spawn(this.command(script, ...args), env, true);
    const bg: Background = { name: script, child, output: '', exited: false };
    this.background.push(bg);
    const timer = setTimeout(() => {
      this.stop(bg, 'SIGKILL');
    }, timeoutMs);
    try {
      return await collect(child);
    } finally {
      clearTimeout(timer);
      bg.exited = true;
    }
  }

  async runOk(script: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<Result> {
    const result = await this.run(script, env, args);
    if (result.code !== 0) {
      throw new Error(
        `${script} ${args.join(' ')} exited with ${result.code}\n${result.stdout}${result.stderr}`,
      );
    }
    return result;
  }

  /** Start a long-running container (the server, the sidecar). */
  start(name: string, script: string, env: NodeJS.ProcessEnv): Background {
    const child = this.spawn(this.command(script), env, true);
    const bg: Background = { name, child, output: '', exited: false };
    const append = (chunk: Buffer): void => {
      bg.output = (bg.output + chunk.toString()).slice(-100_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.once('exit', (code, signal) => {
      bg.exited = true;
      bg.output += `\n[exited: ${code ?? signal ?? '?'}]\n`;
    });
    this.background.push(bg);
    return bg;
  }

  /** The output of the servers and sidecars, the last `lines` of each. */
  logs(lines = 25): string {
    return this.background
      .filter((bg) => bg.output !== '')
      .map((bg) => `--- ${bg.name}\n${bg.output.split('\n').slice(-lines).join('\n')}`)
      .join('\n');
  }

  stop(bg: Background, signal: NodeJS.Signals): void {
    const pid = bg.child.pid;
    if (pid === undefined || bg.exited) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }

  /** End every process the test started: TERM (mariadbd shuts down cleanly), then KILL. */
  async stopAll(): Promise<void> {
    for (const bg of this.background) this.stop(bg, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (this.background.some((bg) => !bg.exited) && Date.now() < deadline) await sleep(100);
    for (const bg of this.background) this.stop(bg, 'SIGKILL');
  }

  killAllNow(): void {
    for (const bg of this.background) this.stop(bg, 'SIGKILL');
  }

  /** Run a pod's init steps, then start its containers and wait until its probes pass. */
  async startPod(pod: Pod, donor?: Pod): Promise<Containers> {
    const env = this.podEnv(pod, donor);
    await this.runOk('configure.sh', env);
    await this.runOk('clone.sh', env);
    return this.startContainers(pod, env);
  }

  async startContainers(pod: Pod, env: NodeJS.ProcessEnv): Promise<Containers> {
    const server = this.start(`${pod.name} mariadb`, 'run-server.sh', env);
    const sidecar = this.start(`${pod.name} replication`, 'replicate.sh', env);
    const probe = async (kind: string): Promise<boolean> =>
      (await this.run('probe.sh', env, [kind])).code === 0;
    const logs = (): string => this.logs();
    await waitFor(`${pod.name} to be live`, 60_000, () => probe('live'), logs);
    await waitFor(`${pod.name} to be ready`, 30_000, () => probe('ready'), logs);
    const serving = (): boolean => sidecar.output.includes('serving backups') && listening(pod.clonePort);
    await waitFor(`${pod.name} to serve backups`, 30_000, () => Promise.resolve(serving()), logs);
    return { server, sidecar };
  }

  /** Stop a container as the kubelet does (TERM) and wait for its end. */
  async stopContainer(bg: Background): Promise<void> {
    this.stop(bg, 'SIGTERM');
    await waitFor(`${bg.name} to stop`, 30_000, () => Promise.resolve(bg.exited));
  }
}

interface Login {
  readonly user: string;
  readonly password?: string;
  readonly socket?: string;
  readonly port?: number;
  readonly database?: string;
}

/** Run SQL with the mariadb client (no option files: only what is given here). */
async function sql(login: Login, query: string): Promise<Result> {
  const args = ['--no-defaults', '--batch', '--raw', '--skip-column-names', '--connect-timeout=5'];
  args.push(`--user=${login.user}`);
  if (login.password !== undefined) args.push(`--password=${login.password}`);
  if (login.socket !== undefined) args.push(`--socket=${login.socket}`);
  else args.push('--protocol=TCP', '--host=127.0.0.1', `--port=${login.port ?? 0}`);
  if (login.database !== undefined) args.push(`--database=${login.database}`);
  args.push('-e', query);
  return collect(spawn('mariadb', args, { env: { PATH }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

async function sqlOk(login: Login, query: string): Promise<string> {
  const result = await sql(login, query);
  if (result.code !== 0) throw new Error(`${query}: ${result.stderr}`);
  return result.stdout.trim();
}

function asRoot(pod: Pod): Login {
  return { user: 'root', password: PASSWORDS.MARIADB_ROOT_PASSWORD, socket: pod.socket };
}

function asApp(pod: Pod): Login {
  return { user: DB_USER, password: APP_PASSWORD, port: pod.dbPort, database: DB_NAME };
}

/** The fields of SHOW SLAVE STATUS, by name. */
async function slaveStatus(pod: Pod): Promise<Record<string, string>> {
  const password = `--password=${PASSWORDS.MARIADB_ROOT_PASSWORD}`;
  const args = ['--no-defaults', '--vertical', '--user=root', password, `--socket=${pod.socket}`];
  args.push('-e', 'SHOW SLAVE STATUS');
  const result = await collect(spawn('mariadb', args, { env: { PATH }, stdio: ['ignore', 'pipe', 'pipe'] }));
  const fields: Record<string, string> = {};
  for (const match of result.stdout.matchAll(/^\s*(\w+): ?(.*)$/gm)) fields[match[1] ?? ''] = match[2] ?? '';
  return fields;
}

const missing = TOOLS.filter((tool) => !findTool(tool));

describe('the MariaDB pod scripts on a real server', () => {
  let cluster: Cluster;
  // Set once the cluster exists, for the hooks that end it (beforeAll may fail before).
  let started: Cluster | undefined;
  let pod0: Pod;
  let pod1: Pod;
  let pod2: Pod;
  let pod1Containers: Containers;
  const killOnExit = (): void => {
    started?.killAllNow();
  };
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await step();
    } finally {
      timings[name] = Date.now() - start;
    }
  };

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run ${INSTALL}`);
    cluster = started = new Cluster();
    process.once('exit', killOnExit);
    pod0 = await cluster.addPod(0);
    pod1 = await cluster.addPod(1);
    pod2 = await cluster.addPod(2);
  });

  afterAll(async () => {
    if (started === undefined) return;
    await started.stopAll();
    process.removeListener('exit', killOnExit);
    // QUIRE_KEEP_TEST_DIRS=1 keeps the directories and the servers' output (logs.txt) to look at.
    if (process.env.QUIRE_KEEP_TEST_DIRS === undefined)
      rmSync(cluster.root, { recursive: true, force: true });
    else writeFileSync(join(cluster.root, 'logs.txt'), cluster.logs(Infinity));
    console.info('MariaDB script steps (ms):', timings);
  });

  it('pod 0 initialises an empty data directory and serves as the primary', async () => {
    await timed('pod 0 up', () => cluster.startPod(pod0));
    expect(await sqlOk(asRoot(pod0), 'SELECT @@server_id, @@log_bin, @@read_only, @@gtid_strict_mode')).toBe(
      '100\t1\t0\t1',
    );
  }, 90_000);

  it('pod 1 clones a backup streamed by pod 0 and replicates from it by GTID, read-only', async () => {
    pod1Containers = await timed('pod 1 up', () => cluster.startPod(pod1, pod0));
    expect(await sqlOk(asRoot(pod1), 'SELECT @@server_id, @@log_bin, @@read_only')).toBe('101\t1\t1');
    const status = await slaveStatus(pod1);
    expect(status).toMatchObject({
      Master_Host: '127.0.0.1',
      Master_Port: String(pod0.dbPort),
      Master_User: 'replicator',
      Slave_IO_Running: 'Yes',
      Slave_SQL_Running: 'Yes',
      Using_Gtid: 'Slave_Pos',
    });
  }, 90_000);

  it('root has a password and no network account but the one the bootstrap Job uses', async () => {
    for (const pod of [pod0, pod1]) {
      const noPassword = await sql({ user: 'root', socket: pod.socket }, 'SELECT 1');
      expect(noPassword.code).not.toBe(0);
      expect(noPassword.stderr).toContain('Access denied');
      const noPasswordTcp = await sql({ user: 'root', port: pod.dbPort }, 'SELECT 1');
      expect(noPasswordTcp.stderr).toContain('Access denied');
      const wrong = await sql({ user: 'root', password: 'wrong', port: pod.dbPort }, 'SELECT 1');
      expect(wrong.stderr).toContain('Access denied');
      expect(await sqlOk({ ...asRoot(pod), socket: undefined, port: pod.dbPort }, 'SELECT 1')).toBe('1');
      expect(
        (await sqlOk(asRoot(pod), "SELECT CONCAT(User, '@', Host) FROM mysql.global_priv ORDER BY 1")).split(
          '\n',
        ),
      ).toEqual(['exporter@127.0.0.1', 'mariadb.sys@localhost', 'replicator@%', 'root@%', 'root@localhost']);
    }
    // The exporter's option file works (through the group, in the pod).
    const exporterCnf = join(pod0.runDir, 'exporter.cnf');
    const viaCnf = await collect(
      spawn('mariadb', [`--defaults-file=${exporterCnf}`, '-e', 'SELECT CURRENT_USER()'], {
        env: { PATH },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    expect(viaCnf.stdout).toContain('exporter@127.0.0.1');
  });

  it('bootstrap.sh creates the app database and user, and a second run changes nothing', async () => {
    const env: NodeJS.ProcessEnv = {
      PATH,
      HOME: cluster.root,
      TMPDIR: join(pod0.dir, 'tmp'),
      PRIMARY_HOST: '127.0.0.1',
      PRIMARY_PORT: String(pod0.dbPort),
      DB_NAME,
      DB_USER,
      MARIADB_PASSWORD: APP_PASSWORD,
      ...PASSWORDS,
    };
    const first = await timed('bootstrap', () => cluster.runOk('bootstrap.sh', env));
    expect(first.stdout).toContain(`database ${DB_NAME} and user ${DB_USER} are ready`);
    const state = async (): Promise<string> =>
      sqlOk(
        asRoot(pod0),
        `SHOW CREATE DATABASE ${DB_NAME}; SHOW GRANTS FOR '${DB_USER}'@'%';
         SELECT CONCAT(User, '@', Host), JSON_VALUE(Priv, '$.account_locked') FROM mysql.global_priv ORDER BY 1`,
      );
    const before = await state();
    await timed('bootstrap again', () => cluster.runOk('bootstrap.sh', env));
    expect(await state()).toBe(before);
    expect(await sqlOk(asApp(pod0), 'SELECT CURRENT_USER()')).toBe(`${DB_USER}@%`);
    // A Secret with new passwords is applied to the users on the next run.
    await cluster.runOk('bootstrap.sh', { ...env, MARIADB_PASSWORD: 'rotated' });
    expect(await sqlOk({ ...asApp(pod0), password: 'rotated' }, 'SELECT 1')).toBe('1');
    await cluster.runOk('bootstrap.sh', env);
  }, 60_000);

  it('a row the app user writes on the primary reaches the replica', async () => {
    await sqlOk(
      asApp(pod0),
      'CREATE TABLE posts (id INT PRIMARY KEY, title VARCHAR(100)); INSERT INTO posts VALUES (1, "hello")',
    );
    await timed('replication of a row', () =>
      waitFor(
        'the row on pod 1',
        20_000,
        async () => (await sql(asApp(pod1), 'SELECT title FROM posts')).stdout.trim() === 'hello',
        () => cluster.logs(),
      ),
    );
    expect(await sqlOk(asRoot(pod1), 'SELECT @@gtid_slave_pos')).toBe(
      await sqlOk(asRoot(pod0), 'SELECT @@gtid_binlog_pos'),
    );
  }, 30_000);

  it('the app user cannot write on a replica and has privileges on its own database only', async () => {
    const write = await sql(asApp(pod1), 'INSERT INTO posts VALUES (2, "nope")');
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('--read-only');
    const grants = (await sqlOk(asApp(pod0), 'SHOW GRANTS')).split('\n');
    expect(grants).toHaveLength(2);
    expect(grants[0]).toMatch(
      /^GRANT USAGE ON \*\.\* TO `quire`@`%` IDENTIFIED BY PASSWORD '\*[0-9A-F]{40}'$/,
    );
    expect(grants[1]).toBe(
      'GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, CREATE TEMPORARY TABLES, ' +
        'LOCK TABLES ON `quire\\_app`.* TO `quire`@`%`',
    );
    // The escaped underscore: a look-alike database is out of reach.
    const lookAlike = await sql(asApp(pod0), 'CREATE DATABASE quireXapp');
    expect(lookAlike.stderr).toContain('Access denied');
    const other = await sql(asApp(pod0), 'SELECT * FROM mysql.user');
    expect(other.stderr).toMatch(/denied/);
  });

  it('no password reaches the binary logs in clear text', () => {
    const secrets = [...Object.values(PASSWORDS), APP_PASSWORD, 'rotated'];
    for (const pod of [pod0, pod1]) {
      for (const file of readdirSync(pod.dataDir).filter((name) => name.startsWith('mariadb-bin.0'))) {
        const text = readFileSync(join(pod.dataDir, file), 'latin1');
        for (const secret of secrets)
          expect(text.includes(secret), `${secret} in ${pod.name} ${file}`).toBe(false);
      }
    }
  });

  it('pod 2 clones replica pod 1 (its slave position) and replicates from the primary', async () => {
    await timed('pod 2 up', () => cluster.startPod(pod2, pod1));
    const slaveInfo = readdirSync(pod2.dataDir).filter((name) =>
      /^(xtrabackup|mariadb_backup)_slave_info$/.test(name),
    );
    expect(slaveInfo).toHaveLength(1);
    expect(await sqlOk(asRoot(pod2), 'SELECT @@server_id, @@read_only')).toBe('102\t1');
    expect(await slaveStatus(pod2)).toMatchObject({
      Master_Port: String(pod0.dbPort),
      Slave_IO_Running: 'Yes',
      Slave_SQL_Running: 'Yes',
      Using_Gtid: 'Slave_Pos',
    });
    // Pod 1's SQL thread was paused for the backup (--safe-slave-backup) and runs again.
    expect((await slaveStatus(pod1)).Slave_SQL_Running).toBe('Yes');
    expect(await sqlOk(asApp(pod2), 'SELECT title FROM posts')).toBe('hello');
    await sqlOk(asApp(pod0), 'INSERT INTO posts VALUES (2, "again")');
    for (const pod of [pod1, pod2]) {
      await waitFor(
        `the second row on ${pod.name}`,
        20_000,
        async () => (await sql(asApp(pod), 'SELECT COUNT(*) FROM posts')).stdout.trim() === '2',
      );
    }
  }, 90_000);

  it('a replica whose containers restart keeps its data and its replication', async () => {
    const env = cluster.podEnv(pod1, pod0);
    await cluster.stopContainer(pod1Containers.sidecar);
    await cluster.stopContainer(pod1Containers.server);
    // A new pod on the same volume runs its init steps again: no second clone.
    await cluster.runOk('configure.sh', env);
    expect((await cluster.runOk('clone.sh', env)).stderr).toContain('no clone needed');
    const restarted = await timed('pod 1 restart', () => cluster.startContainers(pod1, env));
    expect(restarted.sidecar.output).toContain('replication already configured');
    await sqlOk(asApp(pod0), 'INSERT INTO posts VALUES (3, "after the restart")');
    await waitFor('the third row on pod 1', 20_000, async () => {
      return (await sql(asApp(pod1), 'SELECT COUNT(*) FROM posts')).stdout.trim() === '3';
    });
  }, 60_000);

  it('the probes pass on every pod and reject an unknown kind', async () => {
    for (const pod of [pod0, pod1, pod2]) {
      const env = cluster.podEnv(pod, undefined);
      for (const kind of ['live', 'ready']) {
        const result = await cluster.run('probe.sh', env, [kind]);
        expect(result.code, `${pod.name} ${kind}: ${result.stderr}`).toBe(0);
      }
    }
    expect((await cluster.run('probe.sh', cluster.podEnv(pod0, undefined), ['other'])).code).toBe(2);
  });

  it('a replica whose SQL thread stopped is not ready', async () => {
    const env = cluster.podEnv(pod2, undefined);
    await sqlOk(asRoot(pod2), 'STOP SLAVE SQL_THREAD');
    expect((await cluster.run('probe.sh', env, ['ready'])).code).not.toBe(0);
    expect((await cluster.run('probe.sh', env, ['live'])).code).toBe(0);
    await sqlOk(asRoot(pod2), 'START SLAVE SQL_THREAD');
    expect((await cluster.run('probe.sh', env, ['ready'])).code).toBe(0);
  });
});

describe('clone.sh with a donor that sends nothing', () => {
  let cluster: Cluster | undefined;
  let server: Server | undefined;
  const sockets: Socket[] = [];

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => {
      if (server)
        server.close(() => {
          resolve();
        });
      else resolve();
    });
    if (cluster) {
      await cluster.stopAll();
      rmSync(cluster.root, { recursive: true, force: true });
    }
  });

  it('gives up after CLONE_ATTEMPTS with a message naming the donor', async () => {
    if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run ${INSTALL}`);
    cluster = new Cluster();
    const primary = await cluster.addPod(0);
    const pod = await cluster.addPod(3);
    // Accepts the connection and never sends a byte.
    server = createServer((socket) => sockets.push(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    const env = cluster.podEnv(pod, primary, {
      DONOR_CLONE_PORT: String(port),
      CLONE_ATTEMPTS: '2',
      CLONE_IDLE_TIMEOUT: '2',
    });
    await cluster.runOk('configure.sh', env);
    const start = Date.now();
    const result = await cluster.run('clone.sh', env);
    const elapsed = Date.now() - start;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('attempt 2 of 2');
    expect(result.stderr).toContain(
      `clone failed after 2 attempts: 127.0.0.1:${port} sent no complete backup`,
    );
    expect(sockets).toHaveLength(2);
    expect(elapsed).toBeLessThan(20_000);
    expect(readdirSync(pod.dataDir).filter((name) => name === '.quire-ready')).toEqual([]);
  }, 30_000);
});
