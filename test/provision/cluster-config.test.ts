/**
 * The `cluster:` block: its defaults are the seed's (SPEC S1), and every invalid value stops
 * `quire cluster init` with exit code 2, a message naming the field, the problem and the fix,
 * and nothing written.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { defaultConfig } from '../../src/config/schema.js';
import { runCli } from '../support/cli.js';

describe('cluster defaults', () => {
  it("are the seed's cluster", () => {
    expect(defaultConfig().cluster).toEqual({
      provider: 'virtualbox',
      box: 'nobreak-labs/ubuntu-noble',
      namePrefix: 'kube',
      network: '192.168.56.0/24',
      aptMirror: null,
      controlPlane: { count: 1, cpus: 2, memoryMiB: 3072, firstAddress: '192.168.56.11' },
      workers: { count: 3, cpus: 2, memoryMiB: 2560, firstAddress: '192.168.56.21' },
      kubernetes: {
        version: 'v1.31.9',
        networkPlugin: 'calico',
        kubeProxyStrictArp: true,
        secretsEncryption: { enabled: true, algorithm: 'aesgcm' },
      },
      addons: {
        helm: true,
        metricsServer: true,
        ingressNginx: true,
        metallb: { enabled: true, addresses: '192.168.56.200-192.168.56.209' },
      },
      nfs: {
        enabled: true,
        path: '/srv/nfs-volume',
        exportOptions: 'rw,sync,no_root_squash,no_subtree_check',
      },
    });
  });

  it.each([
    ['three control-plane nodes (etcd of 3)', { controlPlane: { count: 3 } }],
    [
      'strict ARP off without MetalLB',
      { addons: { metallb: { enabled: false } }, kubernetes: { kubeProxyStrictArp: false } },
    ],
    ['the oldest version the release knows', { kubernetes: { version: 'v1.29.0' } }],
    [
      'a /16 network with the pool elsewhere in it',
      {
        network: '10.20.0.0/16',
        controlPlane: { firstAddress: '10.20.1.11' },
        workers: { firstAddress: '10.20.1.21' },
        addons: { metallb: { addresses: '10.20.2.1-10.20.2.50' } },
      },
    ],
    [
      'the smallest memory Kubespray accepts',
      { controlPlane: { memoryMiB: 1756 }, workers: { memoryMiB: 1280 } },
    ],
  ])('accepts %s', (_name, cluster) => {
    expect(() => parseConfig({ cluster })).not.toThrow();
  });
});

/** YAML of a `cluster:` block → the lines the error must contain. */
const BAD: Record<string, { readonly cluster: string; readonly expected: readonly string[] }> = {
  'malformed node address': {
    cluster: '{controlPlane: {firstAddress: 192.168.56.300}}',
    expected: [
      'cluster.controlPlane.firstAddress: must be an IPv4 address such as "192.168.56.11" (got "192.168.56.300")',
    ],
  },
  'network without a prefix': {
    cluster: '{network: 192.168.56.0}',
    expected: ['cluster.network: must be an IPv4 network in CIDR form such as "192.168.56.0/24"'],
  },
  'network address with host bits': {
    cluster: '{network: 192.168.56.5/24}',
    expected: ['cluster.network: 192.168.56.5/24 is not the start of a network', 'write 192.168.56.0/24'],
  },
  'network too small': {
    cluster: '{network: 192.168.56.0/30}',
    expected: ['cluster.network: a /30 network is not usable for the VMs; use a prefix from /8 to /29'],
  },
  'workers on the control plane address': {
    cluster: '{workers: {firstAddress: 192.168.56.11}}',
    expected: [
      "cluster.workers.firstAddress: the workers' addresses 192.168.56.11-192.168.56.13 overlap the control plane's 192.168.56.11",
      'start the workers at 192.168.56.12 or later',
    ],
  },
  'control plane grown into the workers': {
    cluster: '{controlPlane: {count: 3, firstAddress: 192.168.56.20}}',
    expected: [
      "cluster.workers.firstAddress: the workers' addresses 192.168.56.21-192.168.56.23 overlap the control plane's 192.168.56.20-192.168.56.22",
    ],
  },
  'node outside the network': {
    cluster: '{workers: {firstAddress: 192.168.57.21}}',
    expected: ['cluster.workers.firstAddress: 192.168.57.21 is outside the node network 192.168.56.0/24'],
  },
  "a node on the host's address": {
    cluster: '{controlPlane: {firstAddress: 192.168.56.1}}',
    expected: [
      "cluster.controlPlane.firstAddress: 192.168.56.1 is the host's own address on the host-only network",
    ],
  },
  'nodes past the end of the network': {
    cluster: '{workers: {firstAddress: 192.168.56.253}}',
    expected: [
      'cluster.workers.firstAddress: 3 worker VMs from 192.168.56.253 need addresses up to 192.168.56.255, past 192.168.56.254',
    ],
  },
  'MetalLB pool over the workers': {
    cluster: '{addons: {metallb: {addresses: 192.168.56.20-192.168.56.30}}}',
    expected: [
      'cluster.addons.metallb.addresses: the pool 192.168.56.20-192.168.56.30 includes worker VM addresses (192.168.56.21-192.168.56.23)',
    ],
  },
  'MetalLB pool outside the subnet': {
    cluster: '{addons: {metallb: {addresses: 10.0.0.1-10.0.0.9}}}',
    expected: [
      'cluster.addons.metallb.addresses: the pool 10.0.0.1-10.0.0.9 is not inside the node network 192.168.56.0/24',
    ],
  },
  'MetalLB pool reversed': {
    cluster: '{addons: {metallb: {addresses: 192.168.56.209-192.168.56.200}}}',
    expected: [
      'cluster.addons.metallb.addresses: the pool 192.168.56.209-192.168.56.200 ends before it starts',
    ],
  },
  'MetalLB pool over the broadcast address': {
    cluster: '{addons: {metallb: {addresses: 192.168.56.250-192.168.56.255}}}',
    expected: [
      'cluster.addons.metallb.addresses: the pool 192.168.56.250-192.168.56.255 includes 192.168.56.255, the broadcast address',
    ],
  },
  'MetalLB pool as a CIDR': {
    cluster: '{addons: {metallb: {addresses: 192.168.56.200/29}}}',
    expected: ['cluster.addons.metallb.addresses: must be a range of IPv4 addresses "first-last"'],
  },
  'no control plane': {
    cluster: '{controlPlane: {count: 0}}',
    expected: ['cluster.controlPlane.count: a cluster needs at least one control-plane VM'],
  },
  'even etcd count': {
    cluster: '{controlPlane: {count: 2}}',
    expected: [
      'cluster.controlPlane.count: etcd runs on the control-plane VMs and needs an odd number of members for a quorum',
      'use 1 or 3, not 2',
    ],
  },
  'control plane with one CPU': {
    cluster: '{controlPlane: {cpus: 1}}',
    expected: ['cluster.controlPlane.cpus: kubeadm needs at least 2 CPUs on a control-plane node'],
  },
  'control plane memory below Kubespray minimum': {
    cluster: '{controlPlane: {memoryMiB: 1536}}',
    expected: [
      'cluster.controlPlane.memoryMiB: 1536 MiB is too little for a control-plane node: Kubespray v2.27.1 stops when the VM reports less than 1500 MB (minimal_master_memory_mb)',
      'give at least 1756',
    ],
  },
  'worker memory below Kubespray minimum': {
    cluster: '{workers: {memoryMiB: 1024}}',
    expected: [
      'cluster.workers.memoryMiB: 1024 MiB is too little for a worker node',
      'minimal_node_memory_mb',
      'give at least 1280',
    ],
  },
  'no workers': {
    cluster: '{workers: {count: 0}}',
    expected: ['cluster.workers.count: must be at least 1 (got 0) (example: 3)'],
  },
  'Kubernetes version the release does not know': {
    cluster: '{kubernetes: {version: v1.32.0}}',
    expected: [
      'cluster.kubernetes.version: v1.32.0 is not a Kubernetes version Kubespray v2.27.1 (release-2.27) can install; it has checksums for v1.29.0–v1.29.15, v1.30.0–v1.30.13, v1.31.0–v1.31.9',
    ],
  },
  'Kubernetes version without its v': {
    cluster: '{kubernetes: {version: 1.31.9}}',
    expected: [
      'cluster.kubernetes.version: write the version as Kubespray v2.27.1 does, with a leading "v": v1.31.9',
    ],
  },
  'MetalLB without strict ARP': {
    cluster: '{kubernetes: {kubeProxyStrictArp: false}}',
    expected: ['cluster.kubernetes.kubeProxyStrictArp: MetalLB is enabled but strict ARP is off'],
  },
  'unknown provider': {
    cluster: '{provider: hyperv}',
    expected: ['cluster.provider: must be one of "virtualbox", "libvirt" (got "hyperv")'],
  },
  'flannel (needs the VM interface set)': {
    cluster: '{kubernetes: {networkPlugin: flannel}}',
    expected: [
      'cluster.kubernetes.networkPlugin: must be one of "calico", "cilium", "kube-router" (got "flannel")',
    ],
  },
  'unknown encryption cipher': {
    cluster: '{kubernetes: {secretsEncryption: {algorithm: aes256}}}',
    expected: [
      'cluster.kubernetes.secretsEncryption.algorithm: must be one of "aesgcm", "aescbc", "secretbox"',
    ],
  },
  'box name with spaces': {
    cluster: '{box: "ubuntu noble"}',
    expected: ['cluster.box: must be a Vagrant box name such as "nobreak-labs/ubuntu-noble"'],
  },
  'apt mirror that is no URL': {
    cluster: '{aptMirror: ftp.kaist.ac.kr}',
    expected: ['cluster.aptMirror: must be an http(s) URL such as "http://ftp.kaist.ac.kr/ubuntu"'],
  },
  'relative NFS export': {
    cluster: '{nfs: {path: srv/nfs-volume}}',
    expected: ['cluster.nfs.path: must be an absolute path'],
  },
  'misspelt key': {
    cluster: '{worker: {count: 3}}',
    expected: ['cluster.worker: unknown key; remove it or use one of: provider, box, namePrefix, network'],
  },
};

describe('quire cluster init with a bad cluster block', () => {
  it.each(Object.entries(BAD))('%s', async (_name, { cluster, expected }) => {
    const dir = mkdtempSync(join(tmpdir(), 'quire-cluster-bad-'));
    writeFileSync(join(dir, 'quire.yaml'), `cluster: ${cluster}\n`);
    const result = await runCli(['cluster', 'init', '--out', 'out'], dir);
    expect(result.code).toBe(2);
    for (const line of expected) expect(result.stderr).toContain(line);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
