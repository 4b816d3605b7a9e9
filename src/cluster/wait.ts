/**
 * Waiting for objects to come up, with what is still missing reported as it changes, and a
 * timeout that says which pods are stuck and why.
 */
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { UserError } from '../config/errors.js';
import type { ClusterConnection } from './connection.js';
import { objectLabel } from './connection.js';
import { readObject } from './apply.js';
import { readiness, type ReadinessContext } from './readiness.js';

const POLL_MS = 2000;

export async function waitReady(
  connection: ClusterConnection,
  object: KubernetesObject,
  timeoutMs: number,
  report: (detail: string) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let detail = 'not created yet';
  for (;;) {
    const live = await readObject(connection, object);
    if (live) {
      const state = readiness(live, await readinessContext(connection, object));
      detail = state.detail;
      report(`${objectLabel(object)}: ${detail}`);
      if (state.failed)
        throw new UserError('DEPLOY_TIMEOUT', `${objectLabel(object)} failed: ${state.failed}`, 1);
      if (state.ready) return;
    }
    if (Date.now() > deadline) {
      const pods = await stuckPods(connection, live ?? object);
      throw new UserError(
        'DEPLOY_TIMEOUT',
        [
          `${objectLabel(object)} was not ready after ${Math.round(timeoutMs / 1000)}s (${detail}).`,
          ...pods,
        ].join('\n'),
        1,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * The minimum of the HPA that scales a Deployment whose manifest (`wanted`, not the live object,
 * where the server fills in a count) leaves the replica count open.
 */
async function readinessContext(
  connection: ClusterConnection,
  wanted: KubernetesObject,
): Promise<ReadinessContext> {
  const namespace = wanted.metadata?.namespace;
  const fixed = (wanted as { spec?: { replicas?: number } }).spec?.replicas !== undefined;
  if (wanted.kind !== 'Deployment' || fixed || namespace === undefined) return {};
  const autoscalers = await connection.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace });
  const autoscaler = autoscalers.items.find(
    (hpa) =>
      hpa.spec?.scaleTargetRef.kind === 'Deployment' &&
      hpa.spec.scaleTargetRef.name === wanted.metadata?.name,
  );
  return autoscaler?.spec?.minReplicas === undefined
    ? {}
    : { autoscalerMinReplicas: autoscaler.spec.minReplicas };
}

/** One line per pod of the workload that is not ready: its phase and the reason of its containers. */
async function stuckPods(connection: ClusterConnection, object: KubernetesObject): Promise<string[]> {
  const selector = (object as { spec?: { selector?: { matchLabels?: Record<string, string> } } }).spec
    ?.selector?.matchLabels;
  const namespace = object.metadata?.namespace;
  if (!selector || !namespace) return [];
  const labelSelector = Object.entries(selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const pods = await connection.core.listNamespacedPod({ namespace, labelSelector });
  return pods.items.flatMap((pod) => {
    const line = podProblem(pod);
    return line ? [`  pod ${pod.metadata?.name ?? '?'}: ${line}`] : [];
  });
}

/** Why a pod is not ready, in one line; undefined when it is. */
export function podProblem(pod: V1Pod): string | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const waiting = statuses.find((status) => status.state?.waiting);
  if (waiting?.state?.waiting) {
    const { reason, message } = waiting.state.waiting;
    return `container ${waiting.name} ${reason ?? 'waiting'}${message ? `: ${message}` : ''}`;
  }
  const terminated = statuses.find((status) => status.lastState?.terminated && !status.ready);
  if (terminated?.lastState?.terminated) {
    const { reason, exitCode } = terminated.lastState.terminated;
    return `container ${terminated.name} last exited ${reason ?? ''} (code ${exitCode})`;
  }
  const unscheduled = pod.status?.conditions?.find(
    (condition) => condition.type === 'PodScheduled' && condition.status !== 'True',
  );
  if (unscheduled) return `not scheduled: ${unscheduled.message ?? unscheduled.reason ?? 'pending'}`;
  const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready');
  if (ready?.status !== 'True') return `${pod.status?.phase ?? 'Unknown'}, not ready`;
  return undefined;
}
