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

/** Requests and limits from the configuration's `resources` block. */
export function resourceRequirements(resources: {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(resources.requests.cpu),
      memory: k8s.Quantity.fromString(resources.requests.memory),
    },
    limits: {
      cpu: k8s.Quantity.fromString(resources.limits.cpu),
      memory: k8s.Quantity.fromString(resources.limits.memory),
    },
  };
}
