/**
 * `quire serve` as a process, on a real primary and replica: it migrates, creates the owner and
 * prints the password once (never in the JSON logs), serves and reports ready, logs each request
 * with its id, and shuts down cleanly on SIGTERM; a second start prints no password. Bad settings
 * stop it with exit code 2 and every problem listed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';
import { freePort } from '../../src/local/mariadb/index.js';
import { runCli } from '../support/cli.js';
import { eventually, startTestCluster, type TestCluster } from '../support/local-mariadb.js';

const SESSION_SECRET = 'serve test session secret: 32 characters or more';

interface Served {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<number | null>;
}

/** Each wait is bounded well inside the test's timeout, so a failure says what it waited for. */
const WAIT_MS = 20_000;

describe('quire serve', () => {
  let test: TestCluster;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    test = await startTestCluster('serve', { replicas: 1 });
    dir = mkdtempSync(join(tmpdir(), 'quire-serve-'));
    writeFileSync(join(dir, 'db-password'), `${test.app.password}\n`, { mode: 0o600 });
    // A port no one holds (a guessed one could be another test's database: serve would not start).
    port = await freePort('127.0.0.1');
  });

  afterAll(async () => {
    await test.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const serve = (): Served => {
    const replica = test.cluster.node(1);
    const script = "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv);";
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
        'quire',
        'serve',
        '--primary',
        `${test.app.host}:${test.app.port}`,
        '--replica',
        `${replica.host}:${replica.port}`,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
      ],
      {
        cwd: PACKAGE_ROOT,
        env: {
          PATH: process.env.PATH,
          QUIRE_DB_NAME: test.app.database,
          QUIRE_DB_USER: test.app.user,
          QUIRE_DB_PASSWORD_FILE: join(dir, 'db-password'),
          QUIRE_SESSION_SECRET: SESSION_SECRET,
          QUIRE_PUBLIC_URL: 'http://blog.test',
          QUIRE_MEDIA_DIR: join(dir, 'media'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    onTestFailed(() => {
      console.error(`quire serve (pid ${child.pid}) printed:\n${output.stdout}\n${output.stderr}`);
    });
    return { child, output, exited };
  };

  /** The server's base URL once it reports ready. */
  const ready = async (served: Served): Promise<string> => {
    const base = `http://127.0.0.1:${port}`;
    await eventually(
      'the server to be ready',
      async () => {
        if (served.child.exitCode !== null) throw new Error(`quire serve exited (${served.child.exitCode})`);
        return (await get(`${base}/readyz`)).status === 200;
      },
      WAIT_MS,
    );
    return base;
  };

  const get = (url: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(url, { headers, signal: AbortSignal.timeout(WAIT_MS) });

  /** SIGTERM, and the exit code once the process has ended. */
  const stop = async (served: Served): Promise<number | null> => {
    served.child.kill('SIGTERM');
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => {
        reject(new Error(`quire serve did not exit within ${WAIT_MS} ms of SIGTERM`));
      }, WAIT_MS).unref();
    });
    return Promise.race([served.exited, timeout]);
  };

  it('starts, migrates, prints the owner password once, serves, logs JSON with request ids, and stops on SIGTERM', async () => {
    const first = serve();
    try {
      const base = await ready(first);
      const password = /password: (\S+)/.exec(first.output.stderr)?.[1] ?? '';
      expect(password).toMatch(/^[\w-]{20}$/);
      expect(first.output.stderr).toContain('email:    owner@blog.test');
      const home = await get(`${base}/`, { 'x-request-id': 'test-request-1' });
      expect(home.status).toBe(200);
      await eventually('the request log', () => first.output.stdout.includes('"reqId":"test-request-1"'));
      // The same page again, a page cache hit (answered in front of Fastify): logged alike.
      const again = await get(`${base}/`, { 'x-request-id': 'test-request-2' });
      expect(again.status).toBe(200);
      await eventually("the hit's request log", () =>
        first.output.stdout.includes('"reqId":"test-request-2"'),
      );
      const logs = first.output.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string; reqId?: string });
      expect(logs.map((line) => line.msg)).toContain('migrations applied');
      for (const reqId of ['test-request-1', 'test-request-2']) {
        expect(logs.filter((line) => line.reqId === reqId)).toEqual([
          expect.objectContaining({ msg: 'request completed', method: 'GET', url: '/', statusCode: 200 }),
        ]);
      }
      expect(first.output.stdout).not.toContain(password);
      expect(first.output.stdout).not.toContain(SESSION_SECRET);
      expect(first.output.stdout).not.toContain(test.app.password);
      expect(await stop(first)).toBe(0);
      expect(first.output.stdout).toContain('"signal":"SIGTERM","msg":"shutting down"');
    } finally {
      first.child.kill('SIGKILL');
    }

    const second = serve();
    try {
      await ready(second);
      expect(second.output.stderr).not.toContain('password:');
      expect(await stop(second)).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }
  });

  it('refuses bad settings with exit code 2, listing every problem', async () => {
    const result = await runCli(['serve', '--port', 'http']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('quire serve cannot start');
    expect(result.stderr).toContain(
      'no primary database: pass --primary host:port or set QUIRE_DB_PRIMARY_HOST',
    );
    expect(result.stderr).toContain('the port (--port or QUIRE_PORT) is "http"');
  });
});
