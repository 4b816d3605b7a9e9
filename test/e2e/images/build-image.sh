#!/usr/bin/env bash
# Build one e2e test image from Debian 12 packages with mmdebstrap and pack it as an OCI archive.
#
#   test/e2e/images/build-image.sh NAME OUT.tar
#
# NAME is a directory beside this script holding:
#   packages            Debian packages to install, one per line (# starts a comment)
#   image.json          {"ref": "...", "config": {...}}: the image name and its OCI config
#   essential-hook.sh   optional: run by mmdebstrap with the rootfs path after the Essential
#                       packages are in, before the others (e.g. to create users with fixed ids)
#   customize-hook.sh   optional: run with the rootfs path after every package is installed
#   files/              optional: files the hooks copy in
#
# Runs as root (mmdebstrap --mode=root). build-all.sh decides whether an image needs a build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name=${1:?usage: build-image.sh NAME OUT.tar}
out=${2:?usage: build-image.sh NAME OUT.tar}
dir="$here/$name"
[[ -f $dir/packages && -f $dir/image.json ]] || { echo "build-image: no image '$name' in $here" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "build-image: must run as root (mmdebstrap --mode=root)" >&2; exit 1; }

# shellcheck source=sources.sh
source "$here/sources.sh"

packages=$(sed -e 's/#.*//' "$dir/packages" | tr -s ' \t\n' ',' | sed -e 's/^,//' -e 's/,$//')
[[ -n $packages ]] || { echo "build-image: $dir/packages lists no package" >&2; exit 1; }

hooks=()
[[ -x $dir/essential-hook.sh ]] && hooks+=("--essential-hook=$dir/essential-hook.sh")
hooks+=("--customize-hook=$here/common-customize.sh")
[[ -x $dir/customize-hook.sh ]] && hooks+=("--customize-hook=$dir/customize-hook.sh")

mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(dirname "$out")/.build-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT

# No documentation, manual pages or translations (the copyright files stay), no Recommends
# (mmdebstrap's default), no translated package descriptions. The merged-usr hook lays out
# /bin -> usr/bin etc. itself and installs usr-is-merged, as Debian's own container images have
# it, instead of the usrmerge package, which would pull in perl (about 45 MB). mmdebstrap removes the apt lists
# and cache itself; /run is emptied by common-customize.sh instead of by mmdebstrap so that the
# images can ship directories there (/run/mysqld, /run/apache2).
if ! mmdebstrap --mode=root --variant=minbase --format=tar \
  --include="$packages" \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --dpkgopt='path-exclude=/usr/share/linda/*' \
  --skip=cleanup/run \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  "${hooks[@]}" \
  "$DEBIAN_SUITE" - "${DEBIAN_SOURCES[@]}" 2>"$work/mmdebstrap.log" |
  mmtarfilter '--path-exclude=/dev/*' >"$work/rootfs.tar"; then
  tail -n 40 "$work/mmdebstrap.log" >&2
  echo "build-image: mmdebstrap failed for $name (log above)" >&2
  exit 1
fi

python3 "$here/oci-pack.py" "$work/rootfs.tar" "$dir/image.json" "$out"
