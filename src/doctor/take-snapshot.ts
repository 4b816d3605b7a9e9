/**
 * Reads what the checks need from the cluster, read-only: list and get calls, pod logs, and the DB
 * pods' report script through `kubectl exec`-style calls. Secret values are read only to compare
 * them with ConfigMap values and to parse certificates; none leaves this module.
 */
import {
  ApiregistrationV1Api,
  CoordinationV1Api,
  StorageV1Api,
  type CoreV1Api,
  type V1ConfigMap,
  type CoreV1Event,
  type V1Container,
  type V1ContainerStatus,
  type V1Pod,
} from '@kubernetes/client-node';
import { describeError, statusCode, type ClusterConnection } from '../cluster/connection.js';
import { execInPod } from '../cluster/pod-exec.js';
import type { QuireConfig } from '../config/schema.js';
import { parseNodeReport } from '../topology/node-report.js';
import { scriptCommand } from '../k8s/database/pod-scripts.js';
import { quireNames, selectorLabels, type QuireNames } from '../k8s/names.js';
import { readTopologyRecord } from '../topology/topology-record.js';
import { certificateFacts, configMapPasswords, type SecretData } from './secret-facts.js';
import type {
  ClusterSnapshot,
  ContainerFacts,
  DatabasePodFacts,
  EventFacts,
  FailoverFacts,
  PodFacts,
  ProvisionerPodFacts,
  QuireExpectations,
  SecretFacts,
  WorkloadFacts,
} from './snapshot.js';

const METRICS_API_SERVICE = 'v1beta1.metrics.k8s.io';
const LOG_TAIL_LINES = 10;

const quantities = (values: Record<string, unknown> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(values ?? {}).map(([key, value]) => [key, String(value)]));

const iso = (value: Date | string | undefined | null): string | null =>
  value === undefined || value === null ? null : new Date(value).toISOString();

function eventFacts(event: CoreV1Event): EventFacts {
  return {
    kind: event.involvedObject.kind ?? '',
    name: event.involvedObject.name ?? '',
    namespace: event.involvedObject.namespace ?? event.metadata.namespace ?? '',
    type: event.type ?? '',
    reason: event.reason ?? '',
    message: event.message ?? '',
    count: event.count ?? event.series?.count ?? 1,
    lastSeen: iso(event.lastTimestamp ?? event.eventTime ?? event.metadata.creationTimestamp),
  };
}

function containerFacts(
  container: V1Container,
  status: V1ContainerStatus | undefined,
  init: boolean,
): Omit<ContainerFacts, 'previousLogTail'> {
  const last = status?.lastState?.terminated;
  return {
    name: container.name,
    init,
    image: container.image ?? '',
    requests: quantities(container.resources?.requests),
    limits: quantities(container.resources?.limits),
    ready: status?.ready ?? false,
    restartCount: status?.restartCount ?? 0,
    waiting: status?.state?.waiting
      ? { reason: status.state.waiting.reason ?? '', message: status.state.waiting.message ?? '' }
      : null,
    terminated: status?.state?.terminated
      ? { reason: status.state.terminated.reason ?? '', exitCode: status.state.terminated.exitCode }
      : null,
    lastTerminated: last
      ? { reason: last.reason ?? '', exitCode: last.exitCode, finishedAt: iso(last.finishedAt) }
      : null,
  };
}

/** The one call pod facts make to the cluster: a crashing container's log. */
export type PodLogReader = Pick<CoreV1Api, 'readNamespacedPodLog'>;

/**
 * The kubelet answers a log request for a container whose log file is already gone (the run just
 * replaced) with this text as if it were the log.
 */
const LOG_GONE = /^unable to retrieve container logs for /;

/**
 * The last lines of a crashing container's previous run. While the container waits in
 * CrashLoopBackOff its last run is also its current one, so the current log is the fallback when
 * the previous one is gone.
 */
async function previousLogTail(logs: PodLogReader, pod: V1Pod, container: string): Promise<string[] | null> {
  for (const previous of [true, false]) {
    try {
      const log = await logs.readNamespacedPodLog({
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        container,
        previous,
        tailLines: LOG_TAIL_LINES,
      });
      const lines = log.split('\n').filter((line) => line !== '');
      if (!(lines.length === 1 && LOG_GONE.test(lines[0] ?? ''))) return lines;
    } catch {
      // No such run: try the other one.
    }
  }
  return null;
}

export async function podFacts(logs: PodLogReader, pod: V1Pod): Promise<PodFacts> {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const declared = [
    ...(pod.spec?.initContainers ?? []).map((container) => ({ container, init: true })),
    ...(pod.spec?.containers ?? []).map((container) => ({ container, init: false })),
  ];
  const containers = await Promise.all(
    declared.map(async ({ container, init }) => {
      const facts = containerFacts(
        container,
        statuses.find((status) => status.name === container.name),
        init,
      );
      const crashing = facts.waiting?.reason === 'CrashLoopBackOff';
      return {
        ...facts,
        previousLogTail: crashing ? await previousLogTail(logs, pod, container.name) : null,
      };
    }),
  );
  const owner = pod.metadata?.ownerReferences?.[0];
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    node: pod.spec?.nodeName ?? null,
    phase: pod.status?.phase ?? 'Unknown',
    labels: pod.metadata?.labels ?? {},
    limitRanger: pod.metadata?.annotations?.['kubernetes.io/limit-ranger'] ?? null,
    owner: owner ? { kind: owner.kind, name: owner.name } : null,
    conditions: (pod.status?.conditions ?? []).map((condition) => ({
      type: condition.type,
      status: condition.status,
      reason: condition.reason ?? null,
      message: condition.message ?? null,
    })),
    containers,
  };
}

async function databaseFacts(connection: ClusterConnection, pod: V1Pod): Promise<DatabasePodFacts> {
  const name = pod.metadata?.name ?? '';
  const ordinal = Number(name.slice(name.lastIndexOf('-') + 1));
  const serverRunning = pod.status?.containerStatuses?.find((status) => status.name === 'mariadb')?.state
    ?.running;
  const base = { pod: name, ordinal, readOnly: null, replica: null, semiSync: null };
  if (!serverRunning)
    return {
      ...base,
      unreadable: `the mariadb container is not running (pod ${pod.status?.phase ?? 'Unknown'})`,
    };
  try {
    const result = await execInPod(
      connection,
      pod.metadata?.namespace ?? '',
      name,
      'mariadb',
      scriptCommand('report.sh'),
    );
    if (!result.success) return { ...base, unreadable: result.stderr.trim() || 'the report script failed' };
    const report = parseNodeReport(result.stdout);
    const replica = report.replication;
    return {
      ...base,
      readOnly: report.raw.read_only === undefined ? null : report.readOnly,
      replica:
        replica === undefined
          ? null
          : {
              ioRunning: replica.ioRunning,
              sqlRunning: replica.sqlRunning,
              secondsBehind: replica.secondsBehindMaster,
              lastIoErrno: replica.lastIoErrno,
              lastIoError: replica.lastIoError,
              lastSqlErrno: replica.lastSqlErrno,
              lastSqlError: replica.lastSqlError,
              masterHost: replica.masterHost,
            },
      semiSync: report.semiSync,
      unreadable: null,
    };
  } catch (error) {
    return { ...base, unreadable: describeError(error) };
  }
}

function expectations(config: QuireConfig): QuireExpectations {
  const names = quireNames(config);
  return {
    name: config.name,
    maxReplicationLagSeconds: config.database.maxReplicationLagSeconds,
    databaseStatefulSet: names.db,
    web: names.web,
    ingress: names.ingress,
    ingressHost: config.ingress.host,
    secrets: [
      {
        name: names.dbSecret,
        purpose: config.database.existingSecret
          ? 'database passwords (database.existingSecret)'
          : 'database passwords',
      },
      { name: names.webSecret, purpose: "the web app's generated keys (session secret or WordPress salts)" },
      {
        name: names.tlsSecret,
        purpose: `the Ingress certificate (ingress.tls.mode ${config.ingress.tls.mode})`,
      },
    ],
    resources: [
      {
        workload: names.db,
        requests: config.database.resources.requests,
        limits: config.database.resources.limits,
      },
      { workload: names.web, requests: config.web.resources.requests, limits: config.web.resources.limits },
    ],
  };
}

/** null for a 404: the object is simply not there. */
async function unlessMissing<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (statusCode(error) === 404) return null;
    throw error;
  }
}

export async function takeSnapshot(
  connection: ClusterConnection,
  config: QuireConfig,
  takenAt: Date = new Date(),
): Promise<ClusterSnapshot> {
  const namespace = config.namespace;
  const storage = connection.kubeConfig.makeApiClient(StorageV1Api);
  const registration = connection.kubeConfig.makeApiClient(ApiregistrationV1Api);
  const [
    nodes,
    pods,
    allPods,
    events,
    pvcs,
    storageClasses,
    limitRanges,
    quotas,
    hpas,
    metricsApi,
    ingresses,
    ingressClasses,
    secrets,
    configMaps,
    deployments,
    statefulSets,
    replicaSets,
  ] = await Promise.all([
    connection.core.listNode(),
    connection.core.listNamespacedPod({ namespace }),
    connection.core.listPodForAllNamespaces(),
    connection.core.listNamespacedEvent({ namespace }),
    connection.core.listNamespacedPersistentVolumeClaim({ namespace }),
    storage.listStorageClass(),
    connection.core.listNamespacedLimitRange({ namespace }),
    connection.core.listNamespacedResourceQuota({ namespace }),
    connection.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }),
    unlessMissing(() => registration.readAPIService({ name: METRICS_API_SERVICE })),
    connection.networking.listNamespacedIngress({ namespace }),
    connection.networking.listIngressClass(),
    connection.core.listNamespacedSecret({ namespace }),
    connection.core.listNamespacedConfigMap({ namespace }),
    connection.apps.listNamespacedDeployment({ namespace }),
    connection.apps.listNamespacedStatefulSet({ namespace }),
    connection.apps.listNamespacedReplicaSet({ namespace }),
  ]);

  const provisionerPods = allPods.items.flatMap((pod) => {
    const env = (pod.spec?.containers ?? []).flatMap((container) => container.env ?? []);
    const provisioner = env.find((variable) => variable.name === 'PROVISIONER_NAME')?.value;
    return provisioner ? [{ pod, provisioner }] : [];
  });
  const provisioners: ProvisionerPodFacts[] = await Promise.all(
    provisionerPods.map(async ({ pod, provisioner }) => {
      const nfsVolume = pod.spec?.volumes?.find((volume) => volume.nfs)?.nfs;
      const podEvents = await connection.core.listNamespacedEvent({
        namespace: pod.metadata?.namespace ?? '',
        fieldSelector: `involvedObject.name=${pod.metadata?.name ?? ''}`,
      });
      return {
        pod: await podFacts(connection.core, pod),
        provisioner,
        nfs: nfsVolume ? { server: nfsVolume.server, path: nfsVolume.path } : null,
        events: podEvents.items.map(eventFacts),
      };
    }),
  );

  const dbSelector = selectorLabels(config, 'database');
  const dbPods = pods.items
    .filter((pod) =>
      Object.entries(dbSelector).every(([key, value]) => pod.metadata?.labels?.[key] === value),
    )
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '', 'en', { numeric: true }));

  const workloads: WorkloadFacts[] = [
    ...deployments.items.map((item) => ({
      kind: 'Deployment' as const,
      name: item.metadata?.name ?? '',
      desired: item.spec?.replicas ?? 1,
      current: item.status?.replicas ?? 0,
      ready: item.status?.readyReplicas ?? 0,
    })),
    ...statefulSets.items.map((item) => ({
      kind: 'StatefulSet' as const,
      name: item.metadata?.name ?? '',
      desired: item.spec?.replicas ?? 1,
      current: item.status?.replicas ?? 0,
      ready: item.status?.readyReplicas ?? 0,
    })),
    ...replicaSets.items
      .filter((item) => (item.spec?.replicas ?? 0) > 0)
      .map((item) => ({
        kind: 'ReplicaSet' as const,
        name: item.metadata?.name ?? '',
        desired: item.spec?.replicas ?? 0,
        current: item.status?.replicas ?? 0,
        ready: item.status?.readyReplicas ?? 0,
      })),
  ];

  const secretData: SecretData[] = secrets.items.map((secret) => ({
    name: secret.metadata?.name ?? '',
    type: secret.type ?? 'Opaque',
    data: secret.data ?? {},
  }));
  const secretFacts: SecretFacts[] = secretData.map((secret) => ({
    name: secret.name,
    type: secret.type,
    keys: Object.keys(secret.data).sort(),
    certificate: secret.type === 'kubernetes.io/tls' ? certificateFacts(secret) : null,
  }));

  const names = quireNames(config);
  const failover = deployments.items.some((item) => item.metadata?.name === names.failover)
    ? await failoverFacts(connection, namespace, names, configMaps.items)
    : null;

  const available = metricsApi?.status?.conditions?.find((condition) => condition.type === 'Available');
  return {
    takenAt: takenAt.toISOString(),
    context: connection.context,
    namespace,
    quire: expectations(config),
    nodes: nodes.items.map((node) => {
      const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
      return {
        name: node.metadata?.name ?? '',
        ready: {
          status: ready?.status ?? 'Unknown',
          reason: ready?.reason ?? null,
          message: ready?.message ?? null,
        },
      };
    }),
    pods: await Promise.all(pods.items.map((pod) => podFacts(connection.core, pod))),
    workloads,
    events: events.items.map(eventFacts),
    pvcs: pvcs.items.map((claim) => ({
      name: claim.metadata?.name ?? '',
      phase: claim.status?.phase ?? 'Unknown',
      storageClass: claim.spec?.storageClassName ?? null,
      accessModes: claim.spec?.accessModes ?? [],
      size: claim.spec?.resources?.requests?.storage ?? null,
    })),
    storageClasses: storageClasses.items.map((storageClass) => ({
      name: storageClass.metadata?.name ?? '',
      provisioner: storageClass.provisioner,
      isDefault:
        storageClass.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
    })),
    provisioners,
    limitRanges: limitRanges.items.map((range) => ({
      name: range.metadata?.name ?? '',
      limits: (range.spec?.limits ?? []).map((limit) => ({
        type: limit.type,
        default: quantities(limit._default),
        defaultRequest: quantities(limit.defaultRequest),
        max: quantities(limit.max),
        min: quantities(limit.min),
      })),
    })),
    resourceQuotas: quotas.items.map((quota) => ({
      name: quota.metadata?.name ?? '',
      hard: quantities(quota.status?.hard ?? quota.spec?.hard),
      used: quantities(quota.status?.used),
    })),
    hpas: hpas.items.map((hpa) => ({
      name: hpa.metadata?.name ?? '',
      target: { kind: hpa.spec?.scaleTargetRef.kind ?? '', name: hpa.spec?.scaleTargetRef.name ?? '' },
      conditions: (hpa.status?.conditions ?? []).map((condition) => ({
        type: condition.type,
        status: condition.status,
        reason: condition.reason ?? null,
        message: condition.message ?? null,
      })),
      hasCurrentMetrics: (hpa.status?.currentMetrics ?? []).length > 0,
    })),
    metricsApi: metricsApi
      ? {
          available: available?.status === 'True',
          reason: available?.reason ?? null,
          message: available?.message ?? null,
          service: metricsApi.spec?.service
            ? `${metricsApi.spec.service.namespace ?? ''}/${metricsApi.spec.service.name ?? ''}`
            : null,
        }
      : null,
    ingresses: ingresses.items.map((ingress) => ({
      name: ingress.metadata?.name ?? '',
      className: ingress.spec?.ingressClassName ?? null,
      hosts: (ingress.spec?.rules ?? []).flatMap((rule) => (rule.host ? [rule.host] : [])),
      tls: (ingress.spec?.tls ?? []).map((tls) => ({
        secretName: tls.secretName ?? null,
        hosts: tls.hosts ?? [],
      })),
      addresses: (ingress.status?.loadBalancer?.ingress ?? []).flatMap((address) =>
        address.ip ? [address.ip] : address.hostname ? [address.hostname] : [],
      ),
    })),
    ingressClasses: ingressClasses.items.map((ingressClass) => ({
      name: ingressClass.metadata?.name ?? '',
      controller: ingressClass.spec?.controller ?? '',
      isDefault:
        ingressClass.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true',
    })),
    secrets: secretFacts,
    configMapPasswords: configMapPasswords(
      configMaps.items.map((configMap) => ({
        name: configMap.metadata?.name ?? '',
        data: configMap.data ?? {},
      })),
      secretData,
    ),
    database: await Promise.all(dbPods.map((pod) => databaseFacts(connection, pod))),
    failover,
  };
}

async function failoverFacts(
  connection: ClusterConnection,
  namespace: string,
  names: QuireNames,
  configMaps: readonly V1ConfigMap[],
): Promise<FailoverFacts> {
  const coordination = connection.kubeConfig.makeApiClient(CoordinationV1Api);
  const lease = await unlessMissing(() =>
    coordination.readNamespacedLease({ name: names.failover, namespace }),
  );
  const record = readTopologyRecord(
    configMaps.find((configMap) => configMap.metadata?.name === names.dbTopology)?.data,
  );
  return {
    leaseName: names.failover,
    recordName: names.dbTopology,
    lease:
      lease === null
        ? null
        : {
            holder: lease.spec?.holderIdentity ?? null,
            renewTime:
              lease.spec?.renewTime === undefined ? null : new Date(lease.spec.renewTime).toISOString(),
            durationSeconds: lease.spec?.leaseDurationSeconds ?? null,
          },
    recordedPrimary: record.primary ?? null,
    waiting: record.manager?.waiting ?? null,
    errant: record.manager?.errant ?? [],
  };
}
