/**
 * The admin kubeconfig of the cluster, for use from the host: how to read it from the control
 * plane (the command, a pure value) and how to rewrite its server address (a pure function).
 * Kubespray leaves admin.conf pointing at an address only the node itself can use
 * (127.0.0.1 or localhost); the host reaches the API server on the node's host-only address,
 * which Kubespray puts in the server certificate's names.
 */
import { join } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import type { ClusterConfig } from '../config/schema.js';
import { firstControlPlane } from './cluster-nodes.js';
import { ADMIN_KUBECONFIG_PATH, KUBE_APISERVER_PORT } from './kubespray-release.js';
import { CLUSTER_KEY_FILE } from './vagrantfile.js';

/** How `quire cluster kubeconfig` reaches the control plane. */
export type KubeconfigTransport = 'vagrant' | 'ssh';

/** A command to run, with its arguments and working directory. */
export interface CommandSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

/** A kubeconfig that cannot be rewritten: not YAML, not a Config, no cluster with a server. */
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

/** The API server URL the host uses: the first control-plane node's address. */
export function apiServerUrl(cluster: ClusterConfig): string {
  return `https://${firstControlPlane(cluster).address}:${KUBE_APISERVER_PORT}`;
}

/**
 * The command printing admin.conf of the first control-plane node: `vagrant ssh` in the cluster
 * directory, or plain ssh with the cluster key the Vagrantfile made.
 */
export function readAdminKubeconfigCommand(
  cluster: ClusterConfig,
  directory: string,
  transport: KubeconfigTransport,
): CommandSpec {
  const control = firstControlPlane(cluster);
  const remote = `sudo cat ${ADMIN_KUBECONFIG_PATH}`;
  if (transport === 'vagrant') {
    // No tty: a tty would turn every newline into CRLF.
    return { command: 'vagrant', args: ['ssh', control.name, '--no-tty', '-c', remote], cwd: directory };
  }
  return {
    command: 'ssh',
    args: [
      '-i',
      join(directory, CLUSTER_KEY_FILE),
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      `UserKnownHostsFile=${join(directory, '.quire', 'known_hosts')}`,
      '-o',
      'ConnectTimeout=10',
      `vagrant@${control.address}`,
      remote,
    ],
    cwd: directory,
  };
}

/**
 * The kubeconfig with every cluster's `server` replaced by `server`; anything before the document
 * (a tool's banner) is dropped and CRLF line ends are made LF.
 * @throws KubeconfigError when the text is not a kubeconfig with at least one cluster.
 */
export function rewriteKubeconfig(text: string, server: string): string {
  const normalised = text.replace(/\r\n/g, '\n');
  const start = normalised.search(/^apiVersion:/m);
  if (start < 0) throw new KubeconfigError('it has no "apiVersion:" line, so it is not a kubeconfig');
  const document = parseDocument(normalised.slice(start));
  if (document.errors.length > 0) {
    throw new KubeconfigError(`it is not valid YAML: ${document.errors[0]?.message.split('\n')[0] ?? ''}`);
  }
  if (document.get('kind') !== 'Config') throw new KubeconfigError('its kind is not Config');
  const clusters = document.get('clusters');
  if (!isSeq(clusters) || clusters.items.length === 0) throw new KubeconfigError('it lists no clusters');
  for (const entry of clusters.items) {
    const cluster = isMap(entry) ? entry.get('cluster') : undefined;
    if (!isMap(cluster) || typeof cluster.get('server') !== 'string') {
      throw new KubeconfigError('a cluster in it has no server address');
    }
    cluster.set('server', server);
  }
  return document.toString({ lineWidth: 0 });
}
