#!/usr/bin/env bash
# Build the e2e test images from Debian 12 packages (mmdebstrap), as OCI archives that
# `ctr -n k8s.io images import` (containerd 1.6+) accepts.
#
#   test/e2e/images/build-all.sh                 # build every image that is missing or stale
#   test/e2e/images/build-all.sh wordpress       # only the named image(s)
#   QUIRE_FORCE=1 test/e2e/images/build-all.sh   # rebuild even if the stamp matches
#   test/e2e/images/build-all.sh --list          # print "name<TAB>image ref<TAB>archive" and exit
#
# Output: ${QUIRE_CACHE:-$HOME/.cache/quire}/images/<name>.tar and <name>.stamp. An image is
# skipped when its archive exists and its stamp (a hash of the build scripts, the image's
# directory — package list, hooks, files, config — and the Debian sources) matches.
# Needs root (mmdebstrap --mode=root), python3, and Debian's package mirror; installs mmdebstrap
# with apt-get when it is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${QUIRE_CACHE:-$HOME/.cache/quire}"
outdir="$cache/images"
all_images=(mariadb mysqld-exporter wordpress quire)

image_ref() { sed -n 's/^ *"ref": *"\([^"]*\)".*/\1/p' "$here/$1/image.json"; }

if [[ ${1:-} == --list ]]; then
  for name in "${all_images[@]}"; do
    printf '%s\t%s\t%s\n' "$name" "$(image_ref "$name")" "$outdir/$name.tar"
  done
  exit 0
fi

want=("$@")
[[ ${#want[@]} -gt 0 ]] || want=("${all_images[@]}")
for name in "${want[@]}"; do
  [[ " ${all_images[*]} " == *" $name "* ]] || {
    echo "build-all: unknown image '$name' (${all_images[*]})" >&2
    exit 2
  }
done

# shellcheck source=sources.sh
source "$here/sources.sh"

# An image with a stage.sh (quire) takes files from outside its directory: stage them first, into
# $outdir/<name>.stage, and hash them into the stamp.
stage_of() { # name
  local stage="$outdir/$1.stage"
  rm -rf "$stage"
  mkdir -p "$stage"
  "$here/$1/stage.sh" "$stage" >&2
  echo "$stage"
}

stamp_of() { # name [stage directory]
  {
    local f
    for f in build-image.sh oci-pack.py common-customize.sh sources.sh; do
      printf '== %s\n' "$f"
      cat "$here/$f"
    done
    (cd "$here/$1" && find . -type f -print | LC_ALL=C sort | while read -r f; do
      printf '== %s %s\n' "$f" "$(stat -c %a "$f")"
      cat "$f"
    done)
    printf '== sources %s\n' "$DEBIAN_SUITE"
    debian_sources_text
    if [[ -n ${2:-} ]]; then
      printf '== stage\n'
      (cd "$2" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    fi
  } | sha256sum | cut -c1-32
}

ensure_tools() {
  [[ $(id -u) -eq 0 ]] || { echo "build-all: must run as root (mmdebstrap --mode=root)" >&2; exit 1; }
  command -v python3 >/dev/null || { echo "build-all: python3 not found" >&2; exit 1; }
  if ! command -v mmdebstrap >/dev/null || ! command -v mmtarfilter >/dev/null; then
    echo "build-all: installing mmdebstrap with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends mmdebstrap >/dev/null ||
      { apt-get update >/dev/null && apt-get install -y --no-install-recommends mmdebstrap >/dev/null; }
  fi
}

mkdir -p "$outdir"
total_start=$SECONDS
tools_checked=
for name in "${want[@]}"; do
  start=$SECONDS
  out="$outdir/$name.tar"
  stage=
  [[ -x $here/$name/stage.sh ]] && stage=$(stage_of "$name")
  stamp=$(stamp_of "$name" "$stage")
  ref=$(image_ref "$name")
  if [[ -z ${QUIRE_FORCE:-} && -f $out && -f $outdir/$name.stamp && "$(cat "$outdir/$name.stamp")" == "$stamp" ]]; then
    echo "build-all: $name ($ref) up to date, $(du -m "$out" | cut -f1) MB, $((SECONDS - start))s"
    continue
  fi
  [[ -n $tools_checked ]] || { ensure_tools; tools_checked=1; }
  echo "build-all: building $name ($ref)"
  rm -f "$outdir/$name.stamp"
  QUIRE_IMAGE_STAGE=$stage "$here/build-image.sh" "$name" "$out"
  echo "$stamp" >"$outdir/$name.stamp"
  echo "build-all: $name ($ref) built in $((SECONDS - start))s, $(du -m "$out" | cut -f1) MB"
done
echo "build-all: images ready in $outdir ($((SECONDS - total_start))s in all)"
echo "build-all: note: Debian 12 has no fluent-bit package, so there is no fluent-bit image"
