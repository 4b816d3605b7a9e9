/**
 * `quire diff`: what a deploy would change, from a server-side dry-run apply compared with the
 * live objects. Only field paths are shown, never values, so Secrets do not leak. Objects whose
 * kind the cluster does not serve are shown as skipped, as a deploy would skip them.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { QuireConfig } from '../config/schema.js';
import type { ManifestFile } from '../k8s/quire-manifests.js';
import { applyObject, readObject } from './apply.js';
import { objectLabel, type ClusterConnection } from './connection.js';
import { isKept, listInstalled, objectKey } from './inventory.js';
import { withoutUnservedKinds } from './served-kinds.js';

export interface ObjectChange {
  readonly object: string;
  /** `skip`: the cluster does not serve the kind (an operator's CRD is missing), as in a deploy. */
  readonly action: 'create' | 'change' | 'prune' | 'skip';
  /** Changed field paths, for `change`; what is missing, for `skip`. */
  readonly paths: readonly string[];
}

/** Metadata the server manages, which says nothing about what Quire changes. */
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp'];

function comparable(object: KubernetesObject): unknown {
  const copy = JSON.parse(JSON.stringify(object)) as Record<string, unknown> & {
    metadata?: Record<string, unknown>;
  };
  delete copy.status;
  for (const key of SERVER_METADATA) delete copy.metadata?.[key];
  return copy;
}

/** Leaf paths where two JSON values differ. */
export function changedPaths(before: unknown, after: unknown, path = ''): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObject = (value: unknown) => value !== null && typeof value === 'object';
  if (!isObject(before) || !isObject(after) || Array.isArray(before) !== Array.isArray(after))
    return [path || '.'];
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) =>
    changedPaths(a[key], b[key], Array.isArray(before) ? `${path}[${key}]` : `${path}.${key}`),
  );
}

export async function diff(
  connection: ClusterConnection,
  config: QuireConfig,
  files: readonly ManifestFile[],
): Promise<ObjectChange[]> {
  const served = await withoutUnservedKinds(connection, config, files, { strict: false });
  const changes: ObjectChange[] = served.skipped.map((object) => ({
    object,
    action: 'skip',
    paths: [],
  }));
  const wanted = served.files.flatMap((file) => file.objects);
  for (const object of wanted) {
    const live = await readObject(connection, object);
    if (!live) {
      changes.push({ object: objectLabel(object), action: 'create', paths: [] });
      continue;
    }
    const merged = await applyObject(connection, object, { dryRun: true });
    const paths = changedPaths(comparable(live), comparable(merged));
    if (paths.length > 0) changes.push({ object: objectLabel(object), action: 'change', paths });
  }
  const keys = new Set(files.flatMap((file) => file.objects).map(objectKey));
  for (const object of await listInstalled(connection, config)) {
    if (!keys.has(objectKey(object)) && !isKept(object))
      changes.push({ object: objectLabel(object), action: 'prune', paths: [] });
  }
  return changes;
}
