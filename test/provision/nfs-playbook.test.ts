/**
 * The NFS playbook through Ansible: its syntax, then a real run in check mode (`--check --diff`)
 * on this machine as every host of the inventory (connection local), which shows each task it
 * would run on which host and what it would change, without changing anything.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOSTS_FILE } from '../../src/provision/kubespray-inventory.js';
import { exportsLine, NFS_PLAYBOOK_FILE, NFS_TASKS } from '../../src/provision/nfs-playbook.js';
import { clusterConfig, run, writeCluster, type RunResult } from './tools.js';

/** A directory that exists nowhere, so that the check run shows it being made. */
const exportPath = `/srv/quire-check-${process.pid}-${Date.now()}`;
const config = clusterConfig({ nfs: { path: exportPath } });
let dir = '';
beforeAll(() => {
  dir = writeCluster(config);
});

function ansiblePlaybook(args: readonly string[]): RunResult {
  const scratch = mkdtempSync(join(tmpdir(), 'quire-ansible-'));
  return run('ansible-playbook', ['-i', HOSTS_FILE, NFS_PLAYBOOK_FILE, ...args], {
    cwd: dir,
    env: {
      ...process.env,
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_FORCE_COLOR: '0',
      ANSIBLE_HOME: scratch,
      ANSIBLE_LOCAL_TEMP: join(scratch, 'tmp'),
      ANSIBLE_REMOTE_TEMP: join(scratch, 'remote'),
      ANSIBLE_RETRY_FILES_ENABLED: '0',
    },
  });
}

/** Each task (and handler) in order, with the status Ansible printed for each host. */
function tasksRun(output: string): { task: string; hosts: Record<string, string> }[] {
  const tasks: { task: string; hosts: Record<string, string> }[] = [];
  for (const line of output.split('\n')) {
    const header = /^(?:TASK|RUNNING HANDLER) \[(.+?)\] \**$/.exec(line);
    if (header) {
      tasks.push({ task: header[1] ?? '', hosts: {} });
      continue;
    }
    const status = /^(ok|changed|skipping|fatal): \[([^\]]+)\]/.exec(line);
    const current = tasks[tasks.length - 1];
    if (status && current) current.hosts[status[2] ?? ''] = status[1] ?? '';
    if (line === '...ignoring' && current) {
      for (const host of Object.keys(current.hosts)) {
        if (current.hosts[host] === 'fatal') current.hosts[host] = 'ignored';
      }
    }
  }
  return tasks;
}

describe('NFS playbook', () => {
  it('passes ansible-playbook --syntax-check', () => {
    const result = ansiblePlaybook(['--syntax-check']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`playbook: ${NFS_PLAYBOOK_FILE}`);
  });

  it('writes the seed export, to the node network instead of *', () => {
    expect(exportsLine(clusterConfig().cluster)).toBe(
      '/srv/nfs-volume 192.168.56.0/24(rw,sync,no_root_squash,no_subtree_check)',
    );
    expect(
      exportsLine(
        clusterConfig({
          network: '10.20.0.0/16',
          controlPlane: { firstAddress: '10.20.0.11' },
          workers: { firstAddress: '10.20.0.21' },
          addons: { metallb: { addresses: '10.20.1.1-10.20.1.9' } },
        }).cluster,
      ),
    ).toBe('/srv/nfs-volume 10.20.0.0/16(rw,sync,no_root_squash,no_subtree_check)');
    expect(readFileSync(join(dir, NFS_PLAYBOOK_FILE), 'utf8')).toContain('  hosts: kube-control1\n');
  });

  it('plays nfs-common on every worker and the server on the first control-plane node', () => {
    const result = ansiblePlaybook(['--list-hosts', '--list-tasks']);
    expect(result.status).toBe(0);
    const plays = result.stdout.split(/\n\s+play #\d+ /).slice(1);
    const hosts = (play: string) => [...play.matchAll(/^ {6}(\S+)$/gm)].map((match) => match[1]).sort();
    const tasks = (play: string) => [...play.matchAll(/^ {6}(.+?)\tTAGS/gm)].map((match) => match[1]);
    expect(plays.map(hosts)).toEqual([['kube-node1', 'kube-node2', 'kube-node3'], ['kube-control1']]);
    expect(plays.map(tasks)).toEqual([
      [NFS_TASKS.client],
      [
        NFS_TASKS.server,
        NFS_TASKS.directory,
        NFS_TASKS.exports,
        NFS_TASKS.service,
        'Apply the exports before checking them',
        NFS_TASKS.verify,
      ],
    ]);
  });

  it('runs in check mode: nfs-common on a worker, the server and its export on the control plane', () => {
    const result = ansiblePlaybook([
      '--check',
      '--diff',
      // One worker stands for the three (same group, same play): each apt check takes seconds.
      '--limit',
      'kube-control1,kube-node1',
      // This machine plays every host: no ssh, no sudo (the tests run as root).
      '-e',
      'ansible_connection=local',
      '-e',
      'ansible_become=false',
      '-e',
      'ansible_python_interpreter=/usr/bin/python3',
    ]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(tasksRun(result.stdout)).toEqual([
      // Whether a package is already installed depends on this machine; either is fine.
      { task: NFS_TASKS.client, hosts: { 'kube-node1': expect.stringMatching(/^(changed|ok)$/) as unknown } },
      {
        task: NFS_TASKS.server,
        hosts: { 'kube-control1': expect.stringMatching(/^(changed|ok)$/) as unknown },
      },
      { task: NFS_TASKS.directory, hosts: { 'kube-control1': 'changed' } },
      { task: NFS_TASKS.exports, hosts: { 'kube-control1': 'changed' } },
      // There is no nfs-server service before the package is installed; check mode goes on.
      {
        task: NFS_TASKS.service,
        hosts: { 'kube-control1': expect.stringMatching(/^(ignored|changed|ok)$/) as unknown },
      },
      { task: 'Apply the exports before checking them', hosts: {} },
      { task: NFS_TASKS.reload, hosts: { 'kube-control1': 'skipping' } },
      { task: NFS_TASKS.verify, hosts: { 'kube-control1': 'skipping' } },
    ]);
    // The diff shows the directory and the export line it would write.
    expect(result.stdout).toContain(
      `"path": "${exportPath}",\n-    "state": "absent"\n+    "state": "directory"`,
    );
    expect(result.stdout).toContain(
      `+${exportPath} 192.168.56.0/24(rw,sync,no_root_squash,no_subtree_check)`,
    );
    expect(result.stdout).toMatch(/kube-control1\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0/);
    expect(result.stdout).toMatch(/kube-node1\s+: ok=1\s+changed=\d\s+unreachable=0\s+failed=0/);
    // Check mode changed nothing.
    expect(existsSync(exportPath)).toBe(false);
  });
});
