/**
 * The MariaDB pod scripts run for real, as the StatefulSet runs them, by the local runner
 * (`src/local/mariadb/`): in a temporary directory laid out like the pods (the scripts "ConfigMap"
 * at mode 0555, a data directory, a run directory and /tmp per pod), with loopback ports, as the
 * mysql user (uid 999 in the pod), each through `scriptCommand` as in the manifests, with the pods'
 * own config templates (bind address included). Pod 0 initialises the primary; pod 1 clones it and
 * replicates; the bootstrap Job creates the app database and user; pod 2 clones replica pod 1.
 *
 * Needs Debian's mariadb-server, mariadb-backup and socat (MariaDB 10.11); a missing tool fails the
 * test with the command that installs them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LocalMariaDbCluster,
  POD_BIND_ADDRESS,
  type LocalMariaDbNode,
} from '../../../src/local/mariadb/index.js';
import { TEST_APP, TEST_PASSWORDS } from '../../support/local-mariadb.js';
import { stepTimer } from '../../support/timings.js';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// An underscore, which GRANT reads as a wildcard unless escaped.
const DB_NAME = 'quire_app';
const DB_USER = 'quire';

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
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

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** A runner in a new temporary directory, with the pods' templates and a quick-failing clone. */
async function openCluster(label: string, replicas: number): Promise<LocalMariaDbCluster> {
  const baseDir = mkdtempSync(join(tmpdir(), `quire-db-scripts-${label}-`));
  chmodSync(baseDir, 0o755);
  try {
    return await LocalMariaDbCluster.open({
      baseDir,
      replicas,
      passwords: TEST_PASSWORDS,
      path: PATH,
      bindAddress: POD_BIND_ADDRESS,
      // The donor serves when a pod starts: a failing clone should fail the test fast.
      cloneAttempts: 3,
    });
  } catch (error) {
    rmSync(baseDir, { recursive: true, force: true });
    throw error;
  }
}

/** Stop every process of the runner, then remove (or, with QUIRE_KEEP_TEST_DIRS=1, keep) its directory. */
async function disposeCluster(cluster: LocalMariaDbCluster): Promise<void> {
  await cluster.stop();
  if (process.env.QUIRE_KEEP_TEST_DIRS === undefined) {
    rmSync(cluster.layout.baseDir, { recursive: true, force: true });
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

function asRoot(pod: LocalMariaDbNode): Login {
  return { user: 'root', password: TEST_PASSWORDS.root, socket: pod.socket };
}

function asApp(pod: LocalMariaDbNode): Login {
  return { user: DB_USER, password: TEST_APP.password, port: pod.port, database: DB_NAME };
}

/** The fields of SHOW SLAVE STATUS, by name. */
async function slaveStatus(pod: LocalMariaDbNode): Promise<Record<string, string>> {
  const password = `--password=${TEST_PASSWORDS.root}`;
  const args = ['--no-defaults', '--vertical', '--user=root', password, `--socket=${pod.socket}`];
  args.push('-e', 'SHOW SLAVE STATUS');
  const result = await collect(spawn('mariadb', args, { env: { PATH }, stdio: ['ignore', 'pipe', 'pipe'] }));
  const fields: Record<string, string> = {};
  for (const match of result.stdout.matchAll(/^\s*(\w+): ?(.*)$/gm)) fields[match[1] ?? ''] = match[2] ?? '';
  return fields;
}

describe('the MariaDB pod scripts on a real server', () => {
  let cluster: LocalMariaDbCluster;
  // Set once the cluster exists, for the hooks that end it (beforeAll may fail before).
  let started: LocalMariaDbCluster | undefined;
  let pod0: LocalMariaDbNode;
  let pod1: LocalMariaDbNode;
  let pod2: LocalMariaDbNode;
  const killOnExit = (): void => {
    started?.killNow();
  };
  const { timings, timed } = stepTimer();
  const bootstrap = async (password: string): Promise<string> => {
    await cluster.bootstrap({ database: DB_NAME, user: DB_USER, password });
    // The Job's output, as the runner logged it on pod 0.
    return cluster.log(0, 'init', { sinceStart: true });
  };

  beforeAll(async () => {
    cluster = started = await openCluster('pods', 2);
    process.once('exit', killOnExit);
    [pod0, pod1, pod2] = cluster.nodes as [LocalMariaDbNode, LocalMariaDbNode, LocalMariaDbNode];
  });

  afterAll(async () => {
    if (started === undefined) return;
    await disposeCluster(started);
    process.removeListener('exit', killOnExit);
    console.info('MariaDB script steps (ms):', timings);
  });

  it('pod 0 initialises an empty data directory and serves as the primary', async () => {
    const result = await timed('pod 0 up', () => cluster.startNode(0));
    expect(result.cloned?.from).toBeUndefined();
    expect(result.clone?.stderr).toContain('no clone needed');
    expect(cluster.log(0, 'server')).toContain('data directory initialised');
    expect(await sqlOk(asRoot(pod0), 'SELECT @@server_id, @@log_bin, @@read_only, @@gtid_strict_mode')).toBe(
      '100\t1\t0\t1',
    );
  }, 90_000);

  it('pod 1 clones a backup streamed by pod 0 and replicates from it by GTID, read-only', async () => {
    const result = await timed('pod 1 up', () => cluster.startNode(1));
    expect(result.cloned?.from).toBe(0);
    expect(result.clone?.stderr).toContain('clone prepared');
    expect(await sqlOk(asRoot(pod1), 'SELECT @@server_id, @@log_bin, @@read_only')).toBe('101\t1\t1');
    const status = await slaveStatus(pod1);
    expect(status).toMatchObject({
      Master_Host: '127.0.0.1',
      Master_Port: String(pod0.port),
      Master_User: 'replicator',
      Slave_IO_Running: 'Yes',
      Slave_SQL_Running: 'Yes',
      Using_Gtid: 'Slave_Pos',
    });
  }, 90_000);

  it("root has a password and no network account but the one the bootstrap Job uses; the other accounts are Quire's", async () => {
    for (const pod of [pod0, pod1]) {
      const noPassword = await sql({ user: 'root', socket: pod.socket }, 'SELECT 1');
      expect(noPassword.code).not.toBe(0);
      expect(noPassword.stderr).toContain('Access denied');
      const noPasswordTcp = await sql({ user: 'root', port: pod.port }, 'SELECT 1');
      expect(noPasswordTcp.stderr).toContain('Access denied');
      const wrong = await sql({ user: 'root', password: 'wrong', port: pod.port }, 'SELECT 1');
      expect(wrong.stderr).toContain('Access denied');
      expect(await sqlOk({ ...asRoot(pod), socket: undefined, port: pod.port }, 'SELECT 1')).toBe('1');
      expect(
        (await sqlOk(asRoot(pod), "SELECT CONCAT(User, '@', Host) FROM mysql.global_priv ORDER BY 1")).split(
          '\n',
        ),
      ).toEqual([
        'exporter@127.0.0.1',
        'failover@%',
        'mariadb.sys@localhost',
        'replicator@%',
        'root@%',
        'root@localhost',
      ]);
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
    const first = await timed('bootstrap', () => bootstrap(TEST_APP.password));
    expect(first).toContain(`database ${DB_NAME} and user ${DB_USER} are ready`);
    const state = async (): Promise<string> =>
      sqlOk(
        asRoot(pod0),
        `SHOW CREATE DATABASE ${DB_NAME}; SHOW GRANTS FOR '${DB_USER}'@'%';
         SELECT CONCAT(User, '@', Host), JSON_VALUE(Priv, '$.account_locked') FROM mysql.global_priv ORDER BY 1`,
      );
    const before = await state();
    await timed('bootstrap again', () => bootstrap(TEST_APP.password));
    expect(await state()).toBe(before);
    expect(await sqlOk(asApp(pod0), 'SELECT CURRENT_USER()')).toBe(`${DB_USER}@%`);
    // A Secret with new passwords is applied to the users on the next run.
    await bootstrap('rotated');
    expect(await sqlOk({ ...asApp(pod0), password: 'rotated' }, 'SELECT 1')).toBe('1');
    await bootstrap(TEST_APP.password);
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
    const secrets = [
      TEST_PASSWORDS.root,
      TEST_PASSWORDS.replication,
      TEST_PASSWORDS.monitor,
      TEST_PASSWORDS.failover,
      TEST_APP.password,
      'rotated',
    ];
    for (const pod of [pod0, pod1]) {
      for (const file of readdirSync(pod.dataDir).filter((name) => name.startsWith('mariadb-bin.0'))) {
        const text = readFileSync(join(pod.dataDir, file), 'latin1');
        for (const secret of secrets)
          expect(text.includes(secret), `${secret} in ${pod.name} ${file}`).toBe(false);
      }
    }
  });

  it('pod 2 clones replica pod 1 (its slave position) and replicates from the primary', async () => {
    const result = await timed('pod 2 up', () => cluster.startNode(2));
    expect(result.cloned?.from).toBe(1);
    const slaveInfo = readdirSync(pod2.dataDir).filter((name) =>
      /^(xtrabackup|mariadb_backup)_slave_info$/.test(name),
    );
    expect(slaveInfo).toHaveLength(1);
    expect(await sqlOk(asRoot(pod2), 'SELECT @@server_id, @@read_only')).toBe('102\t1');
    expect(await slaveStatus(pod2)).toMatchObject({
      Master_Port: String(pod0.port),
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
    // The kubelet stops the containers (SIGTERM); a new pod on the same volume runs its init steps
    // again (configure.sh, clone.sh: no second clone), then the containers.
    await cluster.stopNode(1);
    expect(cluster.node(1).running).toBe(false);
    const restarted = await timed('pod 1 restart', () => cluster.startNode(1));
    expect(restarted.configure?.code).toBe(0);
    expect(restarted.clone?.stderr).toContain('no clone needed');
    expect(restarted.cloned?.from).toBeUndefined();
    expect(cluster.log(1, 'replication', { sinceStart: true })).toContain('replication already configured');
    await sqlOk(asApp(pod0), 'INSERT INTO posts VALUES (3, "after the restart")');
    await waitFor('the third row on pod 1', 20_000, async () => {
      return (await sql(asApp(pod1), 'SELECT COUNT(*) FROM posts')).stdout.trim() === '3';
    });
  }, 60_000);

  it('a replica asked to clone again (RECLONE_REQUESTS) keeps its errant transactions as SQL, clones anew, and only once', async () => {
    const before = (await sqlOk(asRoot(pod2), 'SELECT @@gtid_current_pos')).trim();
    // root may write on a read-only server: a transaction no other node has.
    await sqlOk(asRoot(pod2), `INSERT INTO ${DB_NAME}.posts VALUES (99, "errant on pod 2")`);
    await cluster.stopNode(2);
    const env = { RECLONE_REQUESTS: `quire-mariadb-0 - other\nquire-mariadb-2 ${before} request-1` };
    expect((await cluster.runScript(2, 'configure.sh')).code).toBe(0);
    const first = await cluster.runScript(2, 'clone.sh', [], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`saved the transactions after '${before}'`);
    expect(first.stderr).toContain('clone prepared');
    const saved = readFileSync(join(pod2.dataDir, '.quire-errant', 'errant-request-1.sql'), 'utf8');
    expect(saved).toContain('errant on pod 2');
    // Only what came after the position: the rows every node has are not in the file.
    expect(saved).not.toContain('after the restart');
    const again = await cluster.runScript(2, 'clone.sh', [], { env });
    expect(again.stderr).toContain('no clone needed');
    await cluster.startNode(2);
    expect(await sqlOk(asRoot(pod2), `SELECT COUNT(*) FROM ${DB_NAME}.posts WHERE id = 99`)).toBe('0');
    // MariaDB does not take the directory of saved transactions for a database.
    expect(await sqlOk(asRoot(pod2), 'SHOW DATABASES')).not.toContain('quire-errant');
    await sqlOk(asApp(pod0), 'INSERT INTO posts VALUES (4, "after the re-clone")');
    await waitFor('the new row on the re-cloned pod 2', 20_000, async () => {
      return (await sql(asApp(pod2), 'SELECT COUNT(*) FROM posts WHERE id = 4')).stdout.trim() === '1';
    });
  }, 120_000);

  it('the probes pass on every pod and reject an unknown kind', async () => {
    for (const pod of [pod0, pod1, pod2]) {
      for (const kind of ['live', 'ready'] as const) {
        const result = await cluster.runScript(pod.ordinal, 'probe.sh', [kind], { log: false });
        expect(result.code, `${pod.name} ${kind}: ${result.stderr}`).toBe(0);
      }
    }
    expect((await cluster.runScript(0, 'probe.sh', ['other'], { log: false })).code).toBe(2);
  });

  it('a replica whose SQL thread stopped is not ready', async () => {
    await sqlOk(asRoot(pod2), 'STOP SLAVE SQL_THREAD');
    expect(await cluster.probe(2, 'ready')).toBe(false);
    expect(await cluster.probe(2, 'live')).toBe(true);
    await sqlOk(asRoot(pod2), 'START SLAVE SQL_THREAD');
    expect(await cluster.probe(2, 'ready')).toBe(true);
  });
});

describe('clone.sh with a donor that sends nothing', () => {
  let cluster: LocalMariaDbCluster | undefined;
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
    if (cluster) await disposeCluster(cluster);
  });

  it('gives up after CLONE_ATTEMPTS with a message naming the donor', async () => {
    // Pods 0..3; only pod 3's init steps run.
    cluster = await openCluster('silent-donor', 3);
    // Accepts the connection and never sends a byte.
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const port = address.port;
    const env = { DONOR_CLONE_PORT: String(port), CLONE_ATTEMPTS: '2', CLONE_IDLE_TIMEOUT: '2' };
    expect((await cluster.runScript(3, 'configure.sh', [], { env })).code).toBe(0);
    const start = Date.now();
    const result = await cluster.runScript(3, 'clone.sh', [], { env });
    const elapsed = Date.now() - start;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('attempt 2 of 2');
    expect(result.stderr).toContain(
      `clone failed after 2 attempts: 127.0.0.1:${port} sent no complete backup`,
    );
    expect(sockets).toHaveLength(2);
    expect(elapsed).toBeLessThan(20_000);
    expect(readdirSync(cluster.node(3).dataDir).filter((name) => name === '.quire-ready')).toEqual([]);
  }, 30_000);
});
