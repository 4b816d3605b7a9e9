/**
 * OOMKilled containers and pods that are never created, caused by a LimitRange or ResourceQuota in
 * the namespace (SPEC S12c): the limit that applied, the object that set it, and what Quire asked for.
 */
import { finding, type Evidence, type Finding } from '../finding.js';
import { objectName, type ClusterSnapshot, type LimitRangeFacts, type PodFacts } from '../snapshot.js';

/** An OOM kill older than this has been survived; it is history, not a problem now. */
const RECENT_MS = 60 * 60_000;

/** What Quire's configuration asked for the workload that owns `name` (a pod, ReplicaSet or StatefulSet). */
function quireAsk(snapshot: ClusterSnapshot, name: string): string | null {
  const ask = snapshot.quire.resources.find(
    (entry) => name === entry.workload || name.startsWith(`${entry.workload}-`),
  );
  if (!ask) return null;
  return `Quire asks for ${ask.workload}: requests ${ask.requests.memory ?? '?'} memory, limit ${ask.limits.memory ?? '?'} memory`;
}

const memoryDefaults = (ranges: readonly LimitRangeFacts[]) =>
  ranges.flatMap((range) =>
    range.limits
      .filter((limit) => limit.default.memory !== undefined)
      .map((limit) => ({ range: range.name, memory: limit.default.memory ?? '' })),
  );

function oomFindings(snapshot: ClusterSnapshot, pod: PodFacts): Finding[] {
  const now = Date.parse(snapshot.takenAt);
  return pod.containers.flatMap((container) => {
    const recent =
      container.lastTerminated?.reason === 'OOMKilled' &&
      now - Date.parse(container.lastTerminated.finishedAt ?? snapshot.takenAt) < RECENT_MS;
    if (container.terminated?.reason !== 'OOMKilled' && !recent) return [];
    const podObject = objectName('Pod', pod.namespace, pod.name);
    const limit = container.limits.memory ?? 'none';
    const evidence: Evidence[] = [
      {
        object: podObject,
        source: `container ${container.name} ${container.terminated ? 'state' : 'lastState'}`,
        detail: `OOMKilled (exit code ${container.terminated?.exitCode ?? container.lastTerminated?.exitCode ?? '?'}), memory limit ${limit}, ${container.restartCount} restarts`,
      },
    ];
    const ask = quireAsk(snapshot, pod.owner?.name ?? pod.name);
    const setByLimitRange =
      pod.limitRanger !== null &&
      new RegExp(`memory limit for (init )?container ${container.name}\\b`).test(pod.limitRanger);
    if (setByLimitRange) {
      const defaults = memoryDefaults(snapshot.limitRanges);
      const ranges = defaults.map((entry) => entry.range);
      evidence.push(
        { object: podObject, source: 'annotation kubernetes.io/limit-ranger', detail: pod.limitRanger },
        ...defaults.map((entry) => ({
          object: objectName('LimitRange', snapshot.namespace, entry.range),
          source: 'spec.limits[].default.memory',
          detail: entry.memory,
        })),
      );
      const rangeName = ranges[0] ?? '<name>';
      return [
        finding(
          'POD_OOM_KILLED_BY_LIMIT_RANGE',
          `container ${container.name} of pod ${pod.name} was OOMKilled under a ${limit} memory limit set by LimitRange ${ranges.join(', ') || '(deleted since)'}${ask ? `; ${ask}` : ''}`,
          evidence,
          {
            fix: `kubectl -n ${snapshot.namespace} delete limitrange ${rangeName} (or raise its default memory), or give container ${container.name} its own memory limit; then kubectl -n ${snapshot.namespace} delete pod ${pod.name}`,
          },
        ),
      ];
    }
    return [
      finding(
        'POD_OOM_KILLED',
        `container ${container.name} of pod ${pod.name} was OOMKilled: it needs more than its ${limit} memory limit${ask ? `; ${ask}` : ''}`,
        evidence,
      ),
    ];
  });
}

/** FailedCreate events of a workload that is short of pods, rejected by admission. */
function rejectionFindings(snapshot: ClusterSnapshot): Finding[] {
  const latest = new Map<string, (typeof snapshot.events)[number]>();
  for (const event of snapshot.events) {
    if (event.reason !== 'FailedCreate' || !/forbidden/i.test(event.message)) continue;
    const key = `${event.kind}/${event.name}`;
    if ((latest.get(key)?.lastSeen ?? '') <= (event.lastSeen ?? '')) latest.set(key, event);
  }
  return [...latest.values()].flatMap((event) => {
    const workload = snapshot.workloads.find(
      (candidate) => candidate.kind === event.kind && candidate.name === event.name,
    );
    if (workload && workload.current >= workload.desired) return [];
    const workloadObject = objectName(event.kind, event.namespace, event.name);
    const evidence: Evidence[] = [
      { object: workloadObject, source: `event ${event.reason}`, detail: event.message },
    ];
    const ask = quireAsk(snapshot, event.name);
    const short = workload ? ` (${workload.current} of ${workload.desired} pods exist)` : '';
    if (/exceeded quota/i.test(event.message)) {
      const quota = /exceeded quota: ([^,\s]+)/.exec(event.message)?.[1] ?? '<name>';
      for (const found of snapshot.resourceQuotas.filter((candidate) => candidate.name === quota)) {
        evidence.push({
          object: objectName('ResourceQuota', snapshot.namespace, found.name),
          source: 'status.hard / status.used',
          detail: Object.entries(found.hard)
            .map(([resource, hard]) => `${resource} ${found.used[resource] ?? '0'}/${hard}`)
            .join(', '),
        });
      }
      return [
        finding(
          'POD_REJECTED_BY_QUOTA',
          `${event.kind} ${event.name} cannot create its pods${short}: ResourceQuota ${quota} is exhausted${ask ? `; ${ask}` : ''}`,
          evidence,
          {
            fix: `kubectl -n ${snapshot.namespace} describe resourcequota ${quota}; raise or delete it (kubectl -n ${snapshot.namespace} delete resourcequota ${quota}), or lower the resources or replicas in quire.yaml`,
          },
        ),
      ];
    }
    if (
      /(maximum|minimum) .* usage per (container|pod)|limitrange|must be less than or equal to|limit to request ratio/i.test(
        event.message,
      )
    ) {
      for (const range of snapshot.limitRanges) {
        evidence.push({
          object: objectName('LimitRange', snapshot.namespace, range.name),
          source: 'spec.limits',
          detail: range.limits
            .map((limit) =>
              [
                limit.type,
                ...Object.entries(limit.max).map(([resource, value]) => `max ${resource} ${value}`),
                ...Object.entries(limit.min).map(([resource, value]) => `min ${resource} ${value}`),
              ].join(' '),
            )
            .join('; '),
        });
      }
      const names = snapshot.limitRanges.map((range) => range.name);
      return [
        finding(
          'POD_REJECTED_BY_LIMIT_RANGE',
          `${event.kind} ${event.name} cannot create its pods${short}: LimitRange ${names.join(', ') || '?'} forbids them${ask ? `; ${ask}` : ''}`,
          evidence,
          {
            fix: `kubectl -n ${snapshot.namespace} delete limitrange ${names[0] ?? '<name>'} (or widen its min/max), or change the resources in quire.yaml to fit it`,
          },
        ),
      ];
    }
    return [];
  });
}

export function resourceLimitChecks(snapshot: ClusterSnapshot): Finding[] {
  return [...snapshot.pods.flatMap((pod) => oomFindings(snapshot, pod)), ...rejectionFindings(snapshot)];
}
