/**
 * The connection to a cluster: the kubeconfig (from --kubeconfig, $KUBECONFIG or ~/.kube/config),
 * the context, and the API clients Quire uses. Failing to reach the cluster is a user error that
 * names the context and server.
 */
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  NetworkingV1Api,
  VersionApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { UserError } from '../config/errors.js';

export interface ConnectionOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
}

export interface ClusterConnection {
  readonly kubeConfig: KubeConfig;
  readonly context: string;
  readonly server: string;
  readonly objects: KubernetesObjectApi;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly autoscaling: AutoscalingV2Api;
  readonly networking: NetworkingV1Api;
}

export function connect(options: ConnectionOptions): ClusterConnection {
  const kubeConfig = new KubeConfig();
  try {
    if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new UserError(
      'CLUSTER_UNREACHABLE',
      `cannot read the kubeconfig ${options.kubeconfig ?? '(default)'}: ${(error as Error).message}`,
    );
  }
  if (options.context) {
    if (!kubeConfig.getContextObject(options.context)) {
      const known = kubeConfig.getContexts().map((context) => context.name);
      throw new UserError(
        'CLUSTER_UNREACHABLE',
        `no context "${options.context}" in the kubeconfig; known: ${known.join(', ') || 'none'}`,
      );
    }
    kubeConfig.setCurrentContext(options.context);
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) {
    throw new UserError(
      'CLUSTER_UNREACHABLE',
      'no cluster is configured: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config',
    );
  }
  return {
    kubeConfig,
    context: kubeConfig.getCurrentContext(),
    server: cluster.server,
    objects: KubernetesObjectApi.makeApiClient(kubeConfig),
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    autoscaling: kubeConfig.makeApiClient(AutoscalingV2Api),
    networking: kubeConfig.makeApiClient(NetworkingV1Api),
  };
}

/** Fails with a clear message when the API server does not answer. */
export async function checkReachable(connection: ClusterConnection): Promise<string> {
  try {
    const version = await connection.kubeConfig.makeApiClient(VersionApi).getCode();
    return version.gitVersion;
  } catch (error) {
    throw new UserError(
      'CLUSTER_UNREACHABLE',
      `cannot reach the cluster of context "${connection.context}" at ${connection.server}: ${describeError(error)}. Check the context (--context) and that the cluster is up.`,
      1,
    );
  }
}

/** The HTTP status of a failed API call, if it was one. */
export function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** A one-line reason of a failed API call. */
export function describeError(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      return body.slice(0, 300);
    }
  }
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
}

/** `kind/name` (with the namespace when there is one) for messages. */
export function objectLabel(object: KubernetesObject): string {
  const namespace = object.metadata?.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.kind ?? '?'} ${namespace}${object.metadata?.name ?? '?'}`;
}
