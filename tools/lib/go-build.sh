# Helpers shared by the pinned Go builds (tools/build-go-tools.sh, test/e2e/cluster/build.sh).
# Sourced, not run. The sourcing script sets want=("$@") before calling selected, and log_tag to
# the name its messages start with.

# Pinned version of a module, read from go.mod without running go.
pinned_version() { # moddir module
  awk -v m="$2" '($1 == m && $2 ~ /^v/) { print $2; exit }
      ($1 == "require" && $2 == m && $3 ~ /^v/) { print $3; exit }' "$1/go.mod"
}

# A short hash of files' contents, for build stamps.
sha_of() { cat "$@" | sha256sum | cut -c1-16; }

# Whether a component was asked for (all are when none is named).
selected() {
  [[ ${#want[@]} -eq 0 ]] && return 0
  local w
  for w in "${want[@]}"; do [[ $w == "$1" ]] && return 0; done
  return 1
}

# Whether binary bin was built with this stamp (never under QUIRE_FORCE=1); says so when it was.
up_to_date() { # name ver bin stamp
  [[ -z ${QUIRE_FORCE:-} && -x $3 && -f $3.version && "$(cat "$3.version")" == "$4" ]] || return 1
  echo "$log_tag: $1 $2 up to date ($3)"
}

# Build package pkg of module dir moddir into bin, and write its stamp to bin.version. The build
# goes to bin.tmp.<pid> first (the sourcing script's EXIT trap removes it), so that an interrupted
# build leaves no binary that looks finished.
build_stamped() { # name ver moddir pkg ldflags bin stamp
  local start=$SECONDS tmp="$6.tmp.$$"
  echo "$log_tag: building $1 $2 ..."
  # go.sum is committed, so the default -mod=readonly is enough (and fails loudly if go.mod/go.sum
  # are out of sync instead of silently editing them).
  (cd "$3" && go build -trimpath -ldflags="$5" -o "$tmp" "$4")
  mv -f "$tmp" "$6"
  printf '%s\n' "$7" >"$6.version"
  echo "$log_tag: built $1 $2 in $((SECONDS - start))s -> $6"
}
