#!/usr/bin/env bash
# Stop the single-node test cluster and remove its pods, containers, network setup and state
# (etcd, kubelet dir, volumes). Keeps the build cache: binaries, images (also those imported into
# containerd), PKI and kubeconfigs, so the next up.sh is a warm start. Safe to run any time.
#
#   test/e2e/cluster/down.sh
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
lock_cluster
quiet=${QUIRE_DOWN_QUIET:-}
say() { [[ -n $quiet ]] || log "$@"; }

# Shims of our containerd (they outlive a crashed containerd, and keep the pods running).
our_shims() {
  local p
  for p in /proc/[0-9]*; do
    if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "containerd-shim.*-address $CONTAINERD_SOCK"; then
      echo "${p#/proc/}"
    fi
  done
  return 0
}

[[ -n $quiet ]] || stage "node agents"
stop_procs hostpath-provisioner kube-network-policies kube-proxy kubelet

[[ -n $quiet ]] || stage "pods and containers"
if [[ -n "$(our_shims)" ]] && ! proc_alive containerd && [[ -f $ETC/containerd.toml ]]; then
  say "containerd is gone but its shims run: restarting it to remove the pods"
  start_proc containerd /usr/bin/containerd --config "$ETC/containerd.toml"
  wait_for 30 containerd crictl_q info || true
fi
if proc_alive containerd; then
  crictl_q rmp --all --force >/dev/null 2>&1 || crictl_q rmp --all --force || true
  crictl_q rm --all --force >/dev/null 2>&1 || true
  n=$(crictl_q pods -q 2>/dev/null | wc -l)
  [[ $n -eq 0 ]] || log "warning: $n pod sandboxes left"
fi
stop_proc containerd 30
for pid in $(our_shims); do kill -KILL "$pid" 2>/dev/null || true; done

[[ -n $quiet ]] || stage "control plane"
stop_procs kube-scheduler kube-controller-manager
stop_proc kube-apiserver
stop_proc etcd

[[ -n $quiet ]] || stage "network cleanup"
if [[ -x $K8S_BIN/kube-proxy ]]; then
  "$K8S_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
fi
# Remove the iptables rules and chains of kube-proxy, kubelet and our egress guard. The CNI
# plugins removed their per-pod rules with the pods; their empty top-level CNI-* chains stay.
for table in filter nat mangle; do
  rules=$(iptables-save -t "$table" 2>/dev/null | grep -E '^-A ' | grep -E -- '-j (KUBE-|QUIRE-)|^-A (KUBE-|QUIRE-)' || true)
  chains=$(iptables-save -t "$table" 2>/dev/null | sed -n 's/^:\(\(KUBE\|QUIRE\)-[^ ]*\) .*/\1/p' || true)
  while read -r chain; do
    if [[ -n $chain ]]; then iptables -w -t "$table" -F "$chain" 2>/dev/null || true; fi
  done <<<"$chains"
  while read -r rule; do
    [[ -n $rule ]] || continue
    # shellcheck disable=SC2086
    eval "iptables -w -t $table ${rule/-A /-D }" 2>/dev/null || true
  done <<<"$rules"
  while read -r chain; do
    if [[ -n $chain ]]; then iptables -w -t "$table" -X "$chain" 2>/dev/null || true; fi
  done <<<"$chains"
done
if command -v nft >/dev/null; then nft delete table inet kube-network-policies 2>/dev/null || true; fi
ip link del "$POD_BRIDGE" 2>/dev/null || true
ip link del "$NODE_BRIDGE" 2>/dev/null || true

[[ -n $quiet ]] || stage "state"
# Unmount what the kubelet and containerd left (secrets, volumes, rootfs, shm), deepest first,
# so removing the directories below can never reach into a volume's data through a bind mount.
for prefix in "$KUBELET_ROOT" "$CONTAINERD_STATE" "$RUNDIR" "$CONTAINERD_ROOT/io.containerd.grpc.v1.cri"; do
  # (the kubelet also bind-mounts its root dir onto itself to make it rshared)
  findmnt -rn -o TARGET | { grep -E "^$prefix(/|\$)" || true; } | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
done
if findmnt -rn -o TARGET | grep -qE "^$KUBELET_ROOT(/|\$)"; then
  die "mounts left under $KUBELET_ROOT; not removing it"
fi
rm -rf "$ETCD_DATA" "$KUBELET_ROOT" "$VOLUMES" "$STATE/cni" "$CONTAINERD_STATE" "$PIDS" "$POD_LOGS" "$RUNDIR/runc"
rm -f "$CONTAINERD_SOCK" "$CONTAINERD_SOCK.ttrpc"
# The kubelet's symlinks to our pod logs.
for l in /var/log/containers/*.log; do
  if [[ -L $l && "$(readlink "$l")" == "$POD_LOGS/"* ]]; then rm -f "$l"; fi
done
if [[ -d $LOGS ]]; then
  rm -rf "$STATE/logs.prev"
  mv "$LOGS" "$STATE/logs.prev"
fi
if [[ -z $quiet ]]; then
  total_time
  log "stopped; kept binaries, images, PKI ($QUIRE_CACHE)"
fi
