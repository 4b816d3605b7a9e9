/**
 * Security defaults every Quire workload gets: non-root, no privilege escalation, no Linux
 * capabilities, the runtime's default seccomp profile, and a read-only root filesystem where the
 * image allows it.
 */
import { k8s } from 'cdk8s-plus-33';

/** The uid/gid of the `mysql` user in the official MariaDB image (and Debian's package). */
export const MARIADB_UID = 999;

export function podSecurityContext(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function containerSecurityContext(options: { readOnlyRootFilesystem: boolean }): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: options.readOnlyRootFilesystem,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Scratch space (logs, emptyDir /tmp) a container may use before the kubelet evicts its pod. */
export interface EphemeralStorage {
  readonly request: string;
  readonly limit: string;
}

const DEFAULT_EPHEMERAL: EphemeralStorage = { request: '64Mi', limit: '1Gi' };

/**
 * Requests and limits from a configuration `resources` block, plus ephemeral storage, so that a
 * runaway log or temp file evicts one pod instead of filling the node's disk.
 */
export function resourceRequirements(
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } },
  ephemeral: EphemeralStorage = DEFAULT_EPHEMERAL,
): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(resources.requests.cpu),
      memory: k8s.Quantity.fromString(resources.requests.memory),
      'ephemeral-storage': k8s.Quantity.fromString(ephemeral.request),
    },
    limits: {
      cpu: k8s.Quantity.fromString(resources.limits.cpu),
      memory: k8s.Quantity.fromString(resources.limits.memory),
      'ephemeral-storage': k8s.Quantity.fromString(ephemeral.limit),
    },
  };
}
