#!/usr/bin/env bash
# Build the pinned binaries of the single-node test cluster into the Quire cache.
#
#   test/e2e/cluster/build.sh                 # build everything that is missing or stale
#   test/e2e/cluster/build.sh kubelet etcd    # only the named components
#   QUIRE_FORCE=1 test/e2e/cluster/build.sh   # rebuild even if the stamps match
#
# Output: ${QUIRE_CACHE:-$HOME/.cache/quire}/k8s/bin/<name> plus <name>.version (stamp).
# A binary is skipped when it exists and its stamp matches the pinned module version, the
# checksum of the go.mod/go.sum that pin it (and of the patch, for kube-network-policies).
# Versions are pinned only in go/go.mod, go/traefik/go.mod and (kube-network-policies, built
# from its own go.mod with go/knp/*.patch applied) the table below.
# Needs only a Go toolchain (>= 1.25) and the Go module proxy.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${QUIRE_CACHE:-$HOME/.cache/quire}"
bindir="$cache/k8s/bin"
srcdir="$cache/k8s/src"
mkdir -p "$bindir" "$srcdir"

KNP_VERSION=v0.8.0   # sigs.k8s.io/kube-network-policies, built from its own module (patched)

# name | module dir (relative to go/) | module path | package
table='
kube-apiserver|.|k8s.io/kubernetes|k8s.io/kubernetes/cmd/kube-apiserver
kube-controller-manager|.|k8s.io/kubernetes|k8s.io/kubernetes/cmd/kube-controller-manager
kube-scheduler|.|k8s.io/kubernetes|k8s.io/kubernetes/cmd/kube-scheduler
kubelet|.|k8s.io/kubernetes|k8s.io/kubernetes/cmd/kubelet
kube-proxy|.|k8s.io/kubernetes|k8s.io/kubernetes/cmd/kube-proxy
kubectl|.|k8s.io/kubernetes|k8s.io/kubernetes/cmd/kubectl
etcd|.|go.etcd.io/etcd/server/v3|go.etcd.io/etcd/server/v3
etcdctl|.|go.etcd.io/etcd/etcdctl/v3|go.etcd.io/etcd/etcdctl/v3
coredns|.|github.com/coredns/coredns|./cmd/coredns
metrics-server|.|sigs.k8s.io/metrics-server|sigs.k8s.io/metrics-server/cmd/metrics-server
crictl|.|sigs.k8s.io/cri-tools|sigs.k8s.io/cri-tools/cmd/crictl
hostpath-provisioner|.|sigs.k8s.io/sig-storage-lib-external-provisioner/v13|./cmd/hostpath-provisioner
pause|.|quire.local/cluster|./cmd/pause
ocitar|.|quire.local/cluster|./cmd/ocitar
traefik|traefik|github.com/traefik/traefik/v3|github.com/traefik/traefik/v3/cmd/traefik
kube-network-policies|knp|sigs.k8s.io/kube-network-policies|./cmd
'

# shellcheck source=tools/lib/go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../tools/lib/go-build.sh"

want=("$@")
log_tag=cluster-build
for w in "${want[@]}"; do
  grep -q "^$w|" <<<"$table" || { echo "cluster-build: unknown component '$w'" >&2; exit 2; }
done
command -v go >/dev/null || { echo "cluster-build: 'go' not found on PATH" >&2; exit 1; }

# kube-network-policies v0.8.0 queues packets with the nftables `queue` expression, which needs
# CONFIG_NFT_QUEUE; kernels without it (like these VMs) only have the xtables NFQUEUE target.
# We build it from a copy of its module zip with go/knp/*.patch applied (see go/knp/README.md).
prepare_knp() { # -> prints the source dir
  local dir="$srcdir/kube-network-policies@$KNP_VERSION-quire"
  local stamp
  stamp="$KNP_VERSION patch:$(sha_of "$here"/go/knp/*.patch)"
  if [[ -f $dir/.quire-stamp && "$(cat "$dir/.quire-stamp")" == "$stamp" ]]; then
    echo "$dir"; return
  fi
  local orig
  orig="$(cd "$here/go" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kube-network-policies@$KNP_VERSION" |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [[ -d $orig ]] || { echo "cluster-build: cannot download kube-network-policies $KNP_VERSION" >&2; exit 1; }
  rm -rf "$dir"
  cp -r "$orig" "$dir"
  chmod -R u+w "$dir"
  local p; for p in "$here"/go/knp/*.patch; do patch -s -p1 -d "$dir" <"$p" >&2; done
  printf '%s\n' "$stamp" >"$dir/.quire-stamp"
  echo "$dir"
}

export CGO_ENABLED=0
trap 'rm -f "$bindir"/*.tmp.$$' EXIT
total_start=$SECONDS

# Plan: what is missing or stale.
plan=()  # entries "name|moddir|mod|pkg|ver|stamp"
while IFS='|' read -r name dir mod pkg; do
  [[ -z $name ]] && continue
  selected "$name" || continue
  if [[ $name == kube-network-policies ]]; then
    moddir="$(prepare_knp)"
    ver=$KNP_VERSION
    stamp="$mod $ver patch:$(sha_of "$here"/go/knp/*.patch) gomod:$(sha_of "$moddir/go.mod" "$moddir/go.sum")"
  else
    moddir="$here/go/$dir"
    ver="$(pinned_version "$moddir" "$mod")"
    [[ $mod == quire.local/cluster ]] && ver=local
    [[ -n $ver ]] || { echo "cluster-build: $mod not pinned in $moddir/go.mod" >&2; exit 1; }
    stamp="$mod $ver gomod:$(sha_of "$moddir/go.mod" "$moddir/go.sum")"
    # Our own programs: the stamp also covers their source.
    [[ $pkg == ./cmd/* ]] && stamp+=" src:$(sha_of "$moddir/${pkg#./}"/*.go)"
  fi
  up_to_date "$name" "$ver" "$bindir/$name" "$stamp" && continue
  plan+=("$name|$moddir|$mod|$pkg|$ver|$stamp")
done <<<"$table"

# The separate modules (Traefik, kube-network-policies) download their dependencies in the
# background while the first builds compile: downloading is network-bound, compiling CPU-bound.
prefetched=" $here/go/. "
prefetch_log="$cache/k8s/prefetch.log"
: >"$prefetch_log"
for entry in "${plan[@]}"; do
  IFS='|' read -r name moddir mod pkg ver stamp <<<"$entry"
  [[ $prefetched == *" $moddir "* ]] && continue
  prefetched+="$moddir "
  (cd "$moddir" && { go list -deps -f '' "$pkg" >>"$prefetch_log" 2>&1 || true; }) &
done

built=0
for entry in "${plan[@]}"; do
  IFS='|' read -r name moddir mod pkg ver stamp <<<"$entry"
  bin="$bindir/$name"
  ldflags="-s -w"
  case $mod in
    k8s.io/kubernetes)
      # The same -X flags as Kubernetes' hack/lib/version.sh (a binary without them says v0.0.0).
      minor="$(echo "$ver" | cut -d. -f2)"
      for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
        ldflags+=" -X $p.gitVersion=$ver -X $p.gitMajor=1 -X $p.gitMinor=$minor"
        ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
      done
      ;;
    go.etcd.io/etcd/*) ldflags+=" -X go.etcd.io/etcd/api/v3/version.GitSHA=$ver" ;;
    sigs.k8s.io/metrics-server)
      ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$ver -X k8s.io/component-base/version.gitVersion=$ver" ;;
    sigs.k8s.io/cri-tools) ldflags+=" -X sigs.k8s.io/cri-tools/pkg/version.Version=$ver" ;;
    github.com/traefik/traefik/v3)
      ldflags+=" -X github.com/traefik/traefik/v3/pkg/version.Version=$ver -X github.com/traefik/traefik/v3/pkg/version.BuildDate=1970-01-01T00:00:00Z" ;;
  esac

  build_stamped "$name" "$ver" "$moddir" "$pkg" "$ldflags" "$bin" "$stamp"
  built=$((built + 1))
done
wait

echo "cluster-build: done ($built built) in $((SECONDS - total_start))s -> $bindir"
