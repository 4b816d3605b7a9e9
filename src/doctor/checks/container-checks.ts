/** Images that cannot be pulled, and containers in CrashLoopBackOff with their last log lines. */
import { finding, type Finding } from '../finding.js';
import { objectName, type ClusterSnapshot } from '../snapshot.js';

const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName']);

export function containerChecks(snapshot: ClusterSnapshot): Finding[] {
  return snapshot.pods.flatMap((pod) =>
    pod.containers.flatMap((container) => {
      const podObject = objectName('Pod', pod.namespace, pod.name);
      const waiting = container.waiting;
      if (waiting && PULL_FAILURES.has(waiting.reason)) {
        return [
          finding(
            'IMAGE_PULL_FAILED',
            `container ${container.name} of pod ${pod.name} cannot get image ${container.image} (${waiting.reason})`,
            [
              {
                object: podObject,
                source: `container ${container.name} ${waiting.reason}`,
                detail: waiting.message,
              },
            ],
            waiting.reason === 'ErrImageNeverPull'
              ? {
                  cause: `the pull policy is Never and image ${container.image} is not on node ${pod.node ?? '?'}`,
                  fix: `load ${container.image} on node ${pod.node ?? '?'} (ctr -n k8s.io images import), or set imagePullPolicy IfNotPresent in quire.yaml (web.imagePullPolicy, database.imagePullPolicy)`,
                }
              : {},
          ),
        ];
      }
      // An OOM kill also ends in CrashLoopBackOff; the limit checks explain that one.
      if (waiting?.reason === 'CrashLoopBackOff' && container.lastTerminated?.reason !== 'OOMKilled') {
        const exit = container.lastTerminated;
        return [
          finding(
            'CRASH_LOOP',
            `container ${container.name} of pod ${pod.name} keeps crashing (${container.restartCount} restarts, last exit ${exit ? `${exit.reason || 'code'} ${exit.exitCode}` : 'unknown'})`,
            [
              {
                object: podObject,
                source: `container ${container.name} CrashLoopBackOff`,
                detail: waiting.message,
              },
              {
                object: podObject,
                source: `last ${container.previousLogTail?.length ?? 0} log lines of the previous run`,
                detail: container.previousLogTail?.join('\n') || '(no log)',
              },
            ],
            {
              fix: `read the log above (kubectl -n ${pod.namespace} logs ${pod.name} -c ${container.name} --previous), fix what it names; the pod recovers by itself`,
            },
          ),
        ];
      }
      return [];
    }),
  );
}
