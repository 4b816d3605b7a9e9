#!/usr/bin/env bash
# Everything the test suite needs, installed and built when missing: the first half of `npm test`
# (and so of CI, whose .ci/run calls `npm test`). Each stage prints its time; with everything
# cached the whole set-up takes seconds.
#
#   bash tools/test-setup.sh     # as root on Debian; as another user it prints what to run and exits 2
#
# Stages: the Debian packages (the suite's, then the test cluster's), the npm dependencies (npm ci
# when node_modules is missing or older than package-lock.json), the Go tools (helm, kubeconform,
# kube-score) while the test images build, the Kubernetes schemas, the test cluster. Caches live in
# ${QUIRE_CACHE:-$HOME/.cache/quire}; the cluster is left running for the next run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/debian-packages.sh
source "$root/tools/lib/debian-packages.sh"

# What the unit tests, the linters, the browser test and the benchmark run (the cluster's own
# packages are in test/e2e/cluster/deps.sh).
suite_packages=(shellcheck mariadb-server mariadb-backup mariadb-client socat ruby ansible-core yamllint
  python3-apt openssh-client chromium wrk apache2 libapache2-mod-php php-mysql wordpress
  wordpress-theme-twentytwentythree nginx)

if [[ $(id -u) -ne 0 ]]; then
  not_installed=$(missing_debian_packages "${suite_packages[@]}" | tr '\n' ' ')
  {
    echo "npm test needs root: it installs Debian packages and runs a Kubernetes test cluster"
    echo "(containerd, kubelet, iptables) on this machine. Run it as root:"
    echo "  sudo npm test"
    echo "For the unit tests alone, without the cluster:"
    [[ -z $not_installed ]] || echo "  sudo apt-get install -y --no-install-recommends ${not_installed% }"
    echo "  npm ci && npm run test:unit"
  } >&2
  exit 2
fi
command -v apt-get >/dev/null || {
  echo "npm test sets up Debian or Ubuntu machines (apt-get); apt-get is not on PATH" >&2
  exit 2
}
command -v go >/dev/null || {
  echo "npm test builds its Kubernetes tools with Go (1.26 or later); 'go' is not on PATH" >&2
  exit 2
}

setup_start=$SECONDS
stage() {
  local name=$1 start=$SECONDS
  shift
  echo "::: $name"
  "$@"
  echo "::: $name done in $((SECONDS - start))s"
}

npm_dependencies() {
  # npm writes node_modules/.package-lock.json on every install: older than the lock file means
  # the lock changed since (a pull, a checkout).
  if [[ -f node_modules/.package-lock.json && ! package-lock.json -nt node_modules/.package-lock.json ]]; then
    echo "node_modules is up to date"
    return 0
  fi
  npm ci --no-audit --no-fund
}

# The test images are mostly downloads and unpacking: they build while the Go tools compile.
images_log=$(mktemp)
images_pid=
wait_images() {
  local rc=0
  wait "$images_pid" || rc=$?
  images_pid=
  cat "$images_log"
  return "$rc"
}
cleanup() {
  [[ -z $images_pid ]] || kill "$images_pid" 2>/dev/null || true
  rm -f "$images_log"
}
trap cleanup EXIT

stage "debian packages" install_debian_packages "${suite_packages[@]}"
stage "test cluster packages" test/e2e/cluster/deps.sh
stage "npm dependencies" npm_dependencies
test/e2e/images/build-all.sh >"$images_log" 2>&1 &
images_pid=$!
stage "go tools" tools/build-go-tools.sh
stage "kubernetes schemas" tools/build-k8s-schemas.sh
stage "test cluster" env QUIRE_SKIP_DEPS=1 test/e2e/cluster/up.sh
stage "test images" wait_images
echo "::: test set-up done in $((SECONDS - setup_start))s"
