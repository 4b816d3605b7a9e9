/**
 * `quire up` end to end, on real processes: MariaDB primary + 1 replica (cloned by mariabackup,
 * replicating by GTID), 2 web workers, the TLS proxy, and the timings it keeps. A page over HTTPS
 * for the configured host, the HTTP redirect, the status table, a post written through the admin and read back, a killed
 * worker and a killed replica brought back by the supervisor, a replica's removed data dir cloned
 * again by `up`, and `down` / `up` keeping the data.
 */
import { readFileSync, rmSync, writeFileSync, mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quireCommand } from '../../../src/cli/command-name.js';
import { freePort } from '../../../src/local/mariadb/index.js';
import type { LocalStackStatus, UpTimings } from '../../../src/local/stack/index.js';
import { runCli } from '../../support/cli.js';
import { httpRequest } from '../../support/http.js';
import { eventually } from '../../support/local-mariadb.js';
import { csrfToken } from '../../web/support/browser-session.js';
import { HttpsVisitor } from './https-visitor.js';

const HOST = 'blog.quire.test';

describe('quire up', { timeout: 240_000 }, () => {
  let dir: string;
  let configFile: string;
  let httpsPort: number;
  let httpPort: number;
  let ca: string;
  let owner: { email: string; password: string };
  const title = `Hello from quire up ${Date.now()}`;

  const cli = (...args: string[]) => runCli([...args, '--config', configFile]);
  const status = async (): Promise<LocalStackStatus> => {
    const result = await cli('local', 'status', '--output', 'json');
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as LocalStackStatus;
  };
  const component = (stack: LocalStackStatus, name: string) => {
    const found = stack.components.find((entry) => entry.component === name);
    if (found === undefined) throw new Error(`no ${name} in ${JSON.stringify(stack.components)}`);
    return found;
  };
  /** A component's pid, checked first: kill(0) or kill(-0) would signal this test runner's group. */
  const pidOf = (stack: LocalStackStatus, name: string): number => {
    const pid = component(stack, name).pid;
    if (pid === null || !Number.isInteger(pid) || pid <= 1) {
      throw new Error(`${name} has no pid to signal: ${String(pid)}`);
    }
    return pid;
  };
  /** The replica's reads as status shows them: the supervisor's tally, up to ~2 s old. */
  const replicaReads = async (): Promise<number> => component(await status(), 'quire-mariadb-1').reads ?? 0;
  const visitor = (): HttpsVisitor => new HttpsVisitor(HOST, httpsPort, ca);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quire-up-'));
    // The DB nodes run as the mysql user when the tests run as root: it must reach the directory.
    chmodSync(dir, 0o755);
    configFile = join(dir, 'quire.yaml');
    writeFileSync(configFile, `database:\n  replicas: 2\nweb:\n  replicas: 2\ningress:\n  host: ${HOST}\n`);
    httpsPort = await freePort('127.0.0.1');
    httpPort = await freePort('127.0.0.1', new Set([httpsPort]));
  });

  afterAll(async () => {
    await cli('down', '--purge', '--yes');
    if (process.env.QUIRE_KEEP_TEST_DIRS === undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('brings the stack up, prints the URL and the owner login once', async () => {
    const result = await cli('up', '--https-port', String(httpsPort), '--http-port', String(httpPort));
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain(`Quire is up`);
    expect(result.stdout).toContain(`https://${HOST}:${httpsPort}/`);
    expect(result.stdout).toMatch(/Start MariaDB: 1 primary \+ 1 replica .*\(\d+\.\ds\)/);
    // The hints name the command that works from here (bin/quire.js unless PATH has this quire).
    expect(result.stdout).toContain(`Stop it: ${quireCommand()} down (data kept)`);
    const email = /email:\s+(\S+)/.exec(result.stdout)?.[1];
    const password = /password:\s+(\S+)/.exec(result.stdout)?.[1];
    expect(email).toBe(`owner@${HOST}`);
    expect(password).toBeDefined();
    owner = { email: email ?? '', password: password ?? '' };
    ca = readFileSync(join(dir, '.quire', 'local', 'tls.crt'), 'utf8');
    // The same certificate quire synth puts in the Ingress's Secret.
    const secrets = JSON.parse(readFileSync(join(dir, '.quire', 'secrets.json'), 'utf8')) as {
      certificates: Record<string, Record<string, { certificate: string; host: string }>>;
    };
    expect(secrets.certificates.quire?.['quire-tls']).toMatchObject({ host: HOST, certificate: ca });
    // What each step and its parts took, for scripts (npm run bench:up).
    const timings = JSON.parse(
      readFileSync(join(dir, '.quire', 'local', 'up-timings.json'), 'utf8'),
    ) as UpTimings;
    expect(timings.steps.map((step) => step.title)).toEqual([
      expect.stringMatching(/^Check the machine/),
      expect.stringMatching(/^Start MariaDB/),
      expect.stringMatching(/^Bootstrap/),
      expect.stringMatching(/^Start 2 web workers/),
    ]);
    expect(timings.steps.reduce((sum, step) => sum + step.ms, 0)).toBeLessThanOrEqual(timings.totalMs);
    const phases = timings.steps.flatMap((step) => step.phases);
    expect(phases.map((phase) => phase.name)).toEqual([
      'quire-mariadb-0: initialise and start',
      'quire-mariadb-1: clone from quire-mariadb-0',
      'quire-mariadb-1: start',
      'TLS certificate',
      'TLS proxy listening',
      'first web worker ready (migrations, owner account)',
      'all 2 web workers ready',
    ]);
    expect(phases[1]?.bytes).toBeGreaterThan(10 * 2 ** 20);
    // The login is not left anywhere: not in a file, not in the workers' logs.
    const logs = await cli('logs', 'web-0');
    expect(logs.stdout).not.toContain(owner.password);
  });

  it('serves the site over HTTPS for the configured host, and redirects HTTP to it', async () => {
    const page = await visitor().get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
    const redirect = await httpRequest(httpPort, '/about?x=1', { headers: { host: HOST } });
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe(`https://${HOST}:${httpsPort}/about?x=1`);
  });

  it('shows 1 primary and 1 replica replicating, the writes on the replica, 2 workers and the proxy', async () => {
    const stack = await status();
    const primary = component(stack, 'quire-mariadb-0');
    const replica = component(stack, 'quire-mariadb-1');
    expect(primary).toMatchObject({ role: 'primary', health: 'ready' });
    expect(replica).toMatchObject({ role: 'replica', health: 'replicating', lagSeconds: 0 });
    expect(replica.gtid).toMatch(/^0-100-\d+$/);
    expect(component(stack, 'web-0')).toMatchObject({ health: 'ready', restarts: 0 });
    expect(component(stack, 'web-1')).toMatchObject({ health: 'ready', restarts: 0 });
    expect(component(stack, 'tls-proxy')).toMatchObject({ health: 'ready', port: httpsPort });
    // Semi-sync (the default): the primary's acknowledged writes are on the replica.
    expect(primary.writes?.protection).toBe('semi-sync');
    expect(replica.writes).toBeUndefined();
    const table = await cli('local', 'status');
    expect(table.stdout).toMatch(/quire-mariadb-1\s+replica\s+\d+\s+\d+\s+replicating/);
    expect(table.stdout).toContain(
      'quire-mariadb-0: writes: semi-sync, every acknowledged write is on a replica',
    );
  });

  it('publishes a post through the admin; the next page view shows it', async () => {
    const admin = visitor();
    const login = await admin.get('/admin/login');
    const loggedIn = await admin.postForm('/admin/login', {
      _csrf: csrfToken(login.body),
      email: owner.email,
      password: owner.password,
    });
    expect(loggedIn.status, loggedIn.body).toBe(303);
    const editor = await admin.get('/admin/posts/new');
    expect(editor.status).toBe(200);
    const form = new FormData();
    for (const [name, value] of Object.entries({
      title,
      slug: '',
      markdown: 'Written through **quire up**.',
      excerpt: '',
      tags: '',
      kind: 'post',
      status: 'published',
      publishedAt: '',
    })) {
      form.set(name, value);
    }
    const saved = await admin.postMultipart(
      `/admin/posts?_csrf=${encodeURIComponent(csrfToken(editor.body))}`,
      form,
    );
    expect(saved.status, saved.body).toBe(303);
    await eventually(
      'the post on the home page',
      async () => (await visitor().get('/')).body.includes(title),
      10_000,
    );
    // The public pages were read from the replica: the status counts its reads (tallied every ~2 s).
    await eventually('reads counted on the replica', async () => (await replicaReads()) > 0, 10_000);
  });

  it('restarts a worker killed with SIGKILL, and shows the restart; the reads do not go down', async () => {
    const readsBefore = await replicaReads();
    expect(readsBefore).toBeGreaterThan(0);
    const pid = pidOf(await status(), 'web-1');
    process.kill(pid, 'SIGKILL');
    await eventually(
      'web-1 restarted and ready',
      async () => {
        const worker = component(await status(), 'web-1');
        return worker.health === 'ready' && worker.restarts === 1 && worker.pid !== pid;
      },
      60_000,
    );
    expect(component(await status(), 'web-1').detail).toBe('last exit: signal SIGKILL');
    // The killed process's counts are gone with it; the supervisor's tally keeps them.
    expect(await replicaReads()).toBeGreaterThanOrEqual(readsBefore);
  });

  it('restarts a replica killed with SIGKILL; it catches up', async () => {
    const pid = pidOf(await status(), 'quire-mariadb-1');
    process.kill(-pid, 'SIGKILL');
    await eventually(
      'the replica restarted and replicating',
      async () => {
        const stack = await status();
        const replica = component(stack, 'quire-mariadb-1');
        return (
          replica.health === 'replicating' &&
          replica.pid !== pid &&
          replica.restarts === 1 &&
          replica.gtid === component(stack, 'quire-mariadb-0').gtid
        );
      },
      90_000,
    );
  });

  it('clones a replica again when its data directory was removed', async () => {
    rmSync(join(dir, '.quire', 'local', 'db', 'quire-mariadb-1', 'data'), { recursive: true, force: true });
    const result = await cli('up');
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const stack = await status();
    expect(component(stack, 'quire-mariadb-1').health).toBe('replicating');
    expect(component(stack, 'quire-mariadb-1').gtid).toBe(component(stack, 'quire-mariadb-0').gtid);
  });

  it('keeps the data and the read counts over down and up; up again leaves running parts alone', async () => {
    const readsBefore = await replicaReads();
    const down = await cli('down');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain('data kept');
    expect((await status()).components.every((entry) => entry.pid === null)).toBe(true);
    const up = await cli('up');
    expect(up.code, up.stderr + up.stdout).toBe(0);
    expect(up.stdout).not.toMatch(/password:/);
    expect((await visitor().get('/')).body).toContain(title);
    expect(await replicaReads()).toBeGreaterThanOrEqual(readsBefore);
    const before = component(await status(), 'web-0').pid;
    const again = await cli('up');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already running');
    expect(component(await status(), 'web-0').pid).toBe(before);
  });
});
