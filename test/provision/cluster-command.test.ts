/**
 * `quire cluster init` and `quire cluster kubeconfig` through the CLI: what is written, what is
 * kept on --force, what is refused; the kubeconfig fetched through a stand-in `vagrant` (the real
 * one needs running VMs).
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { ADMIN_CONF } from './tools.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'quire-cluster-cli-'));
const mode = (path: string) => statSync(path).mode & 0o777;

describe('quire cluster init', () => {
  it("writes the seed's cluster to ./cluster and prints the nodes and next steps", async () => {
    const dir = fresh();
    const result = await runCli(['cluster', 'init'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/kube-control1\s+control-plane\s+192\.168\.56\.11\s+2\s+3072 MiB/);
    expect(result.stdout).toMatch(/kube-node3\s+worker\s+192\.168\.56\.23\s+2\s+2560 MiB/);
    expect(result.stdout).toContain('wrote 9 files to cluster; build the cluster with:\n  cluster/up.sh');
    expect(result.stdout).toContain('quire cluster kubeconfig --dir cluster --out cluster/kubeconfig');
    const out = join(dir, 'cluster');
    expect(readdirSync(out).sort()).toEqual([
      '.gitignore',
      '.quire',
      'README.md',
      'Vagrantfile',
      'control-plane.sh',
      'inventory',
      'playbooks',
      'up.sh',
    ]);
    expect(mode(join(out, 'up.sh'))).toBe(0o755);
    expect(mode(join(out, 'control-plane.sh'))).toBe(0o755);
    expect(mode(join(out, 'Vagrantfile'))).toBe(0o644);
    expect(mode(join(out, '.quire'))).toBe(0o700);
    expect(readdirSync(dir)).toEqual(['cluster']); // no staging directory left
  });

  it('notes when storage.nfs points elsewhere than the NFS server it makes', async () => {
    const dir = fresh();
    writeFileSync(
      join(dir, 'quire.yaml'),
      'storage: {nfs: {enabled: true, server: 192.168.56.99, path: /data}}\n',
    );
    const result = await runCli(['cluster', 'init'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "note: storage.nfs points at 192.168.56.99:/data, but this cluster's NFS server is 192.168.56.11:/srv/nfs-volume",
    );
  });

  it('refuses an existing directory without --force and leaves it alone', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'cluster'));
    writeFileSync(join(dir, 'cluster', 'notes.txt'), 'mine\n');
    const result = await runCli(['cluster', 'init'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: cluster already exists; pass --force to regenerate its files');
    expect(readdirSync(join(dir, 'cluster'))).toEqual(['notes.txt']);
  });

  it("with --force regenerates the files, keeps the VMs' state and the key, and removes what is no longer made", async () => {
    const dir = fresh();
    expect((await runCli(['cluster', 'init'], dir)).code).toBe(0);
    const out = join(dir, 'cluster');
    // What vagrant up leaves behind.
    mkdirSync(join(out, '.vagrant', 'machines'), { recursive: true });
    writeFileSync(join(out, '.vagrant', 'machines', 'id'), 'vm-id\n');
    writeFileSync(join(out, '.quire', 'cluster_id_rsa'), 'key\n', { mode: 0o600 });
    writeFileSync(join(dir, 'quire.yaml'), 'cluster: {nfs: {enabled: false}, workers: {count: 2}}\n');
    const result = await runCli(['cluster', 'init', '--force'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(join(out, '.vagrant', 'machines', 'id'), 'utf8')).toBe('vm-id\n');
    expect(readFileSync(join(out, '.quire', 'cluster_id_rsa'), 'utf8')).toBe('key\n');
    expect(existsSync(join(out, 'playbooks', 'nfs.yml'))).toBe(false);
    const hosts = parse(readFileSync(join(out, 'inventory/quire/hosts.yaml'), 'utf8')) as {
      all: { children: { kube_node: { hosts: object } } };
    };
    expect(Object.keys(hosts.all.children.kube_node.hosts)).toEqual(['kube-node1', 'kube-node2']);
    expect(readdirSync(out).filter((name) => name.startsWith('.quire-staging'))).toEqual([]);
  });

  it('reports an output it cannot write, and leaves nothing behind', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'file'), 'not a directory\n');
    const result = await runCli(['cluster', 'init', '--out', 'file/cluster'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: cannot write file/cluster (ENOTDIR); choose another directory with --out',
    );
    expect(readdirSync(dir)).toEqual(['file']);
  });
});

describe('quire cluster kubeconfig', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  /** A cluster directory and a stand-in `vagrant` that prints `output` and exits with `code`. */
  async function setUp(output: string, code = 0, stderr = ''): Promise<{ dir: string; calls: string }> {
    const dir = fresh();
    expect((await runCli(['cluster', 'init'], dir)).code).toBe(0);
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const calls = join(dir, 'calls.log');
    writeFileSync(join(dir, 'admin.conf'), output);
    writeFileSync(join(dir, 'stderr.txt'), stderr);
    writeFileSync(
      join(bin, 'vagrant'),
      `#!/bin/sh\nprintf '%s|%s\\n' "$PWD" "$*" >> ${JSON.stringify(calls)}\ncat ${JSON.stringify(join(dir, 'admin.conf'))}\ncat ${JSON.stringify(join(dir, 'stderr.txt'))} >&2\nexit ${code}\n`,
    );
    chmodSync(join(bin, 'vagrant'), 0o755);
    process.env.PATH = `${bin}:${path ?? ''}`;
    return { dir, calls };
  }

  it('reads admin.conf with vagrant ssh in the cluster directory and writes it, private, pointed at the node', async () => {
    const { dir, calls } = await setUp(ADMIN_CONF);
    const result = await runCli(['cluster', 'kubeconfig'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(calls, 'utf8')).toBe(
      `${join(dir, 'cluster')}|ssh kube-control1 --no-tty -c sudo cat /etc/kubernetes/admin.conf\n`,
    );
    const file = join(dir, 'cluster', 'kubeconfig');
    expect(mode(file)).toBe(0o600);
    const kubeconfig = parse(readFileSync(file, 'utf8')) as { clusters: { cluster: { server: string } }[] };
    expect(kubeconfig.clusters[0]?.cluster.server).toBe('https://192.168.56.11:6443');
    expect(result.stdout).toContain(`export KUBECONFIG=${file}`);
  });

  it('writes where --out says', async () => {
    const { dir } = await setUp(ADMIN_CONF);
    const result = await runCli(['cluster', 'kubeconfig', '--out', 'kube/admin.conf'], dir);
    expect(result.code).toBe(0);
    expect(mode(join(dir, 'kube', 'admin.conf'))).toBe(0o600);
  });

  it('says to run up.sh when the control plane does not answer', async () => {
    const { dir } = await setUp('', 1, 'The VM is in the poweroff state.\n');
    const result = await runCli(['cluster', 'kubeconfig'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: cannot read the admin kubeconfig on kube-control1 (The VM is in the poweroff state.); is the cluster up? Run cluster/up.sh first',
    );
    expect(existsSync(join(dir, 'cluster', 'kubeconfig'))).toBe(false);
  });

  it('refuses an answer that is no kubeconfig', async () => {
    const { dir } = await setUp('cat: /etc/kubernetes/admin.conf: No such file or directory\n');
    const result = await runCli(['cluster', 'kubeconfig'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'what kube-control1 returned as its admin kubeconfig cannot be used: it has no "apiVersion:" line',
    );
    expect(existsSync(join(dir, 'cluster', 'kubeconfig'))).toBe(false);
  });

  it('needs the cluster directory', async () => {
    const dir = fresh();
    const result = await runCli(['cluster', 'kubeconfig', '--dir', 'lab'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('lab/Vagrantfile does not exist; run `quire cluster init --out lab`');
  });

  it('says when vagrant is not installed', async () => {
    const dir = fresh();
    expect((await runCli(['cluster', 'init'], dir)).code).toBe(0);
    process.env.PATH = join(dir, 'nothing-here');
    const result = await runCli(['cluster', 'kubeconfig'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: vagrant is not installed or not on PATH; install it, or pass --ssh',
    );
  });
});

describe('quire cluster', () => {
  it('lists its commands', async () => {
    const result = await runCli(['cluster', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('init [options]');
    expect(result.stdout).toContain('kubeconfig [options]');
  });
});
