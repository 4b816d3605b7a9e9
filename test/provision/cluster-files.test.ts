/**
 * The files of `quire cluster init`, checked by the tools that will read them: the seed's values
 * in each, the Vagrantfile run by Ruby against a stand-in of Vagrant's API, the inventory read by
 * ansible-inventory, group_vars linted and every variable name found in Kubespray v2.27.1, the
 * scripts through ShellCheck and up.sh run against a stand-in `vagrant`.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { QuireConfig } from '../../src/config/schema.js';
import { clusterFiles } from '../../src/provision/cluster-files.js';
import { upSteps } from '../../src/provision/cluster-scripts.js';
import {
  ADDONS_VARS_FILE,
  HOSTS_FILE,
  inventoryHosts,
  K8S_CLUSTER_VARS_FILE,
} from '../../src/provision/kubespray-inventory.js';
import { KUBESPRAY } from '../../src/provision/kubespray-release.js';
import { CLUSTER_KEY_FILE } from '../../src/provision/vagrantfile.js';
import { clusterConfig, run, writeCluster } from './tools.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

const seed = clusterConfig();
let seedDir = '';
beforeAll(() => {
  seedDir = writeCluster(seed);
});

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');

describe('quire cluster init files', () => {
  it('are the same for the same configuration, and list the seed parts', () => {
    const files = clusterFiles(seed, { directory: 'cluster' });
    expect(clusterFiles(clusterConfig(), { directory: 'cluster' })).toEqual(files);
    expect(Object.keys(files)).toEqual([
      'README.md',
      'Vagrantfile',
      HOSTS_FILE,
      K8S_CLUSTER_VARS_FILE,
      ADDONS_VARS_FILE,
      'playbooks/nfs.yml',
      'up.sh',
      'control-plane.sh',
      '.gitignore',
    ]);
    expect(files['.gitignore']).toBe('.vagrant/\n.quire/\nkubeconfig\n');
  });

  it('leave the NFS playbook and step out when cluster.nfs is off', () => {
    const files = clusterFiles(clusterConfig({ nfs: { enabled: false } }), { directory: 'cluster' });
    expect(files['playbooks/nfs.yml']).toBeUndefined();
    expect(files['up.sh']).not.toContain('nfs');
    expect(files['control-plane.sh']).not.toContain('step_nfs');
    expect(files['README.md']).not.toContain('nfs.yml');
  });
});

interface Call {
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  readonly blocks?: Record<string, unknown>[];
}

/** A provisioner of a VM: its type (shell, file) and options. */
interface Provision {
  readonly type: unknown;
  readonly name?: string;
  readonly inline?: string;
  readonly args?: unknown[];
  readonly [option: string]: unknown;
}

/** The Vagrantfile as Ruby runs it under the stand-in for Vagrant (test/provision/fixtures/vagrant-stub.rb). */
function loadVagrantfile(dir: string, env: NodeJS.ProcessEnv = {}, options = { reuseKey: true }) {
  // Making a 3072-bit key takes a second: other directories reuse the seed directory's.
  const seedKey = join(seedDir, CLUSTER_KEY_FILE);
  if (
    options.reuseKey &&
    dir !== seedDir &&
    existsSync(seedKey) &&
    !existsSync(join(dir, CLUSTER_KEY_FILE))
  ) {
    mkdirSync(dirname(join(dir, CLUSTER_KEY_FILE)), { recursive: true });
    for (const suffix of ['', '.pub'])
      copyFileSync(`${seedKey}${suffix}`, join(dir, `${CLUSTER_KEY_FILE}${suffix}`));
  }
  const result = run('ruby', [join(FIXTURES, 'vagrant-stub.rb'), join(dir, 'Vagrantfile')], {
    cwd: dir,
    env: { PATH: process.env.PATH, ...env },
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const output = JSON.parse(result.stdout) as {
    provider: string;
    config: { vm: { box: string; synced_folder: Call[]; define: Call[] } };
  };
  const machines = output.config.vm.define.map((call) => {
    const vm = (call.blocks?.[0] as { vm: Record<string, unknown> }).vm;
    const providers = Object.fromEntries(
      (vm.provider as Call[]).map((provider) => [
        String(provider.args[0]),
        {
          settings: provider.blocks?.[0],
          network: ((provider.blocks?.[1] as { vm: { network: Call[] } }).vm.network[0] as Call).kwargs,
        },
      ]),
    );
    const provisions = (vm.provision as Call[]).map((provision): Provision => ({
      type: provision.args[0],
      ...provision.kwargs,
    }));
    return { name: call.args[0], hostname: vm.hostname, providers, provisions };
  });
  return { ...output, machines };
}

describe('Vagrantfile', () => {
  it('is valid Ruby (ruby -c)', () => {
    const result = run('ruby', ['-c', join(seedDir, 'Vagrantfile')]);
    expect(result.stdout.trim()).toBe('Syntax OK');
  });

  it("defines the seed's VMs for VirtualBox and libvirt", () => {
    const { config, machines, provider } = loadVagrantfile(seedDir);
    expect(provider).toBe('virtualbox');
    expect(config.vm.box).toBe('nobreak-labs/ubuntu-noble');
    expect(config.vm.synced_folder).toEqual([{ args: ['.', '/vagrant'], kwargs: { disabled: true } }]);
    const expected = [
      ['kube-control1', '192.168.56.11', 3072],
      ['kube-node1', '192.168.56.21', 2560],
      ['kube-node2', '192.168.56.22', 2560],
      ['kube-node3', '192.168.56.23', 2560],
    ] as const;
    expect(machines.map((machine) => machine.name)).toEqual(expected.map(([name]) => name));
    for (const [index, [name, ip, memory]] of expected.entries()) {
      const machine = machines[index];
      expect(machine?.hostname).toBe(name);
      expect(machine?.providers.virtualbox).toEqual({
        settings: { name, cpus: 2, memory, linked_clone: false },
        network: { ip, netmask: '255.255.255.0', nic_type: 'virtio' },
      });
      expect(machine?.providers.libvirt).toEqual({
        settings: { cpus: 2, memory },
        network: { ip, libvirt__netmask: '255.255.255.0', libvirt__dhcp_enabled: false },
      });
    }
  });

  it('makes the cluster key once and authorises it on every VM; only the control plane gets the private key', () => {
    const dir = writeCluster(seed);
    const first = loadVagrantfile(dir, {}, { reuseKey: false });
    const key = join(dir, '.quire', 'cluster_id_rsa');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    // OpenSSH reads the private key and derives the public key Ruby wrote.
    const derived = run('ssh-keygen', ['-y', '-f', key]).stdout.trim();
    const publicKey = readFileSync(`${key}.pub`, 'utf8').trim();
    expect(publicKey).toBe(`${derived} quire-cluster`);
    expect(run('ssh-keygen', ['-l', '-f', `${key}.pub`]).stdout).toMatch(
      /^3072 SHA256:\S+ quire-cluster \(RSA\)/,
    );

    for (const machine of first.machines) {
      const names = machine.provisions.map((provision) => provision.name ?? provision.type);
      const authorize = machine.provisions.find((provision) => provision.name === 'authorize-cluster-key');
      expect(authorize).toMatchObject({ type: 'shell', privileged: false, args: [publicKey] });
      expect(names).toEqual(
        machine.name === 'kube-control1'
          ? ['authorize-cluster-key', 'file', 'install-cluster-key', 'kubespray-prerequisites']
          : ['authorize-cluster-key'],
      );
    }
    const control = first.machines[0]?.provisions ?? [];
    expect(control[1]).toEqual({ type: 'file', source: key, destination: '/tmp/quire_cluster_id_rsa' });
    expect(control[3]?.inline).toContain('apt-get install -y -qq python3 python3-pip python3-venv git');

    // A second load (every vagrant command loads the Vagrantfile) keeps the key.
    const again = loadVagrantfile(dir);
    expect(again.machines[1]?.provisions[0]?.args).toEqual([publicKey]);
  });

  it("authorises the key idempotently (the provisioning script, run as a VM's user would)", () => {
    const { machines } = loadVagrantfile(seedDir);
    const authorize = machines[1]?.provisions.find((provision) => provision.name === 'authorize-cluster-key');
    const home = mkdtempSync(join(tmpdir(), 'quire-home-'));
    const script = String(authorize?.inline);
    for (let round = 0; round < 2; round++) {
      const result = run('bash', ['-c', script, 'authorize', 'ssh-rsa AAAAtest quire-cluster'], {
        env: { PATH: process.env.PATH, HOME: home },
      });
      expect(result.status).toBe(0);
    }
    expect(readFileSync(join(home, '.ssh', 'authorized_keys'), 'utf8')).toBe(
      'ssh-rsa AAAAtest quire-cluster\n',
    );
    expect(statSync(join(home, '.ssh', 'authorized_keys')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.ssh')).mode & 0o777).toBe(0o700);
  });

  it('rewrites the apt mirror only when one is set, and follows the provider and sizes of the config', () => {
    const config = clusterConfig({
      provider: 'libvirt',
      aptMirror: 'http://ftp.kaist.ac.kr/ubuntu',
      controlPlane: { count: 3, cpus: 4, memoryMiB: 4096 },
      workers: { count: 2, firstAddress: '192.168.56.31' },
    });
    const { machines, provider } = loadVagrantfile(writeCluster(config));
    expect(provider).toBe('libvirt');
    expect(machines.map((machine) => [machine.name, machine.providers.libvirt?.network.ip])).toEqual([
      ['kube-control1', '192.168.56.11'],
      ['kube-control2', '192.168.56.12'],
      ['kube-control3', '192.168.56.13'],
      ['kube-node1', '192.168.56.31'],
      ['kube-node2', '192.168.56.32'],
    ]);
    expect(machines[2]?.providers.libvirt?.settings).toEqual({ cpus: 4, memory: 4096 });
    for (const machine of machines) {
      expect(machine.provisions[0]).toMatchObject({
        name: 'apt-mirror',
        args: ['http://ftp.kaist.ac.kr/ubuntu'],
      });
    }
    // Kubespray runs on the first control-plane node only.
    expect(
      machines.filter((machine) => machine.provisions.some((p) => p.name === 'install-cluster-key')),
    ).toHaveLength(1);
    // VAGRANT_DEFAULT_PROVIDER set by the user wins over the config.
    expect(loadVagrantfile(writeCluster(config), { VAGRANT_DEFAULT_PROVIDER: 'virtualbox' }).provider).toBe(
      'virtualbox',
    );
  });
});

interface InventoryList {
  readonly _meta: { hostvars: Record<string, Record<string, unknown>> };
  readonly [group: string]: { hosts?: string[]; children?: string[] } | InventoryList['_meta'];
}

function ansibleInventory(dir: string): InventoryList {
  const result = run('ansible-inventory', ['-i', join(dir, HOSTS_FILE), '--list'], {
    env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'true' },
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as InventoryList;
}

describe('Kubespray inventory', () => {
  it("holds the seed's groups and hosts, with the group_vars on every node, as ansible-inventory reads them", () => {
    const list = ansibleInventory(seedDir);
    expect(list.all).toEqual({
      children: ['ungrouped', 'kube_control_plane', 'etcd', 'kube_node', 'k8s_cluster'],
    });
    expect(list.k8s_cluster).toEqual({ children: ['kube_control_plane', 'kube_node'] });
    expect(list.kube_control_plane).toEqual({ hosts: ['kube-control1'] });
    expect(list.etcd).toEqual({ hosts: ['kube-control1'] });
    expect(list.kube_node).toEqual({ hosts: ['kube-node1', 'kube-node2', 'kube-node3'] });
    // Ansible reads group_vars/k8s_cluster/ beside hosts.yaml for every host of k8s_cluster.
    const groupVars = {
      ...(parse(read(seedDir, K8S_CLUSTER_VARS_FILE)) as object),
      ...(parse(read(seedDir, ADDONS_VARS_FILE)) as object),
    };
    const host = (address: string) => ({
      ansible_host: address,
      ip: address,
      ansible_user: 'vagrant',
      ...groupVars,
    });
    expect(list._meta.hostvars).toEqual({
      'kube-control1': { ...host('192.168.56.11'), ansible_connection: 'local' },
      'kube-node1': host('192.168.56.21'),
      'kube-node2': host('192.168.56.22'),
      'kube-node3': host('192.168.56.23'),
    });
  });

  it('puts etcd on every control-plane node, an odd number of them', () => {
    const list = ansibleInventory(writeCluster(clusterConfig({ controlPlane: { count: 3 } })));
    expect(list.etcd).toEqual({ hosts: ['kube-control1', 'kube-control2', 'kube-control3'] });
    expect(list.kube_control_plane).toEqual(list.etcd);
    expect(list._meta.hostvars['kube-control2']).toMatchObject({
      ansible_host: '192.168.56.12',
      ip: '192.168.56.12',
    });
    expect(list._meta.hostvars['kube-control2']).not.toHaveProperty('ansible_connection');
  });

  it("sets the seed's k8s-cluster.yml and addons.yml", () => {
    expect(parse(read(seedDir, K8S_CLUSTER_VARS_FILE))).toEqual({
      kube_version: 'v1.31.9',
      kube_network_plugin: 'calico',
      kube_proxy_strict_arp: true,
      kube_encrypt_secret_data: true,
      kube_encryption_algorithm: 'aesgcm',
      kube_encryption_resources: ['secrets'],
    });
    expect(parse(read(seedDir, ADDONS_VARS_FILE))).toEqual({
      helm_enabled: true,
      metrics_server_enabled: true,
      ingress_nginx_enabled: true,
      metallb_enabled: true,
      metallb_namespace: 'metallb-system',
      metallb_config: {
        address_pools: { primary: { ip_range: ['192.168.56.200-192.168.56.209'], auto_assign: true } },
        layer2: ['primary'],
      },
    });
  });

  it('leaves out what is turned off', () => {
    const dir = writeCluster(
      clusterConfig({
        kubernetes: { secretsEncryption: { enabled: false }, kubeProxyStrictArp: false },
        addons: { helm: false, metallb: { enabled: false } },
      }),
    );
    expect(parse(read(dir, K8S_CLUSTER_VARS_FILE))).toMatchObject({ kube_encrypt_secret_data: false });
    expect(read(dir, K8S_CLUSTER_VARS_FILE)).not.toContain('kube_encryption_algorithm');
    expect(parse(read(dir, ADDONS_VARS_FILE))).toEqual({
      helm_enabled: false,
      metrics_server_enabled: true,
      ingress_nginx_enabled: true,
      metallb_enabled: false,
    });
  });

  it('passes yamllint in strict mode (inventory, group_vars and the playbook)', () => {
    const result = run('yamllint', ['-s', '-f', 'parsable', 'inventory', 'playbooks'], { cwd: seedDir });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('sets only variables Kubespray v2.27.1 defines', () => {
    const fixture = readFileSync(join(FIXTURES, 'kubespray-v2.27.1-variables.txt'), 'utf8');
    expect(fixture).toContain(KUBESPRAY.commit);
    const known = new Set(fixture.split('\n').filter((line) => line !== '' && !line.startsWith('#')));
    expect(known.size).toBeGreaterThan(1500);
    const configs: QuireConfig[] = [
      seed,
      clusterConfig({
        kubernetes: { secretsEncryption: { enabled: false } },
        addons: { metallb: { enabled: false } },
      }),
    ];
    const used = new Set<string>();
    for (const config of configs) {
      const dir = writeCluster(config);
      for (const file of [K8S_CLUSTER_VARS_FILE, ADDONS_VARS_FILE]) {
        const vars = parse(read(dir, file)) as Record<string, unknown>;
        for (const name of Object.keys(vars)) used.add(name);
        const metallb = vars.metallb_config as { address_pools: Record<string, object> } | undefined;
        if (metallb) {
          for (const key of Object.keys(metallb)) used.add(`metallb_config.${key}`);
          for (const pool of Object.values(metallb.address_pools)) {
            for (const key of Object.keys(pool)) used.add(`metallb_config.address_pools.*.${key}`);
          }
        }
      }
      const hosts = inventoryHosts(config.cluster) as {
        all: { hosts: Record<string, object>; vars: object };
      };
      for (const vars of [hosts.all.vars, ...Object.values(hosts.all.hosts)]) {
        for (const name of Object.keys(vars)) if (!name.startsWith('ansible_')) used.add(name);
      }
    }
    expect([...used].filter((name) => !known.has(name))).toEqual([]);
    expect(used).toContain('ip');
    expect(used).toContain('metallb_config.address_pools.*.ip_range');
  });
});

describe('up.sh and control-plane.sh', () => {
  it('pass ShellCheck', () => {
    const result = run('shellcheck', ['-s', 'bash', '-f', 'gcc', 'up.sh', 'control-plane.sh'], {
      cwd: seedDir,
    });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
    expect(statSync(join(seedDir, 'up.sh')).mode & 0o111).not.toBe(0);
  });

  it('control-plane.sh pins Kubespray and checks every add-on the config enables', () => {
    const script = read(seedDir, 'control-plane.sh');
    expect(script).toContain(`KUBESPRAY_TAG=${KUBESPRAY.tag}`);
    expect(script).toContain(`KUBESPRAY_COMMIT=${KUBESPRAY.commit}`);
    expect(script).toContain('"$VENV/bin/ansible-playbook" -i "$INVENTORY" --become cluster.yml');
    expect(script).toContain('kubectl -n kube-system rollout status deployment/metrics-server');
    expect(script).toContain('wait_for_ingress_address 192.168.56.200');
    expect(script).toContain("sudo grep -q 'aesgcm:' /etc/kubernetes/ssl/secrets_encryption.yaml");
    expect(script).toContain('showmount -e 192.168.56.11');
    const usage = run('bash', [join(seedDir, 'control-plane.sh'), 'bogus']);
    expect(usage.status).toBe(1);
    expect(usage.stderr).toContain('usage:');
    expect(usage.stderr).toContain('kubespray|ping|cluster|nfs|kubeconfig');
  });

  /** A stand-in `vagrant` (and VBoxManage) logging each call; `down` names a VM that stays off. */
  function fakeVagrant(down = ''): { bin: string; log: string } {
    const bin = mkdtempSync(join(tmpdir(), 'quire-fake-vagrant-'));
    const log = join(bin, 'calls.log');
    writeFileSync(
      join(bin, 'vagrant'),
      `#!/usr/bin/env bash
printf '%s\\n' "$*" >> ${JSON.stringify(log)}
if [ "$1" = status ]; then
  if [ "$2" = ${JSON.stringify(down)} ]; then echo "1,$2,state,poweroff"; else echo "1,$2,state,running"; fi
fi
exit 0
`,
    );
    writeFileSync(join(bin, 'VBoxManage'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, 'vagrant'), 0o755);
    chmodSync(join(bin, 'VBoxManage'), 0o755);
    return { bin, log };
  }

  const upEnv = (bin: string) => ({ PATH: `${bin}:/usr/bin:/bin`, HOME: tmpdir() });

  it('runs the seed steps in order, each through vagrant, and prints the next steps', () => {
    const { bin, log } = fakeVagrant();
    const result = run(join(seedDir, 'up.sh'), [], { env: upEnv(bin) });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const titles = upSteps(seed.cluster).map((step) => step.title);
    expect([...result.stdout.matchAll(/^==> \[(\d)\/8\] (.*)$/gm)].map((match) => match[2])).toEqual(titles);
    const script = 'bash /home/vagrant/quire/control-plane.sh';
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'up --provider=virtualbox',
      'status kube-control1 --machine-readable',
      'status kube-node1 --machine-readable',
      'status kube-node2 --machine-readable',
      'status kube-node3 --machine-readable',
      'ssh kube-control1 -c for ip in 192.168.56.21 192.168.56.22 192.168.56.23; do ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o ConnectTimeout=10 vagrant@$ip true || exit 1; done',
      'ssh kube-control1 -c rm -rf /home/vagrant/quire && mkdir -p /home/vagrant/quire',
      'upload inventory /home/vagrant/quire/inventory kube-control1',
      'upload playbooks /home/vagrant/quire/playbooks kube-control1',
      'upload control-plane.sh /home/vagrant/quire/control-plane.sh kube-control1',
      `ssh kube-control1 -c ${script} kubespray`,
      `ssh kube-control1 -c ${script} ping`,
      `ssh kube-control1 -c ${script} cluster`,
      `ssh kube-control1 -c ${script} nfs`,
      `ssh kube-control1 -c ${script} kubeconfig`,
    ]);
    expect(result.stdout).toContain('quire cluster kubeconfig --dir cluster --out cluster/kubeconfig');
    expect(result.stdout).toContain(
      'storage: {nfs: {enabled: true, server: 192.168.56.11, path: /srv/nfs-volume}}',
    );
    expect(result.stdout).toContain('192.168.56.200 cccr-miniproject.com');
  });

  it('stops at the first failed check, saying what to do', () => {
    const { bin, log } = fakeVagrant('kube-node2');
    const result = run(join(seedDir, 'up.sh'), [], { env: upEnv(bin) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'up.sh: kube-node2 is not running after vagrant up; see: vagrant status kube-node2',
    );
    expect(readFileSync(log, 'utf8')).not.toContain('ssh');
  });

  it('stops before vagrant up when the provider is missing', () => {
    const { bin, log } = fakeVagrant();
    const noVirtualBox = mkdtempSync(join(tmpdir(), 'quire-fake-bin-'));
    mkdirSync(noVirtualBox, { recursive: true });
    writeFileSync(join(noVirtualBox, 'vagrant'), readFileSync(join(bin, 'vagrant')));
    chmodSync(join(noVirtualBox, 'vagrant'), 0o755);
    const result = run(join(seedDir, 'up.sh'), [], { env: upEnv(noVirtualBox) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('VirtualBox is not installed (no VBoxManage)');
    expect(existsSync(log)).toBe(false);
  });
});

describe('README.md', () => {
  it('gives the run order: vagrant up, Kubespray at the pinned release in a venv, cluster.yml, the kubeconfig', () => {
    const readme = read(seedDir, 'README.md');
    const order = [
      './up.sh',
      'vagrant up',
      `git clone --depth 1 --branch ${KUBESPRAY.tag} ${KUBESPRAY.repository} ~/kubespray`,
      'python3 -m venv ~/kubespray-venv',
      '~/kubespray-venv/bin/pip install -r ~/kubespray/requirements.txt',
      '~/kubespray-venv/bin/ansible all -i inventory/quire/hosts.yaml -m ping',
      '~/kubespray-venv/bin/ansible-playbook -i inventory/quire/hosts.yaml --become cluster.yml',
      '~/kubespray-venv/bin/ansible-playbook -i inventory/quire/hosts.yaml ~/quire/playbooks/nfs.yml',
      'sudo cp /etc/kubernetes/admin.conf ~/.kube/config',
      'quire cluster kubeconfig --dir cluster',
    ];
    const positions = order.map((text) => readme.indexOf(text));
    expect(positions.filter((position) => position < 0)).toEqual([]);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const [index, step] of upSteps(seed.cluster).entries()) {
      expect(readme).toContain(`${index + 1}. ${step.title}`);
    }
    expect(readme).toContain('| kube-node3 | worker | 192.168.56.23 | 2 | 2560 MiB |');
  });
});
