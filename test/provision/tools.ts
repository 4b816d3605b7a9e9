/**
 * The outside tools the provisioning tests run the generated files through (Debian packages that
 * .ci/run installs), and a scratch directory holding a generated cluster.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import type { QuireConfig, QuireConfigInput } from '../../src/config/schema.js';
import { clusterFiles, EXECUTABLE_FILES } from '../../src/provision/cluster-files.js';

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Debian package of each tool, for the message when one is missing. */
const PACKAGES: Record<string, string> = {
  ruby: 'ruby',
  'ansible-playbook': 'ansible-core',
  'ansible-inventory': 'ansible-core',
  yamllint: 'yamllint',
  shellcheck: 'shellcheck',
  'ssh-keygen': 'openssh-client',
};

export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(`${command} is missing: apt-get install ${PACKAGES[command] ?? command} (see .ci/run)`);
    }
    throw result.error;
  }
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A validated configuration from a `cluster:` block as a user writes it. */
export function clusterConfig(cluster: QuireConfigInput['cluster'] = {}): QuireConfig {
  return parseConfig({ cluster });
}

/** The files of `quire cluster init` for `config`, written to a new temporary directory. */
export function writeCluster(config: QuireConfig): string {
  const dir = mkdtempSync(join(tmpdir(), 'quire-provision-'));
  for (const [path, content] of Object.entries(clusterFiles(config, { directory: 'cluster' }))) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    if (EXECUTABLE_FILES.has(path)) chmodSync(file, 0o755);
  }
  return dir;
}

/** admin.conf as kubeadm (run by Kubespray) writes it, with a CA line too long to fold. */
export const ADMIN_CONF = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t'.repeat(40)}
    server: https://127.0.0.1:6443
  name: cluster.local
contexts:
- context:
    cluster: cluster.local
    user: kubernetes-admin
  name: kubernetes-admin@cluster.local
current-context: kubernetes-admin@cluster.local
kind: Config
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
`;
