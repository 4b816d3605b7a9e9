/**
 * The cluster's VMs, named and addressed from the `cluster:` block: one list that the Vagrantfile,
 * the Kubespray inventory, the NFS playbook, up.sh and `quire cluster kubeconfig` all read, so a
 * node has the same name and address everywhere.
 */
import type { ClusterConfig } from '../config/schema.js';
import { formatCidr, formatIpv4, parseCidr, parseIpv4 } from './ipv4.js';

export type NodeRole = 'control-plane' | 'worker';

export interface ClusterNode {
  /** VM name, host name and Kubernetes node name (seed: kube-control1, kube-node1..3). */
  readonly name: string;
  readonly role: NodeRole;
  /** Address on the host-only network. */
  readonly address: string;
  readonly cpus: number;
  /** Memory of the VM, in MiB. */
  readonly memoryMiB: number;
}

function addressAt(first: string, offset: number): string {
  const base = parseIpv4(first);
  if (base === undefined) throw new Error(`unvalidated address ${first}`);
  return formatIpv4(base + offset);
}

/** Control-plane VMs first (the first one runs Kubespray and serves NFS), then the workers. */
export function clusterNodes(cluster: ClusterConfig): ClusterNode[] {
  const role = (vms: ClusterConfig['workers'], kind: NodeRole, stem: string): ClusterNode[] =>
    Array.from({ length: vms.count }, (_, index) => ({
      name: `${cluster.namePrefix}-${stem}${index + 1}`,
      role: kind,
      address: addressAt(vms.firstAddress, index),
      cpus: vms.cpus,
      memoryMiB: vms.memoryMiB,
    }));
  return [
    ...role(cluster.controlPlane, 'control-plane', 'control'),
    ...role(cluster.workers, 'worker', 'node'),
  ];
}

/** The node Kubespray runs on, that serves NFS and holds the admin kubeconfig. */
export function firstControlPlane(cluster: ClusterConfig): ClusterNode {
  const node = clusterNodes(cluster)[0];
  if (node?.role !== 'control-plane') throw new Error('a validated cluster has a control plane');
  return node;
}

/** The node network in canonical CIDR form (`192.168.56.0/24`). */
export function nodeNetwork(cluster: ClusterConfig): string {
  const network = parseCidr(cluster.network);
  if (!network) throw new Error(`unvalidated network ${cluster.network}`);
  return formatCidr(network);
}
