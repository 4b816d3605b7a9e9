#!/usr/bin/env bash
# quire.local/toolbox:1 — a minimal Debian 12 image with a shell and network tools (curl,
# iproute2, ping, nc, ps, and busybox for httpd and nslookup) for tests that run commands in pods. Built with mmdebstrap
# from the Debian mirror this machine's apt uses, written by ocitar as $QUIRE_CACHE/images/toolbox.tar
# (imported by up.sh like every tar there). Rebuilt only when this script changes or QUIRE_FORCE=1.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

out="$APP_IMAGES/toolbox.tar"
packages=curl,ca-certificates,iproute2,iputils-ping,netcat-openbsd,procps,busybox
stamp="$TOOLBOX_IMAGE $(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16) ocitar:$(cat "$K8S_BIN/ocitar.version")"
if [[ -z ${QUIRE_FORCE:-} && -f $out && -f $out.stamp && "$(cat "$out.stamp")" == "$stamp" ]]; then
  log "$TOOLBOX_IMAGE up to date ($out)"
  exit 0
fi
command -v mmdebstrap >/dev/null || die "mmdebstrap missing (run deps.sh)"
[[ -x $K8S_BIN/ocitar ]] || die "missing $K8S_BIN/ocitar (run build.sh)"

# The Debian mirrors apt is configured with (deb822 .sources or one-line sources.list).
mirror_of() { # suite-suffix ("" or "-security") -> URI
  local want=$1 uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v w="bookworm$want" '
      /^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == w) { print u; exit } }')
  if [[ -z $uri ]]; then
    uri=$(grep -hE "^deb +[^ ]+ +bookworm$want " /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '{ print $2; exit }')
  fi
  echo "${uri:-http://deb.debian.org/debian$want}"
}
main_mirror=$(mirror_of "")
security_mirror=$(mirror_of -security)

mkdir -p "$APP_IMAGES"
work=$(mktemp -d "$APP_IMAGES/.toolbox.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "mmdebstrap bookworm (minbase + $packages) from $main_mirror"
# shellcheck disable=SC2016 # the hook's "$1" is mmdebstrap's, not ours
SOURCE_DATE_EPOCH=0 mmdebstrap --variant=minbase --quiet --include="$packages" \
  --aptopt='Acquire::Retries "3"' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/usr/share/doc/* "$1"/usr/share/man/* "$1"/usr/share/locale/*' \
  bookworm "$work/rootfs.tar" \
  "deb $main_mirror bookworm main" "deb $main_mirror bookworm-updates main" "deb $security_mirror bookworm-security main"
"$K8S_BIN/ocitar" -name "$TOOLBOX_IMAGE" -o "$out" -layer "$work/rootfs.tar" -cmd /bin/bash
printf '%s\n' "$stamp" >"$out.stamp"
