/**
 * `quire destroy`: remove the installation. Data survives unless --purge: the PVCs and the
 * generated password Secrets (the data needs them) are kept, and so is the namespace.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { QuireConfig } from '../config/schema.js';
import { quireNames, selectorLabels } from '../k8s/names.js';
import type { KubeObject } from '../k8s/quire-manifests.js';
import { UserError } from '../config/errors.js';
import { deleteObject, readObject } from './apply.js';
import { objectLabel, type ClusterConnection } from './connection.js';
import { isKept, listInstalled } from './inventory.js';

export interface DestroyResult {
  readonly deleted: readonly string[];
  readonly kept: readonly string[];
}

export async function destroy(
  connection: ClusterConnection,
  config: QuireConfig,
  options: { purge: boolean; timeoutMs: number; log: (line: string) => void },
): Promise<DestroyResult> {
  const deleted: string[] = [];
  const kept: string[] = [];
  const removed: KubernetesObject[] = [];
  const remove = async (object: KubernetesObject) => {
    await deleteObject(connection, object);
    removed.push(object);
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
  // Made by the failover manager, not by synth (a deploy must not reset them): its Lease, and the
  // record of which pod is the primary, which belongs with the data.
  const names = quireNames(config);
  const made: [KubeObject, boolean][] = [
    [
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: names.failover, namespace: config.namespace },
      },
      true,
    ],
    [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: names.dbTopology, namespace: config.namespace },
      },
      options.purge,
    ],
  ];
  for (const [object, removeIt] of made) {
    if ((await readObject(connection, object)) === undefined) continue;
    if (removeIt) await remove(object);
    else kept.push(objectLabel(object));
  }
  for (const line of kept) options.log(`kept ${line}${options.purge ? '' : ' (--purge removes it)'}`);
  await waitGone(connection, removed, options);
  return { deleted, kept };
}

/**
 * Deletion is asynchronous (pods stop first, a claim waits for its pod): return only when every
 * deleted object is gone, so that a deploy right after starts from nothing, and say what is left
 * when it takes too long.
 */
async function waitGone(
  connection: ClusterConnection,
  objects: readonly KubernetesObject[],
  options: { timeoutMs: number; log: (line: string) => void },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let left = [...objects];
  let reported = -1;
  for (;;) {
    const present = await Promise.all(left.map((object) => readObject(connection, object)));
    left = left.filter((_, index) => present[index] !== undefined);
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new UserError(
        'DESTROY_TIMEOUT',
        `still being deleted after ${Math.round(options.timeoutMs / 1000)}s: ${left.map(objectLabel).join(', ')}; look at their finalizers and events (kubectl describe)`,
        1,
      );
    }
    if (left.length !== reported) {
      options.log(`waiting for ${left.length} objects to be removed`);
      reported = left.length;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
