#!/usr/bin/env bash
# `npm run up`: the whole Quire stack on this machine, from a fresh clone.
#
#   npm run up                              # install what is missing, then quire up
#   npm run up -- --https-port 9443         # arguments go to quire up
#
# Installs the npm dependencies when node_modules is missing (which also builds lib/), and, as
# root on Debian, the MariaDB packages when mariadbd is missing (without starting the system's own
# MariaDB service); as another user it prints the apt-get command to run. Then runs `quire up`
# with the arguments given.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ ! -d node_modules ] || [ ! -f lib/cli/main.js ]; then
  echo "Installing the npm dependencies (npm ci)..."
  npm ci --no-audit --no-fund
fi

packages=()
for tool in mariadbd:mariadb-server mariadb:mariadb-client mariadb-backup:mariadb-backup socat:socat; do
  if ! PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v "${tool%%:*}" >/dev/null; then
    packages+=("${tool#*:}")
  fi
done
if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    # The packages' own MariaDB service is kept from starting: quire up runs its own servers.
    # shellcheck source=lib/debian-packages.sh
    source "$root/tools/lib/debian-packages.sh"
    install_debian_packages "${packages[@]}"
  else
    echo "quire up needs ${packages[*]}; install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${packages[*]}" >&2
    echo "(Debian enables and starts the system's own MariaDB service on install; quire up runs its own" >&2
    echo "servers and does not need it: sudo systemctl disable --now mariadb stops it.)" >&2
    exit 2
  fi
fi

exec node bin/quire.js up "$@"
