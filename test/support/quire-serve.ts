/**
 * `quire serve` as a process of its own (the CLI from the sources, through tsx) on a test
 * cluster's primary and replica: for tests that measure the server from outside, where a server
 * inside the test process would share its event loop with the measuring tool.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/local/mariadb/index.js';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';
import { eventually, type TestCluster } from './local-mariadb.js';

export interface ServeProcess {
  /** `http://127.0.0.1:<port>`, the site's public URL too. */
  readonly base: string;
  /** What it printed so far (JSON logs on stdout), for a failing test to show. */
  readonly output: { stdout: string; stderr: string };
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/** Start `quire serve` in `dir` (its password file and media directory) and wait until it is ready. */
export async function startServe(
  test: TestCluster,
  dir: string,
  sessionSecret: string,
): Promise<ServeProcess> {
  const port = await freePort('127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'db-password'), `${test.app.password}\n`, { mode: 0o600 });
  const replica = test.cluster.node(1);
  const script = "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv);";
  const child = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', '--input-type=module', '-e', script, 'quire', 'serve'],
      ...['--primary', `${test.app.host}:${test.app.port}`, '--replica', `${replica.host}:${replica.port}`],
      ...['--host', '127.0.0.1', '--port', String(port), '--public-url', base],
    ],
    {
      cwd: PACKAGE_ROOT,
      env: {
        PATH: process.env.PATH,
        QUIRE_DB_NAME: test.app.database,
        QUIRE_DB_USER: test.app.user,
        QUIRE_DB_PASSWORD_FILE: join(dir, 'db-password'),
        QUIRE_SESSION_SECRET: sessionSecret,
        QUIRE_MEDIA_DIR: join(dir, 'media'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  // A test process that ends without afterAll (a crash, a timeout) takes the server with it.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.removeListener('exit', killOnExit);
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };
  try {
    await eventually(
      'quire serve to be ready',
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`quire serve exited (${child.exitCode}):\n${output.stdout}\n${output.stderr}`);
        }
        return (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) })).status === 200;
      },
      // tsx compiles the CLI first: seconds on a busy machine.
      60_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, output, stop };
}
