/**
 * Server-side apply with the field manager `quire`: the API server merges each object and records
 * which fields Quire owns, so other controllers' fields (the HPA's replica count) are left alone.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubernetesObject } from '@kubernetes/client-node';
import { UserError } from '../config/errors.js';
import type { ClusterConnection } from './connection.js';
import { describeError, objectLabel, statusCode } from './connection.js';

export const FIELD_MANAGER = 'quire';

export interface ApplyOptions {
  /** Ask the server to validate and merge without persisting (`--dry-run=server`). */
  readonly dryRun?: boolean;
}

/**
 * The REST path of an object. Plurals follow the API's rule for every kind Quire makes
 * (Ingress → ingresses, NetworkPolicy → networkpolicies).
 */
export function resourcePath(object: KubernetesObject): string {
  const apiVersion = object.apiVersion ?? 'v1';
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const kind = (object.kind ?? '').toLowerCase();
  const plural = kind.endsWith('y')
    ? `${kind.slice(0, -1)}ies`
    : kind.endsWith('s')
      ? `${kind}es`
      : `${kind}s`;
  const namespace = object.metadata?.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  return `${base}${namespace}/${plural}/${object.metadata?.name ?? ''}`;
}

interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * One request to the API server with the connection's credentials, bodies as plain JSON: the
 * client library's typed models would rename or drop fields they spell differently (a
 * NetworkPolicy rule's `from` comes back as `_from`), which would break apply and diff alike.
 */
async function rawRequest(
  connection: ClusterConnection,
  object: KubernetesObject,
  method: 'GET' | 'PATCH',
  options: { query?: Record<string, string>; body?: string; contentType?: string } = {},
): Promise<RawResponse> {
  const url = new URL(resourcePath(object), connection.server);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const request: RequestOptions = {
    method,
    headers: {
      Accept: 'application/json',
      ...(options.contentType ? { 'Content-Type': options.contentType } : {}),
    },
  };
  await connection.kubeConfig.applyToHTTPSOptions(request);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<RawResponse>((resolve, reject) => {
    const call = send(url, request, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: text });
      });
    });
    call.on('error', reject);
    call.end(options.body);
  }).catch((error: unknown) => {
    throw new UserError(
      'CLUSTER_UNREACHABLE',
      `cannot reach ${connection.server} for ${objectLabel(object)}: ${describeError(error)}`,
      1,
    );
  });
}

/** Server-side apply of the object exactly as Quire made it. */
export async function applyObject(
  connection: ClusterConnection,
  object: KubernetesObject,
  options: ApplyOptions = {},
): Promise<KubernetesObject> {
  const { status, body } = await rawRequest(connection, object, 'PATCH', {
    query: { fieldManager: FIELD_MANAGER, force: 'true', ...(options.dryRun ? { dryRun: 'All' } : {}) },
    body: JSON.stringify(object),
    contentType: 'application/apply-patch+yaml',
  });
  if (status >= 200 && status < 300) return JSON.parse(body) as KubernetesObject;
  throw new UserError(
    'CLUSTER_REFUSED',
    `the cluster refused ${objectLabel(object)} (HTTP ${status}): ${describeError({ body })}`,
    1,
  );
}

/** Read an object's live state as the server has it; undefined when it does not exist. */
export async function readObject(
  connection: ClusterConnection,
  object: KubernetesObject,
): Promise<KubernetesObject | undefined> {
  const { status, body } = await rawRequest(connection, object, 'GET');
  if (status === 404) return undefined;
  if (status >= 200 && status < 300) return JSON.parse(body) as KubernetesObject;
  throw new UserError(
    'CLUSTER_REFUSED',
    `cannot read ${objectLabel(object)} (HTTP ${status}): ${describeError({ body })}`,
    1,
  );
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
