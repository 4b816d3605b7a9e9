/** Autoscalers without metrics: metrics-server missing or failing, or target pods without CPU requests. */
import { finding, type Evidence, type Finding } from '../finding.js';
import { objectName, type ClusterSnapshot, type HpaFacts } from '../snapshot.js';

function hpaFindings(snapshot: ClusterSnapshot, hpa: HpaFacts): Finding[] {
  const hpaObject = objectName('HorizontalPodAutoscaler', snapshot.namespace, hpa.name);
  const failing = hpa.conditions.find(
    (condition) => condition.type === 'ScalingActive' && condition.status === 'False',
  );
  const hpaEvidence: Evidence[] = failing
    ? [
        {
          object: hpaObject,
          source: `condition ScalingActive (${failing.reason ?? ''})`,
          detail: failing.message ?? '',
        },
      ]
    : [];
  const api = snapshot.metricsApi;
  if (!api || !api.available) {
    const apiEvidence: Evidence = {
      object: 'APIService v1beta1.metrics.k8s.io',
      source: api ? `condition Available (${api.reason ?? ''})` : 'registration',
      detail: api ? (api.message ?? 'not available') : 'not registered: metrics-server is not installed',
    };
    const [namespace, name] = (api?.service ?? 'kube-system/metrics-server').split('/');
    return [
      finding(
        'HPA_NO_METRICS',
        `autoscaler ${hpa.name} gets no CPU metrics: the metrics API is ${api ? 'unavailable' : 'not installed'}`,
        [apiEvidence, ...hpaEvidence],
        {
          fix: api
            ? `start metrics-server: kubectl -n ${namespace ?? 'kube-system'} get deployment,pods | grep ${name ?? 'metrics-server'}; kubectl -n ${namespace ?? 'kube-system'} scale deployment/${name ?? 'metrics-server'} --replicas=1, then check kubectl get apiservice v1beta1.metrics.k8s.io shows Available True`
            : 'install metrics-server (cluster.addons.metricsServer in quire.yaml for a cluster Quire provisions), then check kubectl get apiservice v1beta1.metrics.k8s.io',
        },
      ),
    ];
  }
  const targetPods = snapshot.pods.filter(
    (pod) =>
      pod.owner !== null &&
      (pod.owner.name === hpa.target.name || pod.owner.name.startsWith(`${hpa.target.name}-`)),
  );
  const withoutCpu = targetPods.flatMap((pod) =>
    pod.containers
      .filter((container) => !container.init && container.requests.cpu === undefined)
      .map((container) => ({ pod: pod.name, container: container.name })),
  );
  if (withoutCpu.length > 0 || /missing request for cpu/i.test(failing?.message ?? '')) {
    return [
      finding(
        'HPA_NO_CPU_REQUESTS',
        `autoscaler ${hpa.name} cannot measure CPU utilisation of ${hpa.target.kind} ${hpa.target.name}: ${withoutCpu.length > 0 ? `containers without a CPU request: ${withoutCpu.map((entry) => `${entry.pod}/${entry.container}`).join(', ')}` : 'a container has no CPU request'}`,
        [
          ...hpaEvidence,
          ...withoutCpu.map((entry) => ({
            object: objectName('Pod', snapshot.namespace, entry.pod),
            source: `container ${entry.container} resources.requests`,
            detail: 'no cpu',
          })),
        ],
      ),
    ];
  }
  if (failing?.reason === 'FailedGetResourceMetric' && !hpa.hasCurrentMetrics) {
    return [
      finding(
        'HPA_NO_METRICS',
        `autoscaler ${hpa.name} gets no CPU metrics although the metrics API is available`,
        hpaEvidence,
        {
          cause:
            'metrics-server answers but has no metrics for the target pods yet (just started) or cannot scrape their node',
        },
      ),
    ];
  }
  return [];
}

export function autoscalingChecks(snapshot: ClusterSnapshot): Finding[] {
  return snapshot.hpas.flatMap((hpa) => hpaFindings(snapshot, hpa));
}
