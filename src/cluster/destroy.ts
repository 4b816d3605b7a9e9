/**
 * `quire destroy`: remove the installation. Data survives unless --purge: the PVCs and the
 * generated password Secrets (the data needs them) are kept, and so is the namespace.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { QuireConfig } from '../config/schema.js';
import { selectorLabels } from '../k8s/names.js';
import { deleteObject } from './apply.js';
import { objectLabel, type ClusterConnection } from './connection.js';
import { isKept, listInstalled } from './inventory.js';

export interface DestroyResult {
  readonly deleted: readonly string[];
  readonly kept: readonly string[];
}

export async function destroy(
  connection: ClusterConnection,
  config: QuireConfig,
  options: { purge: boolean; log: (line: string) => void },
): Promise<DestroyResult> {
  const deleted: string[] = [];
  const kept: string[] = [];
  const remove = async (object: KubernetesObject) => {
    await deleteObject(connection, object);
    deleted.push(objectLabel(object));
    options.log(`deleted ${objectLabel(object)}`);
  };
  for (const object of await listInstalled(connection, config)) {
    if (isKept(object) && !options.purge) kept.push(objectLabel(object));
    else await remove(object);
  }
  const labelSelector = Object.entries(selectorLabels(config, 'database'))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const claims = await connection.core.listNamespacedPersistentVolumeClaim({
    namespace: config.namespace,
    labelSelector,
  });
  for (const claim of claims.items) {
    const object: KubernetesObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: claim.metadata,
    };
    if (options.purge) await remove(object);
    else kept.push(objectLabel(object));
  }
  for (const line of kept) options.log(`kept ${line}${options.purge ? '' : ' (--purge removes it)'}`);
  return { deleted, kept };
}
