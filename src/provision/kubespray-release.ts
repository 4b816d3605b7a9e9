/**
 * The Kubespray release the cluster is built with, and what that release accepts. Every value
 * below was read from the release's own sources, named beside it; when the pin moves, read them
 * again from the new release (and rebuild test/provision/fixtures/kubespray-variables.txt).
 */

/** Where Kubespray comes from and the exact commit `up.sh` checks out. */
export const KUBESPRAY = {
  repository: 'https://github.com/kubernetes-sigs/kubespray.git',
  /** The seed cloned this branch; Quire pins its latest release tag instead, so a rerun gets the same code. */
  branch: 'release-2.27',
  tag: 'v2.27.1',
  commit: '45140b558266014296ddc6075b0518662a4d4cbe',
} as const;

/** `kube_version` in roles/kubespray-defaults/defaults/main/main.yml at v2.27.1. */
export const KUBESPRAY_DEFAULT_KUBE_VERSION = 'v1.31.9';

/**
 * The Kubernetes versions Kubespray v2.27.1 can install: those with kubelet, kubectl and kubeadm
 * checksums for both amd64 and arm64 in roles/kubespray-defaults/defaults/main/checksums.yml
 * (it downloads nothing it has no checksum for). Oldest first.
 */
export const KUBESPRAY_KUBE_VERSIONS: readonly string[] = [
  'v1.29.0',
  'v1.29.1',
  'v1.29.2',
  'v1.29.3',
  'v1.29.4',
  'v1.29.5',
  'v1.29.6',
  'v1.29.7',
  'v1.29.8',
  'v1.29.9',
  'v1.29.10',
  'v1.29.11',
  'v1.29.12',
  'v1.29.13',
  'v1.29.14',
  'v1.29.15',
  'v1.30.0',
  'v1.30.1',
  'v1.30.2',
  'v1.30.3',
  'v1.30.4',
  'v1.30.5',
  'v1.30.6',
  'v1.30.7',
  'v1.30.8',
  'v1.30.9',
  'v1.30.10',
  'v1.30.11',
  'v1.30.12',
  'v1.30.13',
  'v1.31.0',
  'v1.31.1',
  'v1.31.2',
  'v1.31.3',
  'v1.31.4',
  'v1.31.5',
  'v1.31.6',
  'v1.31.7',
  'v1.31.8',
  'v1.31.9',
];

/**
 * The least memory Kubespray accepts, in MB as Ansible reports it (`ansible_memtotal_mb`, which
 * is MiB): `minimal_master_memory_mb` and `minimal_node_memory_mb` in
 * roles/kubernetes/preinstall/defaults/main.yml, checked by tasks/0040-verify-settings.yml.
 */
export const KUBESPRAY_MINIMAL_MEMORY_MB = { controlPlane: 1500, node: 1024 } as const;

/**
 * What the guest kernel keeps of a VM's memory before `ansible_memtotal_mb` is measured (kernel
 * image, page tables, firmware). A VM needs Kubespray's minimum plus this much.
 */
export const GUEST_MEMORY_RESERVE_MIB = 256;

/**
 * The `kube_network_plugin` values Quire offers, all accepted by 0040-verify-settings.yml ("Stop if
 * unknown network plugin"): plugins that find each node's address from the node itself (calico's
 * `can-reach=$(NODEIP)`), so need no setting for Vagrant's second network interface. Flannel is
 * left out: it picks the interface of the default route, Vagrant's NAT, unless flannel_interface
 * is set.
 */
export const KUBESPRAY_NETWORK_PLUGINS = ['calico', 'cilium', 'kube-router'] as const;

/**
 * `kube_encryption_algorithm` values: "Must be either: aescbc, secretbox or aesgcm"
 * (roles/kubernetes/control-plane/defaults/main/main.yml).
 */
export const KUBESPRAY_ENCRYPTION_ALGORITHMS = ['aesgcm', 'aescbc', 'secretbox'] as const;

/** `kube_apiserver_port` in roles/kubespray-defaults/defaults/main/main.yml. */
export const KUBE_APISERVER_PORT = 6443;

/** Where kubeadm (run by Kubespray) leaves the admin kubeconfig on a control-plane node. */
export const ADMIN_KUBECONFIG_PATH = '/etc/kubernetes/admin.conf';

/** Service Kubespray's ingress_nginx role makes (templates/svc-ingress-nginx.yml.j2), type LoadBalancer. */
export const INGRESS_NGINX_SERVICE = { namespace: 'ingress-nginx', name: 'ingress-nginx' } as const;

/**
 * The versions of `known` around `wanted`, as text for an error message: each minor's range
 * (`v1.29.0–v1.29.15, v1.30.0–v1.30.13, v1.31.0–v1.31.9`).
 */
export function describeKubeVersions(known: readonly string[] = KUBESPRAY_KUBE_VERSIONS): string {
  const byMinor = new Map<string, string[]>();
  for (const version of known) {
    const minor = version.split('.').slice(0, 2).join('.');
    byMinor.set(minor, [...(byMinor.get(minor) ?? []), version]);
  }
  return [...byMinor.values()]
    .map((versions) =>
      versions.length === 1 ? versions[0] : `${versions[0] ?? ''}–${versions[versions.length - 1] ?? ''}`,
    )
    .join(', ');
}
