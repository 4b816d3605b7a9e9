#!/usr/bin/env bash
# Prove the built images work, without Kubernetes but the way its pods run them:
#   - a private containerd (own root, state, socket; CRI off) imports each archive with
#     `ctr -n k8s.io images import` and unpacks it into an overlayfs snapshot;
#   - runc runs each container from that snapshot with the pod's security settings: the pod's
#     uid/gid and fsGroup as a supplementary group, no capabilities, no_new_privs, a read-only
#     root filesystem where the pod asks for one, the pod's volumes as bind mounts, no /run tmpfs
#     (the CRI adds none), stdout/stderr through a FIFO as the CRI does;
#   - every container of a run shares one network namespace made here (loopback only, with
#     net.ipv4.ip_unprivileged_port_start=0 as the WordPress pod sets), so no port on the host
#     is used and nothing clashes with other MariaDB or web servers on this machine.
#
# What runs:
#   MariaDB primary (pod ordinal 0): configure.sh, clone.sh, run-server.sh, probe.sh live/ready,
#     replicate.sh (serves the streamed backup), bootstrap.sh twice, the mysqld-exporter sidecar;
#   MariaDB replica (ordinal 1, other ports): clone.sh receives mariadb-backup --stream through
#     socat/mbstream and prepares it, replicate.sh starts GTID replication, a row written on the
#     primary is read on the replica;
#   WordPress as uid 33 on port 80 with the Deployment's environment: /wp-login.php, the install
#     page at /, an install through X-Forwarded-Proto: https, the home page after it.
#
#   test/e2e/images/verify.sh            # after build-all.sh, as root; installs containerd, runc,
#                                        # jq, curl with apt-get when missing
#   QUIRE_VERIFY_KEEP=1 ...              # keep the work directory (logs) on success
# shellcheck disable=SC2015,SC2016 # "test && pass || fail" (pass never fails); code run in containers
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cache="${QUIRE_CACHE:-$HOME/.cache/quire}"
imgdir="$cache/images"
scripts="$repo/src/k8s/database/scripts"

[[ $(id -u) -eq 0 ]] || { echo "verify: must run as root" >&2; exit 1; }
for tool in containerd ctr runc jq curl ip; do
  command -v "$tool" >/dev/null && continue
  echo "verify: installing containerd runc jq curl iproute2 with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends containerd runc jq curl iproute2 >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends containerd runc jq curl iproute2 >/dev/null; }
  break
done

work=$(mktemp -d /tmp/quire-images-verify.XXXXXX)
chmod 0711 "$work"
sock="$work/containerd.sock"
runc_root="$work/runc"
netns="quire-img-$$"
cgroup_parent="quire-images-verify-$$"
ctr_pid=
mounted=()
failures=0
checks=0

log() { printf '%s verify: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
pass() { checks=$((checks + 1)); log "ok: $*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); log "FAILED: $*"; }
ctrc() { ctr -a "$sock" -n k8s.io "$@"; }
in_netns() { ip netns exec "$netns" "$@"; }

cleanup() {
  local id m
  if [[ -d $runc_root ]]; then
    for id in $(runc --root "$runc_root" list -q 2>/dev/null); do
      runc --root "$runc_root" kill "$id" KILL 2>/dev/null || true
      runc --root "$runc_root" delete -f "$id" 2>/dev/null || true
    done
  fi
  for m in "${mounted[@]}"; do
    ctrc images unmount --rm "$m" >/dev/null 2>&1 || umount -l "$m" 2>/dev/null || true
  done
  if [[ -n $ctr_pid ]]; then
    kill "$ctr_pid" 2>/dev/null || true
    wait "$ctr_pid" 2>/dev/null || true
  fi
  ip netns del "$netns" 2>/dev/null || true
  find /sys/fs/cgroup -maxdepth 2 -type d -name "$cgroup_parent" 2>/dev/null |
    while read -r m; do find "$m" -depth -type d -exec rmdir {} \; 2>/dev/null || true; done
  # Any cat still draining a container FIFO.
  jobs -p | xargs -r kill 2>/dev/null || true
  if [[ $failures -eq 0 && -z ${QUIRE_VERIFY_KEEP:-} ]]; then
    umount -R "$work"/root 2>/dev/null || true
    rm -rf "$work"
  else
    log "logs kept in $work"
  fi
}
trap cleanup EXIT

# --- a private containerd --------------------------------------------------------------------
cat >"$work/containerd.toml" <<EOF
version = 2
root = "$work/root"
state = "$work/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
EOF
containerd --config "$work/containerd.toml" >"$work/containerd.log" 2>&1 &
ctr_pid=$!
for _ in $(seq 1 50); do ctrc version >/dev/null 2>&1 && break; sleep 0.2; done
ctrc version >/dev/null || { echo "verify: containerd did not start" >&2; tail "$work/containerd.log" >&2; exit 1; }
log "containerd $(ctrc version | sed -n 's/^ *Version: *//p' | tail -n 1) on $sock"

declare -A config_of
for name in mariadb mysqld-exporter wordpress; do
  tar_path="$imgdir/$name.tar"
  [[ -f $tar_path ]] || { echo "verify: $tar_path missing: run build-all.sh first" >&2; exit 1; }
  start=$SECONDS
  ctrc images import "$tar_path" >"$work/import-$name.log"
  ref=$(tar -xOf "$tar_path" index.json | jq -r '.manifests[0].annotations["io.containerd.image.name"]')
  if ctrc images ls -q | grep -qFx "$ref"; then
    pass "imported $ref into namespace k8s.io ($((SECONDS - start))s)"
  else
    fail "$ref not listed after import"
  fi
  manifest=$(tar -xOf "$tar_path" index.json | jq -r '.manifests[0].digest | sub("sha256:"; "")')
  cfg=$(tar -xOf "$tar_path" "blobs/sha256/$manifest" | jq -r '.config.digest | sub("sha256:"; "")')
  config_of[$name]="$work/config-$name.json"
  tar -xOf "$tar_path" "blobs/sha256/$cfg" | jq '.config' >"${config_of[$name]}"
  declare -g "ref_${name//-/_}=$ref"
done

# --- the network namespace ---------------------------------------------------------------------
ip netns add "$netns"
ip -n "$netns" link set lo up
in_netns sysctl -qw net.ipv4.ip_unprivileged_port_start=0

# --- running a container like a pod does ------------------------------------------------------
# run_ctr MODE ID IMAGE UID GID FSGROUP READONLY
#   MODE: fg (wait, return its exit code) or bg (detached)
#   with the arrays MOUNTS ("src:dst:rw|ro"), ENVS ("K=V"), COMMAND, ARGS (Kubernetes semantics:
#   COMMAND replaces the image entrypoint, ARGS its cmd), CAPS (capabilities kept; none unless
#   set, as with the pods' drop: [ALL]) and NETNS (another network namespace).
CAPS=()
run_ctr() {
  local mode=$1 id=$2 image=$3 uid=$4 gid=$5 fsgroup=$6 readonly=$7
  local bundle="$work/$id" cfg="${config_of[$image]}" ref
  ref="ref_${image//-/_}"
  ref=${!ref}
  mkdir -p "$bundle/rootfs"
  ctrc images mount --rw "$ref" "$bundle/rootfs" >/dev/null
  mounted+=("$bundle/rootfs")

  local argv
  if [[ ${#COMMAND[@]} -gt 0 ]]; then
    argv=$(jq -cn '$ARGS.positional' --args -- "${COMMAND[@]}" "${ARGS[@]}")
  elif [[ ${#ARGS[@]} -gt 0 ]]; then
    argv=$(jq -c --argjson a "$(jq -cn '$ARGS.positional' --args -- "${ARGS[@]}")" '(.Entrypoint // []) + $a' "$cfg")
  else
    argv=$(jq -c '(.Entrypoint // []) + (.Cmd // [])' "$cfg")
  fi
  # What the kubelet mounts into every container: /etc/hosts (localhost and the pod's own
  # name), /etc/hostname and /etc/resolv.conf.
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.1\t%s\n' "$id" >"$bundle/etc-hosts"
  printf '%s\n' "$id" >"$bundle/etc-hostname"
  printf 'nameserver 127.0.0.53\noptions ndots:5\n' >"$bundle/etc-resolv.conf"
  local mounts env
  mounts=$(for m in "${MOUNTS[@]}" "$bundle/etc-hosts:/etc/hosts:rw" "$bundle/etc-hostname:/etc/hostname:rw" \
    "$bundle/etc-resolv.conf:/etc/resolv.conf:rw"; do
    IFS=: read -r src dst opt <<<"$m"
    jq -cn --arg s "$src" --arg d "$dst" --arg o "$opt" \
      '{destination: $d, type: "bind", source: $s, options: ["rbind", $o]}'
  done | jq -cs .)
  env=$(jq -c --argjson e "$(jq -cn '$ARGS.positional' --args -- "${ENVS[@]}")" '(.Env // []) + $e' "$cfg")

  runc spec --bundle "$bundle"
  jq --argjson args "$argv" --argjson env "$env" --argjson mounts "$mounts" \
    --argjson uid "$uid" --argjson gid "$gid" --argjson fsgroup "$fsgroup" \
    --argjson ro "$readonly" --argjson nofile "$(ulimit -Hn)" --arg root "$bundle/rootfs" --arg id "$id" \
    --arg cwd "$(jq -r '.WorkingDir // "/" | if . == "" then "/" else . end' "$cfg")" \
    --arg netns "/var/run/netns/${NETNS:-$netns}" --arg cgparent "$cgroup_parent" \
    --argjson caps "$(jq -cn '$ARGS.positional' --args -- "${CAPS[@]}")" '
    .process.terminal = false
    | .process.args = $args
    | .process.env = $env
    | .process.cwd = $cwd
    | .process.user = {uid: $uid, gid: $gid, additionalGids: [$fsgroup]}
    | .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps, inheritable: [], ambient: []}
    | .process.noNewPrivileges = true
    | .process.rlimits = [{type: "RLIMIT_NOFILE", hard: $nofile, soft: $nofile}]
    | .root = {path: $root, readonly: $ro}
    | .hostname = $id
    | .mounts += $mounts
    | .linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = $netns else . end]
    | .linux.cgroupsPath = "/" + $cgparent + "/" + $id
  ' "$bundle/config.json" >"$bundle/config.json.new"
  mv "$bundle/config.json.new" "$bundle/config.json"

  mkfifo "$bundle/stdio"
  cat "$bundle/stdio" >"$bundle/log" &
  if [[ $mode == fg ]]; then
    local rc=0
    runc --root "$runc_root" run --bundle "$bundle" "$id" </dev/null >"$bundle/stdio" 2>&1 || rc=$?
    wait $! 2>/dev/null || true
    return "$rc"
  fi
  runc --root "$runc_root" run --detach --bundle "$bundle" "$id" </dev/null >"$bundle/stdio" 2>&1
}

exec_in() { # ID command... (as the container's user, with its environment)
  runc --root "$runc_root" exec "$1" "${@:2}"
}

wait_for() { # seconds description command...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [[ $SECONDS -ge $deadline ]]; then
      log "timed out waiting for $what"
      return 1
    fi
    sleep 1
  done
}

show_log() { log "--- last lines of $1"; tail -n "${2:-15}" "$work/$1/log" | sed 's/^/    /'; }

password() { head -c 64 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 24; }
root_pw=$(password)
repl_pw=$(password)
monitor_pw=$(password)
app_pw=$(password)

# --- MariaDB primary (ordinal 0) ---------------------------------------------------------------
db_env() { # ordinal db_port clone_port
  ENVS=(
    "POD_NAME=qimg-db-$1" DB_HEADLESS=qimg-db-headless DATADIR=/var/lib/mysql RUN_DIR=/run/quire
    TEMPLATES_DIR=/etc/quire "DB_PORT=$2" "CLONE_PORT=$3"
    PRIMARY_HOST=127.0.0.1 PRIMARY_PORT=3306 DONOR_HOST=127.0.0.1 DONOR_CLONE_PORT=3307
    "MARIADB_ROOT_PASSWORD=$root_pw" "MARIADB_REPLICATION_PASSWORD=$repl_pw"
    "MARIADB_MONITOR_PASSWORD=$monitor_pw"
  )
}
db_volumes() { # ordinal: data, run (memory emptyDir), tmp, as fsGroup 999 would leave them
  local v
  for v in data run tmp; do
    install -d -o 999 -g 999 -m 2770 "$work/vol-db-$1-$v"
  done
}

# run_db_pod ORDINAL DB_PORT CLONE_PORT: init containers, then server and replication sidecar
run_db_pod() {
  local n=$1 vol="$work/vol-db-$1"
  db_volumes "$n"
  db_env "$n" "$2" "$3"
  COMMAND=(bash /etc/quire/configure.sh) ARGS=()
  MOUNTS=("$vol-run:/run/quire:rw" "$scripts:/etc/quire:ro")
  run_ctr fg "db-$n-configure" mariadb 999 999 999 true || { fail "db-$n configure.sh"; show_log "db-$n-configure"; return 1; }
  COMMAND=(bash /etc/quire/clone.sh)
  MOUNTS=("$vol-data:/var/lib/mysql:rw" "$vol-run:/run/quire:rw" "$scripts:/etc/quire:ro" "$vol-tmp:/tmp:rw")
  local start=$SECONDS
  run_ctr fg "db-$n-clone" mariadb 999 999 999 true || { fail "db-$n clone.sh"; show_log "db-$n-clone" 30; return 1; }
  pass "db-$n init containers (configure.sh, clone.sh in $((SECONDS - start))s): $(tail -n 1 "$work/db-$n-clone/log")"
  COMMAND=(bash /etc/quire/run-server.sh)
  run_ctr bg "db-$n-server" mariadb 999 999 999 true
  COMMAND=(bash /etc/quire/replicate.sh)
  run_ctr bg "db-$n-replication" mariadb 999 999 999 true
  if wait_for 180 "live" exec_in "db-$n-server" bash /etc/quire/probe.sh live; then
    pass "db-$n server live (probe.sh live) as uid 999 on a read-only root"
  else
    fail "db-$n server not live"; show_log "db-$n-server" 30; return 1
  fi
  if wait_for 120 "ready" exec_in "db-$n-server" bash /etc/quire/probe.sh ready; then
    pass "db-$n ready (probe.sh ready)"
  else
    fail "db-$n not ready"; show_log "db-$n-server" 30; show_log "db-$n-replication" 30; return 1
  fi
}

sql() { # container sql...
  exec_in "$1" bash -c 'source /etc/quire/common.sh; local_sql -e "$1"' _ "$2"
}

if run_db_pod 0 3306 3307; then
  uid_line=$(exec_in db-0-server ps -o user=,uid=,comm= -C mariadbd | head -n 1)
  [[ $uid_line == *999*mariadbd* ]] && pass "mariadbd runs as: $uid_line" || fail "mariadbd process: $uid_line"
  version=$(sql db-0-server 'SELECT VERSION()')
  pass "primary answers SQL: VERSION() = $version"

  # Bootstrap Job, twice (idempotent): creates WordPress's database and user.
  for attempt in 1 2; do
    install -d -o 999 -g 999 -m 2770 "$work/vol-bootstrap-$attempt-tmp"
    ENVS=(PRIMARY_HOST=127.0.0.1 DB_NAME=wordpress DB_USER=wordpress "MARIADB_ROOT_PASSWORD=$root_pw"
      "MARIADB_PASSWORD=$app_pw" "MARIADB_REPLICATION_PASSWORD=$repl_pw" "MARIADB_MONITOR_PASSWORD=$monitor_pw")
    COMMAND=(bash /etc/quire/bootstrap.sh) ARGS=()
    MOUNTS=("$scripts:/etc/quire:ro" "$work/vol-bootstrap-$attempt-tmp:/tmp:rw")
    if run_ctr fg "bootstrap-$attempt" mariadb 999 999 999 true; then
      pass "bootstrap.sh run $attempt: $(tail -n 1 "$work/bootstrap-$attempt/log")"
    else
      fail "bootstrap.sh run $attempt"; show_log "bootstrap-$attempt" 20
    fi
  done

  # The exporter sidecar: nobody (65534) reading exporter.cnf through the fsGroup.
  ENVS=() COMMAND=() ARGS=(--config.my-cnf=/run/quire/exporter.cnf --web.listen-address=:9104)
  MOUNTS=("$work/vol-db-0-run:/run/quire:ro")
  run_ctr bg db-0-metrics mysqld-exporter 65534 65534 999 true
  if wait_for 30 "exporter" in_netns curl -fsS -o /dev/null http://127.0.0.1:9104/; then
    metrics=$(in_netns curl -fsS http://127.0.0.1:9104/metrics || true)
    if grep -qx 'mysql_up 1' <<<"$metrics"; then
      pass "mysqld-exporter as uid 65534: / answers, /metrics has mysql_up 1 ($(grep -c '^mysql_' <<<"$metrics") mysql_* samples)"
    else
      fail "mysqld-exporter: mysql_up is not 1: $(grep '^mysql_up' <<<"$metrics")"; show_log db-0-metrics
    fi
  else
    fail "mysqld-exporter does not answer on :9104"; show_log db-0-metrics
  fi

  # --- MariaDB replica (ordinal 1): cloned by streamed mariadb-backup, then GTID replication ---
  if run_db_pod 1 3316 3317; then
    sql db-0-server "CREATE TABLE IF NOT EXISTS wordpress.quire_probe (id INT PRIMARY KEY, note VARCHAR(40)); REPLACE INTO wordpress.quire_probe VALUES (1, 'written on the primary')"
    if wait_for 30 "row" bash -c '[[ $(runc --root "$1" exec db-1-server bash -c "source /etc/quire/common.sh; local_sql -e \"SELECT note FROM wordpress.quire_probe WHERE id = 1\"") == "written on the primary" ]]' _ "$runc_root"; then
      pass "row written on the primary read on the replica ($(sql db-1-server 'SELECT @@gtid_slave_pos') gtid_slave_pos)"
    else
      fail "row not replicated"; show_log db-1-replication 20
    fi
    grep -q 'streaming a backup' "$work/db-0-replication/log" &&
      pass "primary streamed the backup: $(grep -c 'Streaming\|streaming' "$work/db-0-replication/log") lines about it in its sidecar log" ||
      fail "no backup stream in the primary's sidecar log"
  fi
fi

# --- WordPress ---------------------------------------------------------------------------------
wp_env=(
  WORDPRESS_DB_HOST=127.0.0.1:3306 WORDPRESS_DB_NAME=wordpress WORDPRESS_DB_USER=wordpress
  "WORDPRESS_DB_PASSWORD=$app_pw"
  "WORDPRESS_CONFIG_EXTRA=if ((\$_SERVER['HTTP_X_FORWARDED_PROTO'] ?? '') === 'https') { \$_SERVER['HTTPS'] = 'on'; }"
)
for key in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
  wp_env+=("WORDPRESS_$key=$(password)")
done
ENVS=("${wp_env[@]}") COMMAND=() ARGS=() MOUNTS=()
run_ctr bg web wordpress 33 33 33 false
http() { in_netns curl -sS --max-time 20 "$@"; }
if wait_for 60 "port 80" in_netns bash -c 'exec 3<>/dev/tcp/127.0.0.1/80'; then
  pass "apache accepts TCP on port 80 (liveness) as uid 33"
  ps_line=$(exec_in web ps -o user=,uid=,comm= -C apache2 | sort -u | tr '\n' ' ')
  [[ $ps_line == *33*apache2* && $ps_line != *root* ]] && pass "apache processes: $ps_line" || fail "apache processes: $ps_line"

  # Before the install WordPress redirects every page to the installer (the official image too);
  # the kubelet's HTTP probe follows a redirect to the same host and counts 2xx/3xx as success.
  probe=$(http -L -o /dev/null -w '%{http_code} %{num_redirects} %{url_effective}' http://127.0.0.1/wp-login.php)
  [[ $probe == "200 0 "* || $probe == "200 1 "*/wp-admin/install.php ]] &&
    pass "GET /wp-login.php (readiness) before install -> $probe" ||
    { fail "GET /wp-login.php -> $probe"; show_log web 20; }
  if exec_in web grep -qF "$app_pw" /run/wordpress/wp-config.php; then
    fail "the DB password was written into /run/wordpress/wp-config.php"
  else
    pass "wp-config.php written by the entrypoint holds no password (it reads the environment)"
  fi
  redirect=$(http -o /dev/null -w '%{http_code} %{redirect_url}' http://127.0.0.1/)
  [[ $redirect == "302 "*/wp-admin/install.php ]] && pass "GET / -> $redirect" || fail "GET / -> $redirect"
  if http -L http://127.0.0.1/ | grep -q 'id="setup"\|WordPress &rsaquo; Installation\|Installation'; then
    pass "the WordPress install page appears at / (following the redirect)"
  else
    fail "no install page at /"
  fi

  # Install through the Ingress-like path: TLS ended in front, X-Forwarded-Proto: https.
  proxy=(-H 'Host: blog.quire.test' -H 'X-Forwarded-Proto: https')
  http "${proxy[@]}" -o "$work/install.html" \
    --data-urlencode weblog_title='Quire e2e' --data-urlencode user_name=admin \
    --data-urlencode admin_password="$app_pw" --data-urlencode admin_password2="$app_pw" \
    --data-urlencode pw_weak=1 --data-urlencode admin_email=admin@quire.test \
    --data-urlencode blog_public=0 --data-urlencode language= \
    'http://127.0.0.1/wp-admin/install.php?step=2' || true
  if grep -q 'Success!' "$work/install.html"; then
    pass "WordPress installed (install.php?step=2)"
  else
    fail "WordPress install did not succeed"; show_log web 20
  fi
  siteurl=$(sql db-0-server "SELECT option_value FROM wordpress.wp_options WHERE option_name = 'siteurl'")
  [[ $siteurl == https://blog.quire.test ]] && pass "siteurl from behind the proxy: $siteurl (X-Forwarded-Proto honoured)" ||
    fail "siteurl is '$siteurl', not https://blog.quire.test"
  home=$(http "${proxy[@]}" -w '\n%{http_code}' http://127.0.0.1/)
  if [[ ${home##*$'\n'} == 200 ]] && grep -q 'Quire e2e' <<<"$home" && grep -q 'twentytwentythree' <<<"$home"; then
    pass "home page 200 with the site title and the twentytwentythree theme"
  else
    fail "home page: HTTP ${home##*$'\n'}"; show_log web 20
  fi
  code=$(http "${proxy[@]}" -o "$work/wp-login-https.html" -w '%{http_code}' http://127.0.0.1/wp-login.php)
  if [[ $code == 200 ]] && grep -q 'action="https://blog.quire.test/wp-login.php"' "$work/wp-login-https.html"; then
    pass "GET /wp-login.php after install -> 200, form posts to https://"
  else
    fail "GET /wp-login.php after install -> $code"
  fi
  css=$(http "${proxy[@]}" -o /dev/null -w '%{http_code}' http://127.0.0.1/wp-content/themes/twentytwentythree/style.css)
  [[ $css == 200 ]] && pass "theme files served under /wp-content -> $css" || fail "GET /wp-content/.../style.css -> $css"
  if grep -q '"GET /wp-login.php HTTP/1.1" 200' "$work/web/log"; then
    pass "apache access log on the container's stdout"
  else
    fail "no access log lines on stdout"; show_log web 20
  fi
  if grep -qi 'could not open\|permission denied\|\[[a-z_]*:\(error\|crit\|alert\|emerg\)\]' "$work/web/log"; then
    fail "apache logged errors: $(grep -i 'could not open\|permission denied\|:error\]\|:crit\]' "$work/web/log" | head -n 3)"
  fi
else
  fail "nothing listens on port 80"; show_log web 30
fi

# --- stop signal, then WordPress started as root, the image's default user (as the official's) --
# The image's StopSignal is SIGWINCH (Apache's graceful stop, as in the official image).
runc --root "$runc_root" kill web WINCH
if wait_for 30 "web stopped" bash -c '! runc --root "$1" state web | grep -q "\"status\": \"running\""' _ "$runc_root"; then
  pass "apache stopped on the image's StopSignal ($(jq -r '.StopSignal' "${config_of[wordpress]}"))"
else
  fail "apache still running 30s after $(jq -r '.StopSignal' "${config_of[wordpress]}")"
fi
runc --root "$runc_root" delete -f web >/dev/null 2>&1 || true
# As root, Apache binds port 80 and its workers switch to www-data; that needs the default
# capabilities of a container runtime (SETUID, SETGID, ...), not the pod's drop: [ALL].
CAPS=(CAP_CHOWN CAP_DAC_OVERRIDE CAP_FSETID CAP_FOWNER CAP_MKNOD CAP_NET_RAW CAP_SETGID CAP_SETUID
  CAP_SETFCAP CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_SYS_CHROOT CAP_KILL CAP_AUDIT_WRITE)
ENVS=("${wp_env[@]}") COMMAND=() ARGS=() MOUNTS=()
run_ctr bg web-root wordpress 0 0 0 false
CAPS=()
if wait_for 60 "port 80" in_netns bash -c 'exec 3<>/dev/tcp/127.0.0.1/80'; then
  users=$(exec_in web-root ps -o user= -C apache2 | sort | uniq -c | tr -s ' \n' ' ')
  probe=$(http "${proxy[@]}" -o /dev/null -w '%{http_code}' http://127.0.0.1/wp-login.php || true)
  [[ $probe == 200 && $users == *root* && $users == *www-data* ]] &&
    pass "started as root: /wp-login.php -> $probe, apache processes:$users" ||
    { fail "started as root: /wp-login.php -> $probe, apache processes:$users"; show_log web-root 20; }
else
  fail "started as root: nothing listens on port 80"; show_log web-root 20
fi

log "$((checks - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
