# Shared settings and helpers of the single-node test cluster; sourced by up.sh, down.sh,
# smoke.sh, pki.sh and images/*.sh. Every path and address of the cluster is defined here.
# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this

CLUSTER_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
QUIRE_CACHE="${QUIRE_CACHE:-$HOME/.cache/quire}"
export QUIRE_CACHE

K8S_BIN="$QUIRE_CACHE/k8s/bin"               # build.sh output (binaries + .version stamps)
SYS_IMAGES="$QUIRE_CACHE/k8s/images"         # images/system.sh output (pause, coredns, ...)
APP_IMAGES="$QUIRE_CACHE/images"             # app images built elsewhere (+ toolbox.tar); all imported
STATE="$QUIRE_CACHE/cluster"                 # PKI, kubeconfigs, etcd, containerd, kubelet, volumes, logs
RUNDIR=/run/quire-cluster                    # sockets, pid files, containerd state (short paths)

PKI="$STATE/pki"
KUBECONFIG_ADMIN="$STATE/kubeconfig"         # admin kubeconfig handed to tests and developers
KCFG="$STATE/kubeconfigs"                    # one kubeconfig per host component
ETC="$STATE/etc"                             # generated configs (rewritten by every up.sh)
LOGS="$STATE/logs"
PIDS="$RUNDIR/pids"
CONTAINERD_ROOT="$STATE/containerd"          # content store + snapshots: imported images survive down.sh
CONTAINERD_STATE="$RUNDIR/containerd"
CONTAINERD_SOCK="$RUNDIR/containerd.sock"
ETCD_DATA="$STATE/etcd"
KUBELET_ROOT="$STATE/kubelet"
POD_LOGS="$STATE/pod-logs"                   # kubelet podLogsDir (the symlinks stay in /var/log/containers)
VOLUMES="$STATE/volumes"                     # PersistentVolumes of the hostpath provisioner
CNI_CONF_DIR="$ETC/cni/net.d"
CNI_IPAM_DIR="$STATE/cni/ipam"
CNI_BIN_DIR=/usr/lib/cni                     # Debian's containernetworking-plugins

NODE_NAME=quire-node
NODE_BRIDGE=quire0                           # host-only bridge carrying the node address
NODE_IP=10.250.0.1
NODE_NET=10.250.0.0/24
POD_CIDR=10.244.0.0/16
POD_GW=10.244.0.1
POD_BRIDGE=cni0
SERVICE_CIDR=10.96.0.0/12
API_SERVICE_IP=10.96.0.1
DNS_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
APISERVER_PORT=6443
APISERVER_URL="https://$NODE_IP:$APISERVER_PORT"

INGRESS_CLASS=traefik
INGRESS_NAMESPACE=traefik
INGRESS_HTTP_PORT="${QUIRE_INGRESS_HTTP_PORT:-30080}"
INGRESS_HTTPS_PORT="${QUIRE_INGRESS_HTTPS_PORT:-30443}"
# Kubernetes' default range, NodePorts on 127.0.0.0/8 only (kube-proxy). Local test servers take
# ports below it (freePort): kube-proxy takes a NodePort at the firewall, unseen by a bind check.
NODEPORT_RANGE=30000-32767
STORAGE_CLASS=quire-local
PROVISIONER_NAME=quire.local/hostpath

PAUSE_IMAGE=quire.local/pause:1
TOOLBOX_IMAGE=quire.local/toolbox:1

# Host components, in start order (down.sh stops them in reverse).
HOST_COMPONENTS=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy
  kube-network-policies hostpath-provisioner)

export PATH="$K8S_BIN:$PATH"

kubectl_admin() { "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
ctr_k8s() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }
crictl_q() { # crictl for our containerd (the config file only silences its "no config" warning)
  local cfg=()
  [[ -f $ETC/crictl.yaml ]] && cfg=(--config "$ETC/crictl.yaml")
  "$K8S_BIN/crictl" "${cfg[@]}" --runtime-endpoint "unix://$CONTAINERD_SOCK" \
    --image-endpoint "unix://$CONTAINERD_SOCK" --timeout 20s "$@"
}

# --- timing -------------------------------------------------------------------------------------
_stage_name=""
_stage_start=0
_script_start=$(date +%s.%N)
_now() { date +%s.%N; }
_elapsed() { awk -v a="$1" -v b="$(_now)" 'BEGIN { printf "%.1f", b - a }'; }
stage() { # stage <name>: ends the previous stage (printing its time) and starts the next
  stage_end
  _stage_name="$1"
  _stage_start=$(_now)
  echo "[$(basename "$0")] ${_stage_name} ..."
}
stage_end() {
  if [[ -n $_stage_name ]]; then
    echo "[$(basename "$0")] ${_stage_name}: $(_elapsed "$_stage_start")s"
    _stage_name=""
  fi
}
total_time() { stage_end; echo "[$(basename "$0")] total: $(_elapsed "$_script_start")s"; }

log() { echo "[$(basename "$0")] $*"; }
die() { echo "[$(basename "$0")] ERROR: $*" >&2; exit 1; }

# wait_for <seconds> <description> <command...>: retry the command every second.
wait_for() {
  local timeout=$1 what=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "[$(basename "$0")] timed out after ${timeout}s waiting for $what" >&2
      return 1
    fi
    sleep 1
  done
}

# --- host processes -----------------------------------------------------------------------------
# Each runs detached (own session and process group, stdin closed, the cluster lock not inherited)
# under a small restart loop, as systemd's Restart=always or a kubelet would keep it running in a
# real cluster: a crash is logged and the component restarted after 2 s. The pid file holds the
# loop's pid, which is also the process group id that stop_proc signals.
start_proc() { # start_proc <name> <binary> <args...>
  local name=$1; shift
  mkdir -p "$PIDS" "$LOGS"
  echo "==== $(date -u +%FT%TZ) start: $*" >>"$LOGS/$name.log"
  # shellcheck disable=SC2016
  setsid bash -c 'trap "exit 0" TERM INT
    while :; do
      "$@" &
      child=$!
      wait "$child" && rc=0 || rc=$?
      echo "==== $(date -u +%FT%TZ) exited with status $rc; restarting in 2s"
      sleep 2
    done' "quire-$name" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDS/$name.pid"
}

proc_pid() { # prints the pid of a running component (its restart loop), or fails
  local f="$PIDS/$1.pid" pid
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ -n $pid && -d /proc/$pid ]] || return 1
  # Guard against pid reuse: the process must still be our loop for this component (or, from
  # scripts before the restart loop existed, the component itself).
  { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qE -- "quire-$1 |^[^ ]*/$1 " || return 1
  echo "$pid"
}

proc_alive() { proc_pid "$1" >/dev/null; }

stop_proc() { # stop_proc <name> [timeout seconds]: SIGTERM to the group, SIGKILL after the timeout
  local name=$1 timeout=${2:-20} pid
  if pid=$(proc_pid "$name"); then
    kill -TERM -- "-$pid" 2>/dev/null || true
    local deadline=$((SECONDS + timeout))
    while kill -0 -- "-$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 -- "-$pid" 2>/dev/null; then
      log "$name (process group $pid) did not stop in ${timeout}s; killing"
      kill -KILL -- "-$pid" 2>/dev/null || true
      sleep 0.5
    fi
  fi
  rm -f "$PIDS/$name.pid"
}

# Import every image tar of $SYS_IMAGES and $APP_IMAGES into containerd's k8s.io namespace, unless
# the same tar (sha256; size and mtime spare the hashing) was imported before and its images are
# still there. Our own images must import; an app image that does not only warns.
import_images() {
  local stamps="$CONTAINERD_ROOT/quire-imports" existing tar kind dir sum meta st names n ok out
  local s_sum s_size s_mtime
  mkdir -p "$stamps"
  existing="$(ctr_k8s images ls -q)"
  for kind in sys app; do
    dir=$SYS_IMAGES
    [[ $kind == app ]] && dir=$APP_IMAGES
    for tar in "$dir"/*.tar; do
      [[ -f $tar ]] || continue
      st="$stamps/$kind-$(basename "$tar").stamp"
      meta="$(stat -c '%s %.9Y' "$tar")"
      s_sum="" s_size="" s_mtime=""
      [[ -f $st ]] && read -r s_sum s_size s_mtime <"$st"
      if [[ -n $s_sum && "$s_size $s_mtime" == "$meta" ]]; then
        sum=$s_sum
      else
        sum="$(sha256sum "$tar" | cut -c1-64)"
      fi
      if [[ $sum == "$s_sum" ]]; then
        ok=1
        while read -r n; do grep -qxF "$n" <<<"$existing" || ok=0; done < <(tail -n +2 "$st")
        if ((ok)); then
          if [[ "$s_size $s_mtime" != "$meta" ]]; then # refresh the stamp's size/mtime
            names="$(tail -n +2 "$st")"
            { echo "$sum $meta"; echo "$names"; } >"$st"
          fi
          log "  $(basename "$tar"): already imported ($(tail -n +2 "$st" | tr '\n' ' '))"
          continue
        fi
      fi
      if ! out="$(ctr_k8s images import "$tar" 2>&1)"; then
        [[ $kind == sys ]] && die "ctr images import $tar failed: $out"
        log "  WARNING: $(basename "$tar") not imported: $out"
        continue
      fi
      names="$(sed -n 's/^unpacking \([^ ]*\) (sha256:.*/\1/p' <<<"$out")"
      [[ -n $names ]] || die "no image found in $tar: $out"
      { echo "$sum $meta"; echo "$names"; } >"$st"
      log "  $(basename "$tar"): imported $(tr '\n' ' ' <<<"$names")"
    done
  done
}

stop_procs() { # stop_procs <name>...: stop_proc for several components at once
  local n
  for n in "$@"; do stop_proc "$n" & done
  wait
}

require_root() { [[ $(id -u) -eq 0 ]] || die "must run as root (containerd, kubelet, iptables)"; }

# One up.sh/down.sh at a time (tests in parallel workers may all call ensureCluster()).
# Children inherit the lock through QUIRE_CLUSTER_LOCKED.
lock_cluster() {
  [[ -n ${QUIRE_CLUSTER_LOCKED:-} ]] && return 0
  mkdir -p "$RUNDIR"
  exec 9>"$RUNDIR/lock"
  if ! flock -n 9; then
    log "waiting for another up.sh/down.sh to finish ..."
    flock -w 3600 9 || die "could not lock $RUNDIR/lock"
  fi
  export QUIRE_CLUSTER_LOCKED=1
}
