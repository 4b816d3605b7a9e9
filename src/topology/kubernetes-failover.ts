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
 *   and the StatefulSet brings the pod back, read-only;
 * - a node holding writes the primary lacks is cloned again: the request goes into the record's
 *   `reclone` key and the pod is deleted; at its next start clone.sh saves those transactions as
 *   SQL on its data volume and clones it from the primary.
 * Losing the Lease (not renewed within its duration) ends the process: a new leader takes over.
 */
import {
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { ROLE_LABEL } from '../k8s/names.js';
import {
  FailoverManager,
  type FailoverTarget,
  type ManagedNode,
  type RoleChange,
} from './failover-manager.js';
import { LeaseLock } from './lease.js';
import { FAILOVER_DB_USER } from './node-sql.js';
import {
  readTopologyRecord,
  TopologyRecord,
  withoutKey,
  type PublishedManagerStatus,
  type RoleChangeAnswer,
  type RoleChangeRequest,
} from './topology-record.js';

/** What the manager's pod is told by its environment (the Deployment sets every variable). */
export interface KubernetesFailoverSettings {
  readonly podName: string;
  readonly namespace: string;
  readonly statefulSet: string;
  readonly headless: string;
  readonly nodes: number;
  readonly port: number;
  readonly topologyConfigMap: string;
  /** Where a re-cloned DB pod keeps its errant transactions (on its data volume). */
  readonly errantDir: string;
  readonly lease: string;
  readonly semiSync: boolean;
  readonly failoverPassword: string;
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
    errantDir: need('QUIRE_DB_ERRANT_DIR'),
    lease: need('QUIRE_FAILOVER_LEASE'),
    semiSync: need('QUIRE_DB_REPLICATION') === 'semi-sync',
    failoverPassword: need('MARIADB_FAILOVER_PASSWORD'),
    replicationPassword: need('MARIADB_REPLICATION_PASSWORD'),
  };
}

const status = (error: unknown): number | undefined => (error as { code?: number }).code;
const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** How often the leader checks the pods' role labels (a pod the StatefulSet made again has none). */
const LABEL_CHECK_MS = 2000;

async function kubernetesTarget(
  settings: KubernetesFailoverSettings,
  core: CoreV1Api,
  record: TopologyRecord,
): Promise<FailoverTarget> {
  const { namespace } = settings;
  const nodes: ManagedNode[] = Array.from({ length: settings.nodes }, (_, ordinal) => {
    const name = `${settings.statefulSet}-${ordinal}`;
    // The host replicate.sh gives CHANGE MASTER (PRIMARY_HOST), so that "follows" compares equal.
    return { name, host: `${name}.${settings.headless}`, port: settings.port };
  });
  // First start: pod 0 initialised the database as the primary (common.sh's default).
  const first = nodes[0]?.name ?? `${settings.statefulSet}-0`;
  let data = (await record.read())?.data;
  if (data === undefined) {
    log(`no record of the primary yet: recording ${first}`);
    data = (await record.create({ primary: first })).data;
  }
  let { primary = first, promotedAt } = readTopologyRecord(data);
  const recorded = () => ({ primary, promotedAt });
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
    }
  };
  return {
    nodes,
    recorded,
    recordPrimary: async (name, at) => {
      const written = await record.update((current) => ({ ...current, primary: name, promotedAt: at }));
      if (written === undefined) throw new Error(`the ConfigMap ${record.name} was deleted`);
      primary = name;
      promotedAt = at;
      log(`recorded ${name} as the primary (promoted at ${at || 'the start'})`);
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
    reclone: async (name, errantFrom) => {
      // The request goes into the record before the pod is deleted: its next start reads it.
      const id = new Date().toISOString().replace(/[-:.]/g, '');
      const written = await record.update((current) => ({
        ...current,
        reclone: withRecloneRequest(current.reclone ?? '', { pod: name, from: errantFrom, id }),
      }));
      if (written === undefined) throw new Error(`the ConfigMap ${record.name} was deleted`);
      const before = await readPodUid(core, namespace, name);
      log(`${name} is cloned again: deleting its pod; it saves its errant transactions first`);
      await core.deleteNamespacedPod({ name, namespace }).catch((error: unknown) => {
        if (status(error) !== 404) throw error;
      });
      // Until the pod is gone, its server still answers with the errant writes: wait, so that the
      // manager does not ask again.
      const deadline = Date.now() + 5 * 60_000;
      while ((await readPodUid(core, namespace, name)) === before && before !== undefined) {
        if (Date.now() > deadline) throw new Error(`the pod ${name} was not replaced within 5 minutes`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      return `${name}:${settings.errantDir}/errant-${id}.sql`;
    },
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

/** The pod's uid, or undefined when there is none. */
async function readPodUid(core: CoreV1Api, namespace: string, name: string): Promise<string | undefined> {
  try {
    return (await core.readNamespacedPod({ name, namespace })).metadata?.uid;
  } catch (error) {
    if (status(error) === 404) return undefined;
    throw error;
  }
}

/**
 * The record's `reclone` value (clone.sh's RECLONE_REQUESTS: one "<pod> <gtid|-> <id>" line per
 * node) with `request` in place of the pod's earlier one.
 */
export function withRecloneRequest(
  lines: string,
  request: { readonly pod: string; readonly from: string; readonly id: string },
): string {
  const others = lines.split('\n').filter((line) => line.trim() !== '' && line.split(' ')[0] !== request.pod);
  return [...others, `${request.pod} ${request.from === '' ? '-' : request.from} ${request.id}`].join('\n');
}

/**
 * The leader's side of the record's `request`, `answer` and `manager` keys: each `serve` takes a
 * new role change request (answered `running` at once, then `done` or `refused` when it ends) and
 * publishes the manager's status when it changed.
 */
class RecordServer {
  /** The request being carried out: its answer is written when it ends. */
  private performing: string | undefined;

  constructor(
    private readonly record: TopologyRecord,
    private readonly manager: FailoverManager,
    private readonly leader: { readonly pod: string; readonly since: string },
  ) {}

  async serve(): Promise<void> {
    let taken: RoleChangeRequest | undefined;
    await this.record.update((data) => {
      taken = undefined;
      const { request, answer } = readTopologyRecord(data);
      const published = this.published();
      if (this.performing === undefined && request !== undefined && answer?.id !== request.id) {
        taken = request;
        return {
          ...withoutKey(data, 'request'),
          answer: this.answer(request.id, 'running'),
          manager: published,
        };
      }
      return data.manager === published ? undefined : { ...data, manager: published };
    });
    if (taken !== undefined) this.perform(taken);
  }

  private perform({ id, command }: RoleChangeRequest): void {
    this.performing = id;
    log(`asked for a ${command.kind} (request ${id})`);
    void this.manager
      .perform(command)
      .then(
        (change) => this.answer(id, 'done', { change }),
        (error: unknown) => this.answer(id, 'refused', { error: errorText(error) }),
      )
      .then((answer) => this.record.update((data) => ({ ...data, answer, manager: this.published() })))
      .catch((error: unknown) => {
        log(`the answer to request ${id} could not be written: ${errorText(error)}`);
      })
      .finally(() => {
        this.performing = undefined;
      });
  }

  private answer(
    id: string,
    state: RoleChangeAnswer['state'],
    outcome: { readonly change?: RoleChange; readonly error?: string } = {},
  ): string {
    const answer: RoleChangeAnswer = {
      id,
      state,
      by: this.leader.pod,
      at: new Date().toISOString(),
      ...outcome,
    };
    return JSON.stringify(answer);
  }

  private published(): string {
    const handover = this.manager.handover();
    const status: PublishedManagerStatus = {
      leader: this.leader.pod,
      since: this.leader.since,
      ...this.manager.status(),
      ...(handover === undefined ? {} : { handover }),
    };
    return JSON.stringify(status);
  }
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
      log(`the Lease could not be read: ${errorText(error)}`);
      return false;
    });
    if (held) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const since = new Date().toISOString();
  log(`${settings.podName} leads`);
  const record = new TopologyRecord(core, settings.namespace, settings.topologyConfigMap);
  const target = await kubernetesTarget(settings, core, record);
  // What the previous leader knew of the primary: if the primary died with it, this one can still
  // tell which replica holds every acknowledged write.
  const handover = readTopologyRecord((await record.read())?.data).manager?.handover;
  if (handover !== undefined) {
    log(
      `the previous leader saw ${handover.primary} with ${handover.acking.join(', ') || 'no replica'} acking`,
    );
  }
  const manager = new FailoverManager(target, {
    ...(handover === undefined ? {} : { handover }),
    user: FAILOVER_DB_USER,
    password: settings.failoverPassword,
    replicationPassword: settings.replicationPassword,
    semiSync: settings.semiSync,
  });
  void manager.run();
  const server = new RecordServer(record, manager, { pod: settings.podName, since });
  let renewedAt = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await server.serve().catch((error: unknown) => {
      log(`the record ${record.name} could not be read or written: ${errorText(error)}`);
    });
    const held = await lease.acquireOrRenew().catch(() => false);
    if (held) renewedAt = Date.now();
    // Stop acting before another pod may take the Lease over.
    if (!held && Date.now() - renewedAt > (durationSeconds - 2) * 1000) {
      log(`${settings.podName} lost the Lease; stopping`);
      process.exit(1);
    }
  }
}
