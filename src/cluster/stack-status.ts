/**
 * `quire status`: the stack as it runs. DB pods with their role, GTID position, lag and health
 * (read from each server through the pod scripts), the web pods, the autoscaler and the Ingress.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { QuireConfig } from '../config/schema.js';
import {
  describeWriteProtection,
  observedRole,
  parseNodeReport,
  type SemiSyncReport,
} from '../topology/node-report.js';
import { scriptCommand } from '../k8s/database/pod-scripts.js';
import { quireNames, selectorLabels } from '../k8s/names.js';
import { describeManagerStatus } from '../topology/describe.js';
import {
  readTopologyRecord,
  TopologyRecord,
  type PublishedManagerStatus,
} from '../topology/topology-record.js';
import { formatTable } from '../util/table.js';
import { describeError, statusCode, type ClusterConnection } from './connection.js';
import { execInPod } from './pod-exec.js';
import { podProblem } from './wait.js';

export interface PodState {
  readonly pod: string;
  readonly phase: string;
  readonly ready: boolean;
  readonly restarts: number;
  /** Why it is not ready, when it is not. */
  readonly problem: string | null;
}

export interface DatabasePodState extends PodState {
  /** As observed (observedRole); unknown when the pod's report could not be read. */
  readonly role: 'primary' | 'replica' | 'unknown';
  readonly readOnly: boolean | null;
  readonly gtid: string | null;
  readonly lagSeconds: number | null;
  readonly replicating: boolean | null;
  readonly replicationError: string | null;
  /** Null when the server could not be asked. */
  readonly semiSync: SemiSyncReport | null;
}

export interface StackStatus {
  readonly context: string;
  readonly namespace: string;
  readonly database: readonly DatabasePodState[];
  readonly web: readonly PodState[];
  readonly autoscaler: {
    readonly replicas: number;
    readonly desired: number;
    readonly min: number;
    readonly max: number;
    readonly cpuPercent: number | null;
    readonly targetPercent: number | null;
  } | null;
  readonly ingress: {
    readonly host: string;
    readonly className: string;
    readonly address: string | null;
  } | null;
  /** The failover manager's record: null before a manager made it. */
  readonly failover: {
    readonly recordedPrimary: string | null;
    /** What the leading manager published last; null when none did. */
    readonly manager: PublishedManagerStatus | null;
  } | null;
}

function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

function podState(pod: V1Pod): PodState {
  const statuses = pod.status?.containerStatuses ?? [];
  return {
    pod: pod.metadata?.name ?? '?',
    phase: pod.status?.phase ?? 'Unknown',
    ready:
      pod.status?.conditions?.some(
        (condition) => condition.type === 'Ready' && condition.status === 'True',
      ) ?? false,
    restarts: statuses.reduce((sum, status) => sum + status.restartCount, 0),
    problem: podProblem(pod) ?? null,
  };
}

async function databaseState(
  connection: ClusterConnection,
  namespace: string,
  pod: V1Pod,
): Promise<DatabasePodState> {
  const base = podState(pod);
  const unknown = {
    role: 'unknown',
    readOnly: null,
    gtid: null,
    lagSeconds: null,
    replicating: null,
    replicationError: null,
    semiSync: null,
  } as const;
  if (base.phase !== 'Running') return { ...base, ...unknown };
  try {
    const result = await execInPod(connection, namespace, base.pod, 'mariadb', scriptCommand('report.sh'));
    if (!result.success)
      return { ...base, ...unknown, replicationError: result.stderr.trim() || 'report failed' };
    const report = parseNodeReport(result.stdout);
    const replication = report.replication;
    const error = [replication?.lastIoError, replication?.lastSqlError].filter((text) => text).join('; ');
    return {
      ...base,
      role: observedRole(report),
      readOnly: report.raw.read_only === undefined ? null : report.readOnly,
      gtid: report.raw.gtid_current_pos ?? null,
      lagSeconds: replication?.secondsBehindMaster ?? null,
      replicating:
        replication === undefined
          ? null
          : replication.ioRunning === 'Yes' && replication.sqlRunning === 'Yes',
      replicationError: error || null,
      semiSync: report.semiSync,
    };
  } catch (failure) {
    return { ...base, ...unknown, replicationError: describeError(failure) };
  }
}

export async function stackStatus(connection: ClusterConnection, config: QuireConfig): Promise<StackStatus> {
  const names = quireNames(config);
  const namespace = config.namespace;
  const dbPods = await connection.core.listNamespacedPod({
    namespace,
    labelSelector: selector(selectorLabels(config, 'database')),
  });
  const webPods = await connection.core.listNamespacedPod({
    namespace,
    labelSelector: selector(selectorLabels(config, 'web')),
  });
  const database = await Promise.all(
    dbPods.items
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '', 'en', { numeric: true }))
      .map((pod) => databaseState(connection, namespace, pod)),
  );

  let autoscaler: StackStatus['autoscaler'] = null;
  try {
    const hpa = await connection.autoscaling.readNamespacedHorizontalPodAutoscaler({
      name: names.web,
      namespace,
    });
    const cpu = hpa.status?.currentMetrics?.find((metric) => metric.resource?.name === 'cpu');
    autoscaler = {
      replicas: hpa.status?.currentReplicas ?? 0,
      desired: hpa.status?.desiredReplicas ?? 0,
      min: hpa.spec?.minReplicas ?? 1,
      max: hpa.spec?.maxReplicas ?? 0,
      cpuPercent: cpu?.resource?.current.averageUtilization ?? null,
      targetPercent: hpa.spec?.metrics?.[0]?.resource?.target.averageUtilization ?? null,
    };
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
  }

  let ingress: StackStatus['ingress'] = null;
  try {
    const live = await connection.networking.readNamespacedIngress({ name: names.ingress, namespace });
    const address = live.status?.loadBalancer?.ingress?.[0];
    ingress = {
      host: live.spec?.rules?.[0]?.host ?? config.ingress.host,
      className: live.spec?.ingressClassName ?? '',
      address: address?.ip ?? address?.hostname ?? null,
    };
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
  }

  const record = await new TopologyRecord(connection.core, namespace, names.dbTopology).read();
  const recorded = record === undefined ? undefined : readTopologyRecord(record.data);

  return {
    context: connection.context,
    namespace,
    database,
    web: webPods.items.map(podState),
    autoscaler,
    ingress,
    failover:
      recorded === undefined
        ? null
        : { recordedPrimary: recorded.primary ?? null, manager: recorded.manager ?? null },
  };
}

const yesNo = (value: boolean | null) => (value === null ? '-' : value ? 'yes' : 'no');

/** The status as tables a person reads. */
export function formatStatus(status: StackStatus): string {
  const health = (pod: PodState) => (pod.ready ? 'ready' : (pod.problem ?? pod.phase));
  const sections = [
    `context ${status.context}, namespace ${status.namespace}`,
    '',
    formatTable(
      ['database pod', 'role', 'health', 'restarts', 'read-only', 'replicating', 'lag', 'GTID position'],
      status.database.map((pod) => [
        pod.pod,
        pod.role,
        health(pod),
        String(pod.restarts),
        yesNo(pod.readOnly),
        pod.role === 'primary' ? '-' : yesNo(pod.replicating),
        pod.lagSeconds === null ? '-' : `${pod.lagSeconds}s`,
        pod.gtid ?? '-',
      ]),
    ),
    ...status.database
      .filter((pod) => pod.replicationError)
      .map((pod) => `  ${pod.pod}: ${pod.replicationError ?? ''}`),
    ...status.database.flatMap((pod) =>
      pod.readOnly === false && pod.semiSync !== null
        ? [`  ${pod.pod}: ${describeWriteProtection(pod.semiSync)}`]
        : [],
    ),
    '',
    formatTable(
      ['web pod', 'health', 'restarts'],
      status.web.map((pod) => [pod.pod, health(pod), String(pod.restarts)]),
    ),
  ];
  if (status.failover) {
    const { manager, recordedPrimary } = status.failover;
    sections.push(
      '',
      `failover manager: ${manager === null ? 'none has led yet' : `${manager.leader} leads since ${manager.since}`}; recorded primary ${recordedPrimary ?? '-'}`,
      ...(manager === null ? [] : describeManagerStatus(manager, 'quire failover --allow-data-loss')),
    );
  }
  if (status.autoscaler) {
    const hpa = status.autoscaler;
    const cpu = hpa.cpuPercent === null ? 'no metrics yet' : `${hpa.cpuPercent}%`;
    sections.push(
      '',
      `autoscaler: ${hpa.replicas} pods (wants ${hpa.desired}, ${hpa.min}..${hpa.max}), CPU ${cpu} of target ${hpa.targetPercent ?? '?'}%`,
    );
  }
  if (status.ingress) {
    const ingress = status.ingress;
    sections.push(
      '',
      `ingress: https://${ingress.host}/ (class ${ingress.className}) at ${ingress.address ?? 'no address yet'}`,
    );
  }
  return `${sections.join('\n')}\n`;
}
