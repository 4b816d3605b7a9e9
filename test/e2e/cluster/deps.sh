#!/usr/bin/env bash
# Debian packages the single-node test cluster needs (run as root; idempotent).
#   containerd + runc           container runtime (CRI), Debian 12: 1.6.20 / 1.1.5
#   containernetworking-plugins bridge, host-local, portmap, loopback in /usr/lib/cni
#   iptables conntrack          kube-proxy (iptables mode, nf_tables backend), portmap, egress guard
#   nftables                    `nft`, to inspect/remove kube-network-policies' table
#   socat ethtool               kubelet/kube-proxy helpers
#   mmdebstrap                  builds the toolbox image (images/toolbox.sh)
#   openssl                     cluster PKI (pki.sh), smoke.sh's TLS checks
#   patch                       build.sh patches kube-network-policies
set -euo pipefail
pkgs=(containerd runc containernetworking-plugins iptables nftables conntrack socat ethtool mmdebstrap openssl
  patch curl ca-certificates iproute2 util-linux mount procps)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: containerd recommends nothing we need; we never start it through systemd.
apt-get install -y -qq --no-install-recommends "${missing[@]}"
