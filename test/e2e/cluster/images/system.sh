#!/usr/bin/env bash
# Container images of the cluster's own pods, each a scratch image holding one static binary
# from build.sh, written by ocitar to $QUIRE_CACHE/k8s/images/<name>.tar:
#   quire.local/pause:1                  CRI sandbox image (containerd sandbox_image)
#   quire.local/coredns:<version>        cluster DNS (Deployment kube-system/coredns)
#   quire.local/metrics-server:<version> metrics.k8s.io (Deployment kube-system/metrics-server)
#   quire.local/traefik:<version>        Ingress controller (Deployment traefik/traefik)
# An image is rewritten only when its binary's version stamp changed.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
mkdir -p "$SYS_IMAGES"

ver() { awk '{print $2}' "$K8S_BIN/$1.version"; }   # "<module> <version> gomod:..." -> version

# name | image | binary | path in image | entrypoint args
build() {
  local name=$1 image=$2 bin=$3 dst=$4
  shift 4
  local tar="$SYS_IMAGES/$name.tar" stamp
  [[ -x $K8S_BIN/$bin ]] || die "missing $K8S_BIN/$bin (run build.sh)"
  stamp="$image $(cat "$K8S_BIN/$bin.version") ocitar:$(cat "$K8S_BIN/ocitar.version")"
  if [[ -f $tar && -f $tar.stamp && "$(cat "$tar.stamp")" == "$stamp" ]]; then
    log "$image up to date"
    return
  fi
  local args=()
  local e; for e in "$@"; do args+=(-entrypoint "$e"); done
  "$K8S_BIN/ocitar" -name "$image" -o "$tar" -file "$K8S_BIN/$bin:$dst:0755" "${args[@]}"
  printf '%s\n' "$stamp" >"$tar.stamp"
}

build pause "$PAUSE_IMAGE" pause /pause /pause
build coredns "quire.local/coredns:$(ver coredns)" coredns /coredns /coredns
build metrics-server "quire.local/metrics-server:$(ver metrics-server)" metrics-server /metrics-server /metrics-server
build traefik "quire.local/traefik:$(ver traefik)" traefik /traefik /traefik
