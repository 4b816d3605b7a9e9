#!/usr/bin/env bash
# PKI and kubeconfigs of the single-node test cluster, made with openssl (ECDSA P-256, 10 years).
# Kept across down/up; remade only when missing or when this script changes (stamp).
#
#   ca            cluster CA: apiserver/kubelet serving certs, all client certs, SA ca.crt
#   front-proxy-ca + front-proxy-client   aggregation layer (metrics.k8s.io)
#   sa.key/sa.pub service-account token signing
#   kubeconfigs   admin (system:masters), kube-controller-manager, kube-scheduler, kubelet
#                 (system:node:<node>), kube-proxy, kube-network-policies, hostpath-provisioner
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stamp="pki:$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16) node:$NODE_NAME/$NODE_IP svc:$API_SERVICE_IP"
if [[ -f $PKI/.stamp && "$(cat "$PKI/.stamp")" == "$stamp" && -f $KUBECONFIG_ADMIN ]]; then
  log "pki up to date ($PKI)"
  exit 0
fi

rm -rf "$PKI" "$KCFG"
mkdir -p "$PKI" "$KCFG"
chmod 700 "$PKI" "$KCFG"
cd "$PKI"
DAYS=3650

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }

mkca() { # mkca <name> <CN>
  newkey "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days "$DAYS" -out "$1.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
}

mkcert() { # mkcert <name> <ca> <subject> <client|server|both> [subjectAltName]
  local name=$1 ca=$2 subj=$3 usage=$4 san=${5:-}
  local eku
  case $usage in
    client) eku=clientAuth ;;
    server) eku=serverAuth ;;
    both) eku=serverAuth,clientAuth ;;
  esac
  newkey "$name.key"
  local ext
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    echo "authorityKeyIdentifier=keyid"
    [[ -n $san ]] && echo "subjectAltName=$san"
  } >"$ext"
  openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days "$DAYS" \
    -extfile "$ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$ext"
}

mkca ca quire-cluster-ca
mkca front-proxy-ca quire-front-proxy-ca
rm -f ./*.srl

mkcert apiserver ca /CN=kube-apiserver server \
  "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:localhost,DNS:$NODE_NAME,IP:$API_SERVICE_IP,IP:$NODE_IP,IP:127.0.0.1"
mkcert apiserver-kubelet-client ca "/O=system:masters/CN=kube-apiserver-kubelet-client" client
mkcert front-proxy-client front-proxy-ca /CN=front-proxy-client client
mkcert kubelet-server ca "/O=system:nodes/CN=system:node:$NODE_NAME" server "DNS:$NODE_NAME,DNS:localhost,IP:$NODE_IP,IP:127.0.0.1"

newkey sa.key
openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null

b64() { base64 -w0 <"$1"; }
mkkubeconfig() { # mkkubeconfig <file> <cert name> <user name>
  local file=$1 cert=$2 user=$3
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: quire
  cluster:
    server: $APISERVER_URL
    certificate-authority-data: $(b64 ca.crt)
users:
- name: $user
  user:
    client-certificate-data: $(b64 "$cert.crt")
    client-key-data: $(b64 "$cert.key")
contexts:
- name: $user@quire
  context:
    cluster: quire
    user: $user
current-context: $user@quire
EOF
  chmod 600 "$file"
}

client() { # client <kubeconfig name> <subject>
  mkcert "client-$1" ca "$2" client
  mkkubeconfig "$KCFG/$1.kubeconfig" "client-$1" "$1"
}
client admin "/O=system:masters/CN=quire-admin"
client kube-controller-manager /CN=system:kube-controller-manager
client kube-scheduler /CN=system:kube-scheduler
client kubelet "/O=system:nodes/CN=system:node:$NODE_NAME"
client kube-proxy /CN=system:kube-proxy
client kube-network-policies /CN=quire:kube-network-policies
client hostpath-provisioner /CN=quire:hostpath-provisioner
rm -f ./*.srl

# The admin kubeconfig also gets a friendlier context name.
sed -i 's/admin@quire/quire/' "$KCFG/admin.kubeconfig"
cp "$KCFG/admin.kubeconfig" "$KUBECONFIG_ADMIN"
chmod 600 "$KUBECONFIG_ADMIN"
printf '%s\n' "$stamp" >"$PKI/.stamp"
log "pki written to $PKI; admin kubeconfig $KUBECONFIG_ADMIN"
