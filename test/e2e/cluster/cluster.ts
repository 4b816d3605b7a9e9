/**
 * The single-node Kubernetes v1.34 test cluster for end-to-end tests (see ./README.md).
 *
 * `ensureCluster()` starts it with `up.sh` unless it already runs (idempotent, and safe to call
 * from several test files at once: the scripts take a lock) and returns how to reach it;
 * `stopCluster()` runs `down.sh`. A start with everything cached takes about two minutes, a cold
 * one (Go builds) up to ~35 minutes: give the calling hook a timeout to match, e.g.
 * `beforeAll(async () => { cluster = await ensureCluster(); }, 40 * 60_000)`.
 * Needs root (containerd, kubelet, iptables), like CI and the dev machines here.
 */
import { execFile, spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface Cluster {
  /** Admin kubeconfig ($QUIRE_CACHE/cluster/kubeconfig). */
  kubeconfig: string;
  /** Loopback port of the Ingress controller's https entry point (127.0.0.1 only). */
  ingressHttpsPort: number;
  /** Loopback port of the http entry point; every request there is redirected to https. */
  ingressHttpPort: number;
  /** IngressClass served by the controller (Traefik); also the cluster's default class. */
  ingressClass: string;
  /** Namespace the Ingress controller's pods run in (for NetworkPolicies that admit it). */
  ingressNamespace: string;
  /** Default StorageClass (RWO, one directory per claim; deleting the claim deletes the data). */
  storageClass: string;
  /** Pinned kubectl matching the cluster (v1.34). */
  kubectl: string;
  /** Image with a shell, curl, nc, ip, ping and busybox (httpd, nslookup), imported into the cluster. */
  toolboxImage: string;
}

export interface ClusterScriptOptions {
  /** Receives the script's output line by line; default: written to stderr. */
  log?: (line: string) => void;
}

const clusterDir = dirname(fileURLToPath(import.meta.url));

/** Root of Quire's build cache, as in the shell scripts. */
export function quireCache(): string {
  return process.env.QUIRE_CACHE ?? join(homedir(), '.cache', 'quire');
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${raw} is not a port`);
  return port;
}

/** Where the cluster is (or will be) reachable; the same values as lib.sh. Does not start it. */
export function clusterInfo(): Cluster {
  const cache = quireCache();
  return {
    kubeconfig: join(cache, 'cluster', 'kubeconfig'),
    ingressHttpsPort: portFromEnv('QUIRE_INGRESS_HTTPS_PORT', 30443),
    ingressHttpPort: portFromEnv('QUIRE_INGRESS_HTTP_PORT', 30080),
    ingressClass: 'traefik',
    ingressNamespace: 'traefik',
    storageClass: 'quire-local',
    kubectl: join(cache, 'k8s', 'bin', 'kubectl'),
    toolboxImage: 'quire.local/toolbox:1',
  };
}

function runScript(script: string, options: ClusterScriptOptions): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(clusterDir, script)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    const tail: string[] = [];
    const forward = (chunk: Buffer, state: { rest: string }): void => {
      const lines = (state.rest + chunk.toString('utf8')).split('\n');
      state.rest = lines.pop() ?? '';
      for (const line of lines) {
        log(line);
        tail.push(line);
        if (tail.length > 40) tail.shift();
      }
    };
    const out = { rest: '' };
    const err = { rest: '' };
    child.stdout.on('data', (c: Buffer) => {
      forward(c, out);
    });
    child.stderr.on('data', (c: Buffer) => {
      forward(c, err);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const rest of [out.rest, err.rest]) if (rest !== '') log(rest);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${script} failed (${signal ?? `exit ${String(code)}`}); last output:\n${tail.join('\n')}`,
          ),
        );
    });
  });
}

let inFlight: Promise<Cluster> | undefined;

/**
 * Starts the cluster if it does not run yet (building and importing whatever is missing) and
 * returns how to reach it. When it runs already this takes about a second, and still imports image
 * tars written to $QUIRE_CACHE/images since (unchanged ones are skipped). Idempotent; concurrent
 * calls share one run of up.sh.
 */
export function ensureCluster(options: ClusterScriptOptions = {}): Promise<Cluster> {
  inFlight ??= runScript('up.sh', options)
    .then(() => clusterInfo())
    .finally(() => {
      inFlight = undefined;
    });
  return inFlight;
}

/** Stops the cluster and removes its pods and state; keeps binaries, images and PKI. */
export async function stopCluster(options: ClusterScriptOptions = {}): Promise<void> {
  await runScript('down.sh', options);
}

const execFileAsync = promisify(execFile);

/** Runs the pinned kubectl against the cluster and returns its stdout. */
export async function kubectl(args: readonly string[], input?: string): Promise<string> {
  const info = clusterInfo();
  if (input === undefined) {
    const { stdout } = await execFileAsync(info.kubectl, ['--kubeconfig', info.kubeconfig, ...args], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(info.kubectl, ['--kubeconfig', info.kubeconfig, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`kubectl ${args.join(' ')} failed (exit ${String(code)}): ${stderr}`));
    });
    child.stdin.end(input);
  });
}

/**
 * The host PID of a running container of a pod (through the cluster's containerd), for faults a
 * test injects from the node itself: a signal, or a rule in the pod's network namespace.
 */
export async function containerPid(namespace: string, pod: string, container: string): Promise<number> {
  const cache = quireCache();
  const crictl = join(cache, 'k8s', 'bin', 'crictl');
  const config = ['--config', join(cache, 'cluster', 'etc', 'crictl.yaml')];
  const { stdout: ids } = await execFileAsync(crictl, [
    ...config,
    'ps',
    '--quiet',
    '--state',
    'running',
    '--name',
    `^${container}$`,
    '--label',
    `io.kubernetes.pod.name=${pod}`,
    '--label',
    `io.kubernetes.pod.namespace=${namespace}`,
  ]);
  const id = ids.trim().split('\n')[0];
  if (id === undefined || id === '')
    throw new Error(`no running container ${container} in pod ${namespace}/${pod}`);
  const { stdout: pid } = await execFileAsync(crictl, [
    ...config,
    'inspect',
    '--output',
    'go-template',
    '--template',
    '{{.info.pid}}',
    id,
  ]);
  const value = Number(pid.trim());
  if (!Number.isInteger(value) || value <= 1) throw new Error(`crictl inspect ${id} gave no PID: ${pid}`);
  return value;
}
