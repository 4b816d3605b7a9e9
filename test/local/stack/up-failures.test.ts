/**
 * `quire up` refusing to start, each with a message that says what and how to fix, and its exit
 * code, and nothing left running: a busy HTTPS port (naming the process holding it), an invalid
 * configuration, MariaDB's binaries missing from PATH, a disk too small for the primary or for a
 * replica's clone (a tmpfs: those tests need root, as CI has), a data directory owned by another
 * user (root only: only root can give it away). Also `quire down --purge` without --yes
 * off a terminal, and `quire logs` of an unknown component.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultToolPath, freePort } from '../../../src/local/mariadb/index.js';
import { localRunUser } from '../../../src/local/mariadb/run-user.js';
import { onPath } from '../../../src/local/mariadb/tools.js';
import { runCli } from '../../support/cli.js';
import { processesUnder } from '../../support/processes.js';

const isRoot = process.getuid?.() === 0;
/** Debian's nobody: a user that is not the one running mariadbd. */
const NOBODY = 65534;

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

  const nothingRunning = async (...stateDir: string[]): Promise<void> => {
    const status = await runCli(['local', 'status', '--output', 'json', '--config', configFile, ...stateDir]);
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

  it('rejects a port outside 1-65535 as a usage error (exit 2), before starting anything', async () => {
    const result = await runCli(['up', '--config', configFile, '--https-port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: option '--https-port <port>' argument '0' is invalid. "0" is not a port (1-65535)`,
    );
    expect(result.stderr).not.toContain('internal error');
    expect(existsSync(join(dir, '.quire', 'local', 'db'))).toBe(false);
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
    for (const tool of [
      'mariadb',
      'mariadb-admin',
      'mariadb-binlog',
      'mariadb-backup',
      'socat',
      'bash',
      'setpriv',
    ]) {
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

  /** `quire up` with its state in `stateDir`, on free ports. */
  const upIn = async (stateDir: string) => {
    const httpsPort = await freePort('127.0.0.1');
    const httpPort = await freePort('127.0.0.1', new Set([httpsPort]));
    return runCli([
      'up',
      '--config',
      configFile,
      '--state-dir',
      stateDir,
      '--https-port',
      String(httpsPort),
      '--http-port',
      String(httpPort),
    ]);
  };

  /** A tmpfs of `size` as the state directory, unmounted at the end: it fails if anything still runs there. */
  const onSmallDisk = async (size: string, test: (stateDir: string) => Promise<void>): Promise<void> => {
    const mountPoint = mkdtempSync(join(dir, 'disk-'));
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', mountPoint], {
      encoding: 'utf8',
    });
    expect(mount.status, mount.stderr).toBe(0);
    try {
      await test(mountPoint);
      expect(processesUnder(mountPoint)).toEqual([]);
      const umount = spawnSync('umount', [mountPoint], { encoding: 'utf8' });
      expect(umount.status, `${umount.stderr}: something still runs in ${mountPoint}`).toBe(0);
    } finally {
      // A failed assertion must not leave the mount behind.
      spawnSync('umount', ['--lazy', mountPoint]);
    }
  };

  it.runIf(isRoot)(
    'names the filesystem and the space needed when the primary does not fit (exit 2) [root: mounts a tmpfs]',
    async () => {
      await onSmallDisk('64m', async (stateDir) => {
        const result = await upIn(stateDir);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toContain(
          `error: not enough disk space for ${stateDir}/local/db/quire-mariadb-0/data: initialising the ` +
            `primary's data needs about 128 MiB, but its filesystem (tmpfs on ${stateDir}) has `,
        );
        expect(result.stderr).toMatch(
          /has [\d.]+ MiB free; free space on .*, or put the state directory on a larger filesystem \(quire up --state-dir\)/,
        );
        await nothingRunning('--state-dir', stateDir);
      });
    },
  );

  it.runIf(isRoot)(
    "names the filesystem when a replica's clone does not fit, and stops the primary it started (exit 2) [root: mounts a tmpfs]",
    { timeout: 60_000 },
    async () => {
      await onSmallDisk('200m', async (stateDir) => {
        const result = await upIn(stateDir);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toMatch(
          new RegExp(
            `error: not enough disk space for ${stateDir}/local/db/quire-mariadb-1/data: a clone of ` +
              `quire-mariadb-0's data needs about \\d+ MiB, but its filesystem \\(tmpfs on ${stateDir}\\) has [\\d.]+ MiB free`,
          ),
        );
        expect(result.stderr).toContain('stopping what it started');
        await nothingRunning('--state-dir', stateDir);
      });
    },
  );

  it.runIf(isRoot)(
    'names a data directory owned by another user, its owner and the chown that fixes it (exit 2) [root: gives a directory away]',
    async () => {
      const stateDir = mkdtempSync(join(dir, 'owned-'));
      chmodSync(stateDir, 0o755);
      // A replica's data directory left by another user; its node directory is the nodes' own.
      const nodeDir = join(stateDir, 'local', 'db', 'quire-mariadb-1');
      mkdirSync(join(nodeDir, 'data'), { recursive: true });
      const mysql = localRunUser();
      chownSync(nodeDir, mysql.uid, mysql.gid);
      chownSync(join(nodeDir, 'data'), NOBODY, NOBODY);
      const result = await upIn(stateDir);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(
        `error: ${nodeDir}/data: owned by nobody (uid ${NOBODY}), but the nodes run as mysql (uid ${mysql.uid}); ` +
          `give it to that user (chown -R mysql: ${nodeDir}) or remove it`,
      );
      expect(processesUnder(stateDir)).toEqual([]);
      await nothingRunning('--state-dir', stateDir);
    },
  );

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
