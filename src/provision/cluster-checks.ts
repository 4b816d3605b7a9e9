/**
 * The cross-field checks of the `cluster:` block: addresses, the MetalLB pool, the control plane
 * and etcd, memory per role and the Kubernetes version, each message naming the problem and the
 * fix. The schema (src/config/schema.ts) runs them; they see values that may have failed their own
 * field checks, so they skip what does not parse.
 */
import {
  broadcastAddress,
  formatCidr,
  formatIpv4,
  formatIpv4Range,
  isNetworkAligned,
  networkBase,
  networkContains,
  parseCidr,
  parseIpv4,
  parseIpv4Range,
  rangeContains,
  rangesOverlap,
  type Ipv4Network,
  type Ipv4Range,
} from './ipv4.js';
import {
  describeKubeVersions,
  GUEST_MEMORY_RESERVE_MIB,
  KUBESPRAY,
  KUBESPRAY_DEFAULT_KUBE_VERSION,
  KUBESPRAY_KUBE_VERSIONS,
  KUBESPRAY_MINIMAL_MEMORY_MB,
} from './kubespray-release.js';

/** The fields of one VM role the checks read. */
export interface VmRoleShape {
  readonly count: number;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly firstAddress: string;
}

/** The fields of the `cluster:` block the checks read (the schema's output has them all). */
export interface ClusterShape {
  readonly network: string;
  readonly controlPlane: VmRoleShape;
  readonly workers: VmRoleShape;
  readonly kubernetes: { readonly version: string; readonly kubeProxyStrictArp: boolean };
  readonly addons: { readonly metallb: { readonly enabled: boolean; readonly addresses: string } };
}

/** One problem, its path relative to `cluster`. */
export interface ClusterProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Networks smaller than this leave no room for nodes and a pool; larger ones are not host-only networks. */
const PREFIX_RANGE = { min: 8, max: 29 } as const;

const ROLE_NAMES = { controlPlane: 'control-plane', workers: 'worker' } as const;

export function clusterProblems(cluster: ClusterShape): ClusterProblem[] {
  const problems: ClusterProblem[] = [];
  const add = (path: readonly (string | number)[], message: string) => problems.push({ path, message });

  const network = checkNetwork(cluster.network, add);
  const ranges: Partial<Record<keyof typeof ROLE_NAMES, Ipv4Range>> = {};
  for (const role of ['controlPlane', 'workers'] as const) {
    ranges[role] = checkRoleAddresses(role, cluster[role], network, add);
  }
  if (ranges.controlPlane && ranges.workers && rangesOverlap(ranges.controlPlane, ranges.workers)) {
    add(
      ['workers', 'firstAddress'],
      `the workers' addresses ${formatIpv4Range(ranges.workers)} overlap the control plane's ${formatIpv4Range(ranges.controlPlane)}; every VM needs its own address, so start the workers at ${formatIpv4(ranges.controlPlane.last + 1)} or later`,
    );
  }

  checkControlPlane(cluster.controlPlane, add);
  checkMemory(cluster, add);
  checkKubeVersion(cluster.kubernetes.version, add);
  if (cluster.addons.metallb.enabled) {
    checkMetallbPool(cluster.addons.metallb.addresses, network, ranges, add);
    if (!cluster.kubernetes.kubeProxyStrictArp) {
      add(
        ['kubernetes', 'kubeProxyStrictArp'],
        "MetalLB is enabled but strict ARP is off; with kube-proxy's ipvs mode (Kubespray's default) Kubespray stops before installing MetalLB, so set kubeProxyStrictArp to true or disable addons.metallb",
      );
    }
  }
  return problems;
}

type Add = (path: readonly (string | number)[], message: string) => void;

function checkNetwork(text: string, add: Add): Ipv4Network | undefined {
  const network = parseCidr(text);
  if (!network) return undefined; // the field's pattern reports it
  if (network.prefix < PREFIX_RANGE.min || network.prefix > PREFIX_RANGE.max) {
    add(
      ['network'],
      `a /${network.prefix} network is not usable for the VMs; use a prefix from /${PREFIX_RANGE.min} to /${PREFIX_RANGE.max}, such as 192.168.56.0/24`,
    );
    return undefined;
  }
  if (!isNetworkAligned(network)) {
    add(
      ['network'],
      `${text} is not the start of a network: ${formatIpv4(network.base)} has host bits set for /${network.prefix}; write ${formatCidr(network)}`,
    );
    return { base: networkBase(network), prefix: network.prefix };
  }
  return network;
}

/** The addresses the role's VMs take, or undefined when they cannot be computed. */
function checkRoleAddresses(
  role: keyof typeof ROLE_NAMES,
  vms: VmRoleShape,
  network: Ipv4Network | undefined,
  add: Add,
): Ipv4Range | undefined {
  const first = parseIpv4(vms.firstAddress);
  if (first === undefined || !Number.isInteger(vms.count) || vms.count < 1) return undefined;
  const range = { first, last: first + vms.count - 1 };
  if (!network) return range;
  const name = ROLE_NAMES[role];
  const path = [role, 'firstAddress'];
  const cidr = formatCidr(network);
  const host = networkBase(network) + 1;
  const lastUsable = broadcastAddress(network) - 1;
  if (!networkContains(network, first)) {
    add(
      path,
      `${vms.firstAddress} is outside the node network ${cidr}; pick an address inside it or change cluster.network`,
    );
  } else if (first === networkBase(network)) {
    add(
      path,
      `${vms.firstAddress} is the address of the network ${cidr} itself, not of a host; start at ${formatIpv4(host + 10)} or later`,
    );
  } else if (first === host) {
    add(
      path,
      `${vms.firstAddress} is the host's own address on the host-only network (VirtualBox and libvirt give the network's first address to the host); start at ${formatIpv4(host + 10)} or later`,
    );
  } else if (range.last > lastUsable) {
    const count = vms.count === 1 ? `1 ${name} VM` : `${vms.count} ${name} VMs`;
    add(
      path,
      `${count} from ${vms.firstAddress} need addresses up to ${formatIpv4(range.last)}, past ${formatIpv4(lastUsable)}, the last host address of ${cidr}; start lower or use fewer VMs`,
    );
  }
  return range;
}

function checkControlPlane(controlPlane: VmRoleShape, add: Add): void {
  if (controlPlane.count === 0) {
    add(
      ['controlPlane', 'count'],
      'a cluster needs at least one control-plane VM (Kubespray stops when kube_control_plane is empty); set it to 1, or 3 for a highly available control plane',
    );
  } else if (Number.isInteger(controlPlane.count) && controlPlane.count % 2 === 0) {
    add(
      ['controlPlane', 'count'],
      `etcd runs on the control-plane VMs and needs an odd number of members for a quorum (Kubespray stops on an even etcd group); use ${controlPlane.count - 1} or ${controlPlane.count + 1}, not ${controlPlane.count}`,
    );
  }
  if (controlPlane.cpus < 2) {
    add(
      ['controlPlane', 'cpus'],
      `kubeadm needs at least 2 CPUs on a control-plane node (its NumCPU preflight check) and ${controlPlane.cpus} is set; set 2 or more`,
    );
  }
}

function checkMemory(cluster: ClusterShape, add: Add): void {
  const roles = [
    [
      'controlPlane',
      'control-plane node',
      'minimal_master_memory_mb',
      KUBESPRAY_MINIMAL_MEMORY_MB.controlPlane,
    ],
    ['workers', 'worker node', 'minimal_node_memory_mb', KUBESPRAY_MINIMAL_MEMORY_MB.node],
  ] as const;
  for (const [role, what, variable, minimum] of roles) {
    const needed = minimum + GUEST_MEMORY_RESERVE_MIB;
    const memory = cluster[role].memoryMiB;
    if (memory < needed) {
      add(
        [role, 'memoryMiB'],
        `${memory} MiB is too little for a ${what}: Kubespray ${KUBESPRAY.tag} stops when the VM reports less than ${minimum} MB (${variable}) and the guest kernel keeps about ${GUEST_MEMORY_RESERVE_MIB} MiB; give at least ${needed}`,
      );
    }
  }
}

function checkKubeVersion(version: string, add: Add): void {
  if (KUBESPRAY_KUBE_VERSIONS.includes(version)) return;
  const path = ['kubernetes', 'version'];
  if (KUBESPRAY_KUBE_VERSIONS.includes(`v${version}`)) {
    add(path, `write the version as Kubespray ${KUBESPRAY.tag} does, with a leading "v": v${version}`);
    return;
  }
  add(
    path,
    `${version} is not a Kubernetes version Kubespray ${KUBESPRAY.tag} (${KUBESPRAY.branch}) can install; it has checksums for ${describeKubeVersions()}; use one of them, such as ${KUBESPRAY_DEFAULT_KUBE_VERSION}`,
  );
}

function checkMetallbPool(
  text: string,
  network: Ipv4Network | undefined,
  nodes: Partial<Record<keyof typeof ROLE_NAMES, Ipv4Range>>,
  add: Add,
): void {
  const pool = parseIpv4Range(text);
  if (!pool) return; // the field's pattern reports it
  const path = ['addons', 'metallb', 'addresses'];
  if (pool.first > pool.last) {
    add(path, `the pool ${text} ends before it starts; write the lower address first`);
    return;
  }
  if (network) {
    const cidr = formatCidr(network);
    if (!networkContains(network, pool.first) || !networkContains(network, pool.last)) {
      add(
        path,
        `the pool ${text} is not inside the node network ${cidr}; MetalLB in layer 2 mode answers ARP only on the nodes' network, so these addresses would be unreachable; choose addresses in ${cidr}`,
      );
      return;
    }
    const reserved = [
      [networkBase(network), 'the network address'],
      [networkBase(network) + 1, "the host's own address"],
      [broadcastAddress(network), 'the broadcast address'],
    ] as const;
    for (const [address, what] of reserved) {
      if (rangeContains(pool, address)) {
        add(
          path,
          `the pool ${text} includes ${formatIpv4(address)}, ${what} on ${cidr}; leave it out of the pool`,
        );
      }
    }
  }
  for (const role of ['controlPlane', 'workers'] as const) {
    const range = nodes[role];
    if (range && rangesOverlap(pool, range)) {
      add(
        path,
        `the pool ${text} includes ${ROLE_NAMES[role]} VM addresses (${formatIpv4Range(range)}); MetalLB would give a node's address to a Service, so choose addresses no VM uses`,
      );
    }
  }
}
