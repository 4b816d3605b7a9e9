/**
 * When is an object "up"? One pure rule per kind, read from its status, so `quire deploy` waits
 * for the right thing and the rules are tested on recorded objects.
 */

export interface Readiness {
  readonly ready: boolean;
  /** What is still missing, e.g. "1/2 pods ready". */
  readonly detail: string;
  /** Set when waiting longer cannot help (a failed Job). */
  readonly failed?: string;
}

interface Observed {
  kind?: string;
  metadata?: { generation?: number };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** Kinds `quire deploy` waits for; everything else is ready once applied. */
export const WAITED_KINDS = new Set(['StatefulSet', 'Deployment', 'DaemonSet', 'Job']);

export interface ReadinessContext {
  /**
   * For a Deployment Quire leaves to an HPA (no replicas in its manifest): the HPA's minReplicas.
   * The server defaults a new Deployment to one replica, and the HPA raises it to its minimum on
   * its next sync; until then the Deployment alone looks complete.
   */
  readonly autoscalerMinReplicas?: number;
}

export function readiness(object: Observed, context: ReadinessContext = {}): Readiness {
  const spec = object.spec ?? {};
  const status = object.status ?? {};
  const observedCurrent = num(status.observedGeneration) >= num(object.metadata?.generation);
  switch (object.kind) {
    case 'StatefulSet': {
      const wanted = typeof spec.replicas === 'number' ? spec.replicas : 1;
      const ready = num(status.readyReplicas);
      const updated = num(status.updatedReplicas);
      return {
        ready: observedCurrent && ready >= wanted && updated >= wanted,
        detail: `${ready}/${wanted} pods ready`,
      };
    }
    case 'Deployment': {
      // With an HPA there is no spec.replicas: the status says how many are wanted.
      const counted = typeof spec.replicas === 'number' ? spec.replicas : Math.max(1, num(status.replicas));
      const wanted = Math.max(counted, context.autoscalerMinReplicas ?? 0);
      const available = num(status.availableReplicas);
      const updated = num(status.updatedReplicas);
      return {
        ready: observedCurrent && available >= wanted && updated >= wanted,
        detail: `${available}/${wanted} pods available`,
      };
    }
    case 'DaemonSet': {
      const wanted = num(status.desiredNumberScheduled);
      const ready = num(status.numberReady);
      return {
        ready: observedCurrent && wanted > 0 && ready >= wanted,
        detail: `${ready}/${wanted} pods ready`,
      };
    }
    case 'Job': {
      const conditions = (status.conditions ?? []) as { type?: string; status?: string; message?: string }[];
      const failed = conditions.find(
        (condition) => condition.type === 'Failed' && condition.status === 'True',
      );
      if (failed) return { ready: false, detail: 'failed', failed: failed.message ?? 'the Job failed' };
      const complete = conditions.some(
        (condition) => condition.type === 'Complete' && condition.status === 'True',
      );
      return {
        ready: complete,
        detail: complete ? 'complete' : `running (${num(status.failed)} failed attempts)`,
      };
    }
    default:
      return { ready: true, detail: 'applied' };
  }
}
