# Helpers shared by the pinned Go builds (tools/build-go-tools.sh, test/e2e/cluster/build.sh).
# Sourced, not run. The sourcing script sets want=("$@") before calling selected.

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
