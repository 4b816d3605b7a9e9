#!/usr/bin/env bash
# Generate kubeconform JSON schemas for Kubernetes and a few CRDs, offline:
# the inputs are Go module zips fetched with `go mod download` (the Go module
# proxy), converted by tools/go/schemagen.
#
#   tools/build-k8s-schemas.sh
#   QUIRE_FORCE=1 tools/build-k8s-schemas.sh   # regenerate even if up to date
#
# Output (${QUIRE_CACHE:-$HOME/.cache/quire}/k8s-schemas):
#   v1.34.4-standalone-strict/<kind>[-<group prefix>]-<version>.json   e.g. deployment-apps-v1.json
#   v1.34.4-standalone/...                                              (non-strict variant)
#   crds-strict/<group>/<kind>_<version>.json                           e.g. monitoring.coreos.com/servicemonitor_v1.json
#   crds/<group>/<kind>_<version>.json                                  (non-strict variant)
#   .stamp                                                              pinned inputs; work is skipped when it matches
set -euo pipefail

# Pinned inputs (module versions on the Go module proxy).
K8S_VERSION=v1.34.4                 # k8s.io/kubernetes: api/openapi-spec/swagger.json
PROMETHEUS_OPERATOR_VERSION=v0.85.0 # example/prometheus-operator-crd/*.yaml
CERT_MANAGER_VERSION=v1.21.2        # deploy/crds/*.yaml

PROMETHEUS_OPERATOR_CRDS=(servicemonitors podmonitors prometheusrules)
CERT_MANAGER_CRDS=(certificates issuers clusterissuers)
CRD_KINDS=ServiceMonitor,PodMonitor,PrometheusRule,Certificate,Issuer,ClusterIssuer

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${QUIRE_CACHE:-$HOME/.cache/quire}"
out="$cache/k8s-schemas"

gen_sum="$(cat "$here/go/schemagen/main.go" "$here/go/schemagen/go.mod" "$here/go/schemagen/go.sum" \
  | sha256sum | cut -c1-16)"
stamp="k8s.io/kubernetes@$K8S_VERSION prometheus-operator@$PROMETHEUS_OPERATOR_VERSION"
stamp+=" cert-manager@$CERT_MANAGER_VERSION crds=$CRD_KINDS schemagen:$gen_sum"

if [[ -z ${QUIRE_FORCE:-} && -f $out/.stamp && "$(cat "$out/.stamp")" == "$stamp" ]]; then
  echo "build-k8s-schemas: up to date ($out)"
  exit 0
fi

command -v go >/dev/null || { echo "build-k8s-schemas: 'go' not found on PATH" >&2; exit 1; }
export GOWORK=off CGO_ENABLED=0
start=$SECONDS
work="$(mktemp -d)"
trap 'rm -rf "$work" "$out.tmp.$$"' EXIT

# Download a module zip through the module proxy (checksum-verified) and print
# its extracted directory. Run outside any module so no go.mod is touched.
module_dir() {
  local json dir
  json="$(cd "$work" && go mod download -json "$1")"
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
  [[ -d $dir ]] || { echo "build-k8s-schemas: no Dir for $1: $json" >&2; exit 1; }
  printf '%s\n' "$dir"
}

t=$SECONDS
k8s_dir="$(module_dir "k8s.io/kubernetes@$K8S_VERSION")"
po_dir="$(module_dir "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION")"
cm_dir="$(module_dir "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION")"
echo "build-k8s-schemas: module zips ready in $((SECONDS - t))s"

t=$SECONDS
(cd "$here/go/schemagen" && go build -trimpath -o "$work/schemagen" .)
echo "build-k8s-schemas: built schemagen in $((SECONDS - t))s"

crd_args=()
for c in "${PROMETHEUS_OPERATOR_CRDS[@]}"; do
  crd_args+=(-crd "$po_dir/example/prometheus-operator-crd/monitoring.coreos.com_$c.yaml")
done
for c in "${CERT_MANAGER_CRDS[@]}"; do
  crd_args+=(-crd "$cm_dir/deploy/crds/cert-manager.io_$c.yaml")
done

t=$SECONDS
rm -rf "$out.tmp.$$"
"$work/schemagen" \
  -swagger "$k8s_dir/api/openapi-spec/swagger.json" \
  -k8s-version "$K8S_VERSION" \
  -crd-kinds "$CRD_KINDS" "${crd_args[@]}" \
  -out "$out.tmp.$$"
printf '%s\n' "$stamp" >"$out.tmp.$$/.stamp"
rm -rf "$out"
mv "$out.tmp.$$" "$out"
echo "build-k8s-schemas: converted in $((SECONDS - t))s"

echo "build-k8s-schemas: done in $((SECONDS - start))s -> $out"
echo "validate with:"
echo "  kubeconform -strict -summary -kubernetes-version ${K8S_VERSION#v} \\"
echo "    -schema-location '$out' \\"
echo "    -schema-location '$out/crds{{.StrictSuffix}}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json' DIR"
