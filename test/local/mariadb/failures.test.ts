/**
 * The runner's errors for problems on the machine, each caught before MariaDB starts: a missing
 * binary (simulated by PATH), a busy port, a directory the nodes' user cannot use, a primary
 * whose data is gone while replicas hold data. And a server that exits at its start leaves no
 * process behind.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DirectoryError,
  LocalMariaDbCluster,
  MissingToolError,
  NodeStartError,
  PortInUseError,
  PrimaryDataMissingError,
} from '../../../src/local/mariadb/index.js';
import { onPath } from '../../../src/local/mariadb/tools.js';
import { defaultToolPath, requiredTools } from '../../../src/local/mariadb/node-spec.js';
import { TEST_PASSWORDS } from '../../support/local-mariadb.js';
import { processesUnder } from '../../support/processes.js';

const isRoot = process.getuid?.() === 0;
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'quire-runner-failures-'));
  chmodSync(root, 0o755);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );

describe('the local runner refuses early', () => {
  it('names the missing binaries and the apt command that installs them', async () => {
    // A PATH with every tool but mariadbd and mbstream.
    const bin = join(root, 'bin');
    mkdirSync(bin);
    const path = defaultToolPath(process.env.PATH);
    for (const tool of requiredTools(isRoot).filter((name) => !['mariadbd', 'mbstream'].includes(name))) {
      const dir = path.split(':').find((candidate) => onPath(tool, candidate));
      if (dir !== undefined) symlinkSync(join(dir, tool), join(bin, tool));
    }
    const error = await rejection(
      LocalMariaDbCluster.open({ baseDir: join(root, 'tools'), passwords: TEST_PASSWORDS, path: bin }),
    );
    expect(error).toBeInstanceOf(MissingToolError);
    expect((error as MissingToolError).tools).toEqual(['mariadbd', 'mbstream']);
    expect((error as MissingToolError).exitCode).toBe(2);
    expect((error as Error).message).toContain(
      `mariadbd, mbstream not found on PATH (${bin}); install with: ${isRoot ? '' : 'sudo '}apt-get install -y mariadb-server mariadb-backup`,
    );
  });

  describe('a busy port', () => {
    let server: Server;
    let port: number;

    beforeAll(async () => {
      server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      port = address.port;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('is named with the process holding it', async () => {
      const cluster = await LocalMariaDbCluster.open({
        baseDir: join(root, 'port'),
        replicas: 0,
        passwords: TEST_PASSWORDS,
        ports: [{ db: port }],
      });
      expect(cluster.primary.port).toBe(port);
      const error = await rejection(cluster.startNode(0));
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^port ${port} \\(SQL port of quire-mariadb-0\\) is in use by pid ${process.pid} \\(.+\\); stop it, or choose another port$`,
        ),
      );
      expect((error as PortInUseError).owner).toMatch(new RegExp(`^pid ${process.pid} \\(`));
      expect(cluster.primary.running).toBe(false);
    });
  });

  it.runIf(isRoot)('names a directory the mysql user cannot enter', async () => {
    const closed = join(root, 'closed');
    mkdirSync(closed, { mode: 0o700 });
    chmodSync(closed, 0o700);
    const error = await rejection(
      LocalMariaDbCluster.open({ baseDir: join(closed, 'db'), passwords: TEST_PASSWORDS }),
    );
    expect(error).toBeInstanceOf(DirectoryError);
    expect((error as Error).message).toBe(
      `${closed}: the mysql user, which runs MariaDB, cannot enter it (mode 700); choose a base directory ` +
        `it can reach (e.g. under /var/lib or /tmp), or run chmod o+x ${closed}`,
    );
  });

  it.runIf(isRoot)('names a node directory owned by another user', async () => {
    const baseDir = join(root, 'owner');
    mkdirSync(join(baseDir, 'quire-mariadb-0'), { recursive: true });
    chownSync(join(baseDir, 'quire-mariadb-0'), 0, 0);
    const error = await rejection(
      LocalMariaDbCluster.open({ baseDir, replicas: 0, passwords: TEST_PASSWORDS }),
    );
    expect(error).toBeInstanceOf(DirectoryError);
    expect((error as Error).message).toMatch(
      /quire-mariadb-0: owned by root \(uid 0\), but the nodes run as mysql \(uid \d+\); give it to that user \(chown -R mysql: .*quire-mariadb-0\) or remove it/,
    );
  });

  it('will not initialise an empty primary under replicas that hold data', async () => {
    const cluster = await LocalMariaDbCluster.open({
      baseDir: join(root, 'lost'),
      replicas: 1,
      passwords: TEST_PASSWORDS,
    });
    writeFileSync(join(cluster.node(1).dataDir, '.quire-ready'), '');
    const error = await rejection(cluster.startNode(0));
    expect(error).toBeInstanceOf(PrimaryDataMissingError);
    expect((error as Error).message).toContain(`${cluster.node(0).dataDir} holds no initialised server`);
  });

  it('will not move the primary to another port under replicas that replicate from the old one', async () => {
    const baseDir = join(root, 'moved');
    const cluster = await LocalMariaDbCluster.open({ baseDir, replicas: 1, passwords: TEST_PASSWORDS });
    writeFileSync(join(cluster.node(1).dataDir, '.quire-ready'), '');
    const kept = cluster.primary.port;
    const error = await rejection(
      LocalMariaDbCluster.open({
        baseDir,
        replicas: 1,
        passwords: TEST_PASSWORDS,
        ports: [{ db: kept + 1 }],
      }),
    );
    expect(error).toMatchObject({ code: 'LOCAL_DB_PORT_CHANGED', exitCode: 2 });
    expect((error as Error).message).toContain(
      `the primary's port would change from ${kept} to ${kept + 1}, but quire-mariadb-1 replicate from port ${kept}`,
    );
    // Without a wish, the kept ports are used again.
    expect(
      (await LocalMariaDbCluster.open({ baseDir, replicas: 1, passwords: TEST_PASSWORDS })).primary.port,
    ).toBe(kept);
  });

  it('ends the sidecar of a node whose server exits at start: nothing is left running', async () => {
    const baseDir = join(root, 'exits');
    const cluster = await LocalMariaDbCluster.open({ baseDir, replicas: 0, passwords: TEST_PASSWORDS });
    // Marked ready but empty: mariadbd starts, finds no system tables and aborts.
    writeFileSync(join(cluster.primary.dataDir, '.quire-ready'), '');
    const error = await rejection(cluster.startNode(0));
    expect(error).toBeInstanceOf(NodeStartError);
    expect((error as Error).message).toContain('quire-mariadb-0 did not start: mariadbd exited');
    expect(cluster.primary).toMatchObject({ running: false, sidecarPid: undefined });
    expect(processesUnder(baseDir)).toEqual([]);
  });

  it('rejects a negative replica count and empty passwords', async () => {
    await expect(
      LocalMariaDbCluster.open({ baseDir: join(root, 'bad'), replicas: -1, passwords: TEST_PASSWORDS }),
    ).rejects.toThrow('replicas must be a whole number >= 0 (got -1)');
    await expect(
      LocalMariaDbCluster.open({ baseDir: join(root, 'bad'), passwords: { ...TEST_PASSWORDS, root: '' } }),
    ).rejects.toThrow('passwords.root is empty');
  });
});
