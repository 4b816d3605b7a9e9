/**
 * The pinned Go tools the tests check manifests with (built by tools/build-go-tools.sh and
 * tools/build-k8s-schemas.sh into the cache). A missing tool fails the test with the command to run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const QUIRE_CACHE = process.env.QUIRE_CACHE ?? join(homedir(), '.cache', 'quire');
/** The Kubernetes version the manifests are checked against (the e2e cluster's). */
export const KUBE_VERSION = '1.34.4';

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function tool(name: 'helm' | 'kubeconform' | 'kube-score' | 'promtool'): string {
  const path = join(QUIRE_CACHE, 'bin', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run tools/build-go-tools.sh`);
  return path;
}

export function run(command: string, args: readonly string[], input?: string): RunResult {
  const result = spawnSync(command, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** kubeconform in strict mode with the Kubernetes and CRD schemas; `target` is a path or `-` for stdin. */
export function kubeconform(target: string, input?: string): RunResult {
  const schemas = join(QUIRE_CACHE, 'k8s-schemas');
  if (!existsSync(schemas)) throw new Error(`${schemas} is missing: run tools/build-k8s-schemas.sh`);
  return run(
    tool('kubeconform'),
    [
      '-strict',
      '-summary',
      '-kubernetes-version',
      KUBE_VERSION,
      '-schema-location',
      schemas,
      '-schema-location',
      `${schemas}/crds{{.StrictSuffix}}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`,
      target,
    ],
    input,
  );
}
