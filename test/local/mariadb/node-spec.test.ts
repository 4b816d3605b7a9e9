import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POD_SCRIPTS_DIR } from '../../../src/k8s/database/pod-scripts.js';
import {
  bootstrapEnv,
  chooseDonor,
  clusterLayout,
  defaultToolPath,
  installCommand,
  nodeEnv,
  requiredTools,
  withBindAddress,
} from '../../../src/local/mariadb/node-spec.js';

const passwords = { root: 'root-pw', replication: 'repl-pw', monitor: 'mon-pw', failover: 'fail-pw' };

const layout = clusterLayout({
  baseDir: '/srv/quire',
  name: 'quire-mariadb',
  host: '127.0.0.1',
  ownTemplates: true,
  ports: [
    { db: 4000, clone: 4001 },
    { db: 4010, clone: 4011 },
    { db: 4020, clone: 4021 },
  ],
});

describe('clusterLayout', () => {
  it('names each node like its pod, with its server id, ports and directories', () => {
    expect(layout.nodes.map((node) => [node.name, node.serverId, node.port, node.clonePort])).toEqual([
      ['quire-mariadb-0', 100, 4000, 4001],
      ['quire-mariadb-1', 101, 4010, 4011],
      ['quire-mariadb-2', 102, 4020, 4021],
    ]);
    expect(layout.nodes[1]).toMatchObject({
      dir: '/srv/quire/quire-mariadb-1',
      dataDir: '/srv/quire/quire-mariadb-1/data',
      runDir: '/srv/quire/quire-mariadb-1/run',
      tmpDir: '/srv/quire/quire-mariadb-1/tmp',
      socket: '/srv/quire/quire-mariadb-1/run/mysqld.sock',
      serverLog: '/srv/quire/quire-mariadb-1/mariadb.log',
      replicationLog: '/srv/quire/quire-mariadb-1/replication.log',
      initLog: '/srv/quire/quire-mariadb-1/init.log',
    });
    expect(layout).toMatchObject({
      scriptsDir: '/srv/quire/scripts',
      templatesDir: '/srv/quire/templates',
      stateFile: '/srv/quire/cluster.json',
    });
  });

  it('uses the scripts directory as TEMPLATES_DIR when the templates are not changed', () => {
    const same = clusterLayout({
      baseDir: '/x',
      name: 'db',
      host: '127.0.0.1',
      ownTemplates: false,
      ports: [],
    });
    expect(same.templatesDir).toBe(same.scriptsDir);
  });
});

describe('nodeEnv', () => {
  it("gives a node the StatefulSet's variables, with loopback for the Services", () => {
    const [primary, donor, replica] = layout.nodes;
    if (primary === undefined || replica === undefined || donor === undefined) throw new Error('no nodes');
    expect(
      nodeEnv(layout, replica, { passwords, path: '/usr/bin:/bin', primary, donor, cloneAttempts: 3 }),
    ).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/srv/quire/quire-mariadb-2',
      TMPDIR: '/srv/quire/quire-mariadb-2/tmp',
      POD_NAME: 'quire-mariadb-2',
      DB_HEADLESS: 'quire-mariadb',
      DATADIR: '/srv/quire/quire-mariadb-2/data',
      RUN_DIR: '/srv/quire/quire-mariadb-2/run',
      TEMPLATES_DIR: '/srv/quire/templates',
      DB_PORT: '4020',
      CLONE_PORT: '4021',
      PRIMARY_NAME: 'quire-mariadb-0',
      PRIMARY_HOST: '127.0.0.1',
      PRIMARY_PORT: '4000',
      DONOR_HOST: '127.0.0.1',
      DONOR_CLONE_PORT: '4011',
      CLONE_ATTEMPTS: '3',
      MARIADB_ROOT_PASSWORD: 'root-pw',
      MARIADB_REPLICATION_PASSWORD: 'repl-pw',
      MARIADB_MONITOR_PASSWORD: 'mon-pw',
      MARIADB_FAILOVER_PASSWORD: 'fail-pw',
    });
  });

  it('takes the primary as donor by default and lets extra variables override', () => {
    const [replica, primary] = layout.nodes;
    if (replica === undefined || primary === undefined) throw new Error('no node');
    // After a failover: node 1 is the primary, node 0 a replica.
    const env = nodeEnv(layout, replica, {
      passwords,
      path: '/bin',
      primary,
      cloneAttempts: 1,
      extra: { CLONE_ATTEMPTS: '9' },
    });
    expect(env).toMatchObject({
      PRIMARY_NAME: 'quire-mariadb-1',
      PRIMARY_PORT: '4010',
      DONOR_CLONE_PORT: '4011',
      CLONE_ATTEMPTS: '9',
    });
  });

  it("gives bootstrap.sh the Job's variables", () => {
    const primary = layout.nodes[0];
    if (primary === undefined) throw new Error('no node');
    expect(
      bootstrapEnv(primary, {
        database: 'app',
        user: 'u',
        password: 'p',
        passwords,
        path: '/bin',
      }),
    ).toEqual({
      PATH: '/bin',
      HOME: '/srv/quire/quire-mariadb-0',
      TMPDIR: '/srv/quire/quire-mariadb-0/tmp',
      PRIMARY_HOST: '127.0.0.1',
      PRIMARY_PORT: '4000',
      DB_NAME: 'app',
      DB_USER: 'u',
      MARIADB_PASSWORD: 'p',
      MARIADB_ROOT_PASSWORD: 'root-pw',
      MARIADB_REPLICATION_PASSWORD: 'repl-pw',
      MARIADB_MONITOR_PASSWORD: 'mon-pw',
      MARIADB_FAILOVER_PASSWORD: 'fail-pw',
    });
  });
});

describe('chooseDonor', () => {
  it.each([
    { ordinal: 1, running: [0], donor: 0 },
    { ordinal: 2, running: [0, 1], donor: 1 },
    { ordinal: 3, running: [0, 1], donor: 1 },
    { ordinal: 2, running: [0], donor: 0 },
    { ordinal: 1, running: [2], donor: 2 },
    { ordinal: 1, running: [1], donor: undefined },
    { ordinal: 1, running: [], donor: undefined },
  ])('replica $ordinal with $running running clones from $donor', ({ ordinal, running, donor }) => {
    expect(chooseDonor(ordinal, new Set(running))).toBe(donor);
  });
});

describe('tools', () => {
  it('needs setpriv only as root', () => {
    expect(requiredTools(true)).toContain('setpriv');
    expect(requiredTools(false)).not.toContain('setpriv');
    expect(requiredTools(false)).toEqual(
      expect.arrayContaining(['mariadbd', 'mariadb-install-db', 'mariadb-backup', 'mbstream', 'socat']),
    );
  });

  it.each([
    { tools: ['mariadbd', 'mariadb-install-db'], root: true, command: 'apt-get install -y mariadb-server' },
    { tools: ['mbstream', 'socat'], root: false, command: 'sudo apt-get install -y mariadb-backup socat' },
    { tools: ['mariadb', 'setpriv'], root: true, command: 'apt-get install -y mariadb-client util-linux' },
  ])('installs $tools with "$command"', ({ tools, root, command }) => {
    expect(installCommand(tools, root)).toBe(command);
  });

  it('adds the sbin directories to the PATH, once', () => {
    expect(defaultToolPath('/opt/bin:/usr/bin')).toBe(
      '/opt/bin:/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin:/bin',
    );
    expect(defaultToolPath(undefined).split(':')).toContain('/usr/sbin');
  });
});

describe('withBindAddress', () => {
  it("changes only the bind address of the pods' base.cnf", () => {
    const base = readFileSync(join(POD_SCRIPTS_DIR, 'base.cnf'), 'utf8');
    const changed = withBindAddress(base, '127.0.0.1');
    expect(changed).toContain('\nbind_address=127.0.0.1\n');
    expect(changed.replace('bind_address=127.0.0.1', 'bind_address=0.0.0.0')).toBe(base);
  });

  it('fails when the template has no bind_address line', () => {
    expect(() => withBindAddress('[mariadb]\nport=1\n', '127.0.0.1')).toThrow(/no bind_address line/);
  });
});
