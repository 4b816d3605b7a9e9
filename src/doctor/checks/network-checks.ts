/**
 * Pods stuck in ContainerCreating because the CNI could not set up their network (SPEC S12b),
 * including credentials the API server rejects (Calico's "connection is unauthorized"), and nodes
 * whose network plugin is not ready.
 */
import { finding, type Evidence, type Finding } from '../finding.js';
import { eventsFor, objectName, type ClusterSnapshot, type EventFacts, type PodFacts } from '../snapshot.js';

/** The CNI plugin a sandbox error names (`plugin type="calico" failed (add)`). */
export function cniPluginOf(message: string): string | null {
  return /plugin type="([^"]+)"/.exec(message)?.[1] ?? null;
}

const creating = (pod: PodFacts) =>
  pod.phase === 'Pending' &&
  pod.node !== null &&
  pod.containers.some(
    (container) =>
      container.waiting?.reason === 'ContainerCreating' || container.waiting?.reason === 'PodInitializing',
  );

interface StuckPod {
  readonly pod: PodFacts;
  readonly event: EventFacts;
  readonly plugin: string | null;
  readonly unauthorized: boolean;
}

export function networkChecks(snapshot: ClusterSnapshot): Finding[] {
  const stuck: StuckPod[] = snapshot.pods.filter(creating).flatMap((pod) => {
    const event = eventsFor(snapshot.events, 'Pod', pod.name).find(
      (candidate) => candidate.reason === 'FailedCreatePodSandBox' && /network/i.test(candidate.message),
    );
    if (!event) return [];
    return [
      {
        pod,
        event,
        plugin: cniPluginOf(event.message),
        unauthorized: /unauthori[sz]ed/i.test(event.message),
      },
    ];
  });
  // One finding per node, CNI and kind of failure: twenty stuck pods are one problem.
  const groups = new Map<string, StuckPod[]>();
  for (const entry of stuck) {
    const key = `${entry.pod.node ?? ''}\u0000${entry.plugin ?? ''}\u0000${String(entry.unauthorized)}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  const findings = [...groups.values()].map((entries) => {
    const [first] = entries as [StuckPod, ...StuckPod[]];
    const cni = first.plugin ? `CNI plugin "${first.plugin}"` : 'the CNI';
    const evidence: Evidence[] = entries.map((entry) => ({
      object: objectName('Pod', entry.pod.namespace, entry.pod.name),
      source: `event ${entry.event.reason} (node ${entry.pod.node ?? '?'})`,
      detail: entry.event.message,
    }));
    const pods = `${entries.length} pod${entries.length === 1 ? '' : 's'}`;
    return first.unauthorized
      ? finding(
          'POD_NETWORK_UNAUTHORIZED',
          `${pods} stuck in ContainerCreating on node ${first.pod.node ?? '?'}: the API server rejects the credentials of ${cni}`,
          evidence,
          first.plugin === 'calico'
            ? {}
            : {
                fix: `renew the credentials of ${cni} on node ${first.pod.node ?? '?'} (restart its node agent pods so they write a fresh token), then delete the stuck pods`,
              },
        )
      : finding(
          'POD_NETWORK_SETUP_FAILED',
          `${pods} stuck in ContainerCreating on node ${first.pod.node ?? '?'}: ${cni} failed to set up the pod network`,
          evidence,
          {
            fix: `on node ${first.pod.node ?? '?'}, check the CNI configuration the runtime loads (the first file in /etc/cni/net.d, or the runtime's CNI conf_dir) and that the ${first.plugin ? `"${first.plugin}" ` : ''}plugin binary exists in the CNI bin dir; fix or remove the broken file, or restart the CNI's pods, then delete the stuck pods`,
          },
        );
  });
  for (const node of snapshot.nodes) {
    if (node.ready.status !== 'True' && /network ?plugin|cni/i.test(node.ready.message ?? '')) {
      findings.push(
        finding('NODE_NETWORK_NOT_READY', `node ${node.name} is not ready: its network plugin is not ready`, [
          {
            object: objectName('Node', null, node.name),
            source: `condition Ready (${node.ready.reason ?? ''})`,
            detail: node.ready.message ?? '',
          },
        ]),
      );
    }
  }
  return findings;
}
