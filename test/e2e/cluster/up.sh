#!/usr/bin/env bash
# Start the single-node Kubernetes v1.34 test cluster (idempotent: exits quickly when it runs).
#
#   test/e2e/cluster/up.sh          # build what is missing, then start; prints each stage's time
#   test/e2e/cluster/up.sh --check  # exit 0 if the cluster runs, 1 if not; starts nothing
#
# Everything is cached under ${QUIRE_CACHE:-$HOME/.cache/quire}: binaries (k8s/bin), images
# (k8s/images, images), PKI and containerd's image store (cluster/). A start with everything
# cached takes about two minutes; see README.md for what runs where.
# Env: QUIRE_INGRESS_HTTP_PORT / QUIRE_INGRESS_HTTPS_PORT (default 30080 / 30443),
#      QUIRE_SKIP_DEPS=1 (do not check/install the Debian packages).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=configs.sh
source "$CLUSTER_SRC/configs.sh"
require_root
lock_cluster
for port in "$INGRESS_HTTP_PORT" "$INGRESS_HTTPS_PORT"; do
  if ! [[ $port =~ ^[0-9]+$ ]] || ((port < ${NODEPORT_RANGE%-*} || port > ${NODEPORT_RANGE#*-})); then
    die "ingress port '$port' must be a NodePort in $NODEPORT_RANGE (QUIRE_INGRESS_HTTP(S)_PORT)"
  fi
done

cluster_running() {
  local c
  for c in "${HOST_COMPONENTS[@]}"; do proc_alive "$c" || return 1; done
  kubectl_admin get --raw /readyz >/dev/null 2>&1 || return 1
  [[ "$(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

# --check: only tell (exit status) whether the cluster runs; start nothing.
if [[ ${1:-} == --check ]]; then
  [[ -f $KUBECONFIG_ADMIN ]] && cluster_running
  exit
fi

# On failure: say which stage failed and show what the cluster's processes said last.
on_exit() {
  local rc=$?
  ((rc == 0)) && return 0
  echo "[up.sh] FAILED in stage '${_stage_name:-?}' (exit $rc); last log lines:" >&2
  local c
  for c in "${HOST_COMPONENTS[@]}"; do
    if [[ -f $LOGS/$c.log ]]; then
      proc_alive "$c" && echo "--- $c (running)" >&2 || echo "--- $c (NOT running)" >&2
      tail -n 8 "$LOGS/$c.log" | cut -c1-300 >&2
    fi
  done
  if proc_alive kube-apiserver; then
    kubectl_admin get pods -A -o wide >&2 || true
    kubectl_admin get events -A --sort-by=.lastTimestamp 2>/dev/null | tail -15 >&2 || true
  fi
  echo "[up.sh] full logs: $LOGS (the cluster is left as it is; down.sh cleans up)" >&2
  return "$rc"
}
trap on_exit EXIT

if [[ -f $KUBECONFIG_ADMIN ]] && cluster_running; then
  log "cluster already running (kubeconfig $KUBECONFIG_ADMIN)"
  # A cluster started with other ingress ports (an override, or an older default) keeps them.
  running_ports=$(kubectl_admin -n "$INGRESS_NAMESPACE" get service traefik -o jsonpath='{.spec.ports[*].nodePort}' 2>/dev/null || true)
  [[ $running_ports == "$INGRESS_HTTP_PORT $INGRESS_HTTPS_PORT" ]] ||
    die "the running cluster's ingress is on NodePorts '${running_ports:-none}', not $INGRESS_HTTP_PORT $INGRESS_HTTPS_PORT: restart it (test/e2e/cluster/down.sh, then up.sh) or set QUIRE_INGRESS_HTTP_PORT / QUIRE_INGRESS_HTTPS_PORT to its ports"
  # Image tars built since the start still get imported (unchanged ones are skipped quickly).
  import_images
  exit 0
fi

stage "deps"
if [[ -z ${QUIRE_SKIP_DEPS:-} ]]; then "$CLUSTER_SRC/deps.sh"; fi

stage "build (go)"
"$CLUSTER_SRC/build.sh"

stage "images"
"$CLUSTER_SRC/images/system.sh"
"$CLUSTER_SRC/images/toolbox.sh"

stage "clean leftovers"
# A previous run that was not stopped with down.sh (crash, killed session, reboot).
QUIRE_DOWN_QUIET=1 "$CLUSTER_SRC/down.sh"

stage "pki"
"$CLUSTER_SRC/pki.sh"

stage "host network"
write_configs
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.bridge.bridge-nf-call-iptables=1
sysctl -qw net.bridge.bridge-nf-call-ip6tables=1 2>/dev/null || true
sysctl -qw fs.inotify.max_user_instances=1024 fs.inotify.max_user_watches=524288 2>/dev/null || true
# The node address lives on a host-only bridge with no ports: reachable from the host and (via the
# pod bridge's gateway) from pods, from nowhere else.
if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
  ip link add "$NODE_BRIDGE" type bridge
fi
ip addr replace "$NODE_IP/24" dev "$NODE_BRIDGE"
ip link set "$NODE_BRIDGE" up
# Pod traffic stays on this machine: only pod<->pod is forwarded; pods reach the host (node IP,
# DNS, API server) through INPUT, the host reaches pods through OUTPUT.
iptables -w -N QUIRE-EGRESS 2>/dev/null || iptables -w -F QUIRE-EGRESS
iptables -w -A QUIRE-EGRESS -i "$POD_BRIDGE" -o "$POD_BRIDGE" -j RETURN
iptables -w -A QUIRE-EGRESS -s "$POD_CIDR" -j REJECT --reject-with icmp-net-prohibited
iptables -w -A QUIRE-EGRESS -d "$POD_CIDR" -j REJECT --reject-with icmp-net-prohibited
iptables -w -C FORWARD -j QUIRE-EGRESS 2>/dev/null || iptables -w -I FORWARD 1 -j QUIRE-EGRESS

stage "containerd"
mkdir -p "$CONTAINERD_ROOT" "$CONTAINERD_STATE" "$RUNDIR"
start_proc containerd /usr/bin/containerd --config "$ETC/containerd.toml"
wait_for 30 "containerd" ctr --address "$CONTAINERD_SOCK" version
wait_for 30 "containerd CRI" crictl_q info

stage "import images"
import_images

stage "etcd"
mkdir -p "$ETCD_DATA"
chmod 700 "$ETCD_DATA"
start_proc etcd "$K8S_BIN/etcd" --name quire --data-dir "$ETCD_DATA" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster quire=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381 \
  --unsafe-no-fsync --snapshot-count 10000 --quota-backend-bytes 4294967296 --log-level warn
wait_for 60 "etcd" curl -fsS http://127.0.0.1:2381/health

stage "control plane"
start_proc kube-apiserver "$K8S_BIN/kube-apiserver" \
  --advertise-address="$NODE_IP" --bind-address="$NODE_IP" --secure-port="$APISERVER_PORT" \
  --etcd-servers=http://127.0.0.1:2379 \
  --service-cluster-ip-range="$SERVICE_CIDR" --service-node-port-range="$NODEPORT_RANGE" \
  --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
  --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
  --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
  --requestheader-extra-headers-prefix=X-Remote-Extra- --requestheader-group-headers=X-Remote-Group \
  --requestheader-username-headers=X-Remote-User \
  --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
  --enable-aggregator-routing=true --endpoint-reconciler-type=lease --profiling=false --event-ttl=1h
wait_for 120 "kube-apiserver /readyz" kubectl_admin get --raw /readyz
start_proc kube-controller-manager "$K8S_BIN/kube-controller-manager" \
  --kubeconfig="$KCFG/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig="$KCFG/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig="$KCFG/kube-controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false --profiling=false \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
  --use-service-account-credentials=true \
  --service-cluster-ip-range="$SERVICE_CIDR" --cluster-cidr="$POD_CIDR" --allocate-node-cidrs=false
start_proc kube-scheduler "$K8S_BIN/kube-scheduler" \
  --kubeconfig="$KCFG/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig="$KCFG/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig="$KCFG/kube-scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false --profiling=false
kubectl_admin apply -f "$ETC/manifests/00-rbac.yaml" -f "$ETC/manifests/10-storage.yaml" >/dev/null

stage "node"
mkdir -p "$KUBELET_ROOT" "$VOLUMES"
start_proc kubelet "$K8S_BIN/kubelet" --config="$ETC/kubelet.yaml" \
  --kubeconfig="$KCFG/kubelet.kubeconfig" --root-dir="$KUBELET_ROOT" \
  --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --oom-score-adj=0 --v=1
start_proc kube-proxy "$K8S_BIN/kube-proxy" --config="$ETC/kube-proxy.yaml" --v=1
start_proc kube-network-policies "$K8S_BIN/kube-network-policies" \
  --kubeconfig="$KCFG/kube-network-policies.kubeconfig" --hostname-override="$NODE_NAME" \
  --metrics-bind-address=127.0.0.1:9080 --disable-nri --netfilter-bug-1766-fix=false --nfqueue-id=100
start_proc hostpath-provisioner "$K8S_BIN/hostpath-provisioner" \
  --kubeconfig="$KCFG/hostpath-provisioner.kubeconfig" --root="$VOLUMES" --node-name="$NODE_NAME"
wait_for 90 "node $NODE_NAME registered" kubectl_admin get node "$NODE_NAME"
kubectl_admin wait --for=condition=Ready "node/$NODE_NAME" --timeout=120s >/dev/null

stage "addons"
kubectl_admin apply -f "$ETC/manifests/" >/dev/null
kubectl_admin -n kube-system rollout status deploy/coredns --timeout=180s
kubectl_admin -n kube-system rollout status deploy/metrics-server --timeout=180s
kubectl_admin -n "$INGRESS_NAMESPACE" rollout status deploy/traefik --timeout=180s
kubectl_admin wait --for=condition=Available apiservice/v1beta1.metrics.k8s.io --timeout=180s >/dev/null
# `kubectl top` and HPAs work once metrics-server has scraped the node.
metrics_ready() { kubectl_admin get --raw /apis/metrics.k8s.io/v1beta1/nodes | grep -q "\"name\":\"$NODE_NAME\""; }
wait_for 180 "node metrics" metrics_ready

stage_end
for c in "${HOST_COMPONENTS[@]}"; do proc_alive "$c" || die "$c exited (log: $LOGS/$c.log)"; done
cat <<EOF
[up.sh] cluster ready: Kubernetes $("$K8S_BIN/kubectl" version --kubeconfig "$KUBECONFIG_ADMIN" -o json 2>/dev/null | sed -n 's/.*"gitVersion": "\(v1[^"]*\)".*/\1/p' | tail -1), node $NODE_NAME ($NODE_IP)
  export KUBECONFIG=$KUBECONFIG_ADMIN PATH=$K8S_BIN:\$PATH
  ingress: class $INGRESS_CLASS, http://127.0.0.1:$INGRESS_HTTP_PORT  https://127.0.0.1:$INGRESS_HTTPS_PORT
  default StorageClass: $STORAGE_CLASS; logs: $LOGS
EOF
total_time
