import type { CoreV1ApiReadNamespacedPodLogRequest, V1Pod } from '@kubernetes/client-node';
// The generated serializer: the one the API clients decode responses with (not exported at the top).
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { describe, expect, it } from 'vitest';
import { podFacts, type PodLogReader } from '../../src/doctor/take-snapshot.js';

/** What the kubelet answers when a run's log file is already gone, as if it were the log. */
const LOG_GONE = 'unable to retrieve container logs for containerd://4f2a9c0e7b1d';

/** A pod whose one container `main` is in the state given, decoded as the client decodes the API's JSON. */
function pod(waitingReason: string): V1Pod {
  return ObjectSerializer.deserialize(
    {
      metadata: { name: 'crashing', namespace: 'shop' },
      spec: { containers: [{ name: 'main', image: 'shop:1' }] },
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'main', ready: false, restartCount: 4, state: { waiting: { reason: waitingReason } } },
        ],
      },
    },
    'V1Pod',
    '',
  ) as V1Pod;
}

/** A kubelet with a log (or an error) for the previous and the current run; it keeps the requests. */
function kubelet(runs: { previous: string | Error; current: string | Error }) {
  const requests: CoreV1ApiReadNamespacedPodLogRequest[] = [];
  const logs: PodLogReader = {
    readNamespacedPodLog: (request) => {
      requests.push(request);
      const log = request.previous === true ? runs.previous : runs.current;
      return log instanceof Error ? Promise.reject(log) : Promise.resolve(log);
    },
  };
  return { logs, requests };
}

async function logTail(logs: PodLogReader, waitingReason = 'CrashLoopBackOff') {
  const facts = await podFacts(logs, pod(waitingReason));
  return facts.containers[0]?.previousLogTail;
}

describe("podFacts: a crashing container's last log lines", () => {
  it("are the previous run's, without blank lines, asked of that container", async () => {
    const { logs, requests } = kubelet({
      previous: 'starting\n\ncannot open app.conf\n',
      current: 'waiting',
    });
    expect(await logTail(logs)).toEqual(['starting', 'cannot open app.conf']);
    expect(requests).toEqual([
      { name: 'crashing', namespace: 'shop', container: 'main', previous: true, tailLines: 10 },
    ]);
  });

  it("are the current run's when the kubelet says the previous run's log is gone", async () => {
    const { logs, requests } = kubelet({ previous: `${LOG_GONE}\n`, current: 'cannot open app.conf\n' });
    expect(await logTail(logs)).toEqual(['cannot open app.conf']);
    expect(requests.map((request) => request.previous)).toEqual([true, false]);
  });

  it("are the current run's when there is no previous run to ask for", async () => {
    const { logs } = kubelet({
      previous: new Error('previous terminated container "main" not found'),
      current: 'cannot open app.conf',
    });
    expect(await logTail(logs)).toEqual(['cannot open app.conf']);
  });

  it('are none when neither run has a log', async () => {
    const { logs } = kubelet({ previous: LOG_GONE, current: new Error('container not started') });
    expect(await logTail(logs)).toBeNull();
  });

  it('are not asked for when the container is not crash looping', async () => {
    const { logs, requests } = kubelet({ previous: 'old run', current: 'this run' });
    expect(await logTail(logs, 'ContainerCreating')).toBeNull();
    expect(requests).toEqual([]);
  });
});
