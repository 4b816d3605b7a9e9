/**
 * What the doctor's checks read: a plain, JSON-serialisable picture of one namespace and the
 * cluster-wide objects it depends on, taken once (take-snapshot.ts) so that every check is a pure
 * function of it and can be tested on states recorded from a real cluster.
 *
 * It holds no secret value: Secrets are reduced to their keys and certificate facts, ConfigMaps
 * to the names of keys that hold a password.
 */

import type { SemiSyncReport } from '../topology/node-report.js';

export interface EventFacts {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  /** ISO time of the last occurrence. */
  readonly lastSeen: string | null;
}

export interface ContainerFacts {
  readonly name: string;
  readonly init: boolean;
  readonly image: string;
  readonly requests: Readonly<Record<string, string>>;
  readonly limits: Readonly<Record<string, string>>;
  readonly ready: boolean;
  readonly restartCount: number;
  readonly waiting: { readonly reason: string; readonly message: string } | null;
  readonly terminated: { readonly reason: string; readonly exitCode: number } | null;
  readonly lastTerminated: {
    readonly reason: string;
    readonly exitCode: number;
    readonly finishedAt: string | null;
  } | null;
  /** Last lines of the previous run's log, read only for a container in CrashLoopBackOff. */
  readonly previousLogTail: readonly string[] | null;
}

export interface PodFacts {
  readonly name: string;
  readonly namespace: string;
  readonly node: string | null;
  readonly phase: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The `kubernetes.io/limit-ranger` annotation: which defaults a LimitRange filled in. */
  readonly limitRanger: string | null;
  readonly owner: { readonly kind: string; readonly name: string } | null;
  readonly conditions: readonly {
    readonly type: string;
    readonly status: string;
    readonly reason: string | null;
    readonly message: string | null;
  }[];
  readonly containers: readonly ContainerFacts[];
}

export interface WorkloadFacts {
  readonly kind: 'Deployment' | 'StatefulSet' | 'ReplicaSet';
  readonly name: string;
  readonly desired: number;
  readonly current: number;
  readonly ready: number;
}

export interface PvcFacts {
  readonly name: string;
  readonly phase: string;
  /** `spec.storageClassName`; null when the claim names none (the default class applies). */
  readonly storageClass: string | null;
  readonly accessModes: readonly string[];
  readonly size: string | null;
}

export interface StorageClassFacts {
  readonly name: string;
  readonly provisioner: string;
  readonly isDefault: boolean;
}

/** A pod that runs a dynamic provisioner (it has a PROVISIONER_NAME variable), anywhere in the cluster. */
export interface ProvisionerPodFacts {
  readonly pod: PodFacts;
  readonly provisioner: string;
  readonly nfs: { readonly server: string; readonly path: string } | null;
  readonly events: readonly EventFacts[];
}

export interface LimitRangeFacts {
  readonly name: string;
  readonly limits: readonly {
    readonly type: string;
    readonly default: Readonly<Record<string, string>>;
    readonly defaultRequest: Readonly<Record<string, string>>;
    readonly max: Readonly<Record<string, string>>;
    readonly min: Readonly<Record<string, string>>;
  }[];
}

export interface ResourceQuotaFacts {
  readonly name: string;
  readonly hard: Readonly<Record<string, string>>;
  readonly used: Readonly<Record<string, string>>;
}

export interface HpaFacts {
  readonly name: string;
  readonly target: { readonly kind: string; readonly name: string };
  readonly conditions: readonly {
    readonly type: string;
    readonly status: string;
    readonly reason: string | null;
    readonly message: string | null;
  }[];
  readonly hasCurrentMetrics: boolean;
}

/** The APIService of the resource metrics API; null when it is not registered at all. */
export interface MetricsApiFacts {
  readonly available: boolean;
  readonly reason: string | null;
  readonly message: string | null;
  readonly service: string | null;
}

export interface IngressFacts {
  readonly name: string;
  readonly className: string | null;
  readonly hosts: readonly string[];
  readonly tls: readonly { readonly secretName: string | null; readonly hosts: readonly string[] }[];
  readonly addresses: readonly string[];
}

export interface IngressClassFacts {
  readonly name: string;
  readonly controller: string;
  readonly isDefault: boolean;
}

export interface CertificateFacts {
  readonly subject: string;
  /** DNS names of the subject alternative names (and the CN when there are none). */
  readonly dnsNames: readonly string[];
  readonly validFrom: string;
  readonly validTo: string;
}

export interface SecretFacts {
  readonly name: string;
  readonly type: string;
  readonly keys: readonly string[];
  /** Parsed `tls.crt` of a TLS Secret; null when there is none or it does not parse. */
  readonly certificate: CertificateFacts | null;
}

/** A ConfigMap key whose value is a password: never the value itself. */
export interface ConfigMapPasswordFacts {
  readonly configMap: string;
  readonly key: string;
  /** The Secret and key whose value it repeats, or null when only the key's name says password. */
  readonly sameAs: { readonly secret: string; readonly key: string } | null;
}

/** The replication state of one DB pod, from the pod's report script (`SHOW SLAVE STATUS`, `@@read_only`). */
export interface DatabasePodFacts {
  readonly pod: string;
  readonly ordinal: number;
  readonly readOnly: boolean | null;
  /** Null on a server that has no replication configured (the primary). */
  readonly replica: {
    readonly ioRunning: string;
    readonly sqlRunning: string;
    readonly secondsBehind: number | null;
    readonly lastIoErrno: number;
    readonly lastIoError: string;
    readonly lastSqlErrno: number;
    readonly lastSqlError: string;
    readonly masterHost: string;
  } | null;
  /** Null when the state could not be read. */
  readonly semiSync: SemiSyncReport | null;
  /** Why the state could not be read, when it could not. */
  readonly unreadable: string | null;
}

export interface NodeFacts {
  readonly name: string;
  readonly ready: {
    readonly status: string;
    readonly reason: string | null;
    readonly message: string | null;
  };
}

/** What Quire's configuration expects in the namespace. */
export interface QuireExpectations {
  readonly name: string;
  readonly maxReplicationLagSeconds: number;
  readonly databaseStatefulSet: string;
  readonly web: string;
  readonly ingress: string;
  readonly ingressHost: string;
  readonly secrets: readonly { readonly name: string; readonly purpose: string }[];
  /** The memory each Quire workload's main container asks for, to compare with a LimitRange. */
  readonly resources: readonly {
    readonly workload: string;
    readonly requests: Readonly<Record<string, string>>;
    readonly limits: Readonly<Record<string, string>>;
  }[];
}

/** The failover manager's Lease and the record its leader keeps (src/topology/topology-record.ts). */
export interface FailoverFacts {
  /** Names of the Lease and of the record's ConfigMap. */
  readonly leaseName: string;
  readonly recordName: string;
  /** Null when the Lease does not exist. */
  readonly lease: {
    readonly holder: string | null;
    readonly renewTime: string | null;
    readonly durationSeconds: number | null;
  } | null;
  readonly recordedPrimary: string | null;
  /** Why the leader does not fail a dead primary over, as it published it. */
  readonly waiting: string | null;
  /** Nodes cloned again, with where their errant transactions are kept (absent in older snapshots). */
  readonly errant?: readonly { readonly node: string; readonly file: string; readonly at: string }[];
}

export interface ClusterSnapshot {
  /** ISO time the snapshot was taken: checks judge recency against it, never the clock. */
  readonly takenAt: string;
  readonly context: string;
  readonly namespace: string;
  readonly quire: QuireExpectations;
  readonly nodes: readonly NodeFacts[];
  readonly pods: readonly PodFacts[];
  readonly workloads: readonly WorkloadFacts[];
  readonly events: readonly EventFacts[];
  readonly pvcs: readonly PvcFacts[];
  readonly storageClasses: readonly StorageClassFacts[];
  readonly provisioners: readonly ProvisionerPodFacts[];
  readonly limitRanges: readonly LimitRangeFacts[];
  readonly resourceQuotas: readonly ResourceQuotaFacts[];
  readonly hpas: readonly HpaFacts[];
  readonly metricsApi: MetricsApiFacts | null;
  readonly ingresses: readonly IngressFacts[];
  readonly ingressClasses: readonly IngressClassFacts[];
  readonly secrets: readonly SecretFacts[];
  readonly configMapPasswords: readonly ConfigMapPasswordFacts[];
  readonly database: readonly DatabasePodFacts[];
  /** Null when the namespace has no failover manager; absent in snapshots recorded before it existed. */
  readonly failover?: FailoverFacts | null;
}

/** The events about one object, newest first. */
export function eventsFor(events: readonly EventFacts[], kind: string, name: string): readonly EventFacts[] {
  return events
    .filter((event) => event.kind === kind && event.name === name)
    .sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''));
}

/** `Kind namespace/name`, as evidence names objects. */
export function objectName(kind: string, namespace: string | null, name: string): string {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}
