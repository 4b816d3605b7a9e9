/**
 * Server-side apply with the field manager `quire`: the API server merges each object and records
 * which fields Quire owns, so other controllers' fields (the HPA's replica count) are left alone.
 */
import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { UserError } from '../config/errors.js';
import type { ClusterConnection } from './connection.js';
import { describeError, objectLabel, statusCode } from './connection.js';

export const FIELD_MANAGER = 'quire';

export interface ApplyOptions {
  /** Ask the server to validate and merge without persisting (`--dry-run=server`). */
  readonly dryRun?: boolean;
}

export async function applyObject(
  connection: ClusterConnection,
  object: KubernetesObject,
  options: ApplyOptions = {},
): Promise<KubernetesObject> {
  try {
    return await connection.objects.patch(
      object,
      undefined,
      options.dryRun ? 'All' : undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  } catch (error) {
    throw new UserError(
      'CLUSTER_REFUSED',
      `the cluster refused ${objectLabel(object)} (HTTP ${statusCode(error) ?? '?'}): ${describeError(error)}`,
      1,
    );
  }
}

/** Read an object's live state; undefined when it does not exist. */
export async function readObject(
  connection: ClusterConnection,
  object: KubernetesObject,
): Promise<KubernetesObject | undefined> {
  try {
    return await connection.objects.read({
      apiVersion: object.apiVersion ?? '',
      kind: object.kind ?? '',
      metadata: { name: object.metadata?.name ?? '', namespace: object.metadata?.namespace },
    });
  } catch (error) {
    if (statusCode(error) === 404) return undefined;
    throw error;
  }
}

/** Delete an object (and, in the background, what it owns); absent objects are fine. */
export async function deleteObject(connection: ClusterConnection, object: KubernetesObject): Promise<void> {
  try {
    await connection.objects.delete(object, undefined, undefined, undefined, undefined, 'Background');
  } catch (error) {
    if (statusCode(error) !== 404) {
      throw new UserError(
        'CLUSTER_REFUSED',
        `cannot delete ${objectLabel(object)}: ${describeError(error)}`,
        1,
      );
    }
  }
}

/** Whether the cluster serves a kind (false when its CRD is not installed). */
export async function servesKind(
  connection: ClusterConnection,
  apiVersion: string,
  kind: string,
  namespace: string,
): Promise<boolean> {
  try {
    await connection.objects.list(
      apiVersion,
      kind,
      namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      1,
    );
    return true;
  } catch (error) {
    if (statusCode(error) === 404) return false;
    throw error;
  }
}
