/**
 * The failover manager on Kubernetes (`quire failover-manager`, in the pods of
 * src/k8s/database/failover-manager.ts). The pod that holds the Lease runs the manager with this
 * target:
 * - the primary is recorded in a ConfigMap (`primary`, `promotedAt`), which the DB pods read at
 *   each container start (PRIMARY_NAME): a pod that is not the recorded primary starts read-only;
 * - the write endpoint is the write Service, which selects the pod labelled `quire.dev/role=primary`:
 *   holding it removes that label, leading to a node sets it (and `replica` on the others, which
 *   the read Service selects);
 * - fencing deletes the old primary's pod at once (grace 0): a frozen server is killed with it,
 *   and the StatefulSet brings the pod back, read-only.
 * Losing the Lease (not renewed within its duration) ends the process: a new leader takes over.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   the Kubernetes client's models are data-only classes; its serializer takes plain objects */
import {
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { ROLE_LABEL } from '../k8s/names.js';
import { FailoverManager, type FailoverTarget, type ManagedNode } from './failover-manager.js';
import { LeaseLock } from './lease.js';

/** What the manager's pod is told by its environment (the Deployment sets every variable). */
export interface KubernetesFailoverSettings {
  readonly podName: string;
  readonly namespace: string;
  readonly statefulSet: string;
  readonly headless: string;
  readonly nodes: number;
  readonly port: number;
  readonly topologyConfigMap: string;
  readonly lease: string;
  readonly semiSync: boolean;
  readonly rootPassword: string;
  readonly replicationPassword: string;
}

/** The settings from the Deployment's variables; a missing one is an error naming it. */
export function failoverSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): KubernetesFailoverSettings {
  const need = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new Error(`${name} is not set; the failover manager's Deployment sets it (quire synth)`);
    }
    return value;
  };
  const count = (name: string): number => {
    const value = Number(need(name));
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} is "${need(name)}"; it must be a whole number >= 1`);
    return value;
  };
  return {
    podName: need('POD_NAME'),
    namespace: need('QUIRE_NAMESPACE'),
    statefulSet: need('QUIRE_DB_STATEFULSET'),
    headless: need('QUIRE_DB_HEADLESS'),
    nodes: count('QUIRE_DB_NODES'),
    port: count('QUIRE_DB_PORT'),
    topologyConfigMap: need('QUIRE_DB_TOPOLOGY'),
    lease: need('QUIRE_FAILOVER_LEASE'),
    semiSync: need('QUIRE_DB_REPLICATION') === 'semi-sync',
    rootPassword: need('MARIADB_ROOT_PASSWORD'),
    replicationPassword: need('MARIADB_REPLICATION_PASSWORD'),
  };
}

const status = (error: unknown): number | undefined => (error as { code?: number }).code;
const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** How often the leader checks the pods' role labels (a pod the StatefulSet made again has none). */
const LABEL_CHECK_MS = 2000;

async function kubernetesTarget(
  settings: KubernetesFailoverSettings,
  core: CoreV1Api,
): Promise<FailoverTarget> {
  const { namespace } = settings;
  const nodes: ManagedNode[] = Array.from({ length: settings.nodes }, (_, ordinal) => {
    const name = `${settings.statefulSet}-${ordinal}`;
    // The host replicate.sh gives CHANGE MASTER (PRIMARY_HOST), so that "follows" compares equal.
    return { name, host: `${name}.${settings.headless}`, port: settings.port };
  });
  const readRecord = async (): Promise<V1ConfigMap> => {
    try {
      return await core.readNamespacedConfigMap({ name: settings.topologyConfigMap, namespace });
    } catch (error) {
      if (status(error) !== 404) throw error;
      // First start: pod 0 initialised the database as the primary (common.sh's default).
      const first = nodes[0]?.name ?? `${settings.statefulSet}-0`;
      log(`no record of the primary yet: recording ${first}`);
      return core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: settings.topologyConfigMap, namespace }, data: { primary: first } },
      });
    }
  };
  let record = await readRecord();
  const recorded = () => ({
    primary: record.data?.primary ?? nodes[0]?.name ?? '',
    promotedAt: record.data?.promotedAt,
  });
  const label = async (pod: string, role: 'primary' | 'replica' | null): Promise<void> => {
    try {
      await core.patchNamespacedPod(
        { name: pod, namespace, body: { metadata: { labels: { [ROLE_LABEL]: role } } } },
        MERGE_PATCH,
      );
    } catch (error) {
      if (status(error) !== 404) throw error;
    }
  };
  const labels = new Map<string, string | undefined>();
  let lastLabelCheck = 0;
  let leadingTo: string | undefined;
  /** Every pod labelled as the record says (primary, or replica once it answers as one). */
  const syncLabels = async (force: boolean): Promise<void> => {
    if (!force && Date.now() - lastLabelCheck < LABEL_CHECK_MS) return;
    lastLabelCheck = Date.now();
    for (const node of nodes) {
      const wanted = node.name === leadingTo ? 'primary' : 'replica';
      let current: string | undefined;
      try {
        current = (await core.readNamespacedPod({ name: node.name, namespace })).metadata?.labels?.[
          ROLE_LABEL
        ];
      } catch (error) {
        if (status(error) === 404) continue;
        throw error;
      }
      if (node.name === recorded().primary && leadingTo === undefined) {
        // Held: the primary keeps no label until the manager leads to it.
        if (current === 'primary') await label(node.name, null);
      } else if (current !== wanted) {
        await label(node.name, wanted);
      }
      labels.set(node.name, wanted);
    }
  };
  return {
    nodes,
    recorded,
    recordPrimary: async (name, promotedAt) => {
      for (;;) {
        try {
          record = await core.replaceNamespacedConfigMap({
            name: settings.topologyConfigMap,
            namespace,
            body: { ...record, data: { ...record.data, primary: name, promotedAt } },
          });
          log(`recorded ${name} as the primary (promoted at ${promotedAt || 'the start'})`);
          return;
        } catch (error) {
          if (status(error) !== 409) throw error;
          record = await readRecord();
        }
      }
    },
    fence: async (name) => {
      log(`fencing ${name}: deleting its pod now`);
      await label(name, null);
      try {
        await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
      } catch (error) {
        if (status(error) !== 404) throw error;
      }
    },
    reclone: (name) =>
      Promise.reject(
        new Error(
          `${name} holds writes the primary lacks; on Kubernetes it is not cloned again by itself yet: it stays read-only, out of the read Service. Save what you need from it (errant.sh in its mariadb container), then delete its volume claim (data-${name}) and its pod to clone it again`,
        ),
      ),
    writeEndpoint: {
      hold: async () => {
        leadingTo = undefined;
        await label(recorded().primary, null);
      },
      leadTo: async (node) => {
        leadingTo = node.name;
        await syncLabels(true);
      },
    },
    maintain: () => syncLabels(false),
    log,
  };
}

/**
 * Run until the Lease is lost: campaign for it every second; once held, run the manager and renew
 * it; if a renewal fails for longer than the Lease lasts, exit so that the pod starts over.
 */
export async function runKubernetesFailoverManager(settings: KubernetesFailoverSettings): Promise<never> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromCluster();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const durationSeconds = 5;
  const lease = new LeaseLock({
    api: kubeConfig.makeApiClient(CoordinationV1Api),
    namespace: settings.namespace,
    name: settings.lease,
    identity: settings.podName,
    durationSeconds,
  });
  log(`${settings.podName}: campaigning for the Lease ${settings.lease}`);
  for (;;) {
    const held = await lease.acquireOrRenew().catch((error: unknown) => {
      log(`the Lease could not be read: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    });
    if (held) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  log(`${settings.podName} leads`);
  const manager = new FailoverManager(await kubernetesTarget(settings, core), {
    user: 'root',
    password: settings.rootPassword,
    replicationPassword: settings.replicationPassword,
    semiSync: settings.semiSync,
  });
  void manager.run();
  let renewedAt = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const held = await lease.acquireOrRenew().catch(() => false);
    if (held) renewedAt = Date.now();
    // Stop acting before another pod may take the Lease over.
    if (!held && Date.now() - renewedAt > (durationSeconds - 2) * 1000) {
      log(`${settings.podName} lost the Lease; stopping`);
      process.exit(1);
    }
  }
}
