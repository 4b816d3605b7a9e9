import type { k8s } from 'cdk8s-plus-33';

/** Prefer one pod per node, so that losing a node loses at most one copy of the data. */
export function preferSpreadOverNodes(labels: Record<string, string>): k8s.Affinity {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } },
        },
      ],
    },
  };
}
