#!/usr/bin/env bash
# Stage what the quire image holds (argument: an empty directory): the node binary that runs the
# tests, the compiled app (bin/, lib/) and its production dependencies, installed from the lockfile.
# build-all.sh hashes the staged tree into the image's stamp, so a change to the app rebuilds it.
set -euo pipefail
stage=${1:?usage: stage.sh DIR}
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"

(cd "$repo" && npm run --silent build)
install -D -m 0755 "$(readlink -f "$(command -v node)")" "$stage/node"
app="$stage/app"
mkdir -p "$app"
cp -a "$repo/package.json" "$repo/package-lock.json" "$repo/bin" "$repo/lib" "$app/"
# No install scripts: the compiler is not among the production dependencies (prepare would fail),
# and every native dependency of the app ships prebuilt binaries.
(cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
rm -f "$app/package-lock.json"
