#!/usr/bin/env bash
# Import image tars built since the cluster started ($QUIRE_CACHE/images/*.tar, and ours) into
# the running cluster's containerd. up.sh does the same on every call, also when the cluster runs.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
lock_cluster
proc_alive containerd || die "the cluster is not running (up.sh)"
import_images
