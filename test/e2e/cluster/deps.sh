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
# shellcheck source=../../../tools/lib/debian-packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../tools/lib/debian-packages.sh"
if [[ -z "$(missing_debian_packages "${pkgs[@]}")" ]]; then
  echo "deps: all ${#pkgs[@]} packages present"
  exit 0
fi
# --no-install-recommends (the helper's): containerd recommends nothing we need; we never start it
# through systemd.
install_debian_packages "${pkgs[@]}"
