#!/usr/bin/env bash
# Proves the running test cluster works end to end (run after up.sh; leaves nothing behind):
#   node Ready; a pod of the pause image runs; pods of the toolbox image serve and resolve a
#   Service through CoreDNS (also hairpin: a pod through its own Service); `kubectl top`;
#   a PVC of the default StorageClass binds, its pod writes, deleting the PVC deletes the data;
#   an Ingress with TLS answers on the loopback https port with the right certificate (SNI);
#   plain http redirects to https; a NetworkPolicy blocks a pod and admits another.
#
#   test/e2e/cluster/smoke.sh
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NS=quire-smoke
HOST=smoke.quire.test
k() { kubectl_admin -n "$NS" "$@"; }
pass() { echo "[smoke.sh]   ok: $*"; }
fail() {
  echo "[smoke.sh] FAILED: $*" >&2
  k get pods,svc,ingress,pvc,networkpolicy -o wide >&2 || true
  k get events --sort-by=.lastTimestamp >&2 | tail -20 || true
  exit 1
}
tmp=$(mktemp -d)
cleanup() {
  rm -rf "$tmp"
  kubectl_admin delete namespace "$NS" --wait=false --ignore-not-found >/dev/null 2>&1 || true
}
trap cleanup EXIT

stage "node"
[[ -f $KUBECONFIG_ADMIN ]] || fail "no kubeconfig at $KUBECONFIG_ADMIN (run up.sh)"
ready=$(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')
[[ $ready == True ]] || fail "node $NODE_NAME is not Ready"
pass "node $NODE_NAME Ready ($(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.nodeInfo.kubeletVersion}, {.status.nodeInfo.containerRuntimeVersion}'))"
kubectl_admin delete namespace "$NS" --ignore-not-found --wait=true --timeout=120s >/dev/null
kubectl_admin create namespace "$NS" >/dev/null

stage "pods"
cat <<EOF | k apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: { name: pause }
spec:
  terminationGracePeriodSeconds: 1
  containers: [{ name: pause, image: $PAUSE_IMAGE, imagePullPolicy: Never }]
---
apiVersion: v1
kind: Pod
metadata: { name: web, labels: { app: web } }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: web
      image: $TOOLBOX_IMAGE
      imagePullPolicy: Never
      command: [sh, -c, 'mkdir -p /tmp/www && echo "hello from \$(hostname)" >/tmp/www/index.html && exec busybox httpd -f -p 8080 -h /tmp/www']
      ports: [{ name: http, containerPort: 8080 }]
      readinessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: http }]
---
apiVersion: v1
kind: Pod
metadata: { name: client, labels: { role: client } }
spec:
  terminationGracePeriodSeconds: 1
  containers: [{ name: c, image: $TOOLBOX_IMAGE, imagePullPolicy: Never, command: [sleep, infinity] }]
---
apiVersion: v1
kind: Pod
metadata: { name: trusted, labels: { role: trusted } }
spec:
  terminationGracePeriodSeconds: 1
  containers: [{ name: c, image: $TOOLBOX_IMAGE, imagePullPolicy: Never, command: [sleep, infinity] }]
EOF
k wait --for=condition=Ready pod/pause pod/web pod/client pod/trusted --timeout=120s >/dev/null ||
  fail "pods did not become Ready"
pass "pods of $PAUSE_IMAGE and $TOOLBOX_IMAGE running ($(k get pod web -o jsonpath='{.status.podIP}'))"

stage "service + DNS"
fqdn="web.$NS.svc.$CLUSTER_DOMAIN"
svc_ip=$(k get svc web -o jsonpath='{.spec.clusterIP}')
resolved=$(k exec client -- getent hosts "$fqdn" | awk '{print $1}') || fail "$fqdn does not resolve"
[[ $resolved == "$svc_ip" ]] || fail "$fqdn resolved to '$resolved', want $svc_ip"
# shellcheck disable=SC2016 # awk's $2
pass "$fqdn -> $resolved (CoreDNS at $(k exec client -- awk '/^nameserver/{print $2}' /etc/resolv.conf))"
body=$(k exec client -- curl -fsS --max-time 5 http://web/) || fail "client cannot reach http://web/"
[[ $body == "hello from web" ]] || fail "unexpected body from http://web/: $body"
pass "client -> http://web/ (short name via search path): '$body'"
body=$(k exec web -- curl -fsS --max-time 5 "http://$fqdn/") || fail "hairpin: web cannot reach its own Service"
pass "hairpin: web -> its own Service: '$body'"
if k exec client -- getent hosts example.com >/dev/null 2>&1; then
  fail "example.com resolved: DNS must not leave the cluster"
fi
pass "names outside $CLUSTER_DOMAIN are not resolved (nothing forwarded off the machine)"

stage "metrics (kubectl top)"
top_nodes() { kubectl_admin top nodes --no-headers | grep -q "^$NODE_NAME "; }
wait_for 90 "kubectl top nodes" top_nodes || fail "kubectl top nodes"
pass "kubectl top nodes: $(kubectl_admin top nodes --no-headers | tr -s ' ')"
top_pods() { kubectl_admin -n kube-system top pods --no-headers | grep -q coredns; }
wait_for 90 "kubectl top pods" top_pods || fail "kubectl top pods"
pass "kubectl top pods -n kube-system: $(kubectl_admin -n kube-system top pods --no-headers | wc -l) pods with metrics"

stage "storage (PVC)"
default_sc=$(kubectl_admin get storageclass -o jsonpath='{range .items[?(@.metadata.annotations.storageclass\.kubernetes\.io/is-default-class=="true")]}{.metadata.name}{end}')
[[ $default_sc == "$STORAGE_CLASS" ]] || fail "default StorageClass is '$default_sc', want $STORAGE_CLASS"
cat <<EOF | k apply -f - >/dev/null
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 64Mi } }
---
apiVersion: v1
kind: Pod
metadata: { name: writer }
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000 }
  containers:
    - name: w
      image: $TOOLBOX_IMAGE
      imagePullPolicy: Never
      command: [sh, -c, 'echo persisted >/data/proof && ls -ln /data/proof && stat -c "%a %g" /data']
      volumeMounts: [{ name: data, mountPath: /data }]
  volumes: [{ name: data, persistentVolumeClaim: { claimName: data } }]
EOF
pod_done() { [[ "$(k get pod writer -o jsonpath='{.status.phase}')" == Succeeded ]]; }
wait_for 120 "writer pod" pod_done || { k logs writer >&2 || true; fail "PVC writer pod did not succeed"; }
pv=$(k get pvc data -o jsonpath='{.spec.volumeName}')
[[ "$(k get pvc data -o jsonpath='{.status.phase}')" == Bound ]] || fail "PVC not Bound"
dir=$(kubectl_admin get pv "$pv" -o jsonpath='{.spec.local.path}')
[[ "$(cat "$dir/proof" 2>/dev/null)" == persisted ]] || fail "data not found in $dir"
pass "PVC bound to $pv, pod (uid 1000, fsGroup 2000) wrote $dir/proof ($(k logs writer | tail -1 | awk '{print "mode " $1 ", group " $2}'))"
k delete pod writer --wait=true >/dev/null
k delete pvc data --wait=true >/dev/null
pv_gone() { ! kubectl_admin get pv "$pv" >/dev/null 2>&1 && [[ ! -e $dir ]]; }
wait_for 60 "PV $pv and $dir deleted" pv_gone || fail "deleting the PVC did not delete $pv / $dir"
pass "PVC deleted -> PV and its directory deleted"

stage "ingress (TLS, SNI, redirect)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$HOST" \
  -addext "subjectAltName=DNS:$HOST" -keyout "$tmp/tls.key" -out "$tmp/tls.crt" 2>/dev/null
k create secret tls smoke-tls --cert="$tmp/tls.crt" --key="$tmp/tls.key" >/dev/null
cat <<EOF | k apply -f - >/dev/null
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web }
spec:
  ingressClassName: $INGRESS_CLASS
  tls: [{ hosts: [$HOST], secretName: smoke-tls }]
  rules:
    - host: $HOST
      http:
        paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }]
EOF
https_ok() {
  # --cacert with the Secret's own certificate: succeeds only if that certificate is served for the SNI name.
  curl -fsS --max-time 5 --cacert "$tmp/tls.crt" --resolve "$HOST:$INGRESS_HTTPS_PORT:127.0.0.1" \
    "https://$HOST:$INGRESS_HTTPS_PORT/" -o "$tmp/body"
}
wait_for 60 "https://$HOST:$INGRESS_HTTPS_PORT/" https_ok || {
  curl -vk --max-time 5 --resolve "$HOST:$INGRESS_HTTPS_PORT:127.0.0.1" "https://$HOST:$INGRESS_HTTPS_PORT/" >&2 || true
  fail "Ingress over https"
}
pass "https://$HOST:$INGRESS_HTTPS_PORT/ -> '$(cat "$tmp/body")' (certificate verified against the Secret)"
subject=$(openssl s_client -connect "127.0.0.1:$INGRESS_HTTPS_PORT" -servername "$HOST" </dev/null 2>/dev/null |
  openssl x509 -noout -subject 2>/dev/null)
[[ $subject == *"CN = $HOST"* || $subject == *"CN=$HOST"* ]] || fail "SNI $HOST served '$subject'"
other=$(openssl s_client -connect "127.0.0.1:$INGRESS_HTTPS_PORT" -servername other.invalid </dev/null 2>/dev/null |
  openssl x509 -noout -subject 2>/dev/null)
[[ $other != *"$HOST"* ]] || fail "another SNI name also got the certificate of $HOST"
pass "SNI: $HOST gets '$subject'; other.invalid gets '$other'"
redirect=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' \
  --resolve "$HOST:$INGRESS_HTTP_PORT:127.0.0.1" "http://$HOST:$INGRESS_HTTP_PORT/some/path?q=1")
[[ $redirect =~ ^30[18]\ https://$HOST:$INGRESS_HTTPS_PORT/some/path\?q=1$ ]] || fail "http redirect: '$redirect'"
pass "http://$HOST:$INGRESS_HTTP_PORT/some/path?q=1 -> $redirect"
addr=$(k get ingress web -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
pass "Ingress status address: ${addr:-<none>}"

stage "network policy"
cat <<EOF | k apply -f - >/dev/null
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-only-trusted }
spec:
  podSelector: { matchLabels: { app: web } }
  policyTypes: [Ingress]
  ingress:
    - from: [{ podSelector: { matchLabels: { role: trusted } } }]
      ports: [{ port: 8080, protocol: TCP }]
EOF
web_ip=$(k get pod web -o jsonpath='{.status.podIP}')
blocked() { ! k exec client -- curl -fsS --max-time 3 "http://$web_ip:8080/" >/dev/null 2>&1; }
wait_for 30 "policy to block client" blocked || fail "NetworkPolicy did not block client -> web"
pass "client -> web:8080 blocked by NetworkPolicy"
k exec trusted -- curl -fsS --max-time 5 "http://$web_ip:8080/" >/dev/null || fail "trusted -> web blocked"
k exec trusted -- curl -fsS --max-time 5 http://web/ >/dev/null || fail "trusted -> web via Service blocked"
pass "trusted -> web:8080 (pod IP and Service) admitted"
blocked_svc() { ! k exec client -- curl -fsS --max-time 3 http://web/ >/dev/null 2>&1; }
blocked_svc || fail "client -> web via Service not blocked"
pass "client -> web via Service blocked"
k delete networkpolicy web-only-trusted >/dev/null
unblocked() { k exec client -- curl -fsS --max-time 3 "http://$web_ip:8080/" >/dev/null 2>&1; }
wait_for 30 "client admitted again" unblocked || fail "client still blocked after the policy was deleted"
pass "policy deleted -> client admitted again"

stage "cleanup"
kubectl_admin delete namespace "$NS" --wait=true --timeout=120s >/dev/null
trap 'rm -rf "$tmp"' EXIT
total_time
echo "[smoke.sh] PASS"
