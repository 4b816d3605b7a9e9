#!/usr/bin/env bash
# Writes the generated configuration of the cluster's host processes into $STATE/etc:
# containerd.toml, CNI network, kubelet and kube-proxy configs, and the addon manifests with
# their placeholders filled in. Sourced by up.sh (after lib.sh).
# shellcheck shell=bash

write_configs() {
  mkdir -p "$ETC" "$CNI_CONF_DIR" "$CNI_IPAM_DIR" "$ETC/manifests"
  install -m 0755 "$CLUSTER_SRC/runc-wrapper.sh" "$ETC/runc"

  # containerd (Debian 1.6): own root/state/socket, CRI with our CNI dir and the local pause image.
  cat >"$ETC/containerd.toml" <<EOF
version = 2
root = "$CONTAINERD_ROOT"
state = "$CONTAINERD_STATE"
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CONTAINERD_ROOT/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  max_container_log_line_size = 16384
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    discard_unpacked_layers = false
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$ETC/runc"
        Root = "$RUNDIR/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$CNI_CONF_DIR"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ""
EOF

  cat >"$ETC/crictl.yaml" <<EOF
runtime-endpoint: unix://$CONTAINERD_SOCK
image-endpoint: unix://$CONTAINERD_SOCK
timeout: 20
EOF

  # CNI: one bridge for all pods, hairpin on (a pod can reach itself through its Service),
  # host-local IPAM, portmap for hostPort. No ipMasq: pod traffic never leaves the machine
  # (see QUIRE-EGRESS in up.sh).
  cat >"$CNI_CONF_DIR/10-quire.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "quire",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$POD_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "promiscMode": false,
      "ipam": {
        "type": "host-local",
        "dataDir": "$CNI_IPAM_DIR",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$POD_GW" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true }, "snat": true }
  ]
}
EOF

  cat >"$ETC/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet-server.crt
tlsPrivateKeyFile: $PKI/kubelet-server.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
imageServiceEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
clusterDNS: [$DNS_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $ETC/resolv.conf
staticPodPath: ""
podLogsDir: $POD_LOGS
serializeImagePulls: false
# Images cannot be pulled again here: never garbage-collect them, and evict only when the disk
# is really full (it is shared with builds).
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  nodefs.inodesFree: 2%
  imagefs.available: 2%
evictionPressureTransitionPeriod: 30s
maxPods: 110
podPidsLimit: 4096
rotateCertificates: false
serverTLSBootstrap: false
protectKernelDefaults: false
makeIPTablesUtilChains: true
shutdownGracePeriod: 0s
containerLogMaxSize: 10Mi
containerLogMaxFiles: 3
nodeStatusReportFrequency: 10s
syncFrequency: 10s
EOF
  # Pods with dnsPolicy Default (CoreDNS) get no upstream resolver: nothing leaves the machine.
  cat >"$ETC/resolv.conf" <<EOF
# quire test cluster: no upstream DNS
nameserver 127.0.0.1
options ndots:1
EOF

  cat >"$ETC/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: $KCFG/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# NodePorts only on loopback: the Ingress controller is reached at 127.0.0.1 and nowhere else.
nodePortAddresses: [127.0.0.0/8]
iptables:
  localhostNodePorts: true
  masqueradeAll: false
  syncPeriod: 10s
  minSyncPeriod: 1s
oomScoreAdj: 0
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF

  # Addon manifests: fill in the __PLACEHOLDERS__.
  local coredns_image metrics_image traefik_image
  coredns_image="quire.local/coredns:$(awk '{print $2}' "$K8S_BIN/coredns.version")"
  metrics_image="quire.local/metrics-server:$(awk '{print $2}' "$K8S_BIN/metrics-server.version")"
  traefik_image="quire.local/traefik:$(awk '{print $2}' "$K8S_BIN/traefik.version")"
  rm -f "$ETC"/manifests/*.yaml
  local f
  for f in "$CLUSTER_SRC"/manifests/*.yaml; do
    sed -e "s|__STORAGE_CLASS__|$STORAGE_CLASS|g" \
      -e "s|__PROVISIONER_NAME__|$PROVISIONER_NAME|g" \
      -e "s|__DNS_IP__|$DNS_IP|g" \
      -e "s|__CLUSTER_DOMAIN__|$CLUSTER_DOMAIN|g" \
      -e "s|__COREDNS_IMAGE__|$coredns_image|g" \
      -e "s|__METRICS_SERVER_IMAGE__|$metrics_image|g" \
      -e "s|__TRAEFIK_IMAGE__|$traefik_image|g" \
      -e "s|__INGRESS_CLASS__|$INGRESS_CLASS|g" \
      -e "s|__INGRESS_NAMESPACE__|$INGRESS_NAMESPACE|g" \
      -e "s|__INGRESS_HTTP_PORT__|$INGRESS_HTTP_PORT|g" \
      -e "s|__INGRESS_HTTPS_PORT__|$INGRESS_HTTPS_PORT|g" \
      "$f" >"$ETC/manifests/$(basename "$f")"
  done
  if grep -n '__[A-Z_]*__' "$ETC"/manifests/*.yaml; then
    die "unfilled placeholder in the addon manifests"
  fi
}
