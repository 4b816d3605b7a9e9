/**
 * `quire cluster kubeconfig`'s pure parts: the command that reads admin.conf on the control plane,
 * and the rewrite of its server address. (The command itself needs a running cluster; the CLI test
 * runs it against a stand-in `vagrant`.)
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  apiServerUrl,
  KubeconfigError,
  readAdminKubeconfigCommand,
  rewriteKubeconfig,
} from '../../src/provision/kubeconfig.js';
import { ADMIN_CONF, clusterConfig } from './tools.js';

describe('apiServerUrl', () => {
  it("is the first control-plane node's host-only address", () => {
    expect(apiServerUrl(clusterConfig().cluster)).toBe('https://192.168.56.11:6443');
    expect(apiServerUrl(clusterConfig({ controlPlane: { firstAddress: '192.168.56.15' } }).cluster)).toBe(
      'https://192.168.56.15:6443',
    );
  });
});

describe('readAdminKubeconfigCommand', () => {
  const { cluster } = clusterConfig();

  it('uses vagrant ssh in the cluster directory, without a tty', () => {
    expect(readAdminKubeconfigCommand(cluster, '/work/cluster', 'vagrant')).toEqual({
      command: 'vagrant',
      args: ['ssh', 'kube-control1', '--no-tty', '-c', 'sudo cat /etc/kubernetes/admin.conf'],
      cwd: '/work/cluster',
    });
  });

  it('or ssh with the cluster key and a known_hosts of its own', () => {
    const spec = readAdminKubeconfigCommand(cluster, '/work/cluster', 'ssh');
    expect(spec.command).toBe('ssh');
    expect(spec.args).toEqual([
      '-i',
      '/work/cluster/.quire/cluster_id_rsa',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      'UserKnownHostsFile=/work/cluster/.quire/known_hosts',
      '-o',
      'ConnectTimeout=10',
      'vagrant@192.168.56.11',
      'sudo cat /etc/kubernetes/admin.conf',
    ]);
  });
});

describe('rewriteKubeconfig', () => {
  const server = 'https://192.168.56.11:6443';

  it.each([
    ['as kubeadm wrote it', ADMIN_CONF],
    ['through a tty (CRLF line ends)', ADMIN_CONF.replace(/\n/g, '\r\n')],
    [
      'after a banner printed by vagrant',
      `==> vagrant: A new version of Vagrant is available\n${ADMIN_CONF}`,
    ],
    ['pointing at the load balancer name', ADMIN_CONF.replace('127.0.0.1', 'lb-apiserver.kubernetes.local')],
  ])('sets the server, and changes nothing else: %s', (_name, text) => {
    const rewritten = rewriteKubeconfig(text, server);
    const expected = parse(ADMIN_CONF) as { clusters: { cluster: { server: string } }[] };
    const first = expected.clusters[0];
    if (!first) throw new Error('no cluster');
    first.cluster.server = server;
    expect(parse(rewritten)).toEqual(expected);
    expect(rewritten).not.toContain('\r');
    expect(
      rewritten.split('\n').find((line) => line.includes('certificate-authority-data'))?.length,
    ).toBeGreaterThan(1000); // not folded
  });

  it('sets every cluster of a kubeconfig with several', () => {
    const two = ADMIN_CONF.replace(
      'contexts:',
      '- cluster:\n    server: https://localhost:6443\n  name: other\ncontexts:',
    );
    const clusters = (
      parse(rewriteKubeconfig(two, server)) as { clusters: { cluster: { server: string } }[] }
    ).clusters;
    expect(clusters.map((entry) => entry.cluster.server)).toEqual([server, server]);
  });

  it.each([
    ['an empty answer', '', 'it has no "apiVersion:" line'],
    ['sudo asking for a password', '[sudo] password for vagrant:', 'it has no "apiVersion:" line'],
    ['another kind', 'apiVersion: v1\nkind: Pod\n', 'its kind is not Config'],
    ['no clusters', 'apiVersion: v1\nkind: Config\nclusters: []\n', 'it lists no clusters'],
    [
      'a cluster without server',
      'apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster: {}\n',
      'a cluster in it has no server address',
    ],
    ['broken YAML', 'apiVersion: v1\nkind: Config\nclusters: [\n', 'it is not valid YAML'],
  ])('refuses %s', (_name, text, message) => {
    expect(() => rewriteKubeconfig(text, server)).toThrow(KubeconfigError);
    expect(() => rewriteKubeconfig(text, server)).toThrow(message);
  });
});
