/**
 * The scripts that build the cluster (seed 2.1.2 and 2.2.3), each step followed by a check:
 * `up.sh` runs on the host and drives Vagrant; `control-plane.sh` is uploaded to the first
 * control-plane node, where Kubespray runs as in the seed. Every step can run again, so after a
 * failure the user fixes the cause and runs up.sh again.
 */
import { isAbsolute, posix } from 'node:path';
import type { ClusterConfig, QuireConfig } from '../config/schema.js';
import { clusterNodes, firstControlPlane } from './cluster-nodes.js';
import { formatIpv4, parseIpv4Range } from './ipv4.js';
import { HOSTS_FILE, INVENTORY_DIR, METALLB_POOL } from './kubespray-inventory.js';
import { ADMIN_KUBECONFIG_PATH, INGRESS_NGINX_SERVICE, KUBESPRAY } from './kubespray-release.js';
import { NFS_PLAYBOOK_FILE } from './nfs-playbook.js';

export const UP_SCRIPT_FILE = 'up.sh';
export const CONTROL_PLANE_SCRIPT_FILE = 'control-plane.sh';
/** Where up.sh uploads the inventory, the playbooks and control-plane.sh on the control plane. */
export const REMOTE_DIR = '/home/vagrant/quire';
/** Kubespray's checkout and its Python venv on the control plane (the seed used ~/kubespray for both). */
export const REMOTE_KUBESPRAY_DIR = '/home/vagrant/kubespray';
export const REMOTE_VENV_DIR = '/home/vagrant/kubespray-venv';

/** Where the user runs `quire` and where the cluster directory is, for the next steps printed. */
export interface ScriptContext {
  /** The output directory as the user named it (`--out`), relative to quire.yaml's directory. */
  readonly directory: string;
}

/** One step of up.sh: its title (README.md lists them) and its shell lines. */
export interface UpStep {
  readonly title: string;
  readonly script: string;
}

/** The address MetalLB gives first, which the ingress-nginx Service gets. */
export function ingressAddress(cluster: ClusterConfig): string | undefined {
  if (!cluster.addons.metallb.enabled || !cluster.addons.ingressNginx) return undefined;
  const pool = parseIpv4Range(cluster.addons.metallb.addresses);
  return pool && formatIpv4(pool.first);
}

const onControl = (step: string) => `on_control "bash ${REMOTE_DIR}/${CONTROL_PLANE_SCRIPT_FILE} ${step}"`;

/** The steps of up.sh, in order. */
export function upSteps(cluster: ClusterConfig): UpStep[] {
  const uploads = ['inventory', ...(cluster.nfs.enabled ? ['playbooks'] : []), CONTROL_PLANE_SCRIPT_FILE];
  return [
    {
      title: 'Check the tools on this machine',
      script: `command -v vagrant >/dev/null || fail "vagrant is not installed; see https://developer.hashicorp.com/vagrant/install"
case "$PROVIDER" in
  virtualbox)
    command -v VBoxManage >/dev/null ||
      fail "VirtualBox is not installed (no VBoxManage); install it, or run with VAGRANT_DEFAULT_PROVIDER=libvirt"
    ;;
  libvirt)
    vagrant plugin list | grep -q '^vagrant-libvirt ' ||
      fail "the vagrant-libvirt plugin is missing; run: vagrant plugin install vagrant-libvirt"
    ;;
  *)
    fail "unknown provider $PROVIDER; use virtualbox or libvirt"
    ;;
esac`,
    },
    {
      title: 'Start the VMs (vagrant up)',
      script: `vagrant up --provider="$PROVIDER"
for node in "\${NODES[@]}"; do
  vagrant status "$node" --machine-readable | grep -q ',state,running' ||
    fail "$node is not running after vagrant up; see: vagrant status $node"
done`,
    },
    {
      title: 'Check that the control plane reaches every node over ssh',
      script: `on_control "for ip in \${SSH_NODES[*]}; do ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o ConnectTimeout=10 vagrant@\\$ip true || exit 1; done" ||
  fail "$CONTROL cannot ssh to every node with the cluster key; run 'vagrant provision' to exchange it again"`,
    },
    {
      title: `Kubespray ${KUBESPRAY.tag} in a Python venv on the control plane`,
      script: `on_control "rm -rf ${REMOTE_DIR} && mkdir -p ${REMOTE_DIR}"
for item in ${uploads.join(' ')}; do
  vagrant upload "$item" "${REMOTE_DIR}/$item" "$CONTROL" >/dev/null
done
${onControl('kubespray')}`,
    },
    {
      title: 'Check that Ansible reaches every node',
      script: `${onControl('ping')} ||
  fail "Ansible on $CONTROL does not reach every node; see the output above"`,
    },
    { title: 'Install Kubernetes (cluster.yml, 15 to 60 minutes)', script: onControl('cluster') },
    ...(cluster.nfs.enabled
      ? [{ title: `NFS server and clients (${NFS_PLAYBOOK_FILE})`, script: onControl('nfs') }]
      : []),
    { title: 'Kubeconfig on the control plane, and the add-ons checked', script: onControl('kubeconfig') },
  ];
}

/** One thing to do once the cluster is up: what, and the lines to run or write. */
export interface NextStep {
  readonly say: string;
  readonly lines: readonly string[];
  /** What the lines are: commands, quire.yaml or a line of /etc/hosts. */
  readonly language: 'sh' | 'yaml' | 'text';
}

/** What to do once the cluster is up: the kubeconfig, storage.nfs, /etc/hosts. */
export function nextSteps(config: QuireConfig, context: ScriptContext): NextStep[] {
  const { cluster } = config;
  const ingress = ingressAddress(cluster);
  const dir = context.directory;
  const kubeconfig = posix.join(dir, 'kubeconfig');
  return [
    {
      say: 'From the directory of quire.yaml, use the cluster with kubectl:',
      lines: [
        `quire cluster kubeconfig --dir ${dir} --out ${kubeconfig}`,
        `export KUBECONFIG=${isAbsolute(dir) ? '' : '$PWD/'}${kubeconfig}`,
        'kubectl get nodes',
      ],
      language: 'sh',
    },
    ...(cluster.nfs.enabled
      ? [
          {
            say: 'Point the NFS provisioner of quire.yaml at the control plane:',
            lines: [
              `storage: {nfs: {enabled: true, server: ${firstControlPlane(cluster).address}, path: ${cluster.nfs.path}}}`,
            ],
            language: 'yaml' as const,
          },
        ]
      : []),
    ...(ingress
      ? [
          {
            say: "Map the site's name to the ingress address, in /etc/hosts:",
            lines: [`${ingress} ${config.ingress.host}`],
            language: 'text' as const,
          },
        ]
      : []),
  ];
}

/** The next steps as plain text, each line of code indented. */
export function formatNextSteps(steps: readonly NextStep[]): string[] {
  return steps.flatMap((step) => [step.say, ...step.lines.map((line) => `  ${line}`)]);
}

export function upScript(config: QuireConfig, context: ScriptContext): string {
  const { cluster } = config;
  const nodes = clusterNodes(cluster);
  const control = firstControlPlane(cluster);
  const ssh = nodes.filter((node) => node.name !== control.name).map((node) => node.address);
  const steps = upSteps(cluster);
  return `#!/usr/bin/env bash
# Builds the cluster of this directory (see README.md): ${nodes.length} VMs, then Kubernetes with
# Kubespray ${KUBESPRAY.tag} run from ${control.name}, as in the seed. Every step is checked
# before the next one starts; on a failure the script stops and says what to do. Every step
# can run again: after fixing the cause, run ./${UP_SCRIPT_FILE} again.
# Generated by \`quire cluster init\`.
set -euo pipefail
cd "$(dirname "$0")"

CONTROL=${control.name}
NODES=(${nodes.map((node) => node.name).join(' ')})
# The nodes Ansible on $CONTROL reaches over ssh (on $CONTROL itself it runs locally).
SSH_NODES=(${ssh.join(' ')})
PROVIDER="\${VAGRANT_DEFAULT_PROVIDER:-${cluster.provider}}"
export VAGRANT_DEFAULT_PROVIDER="$PROVIDER"

step() {
  printf '\\n==> [%s/${steps.length}] %s\\n' "$1" "$2"
}

fail() {
  printf '\\nup.sh: %s\\n' "$1" >&2
  exit 1
}

# Runs a command on the control plane.
on_control() {
  vagrant ssh "$CONTROL" -c "$1"
}
${steps.map((step, index) => `\nstep ${index + 1} ${JSON.stringify(step.title)}\n${step.script}\n`).join('')}
cat <<'DONE'

The cluster is ready.
${formatNextSteps(nextSteps(config, context)).join('\n')}
DONE
`;
}

export function controlPlaneScript(config: QuireConfig): string {
  const { cluster } = config;
  const { addons } = cluster;
  const nodes = clusterNodes(cluster);
  const control = firstControlPlane(cluster);
  const worker = nodes.find((node) => node.role === 'worker');
  const ingress = ingressAddress(cluster);
  const encryption = cluster.kubernetes.secretsEncryption;
  const checks = [
    ...(addons.helm ? ['command -v helm >/dev/null || fail "helm is not installed (helm_enabled)"'] : []),
    ...(addons.metricsServer
      ? ['kubectl -n kube-system rollout status deployment/metrics-server --timeout=300s']
      : []),
    ...(addons.ingressNginx
      ? [
          `kubectl -n ${INGRESS_NGINX_SERVICE.namespace} rollout status daemonset/ingress-nginx-controller --timeout=300s`,
        ]
      : []),
    ...(addons.metallb.enabled
      ? [`kubectl -n metallb-system get ipaddresspool ${METALLB_POOL} >/dev/null`]
      : []),
    ...(ingress ? [`wait_for_ingress_address ${ingress}`] : []),
    ...(encryption.enabled
      ? [
          `sudo grep -q '${encryption.algorithm}:' /etc/kubernetes/ssl/secrets_encryption.yaml ||\n    fail "Secrets are not encrypted at rest with ${encryption.algorithm} (kube_encrypt_secret_data)"`,
        ]
      : []),
  ];
  const steps = ['kubespray', 'ping', 'cluster', ...(cluster.nfs.enabled ? ['nfs'] : []), 'kubeconfig'];
  const nfs =
    cluster.nfs.enabled && worker
      ? `
# The NFS playbook, then a worker asks the server for its exports.
step_nfs() {
  cd "$KUBESPRAY_DIR"
  "$VENV/bin/ansible-playbook" -i "$INVENTORY" "$QUIRE_DIR/${NFS_PLAYBOOK_FILE}"
  ssh -o BatchMode=yes vagrant@${worker.address} showmount -e ${control.address} | grep -q '^${cluster.nfs.path} ' ||
    fail "${worker.name} does not see ${cluster.nfs.path} exported by ${control.address}"
}
`
      : '';
  const waitForIngress = ingress
    ? `
wait_for_ingress_address() {
  local address=""
  for _ in $(seq 60); do
    address=$(kubectl -n ${INGRESS_NGINX_SERVICE.namespace} get service ${INGRESS_NGINX_SERVICE.name} -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
    [ "$address" = "$1" ] && return 0
    sleep 5
  done
  fail "the ingress-nginx Service has the address '$address', not $1 from MetalLB's pool"
}
`
    : '';
  return `#!/usr/bin/env bash
# Runs on ${control.name}, uploaded there by up.sh: the seed's Kubespray steps (seed 2.1.2),
# each followed by a check. Usage: ${CONTROL_PLANE_SCRIPT_FILE} ${steps.join('|')}
# Generated by \`quire cluster init\`.
set -euo pipefail

KUBESPRAY_REPOSITORY=${KUBESPRAY.repository}
KUBESPRAY_TAG=${KUBESPRAY.tag}
KUBESPRAY_COMMIT=${KUBESPRAY.commit}
KUBESPRAY_DIR=${REMOTE_KUBESPRAY_DIR}
VENV=${REMOTE_VENV_DIR}
QUIRE_DIR=${REMOTE_DIR}
INVENTORY=${HOSTS_FILE}
NODE_COUNT=${nodes.length}

fail() {
  echo "${CONTROL_PLANE_SCRIPT_FILE}: $1" >&2
  exit 1
}

kubectl() {
  sudo /usr/local/bin/kubectl --kubeconfig ${ADMIN_KUBECONFIG_PATH} "$@"
}

# Kubespray at the pinned release in its own venv, and this cluster's inventory.
step_kubespray() {
  if [ ! -d "$KUBESPRAY_DIR/.git" ]; then
    git clone --quiet --depth 1 --branch "$KUBESPRAY_TAG" "$KUBESPRAY_REPOSITORY" "$KUBESPRAY_DIR"
  fi
  local head
  head=$(git -C "$KUBESPRAY_DIR" rev-parse HEAD)
  [ "$head" = "$KUBESPRAY_COMMIT" ] ||
    fail "$KUBESPRAY_DIR is at $head, not Kubespray $KUBESPRAY_TAG ($KUBESPRAY_COMMIT); remove it and run up.sh again"
  if [ ! -x "$VENV/bin/ansible-playbook" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet -r "$KUBESPRAY_DIR/requirements.txt"
  fi
  "$VENV/bin/ansible-playbook" --version >/dev/null ||
    fail "Ansible does not run from $VENV; remove it and run up.sh again"
  # As the seed's cp -rfp inventory/sample: the sample's group_vars, then this cluster's files.
  rm -rf "\${KUBESPRAY_DIR:?}/${INVENTORY_DIR}"
  mkdir -p "$KUBESPRAY_DIR/${INVENTORY_DIR}"
  cp -rp "$KUBESPRAY_DIR/inventory/sample/group_vars" "$KUBESPRAY_DIR/${INVENTORY_DIR}/"
  cp -rp "$QUIRE_DIR/${INVENTORY_DIR}/." "$KUBESPRAY_DIR/${INVENTORY_DIR}/"
}

step_ping() {
  cd "$KUBESPRAY_DIR"
  "$VENV/bin/ansible" all -i "$INVENTORY" -m ping
}

step_cluster() {
  cd "$KUBESPRAY_DIR"
  "$VENV/bin/ansible-playbook" -i "$INVENTORY" --become cluster.yml
  kubectl wait --for=condition=Ready node --all --timeout=600s ||
    fail "not every node is Ready; see: kubectl get nodes, kubectl describe node"
  local joined
  joined=$(kubectl get nodes --no-headers | wc -l)
  [ "$joined" -eq "$NODE_COUNT" ] || fail "$joined nodes joined the cluster, not $NODE_COUNT"
}
${nfs}${waitForIngress}
# The seed's kubeconfig copy, then the add-ons checked.
step_kubeconfig() {
  mkdir -p "$HOME/.kube"
  sudo cp ${ADMIN_KUBECONFIG_PATH} "$HOME/.kube/config"
  sudo chown "$(id -u):$(id -g)" "$HOME/.kube/config"
  chmod 600 "$HOME/.kube/config"
${checks.map((check) => `  ${check}`).join('\n')}
}

case "\${1:-}" in
  ${steps.join(' | ')}) "step_$1" ;;
  *) fail "usage: $0 ${steps.join('|')}" ;;
esac
`;
}
