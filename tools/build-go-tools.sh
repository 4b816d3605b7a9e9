#!/usr/bin/env bash
# Build the pinned Go tools (helm, kubeconform, kube-score, promtool) into the Quire cache.
#
#   tools/build-go-tools.sh            # build all tools that are missing or stale
#   tools/build-go-tools.sh helm       # only the named tool(s)
#   QUIRE_FORCE=1 tools/build-go-tools.sh   # rebuild even if the stamp matches
#
# Output: ${QUIRE_CACHE:-$HOME/.cache/quire}/bin/<tool> plus <tool>.version (stamp).
# A tool is skipped when its binary exists and its stamp matches the pinned
# module version and the checksum of the go.mod/go.sum that pin it.
# Versions are pinned only in tools/go/go.mod, tools/go/kube-score/go.mod and tools/go/promtool/go.mod.
# Needs only a Go toolchain (>= 1.26 for helm/kubeconform) and the Go module proxy.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${QUIRE_CACHE:-$HOME/.cache/quire}"
bindir="$cache/bin"
mkdir -p "$bindir"

# name | module dir (relative to tools/go) | module path | package
tools_table='
helm|.|helm.sh/helm/v3|helm.sh/helm/v3/cmd/helm
kubeconform|.|github.com/yannh/kubeconform|github.com/yannh/kubeconform/cmd/kubeconform
kube-score|kube-score|github.com/zegl/kube-score|github.com/zegl/kube-score/cmd/kube-score
promtool|promtool|github.com/prometheus/prometheus|github.com/prometheus/prometheus/cmd/promtool
'

# shellcheck source=tools/lib/go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-build.sh"

want=("$@")
log_tag=build-go-tools

for w in "${want[@]}"; do
  grep -q "^$w|" <<<"$tools_table" || { echo "build-go-tools: unknown tool '$w' (helm, kubeconform, kube-score, promtool)" >&2; exit 2; }
done

command -v go >/dev/null || { echo "build-go-tools: 'go' not found on PATH" >&2; exit 1; }

# The Prometheus release a module version v0.<3-digit minor><2-digit patch>.x stands for.
prometheus_release() {
  local minor=${1#v0.}
  minor=${minor%%.*}
  echo "3.$((10#${minor:1:2})).${1##*.}"
}

export CGO_ENABLED=0
trap 'rm -f "$bindir"/*.tmp.$$' EXIT
total_start=$SECONDS
built=0
while IFS='|' read -r name dir mod pkg; do
  [[ -z $name ]] && continue
  selected "$name" || continue
  moddir="$here/go/$dir"
  ver="$(pinned_version "$moddir" "$mod")"
  [[ -n $ver ]] || { echo "build-go-tools: $mod not pinned in $moddir/go.mod" >&2; exit 1; }
  stamp="$mod $ver gomod:$(sha_of "$moddir/go.mod" "$moddir/go.sum")"
  bin="$bindir/$name"
  up_to_date "$name" "$ver" "$bin" "$stamp" && continue

  ldflags="-s -w"
  case $name in
    helm)
      # Same -X flags as helm's own Makefile: version, and the default
      # Capabilities.KubeVersion (client-go v0.N -> Kubernetes 1.N) used by
      # `helm template`/`helm lint` when no cluster is reachable.
      cgo="$(pinned_version "$moddir" k8s.io/client-go)"   # e.g. v0.37.0
      kminor="$(echo "$cgo" | cut -d. -f2)"
      ldflags+=" -X helm.sh/helm/v3/internal/version.version=$ver"
      ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
      for p in pkg/lint/rules pkg/chartutil; do
        ldflags+=" -X helm.sh/helm/v3/$p.k8sVersionMajor=1 -X helm.sh/helm/v3/$p.k8sVersionMinor=$kminor"
      done
      ;;
    kubeconform) ldflags+=" -X main.version=$ver" ;;
    kube-score)  ldflags+=" -X main.version=${ver#v}" ;;
    # Prometheus tags its Go module v0.MMMPP.x for release 3.MM.x (v0.316.0 is 3.16.0).
    promtool)    ldflags+=" -X github.com/prometheus/common/version.Version=$(prometheus_release "$ver")" ;;
  esac

  build_stamped "$name" "$ver" "$moddir" "$pkg" "$ldflags" "$bin" "$stamp"
  built=$((built + 1))
done <<<"$tools_table"

echo "build-go-tools: done ($built built) in $((SECONDS - total_start))s; add $bindir to PATH"
