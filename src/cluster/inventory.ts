/**
 * What Quire owns in a cluster: every object it makes carries the labels
 * `app.kubernetes.io/managed-by=quire` and `app.kubernetes.io/instance=<name>`; cluster-scoped
 * objects also start with `<namespace>-<name>-` (or are the configured StorageClass). This module
 * lists them, so that deploy can prune what the configuration no longer makes and destroy can
 * remove everything.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { QuireConfig } from '../config/schema.js';
import type { ClusterConnection } from './connection.js';
import { statusCode } from './connection.js';

export interface KindRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** Every kind Quire can make, in the order destroy removes them (workloads before their config). */
export const QUIRE_KINDS: readonly KindRef[] = [
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespaced: true },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', namespaced: true },
  { apiVersion: 'batch/v1', kind: 'Job', namespaced: true },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespaced: true },
  { apiVersion: 'v1', kind: 'Service', namespaced: true },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespaced: true },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', namespaced: true },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', namespaced: true },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', namespaced: true },
  { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespaced: true },
  { apiVersion: 'v1', kind: 'ConfigMap', namespaced: true },
  { apiVersion: 'v1', kind: 'Secret', namespaced: true },
  // The media claim (the database's claims come from its StatefulSet and carry no inventory label).
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespaced: true },
  { apiVersion: 'v1', kind: 'ServiceAccount', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', namespaced: false },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespaced: false },
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', namespaced: false },
];

/** Label selector of one installation's objects. */
export function inventorySelector(config: QuireConfig): string {
  return `app.kubernetes.io/managed-by=quire,app.kubernetes.io/instance=${config.name}`;
}

/** A stable identity of an object, for comparing what exists with what is wanted. */
export function objectKey(object: KubernetesObject): string {
  return [object.apiVersion, object.kind, object.metadata?.namespace ?? '', object.metadata?.name].join('/');
}

/** Whether a cluster-scoped object belongs to this installation (its name says so). */
function ownsClusterObject(config: QuireConfig, object: KubernetesObject): boolean {
  const name = object.metadata?.name ?? '';
  return (
    name.startsWith(`${config.namespace}-${config.name}-`) ||
    (object.kind === 'StorageClass' && name === config.storage.nfs.storageClassName)
  );
}

/**
 * The installation's objects that exist in the cluster, in destroy order. Kinds whose API is not
 * served (no CRD) are skipped.
 */
export async function listInstalled(
  connection: ClusterConnection,
  config: QuireConfig,
): Promise<KubernetesObject[]> {
  const found: KubernetesObject[] = [];
  for (const ref of QUIRE_KINDS) {
    let items: KubernetesObject[];
    try {
      const list = await connection.objects.list(
        ref.apiVersion,
        ref.kind,
        ref.namespaced ? config.namespace : undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        inventorySelector(config),
      );
      items = list.items;
    } catch (error) {
      if (statusCode(error) === 404) continue;
      throw error;
    }
    for (const item of items) {
      // Lists do not repeat apiVersion and kind on their items.
      const object = { ...item, apiVersion: ref.apiVersion, kind: ref.kind };
      if (ref.namespaced || ownsClusterObject(config, object)) found.push(object);
    }
  }
  return found;
}

/**
 * Objects marked to survive prune and destroy (without --purge), as `helm uninstall` leaves them:
 * generated passwords the data volumes depend on, the certificate, and the media claim.
 */
export function isKept(object: KubernetesObject): boolean {
  return object.metadata?.annotations?.['helm.sh/resource-policy'] === 'keep';
}
