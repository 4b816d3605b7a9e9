/**
 * `quire up` refusing to start, each with a message that says what and how to fix, and its exit
 * code, and nothing left running: a busy HTTPS port (naming the process holding it), an invalid
 * configuration, MariaDB's binaries missing from PATH. Also `quire down --purge` without --yes
 * off a terminal, and `quire logs` of an unknown component.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultToolPath, freePort } from '../../../src/local/mariadb/index.js';
import { onPath } from '../../../src/local/mariadb/tools.js';
import { runCli } from '../../support/cli.js';

describe('quire up failures', () => {
  let dir: string;
  let configFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'quire-up-fail-'));
    chmodSync(dir, 0o755);
    configFile = join(dir, 'quire.yaml');
    writeFileSync(configFile, 'database:\n  replicas: 2\nweb:\n  replicas: 1\n');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const nothingRunning = async (): Promise<void> => {
    const status = await runCli(['local', 'status', '--output', 'json', '--config', configFile]);
    expect(status.code, status.stderr).toBe(0);
    const components = (JSON.parse(status.stdout) as { components: { pid: number | null }[] }).components;
    expect(components.every((component) => component.pid === null)).toBe(true);
  };

  it('names a busy HTTPS port and the process holding it (exit 2)', async () => {
    const port = await freePort('127.0.0.1');
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const result = await runCli(['up', '--config', configFile, '--https-port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `error: port ${port} (HTTPS port of the local stack; choose another with --https-port) is in use by pid ${process.pid} (`,
      );
      expect(result.stderr).toContain('stopping what it started');
      await nothingRunning();
    } finally {
      server.close();
    }
  });

  it('lists every problem of an invalid configuration (exit 2), before starting anything', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'database:\n  replicas: 0\nweb:\n  replicas: many\n');
    const result = await runCli(['up', '--config', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is invalid (2 problems)');
    expect(result.stderr).toMatch(/database\.replicas: /);
    expect(result.stderr).toMatch(/web\.replicas: /);
    expect(existsSync(join(dir, '.quire', 'local', 'db'))).toBe(false);
  });

  it('names the missing MariaDB binaries, the PATH searched and the install command (exit 2)', async () => {
    // A PATH with every tool but mariadbd, mariadb-install-db and mbstream.
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const path = defaultToolPath(process.env.PATH);
    for (const tool of ['mariadb', 'mariadb-admin', 'mariadb-backup', 'socat', 'bash', 'setpriv']) {
      const found = path.split(':').find((candidate) => onPath(tool, candidate));
      if (found !== undefined && !existsSync(join(bin, tool)))
        symlinkSync(join(found, tool), join(bin, tool));
    }
    process.env.QUIRE_LOCAL_PATH = bin;
    try {
      const result = await runCli(['up', '--config', configFile]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `error: cannot run MariaDB locally: mariadbd, mariadb-install-db, mbstream not found on PATH (${bin}); install with: `,
      );
      expect(result.stderr).toContain('apt-get install -y mariadb-server mariadb-backup');
    } finally {
      delete process.env.QUIRE_LOCAL_PATH;
    }
    await nothingRunning();
  });

  it('asks for --yes before --purge when not on a terminal, and names an unknown log', async () => {
    const purge = await runCli(['down', '--purge', '--config', configFile]);
    expect(purge.code).toBe(2);
    expect(purge.stderr).toContain('confirm with --yes');
    const logs = await runCli(['logs', 'nope', '--config', configFile]);
    expect(logs.code).toBe(2);
    expect(logs.stderr).toContain('no component "nope"');
    expect(logs.stderr).toContain('supervisor');
  });
});
