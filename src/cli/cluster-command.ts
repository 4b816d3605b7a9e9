/**
 * `quire cluster`: the seed's VM cluster (SPEC S1) generated from quire.yaml's `cluster:` block
 * (`init`), and its admin kubeconfig fetched for use from the host (`kubeconfig`).
 */
import { spawn } from 'node:child_process';
import { access, chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { EXIT_FAILURE, UserError } from '../config/errors.js';
import type { ClusterConfig, QuireConfig } from '../config/schema.js';
import { clusterFiles, EXECUTABLE_FILES } from '../provision/cluster-files.js';
import { clusterNodes, firstControlPlane } from '../provision/cluster-nodes.js';
import { formatNextSteps, nextSteps, UP_SCRIPT_FILE } from '../provision/cluster-scripts.js';
import {
  apiServerUrl,
  KubeconfigError,
  readAdminKubeconfigCommand,
  rewriteKubeconfig,
  type CommandSpec,
} from '../provision/kubeconfig.js';
import { KUBESPRAY } from '../provision/kubespray-release.js';
import { writeClusterDirectory } from '../provision/output-directory.js';
import { formatTable } from '../util/table.js';
import { readConfig, withConfigOption, type ConfigOptions } from './config-option.js';

/** Where `init` writes and `kubeconfig` looks, unless told otherwise. */
export const DEFAULT_CLUSTER_DIR = 'cluster';
/** How long reading admin.conf from the control plane may take. */
const FETCH_TIMEOUT_MS = 120_000;

interface InitOptions extends ConfigOptions {
  readonly out: string;
  readonly force?: boolean;
}

interface KubeconfigOptions extends ConfigOptions {
  readonly dir: string;
  readonly out?: string;
  readonly ssh?: boolean;
}

function initCommand(): Command {
  return withConfigOption(new Command('init'))
    .description(
      'write the Vagrantfile, Kubespray inventory, NFS playbook, README.md and up.sh of the cluster',
    )
    .option('-o, --out <dir>', 'directory to write', DEFAULT_CLUSTER_DIR)
    .option(
      '-f, --force',
      'regenerate the files of an existing directory (its .vagrant/ and .quire/ are kept)',
    )
    .addHelpText(
      'after',
      `
The cluster is the seed's unless quire.yaml's cluster: block says otherwise: kube-control1 and
kube-node1..3 on 192.168.56.0/24, Kubernetes by Kubespray ${KUBESPRAY.tag}, MetalLB, ingress-nginx,
metrics-server, Helm and an NFS server on the control plane. Then run <dir>/up.sh.

Examples:
  $ quire cluster init
  $ quire cluster init --out lab --config lab.yaml
  $ quire cluster init --force && cluster/up.sh`,
    )
    .action(async (options: InitOptions) => {
      const config = await readConfig(options);
      const files = clusterFiles(config, { directory: options.out });
      await writeClusterDirectory(options.out, files, {
        force: options.force ?? false,
        executables: EXECUTABLE_FILES,
      });
      const rows = clusterNodes(config.cluster).map((node) => [
        node.name,
        node.role,
        node.address,
        String(node.cpus),
        `${node.memoryMiB} MiB`,
      ]);
      const lines = [
        formatTable(['node', 'role', 'address', 'cpus', 'memory'], rows),
        '',
        `wrote ${Object.keys(files).length} files to ${options.out}; build the cluster with:`,
        `  ${join(options.out, UP_SCRIPT_FILE)}`,
        '',
        ...nfsHint(config.cluster, config.storage.nfs),
        ...formatNextSteps(nextSteps(config, { directory: options.out })),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/** A warning when storage.nfs does not point at the NFS server this cluster makes. */
function nfsHint(cluster: ClusterConfig, storage: QuireConfig['storage']['nfs']): string[] {
  if (!cluster.nfs.enabled || !storage.enabled) return [];
  const server = firstControlPlane(cluster).address;
  if (storage.server === server && storage.path === cluster.nfs.path) return [];
  return [
    `note: storage.nfs points at ${storage.server}:${storage.path}, but this cluster's NFS server is ${server}:${cluster.nfs.path}`,
    '',
  ];
}

function run(spec: CommandSpec): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: FETCH_TIMEOUT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({ code, stdout, stderr });
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function kubeconfigCommand(): Command {
  return withConfigOption(new Command('kubeconfig'))
    .description(
      "fetch the cluster's admin kubeconfig from the control plane, pointed at its host-only address",
    )
    .option(
      '-d, --dir <dir>',
      'the directory `quire cluster init` wrote (with the Vagrantfile)',
      DEFAULT_CLUSTER_DIR,
    )
    .option('-o, --out <file>', 'file to write, mode 0600 (default: <dir>/kubeconfig)')
    .option('--ssh', 'use ssh with the cluster key instead of `vagrant ssh`')
    .addHelpText(
      'after',
      `
Run it after <dir>/up.sh. It reads /etc/kubernetes/admin.conf on the first control-plane node
and sets its server to https://<that node's address>:6443, which the API server's certificate
names.

Examples:
  $ quire cluster kubeconfig
  $ quire cluster kubeconfig --out ~/.kube/quire.conf && KUBECONFIG=~/.kube/quire.conf kubectl get nodes
  $ quire cluster kubeconfig --ssh`,
    )
    .action(async (options: KubeconfigOptions) => {
      const config = await readConfig(options);
      const { cluster } = config;
      const transport = options.ssh ? 'ssh' : 'vagrant';
      const spec = readAdminKubeconfigCommand(cluster, resolve(options.dir), transport);
      const control = firstControlPlane(cluster).name;
      const needed = transport === 'vagrant' ? 'Vagrantfile' : join('.quire', 'cluster_id_rsa');
      if (!(await exists(join(options.dir, needed)))) {
        throw new UserError(
          'CLUSTER_UNREACHABLE',
          `${join(options.dir, needed)} does not exist; run \`quire cluster init --out ${options.dir}\` and ${join(options.dir, UP_SCRIPT_FILE)} first, or pass --dir`,
        );
      }
      let result: Awaited<ReturnType<typeof run>>;
      try {
        result = await run(spec);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new UserError(
          'CLUSTER_UNREACHABLE',
          code === 'ENOENT'
            ? `${spec.command} is not installed or not on PATH; install it${transport === 'vagrant' ? ', or pass --ssh' : ''}`
            : `cannot run ${spec.command} (${code ?? String(error)})`,
          EXIT_FAILURE,
        );
      }
      if (result.code !== 0) {
        const why =
          result.stderr.trim().split('\n').slice(-3).join(' ') || `exit code ${String(result.code)}`;
        throw new UserError(
          'CLUSTER_UNREACHABLE',
          `cannot read the admin kubeconfig on ${control} (${why}); is the cluster up? Run ${join(options.dir, UP_SCRIPT_FILE)} first`,
          EXIT_FAILURE,
        );
      }
      let text: string;
      try {
        text = rewriteKubeconfig(result.stdout, apiServerUrl(cluster));
      } catch (error) {
        if (!(error instanceof KubeconfigError)) throw error;
        throw new UserError(
          'CLUSTER_REFUSED',
          `what ${control} returned as its admin kubeconfig cannot be used: ${error.message}; did Kubespray's cluster.yml finish?`,
          EXIT_FAILURE,
        );
      }
      const out = options.out ?? join(options.dir, 'kubeconfig');
      await writePrivateFile(out, text);
      process.stdout.write(
        `wrote ${out} (server ${apiServerUrl(cluster)})\n  export KUBECONFIG=${resolve(out)}\n  kubectl get nodes\n`,
      );
    });
}

/** Write `text` to `file` with mode 0600, through a temporary file renamed into place. */
async function writePrivateFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    await mkdir(dirname(resolve(file)), { recursive: true });
    await writeFile(temporary, text, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UserError(
      'OUTPUT_UNWRITABLE',
      `cannot write ${file} (${code}); choose another file with --out`,
      1,
    );
  }
}

export function clusterCommand(): Command {
  const command = new Command('cluster')
    .description("generate the seed's VM cluster (Vagrant + Kubespray) and fetch its kubeconfig")
    .addHelpText(
      'after',
      `
Examples:
  $ quire cluster init && cluster/up.sh
  $ quire cluster kubeconfig`,
    );
  for (const sub of [initCommand(), kubeconfigCommand()]) {
    command.addCommand(sub.exitOverride().showHelpAfterError('(run with --help for usage)'));
  }
  return command;
}
