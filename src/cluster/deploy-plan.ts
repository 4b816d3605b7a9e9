/**
 * The order of a deploy, as a pure function of the manifest files: each file is one step, applied
 * after the previous step is up. The database comes up before its bootstrap Job runs, and both
 * before the web tier, which needs the app user.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject, ManifestFile } from '../k8s/quire-manifests.js';
import { WAITED_KINDS } from './readiness.js';

export interface DeployStep {
  readonly title: string;
  /** Applied in order; each object of `waitFor` is waited for after everything before it is applied. */
  readonly phases: readonly DeployPhase[];
}

export interface DeployPhase {
  readonly apply: readonly KubeObject[];
  readonly waitFor: readonly KubeObject[];
}

/** API groups served only when an operator's CRDs are installed. */
export const CRD_GROUPS: Record<string, string> = {
  'monitoring.coreos.com': 'the Prometheus operator (kube-prometheus-stack)',
  'cert-manager.io': 'cert-manager',
};

/** The CRD-backed API group of an object, if any. */
export function crdGroup(object: KubernetesObject): string | undefined {
  const group = object.apiVersion?.includes('/') ? object.apiVersion.split('/')[0] : undefined;
  return group !== undefined && group in CRD_GROUPS ? group : undefined;
}

/**
 * Steps of a deploy. Within a file, Jobs run only after the other workloads are up (the bootstrap
 * Job needs the primary), so a file splits into a phase of everything else and a phase of Jobs.
 */
export function deploySteps(files: readonly ManifestFile[]): DeployStep[] {
  return files.map((file) => {
    const jobs = file.objects.filter((object) => object.kind === 'Job');
    const rest = file.objects.filter((object) => object.kind !== 'Job');
    const phases: DeployPhase[] = [
      { apply: rest, waitFor: rest.filter((object) => WAITED_KINDS.has(object.kind)) },
    ];
    if (jobs.length > 0) phases.push({ apply: jobs, waitFor: jobs });
    return { title: file.name.replace(/^\d+-/, '').replace(/\.yaml$/, ''), phases };
  });
}
