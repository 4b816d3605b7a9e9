/**
 * A real MariaDB primary and replicas for a test file, started by the local runner (the pod
 * scripts as local processes) in a temporary directory, with the app database and user made by
 * bootstrap.sh. One cluster per test file; `dispose` in afterAll stops it, and an exiting test
 * process kills it. QUIRE_KEEP_TEST_DIRS=1 keeps the directory (and the nodes' logs) to look at.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import {
  LocalMariaDbCluster,
  type AppLogin,
  type LocalMariaDbClusterOptions,
  type LocalMariaDbPasswords,
} from '../../src/local/mariadb/index.js';

/** Passwords with every character the scripts' quoting must handle. */
export const TEST_PASSWORDS: LocalMariaDbPasswords = {
  root: `r"o\\o't #$x ;`,
  replication: `re'pl\\"ica`,
  monitor: 'mon #1 "x"',
  failover: `fa'il\\over $1`,
};

export const TEST_APP = { database: 'quire_app', user: 'quire', password: `a"p\\p'#1 $HOME` } as const;

export interface TestCluster {
  readonly cluster: LocalMariaDbCluster;
  /** The app user's login on the primary. */
  readonly app: AppLogin;
  readonly baseDir: string;
  /** Stop every node and remove the directory. */
  dispose(): Promise<void>;
}

/** Start a cluster in a new temporary directory and bootstrap the app database. */
export async function startTestCluster(
  label: string,
  options: Partial<Omit<LocalMariaDbClusterOptions, 'baseDir' | 'passwords'>> = {},
): Promise<TestCluster> {
  const baseDir = mkdtempSync(join(tmpdir(), `quire-${label}-`));
  // The nodes run as the mysql user when the tests run as root: it must reach the directory.
  chmodSync(baseDir, 0o755);
  let cluster: LocalMariaDbCluster | undefined;
  const killOnExit = (): void => {
    cluster?.killNow();
  };
  process.once('exit', killOnExit);
  const remove = (): void => {
    process.removeListener('exit', killOnExit);
    if (process.env.QUIRE_KEEP_TEST_DIRS === undefined) rmSync(baseDir, { recursive: true, force: true });
  };
  try {
    cluster = await LocalMariaDbCluster.open({ replicas: 1, ...options, baseDir, passwords: TEST_PASSWORDS });
    await cluster.startAll();
    const app = await cluster.bootstrap(TEST_APP);
    const started = cluster;
    return {
      cluster: started,
      app,
      baseDir,
      async dispose(): Promise<void> {
        await started.stop();
        remove();
      },
    };
  } catch (error) {
    cluster?.killNow();
    remove();
    throw error;
  }
}

/** Run SQL as root on a node, over TCP (root@'%' is the bootstrap Job's account). */
export async function rootQuery(
  cluster: LocalMariaDbCluster,
  ordinal: number,
  query: string,
): Promise<unknown[]> {
  const node = cluster.node(ordinal);
  const connection = await createConnection({
    host: node.host,
    port: node.port,
    user: 'root',
    password: TEST_PASSWORDS.root,
    multipleStatements: true,
  });
  try {
    const [rows] = await connection.query(query);
    return Array.isArray(rows) ? rows : [rows];
  } finally {
    await connection.end();
  }
}

/** Poll `check` until it holds, failing with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
