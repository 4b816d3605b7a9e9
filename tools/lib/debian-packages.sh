# Installing Debian packages for Quire's scripts (npm run up, npm test, the test cluster).
# Sourced, not run.

# The packages among the arguments that are not installed, one per line.
missing_debian_packages() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || echo "$package"
  done
}

# Install the packages among the arguments that are missing (as root). MariaDB, Apache and nginx
# would start system services on install (two of them on port 80, so one would fail its install),
# and a service of the system's own is not what Quire runs: a policy-rc.d that refuses every start
# keeps them down while installing, unless the machine has a policy of its own. apt's chatter goes
# to a log that is printed only when the install fails.
install_debian_packages() {
  local missing
  mapfile -t missing < <(missing_debian_packages "$@")
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "installing ${missing[*]} (apt-get)"
  local policy=/usr/sbin/policy-rc.d added_policy='' rc=0 log
  log=$(mktemp)
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    added_policy=1
  fi
  {
    apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  } >"$log" 2>&1 || rc=$?
  [[ -z $added_policy ]] || rm -f "$policy"
  if ((rc != 0)); then
    tail -n 30 "$log" >&2
    echo "apt-get install ${missing[*]} failed (exit $rc); the lines above are the end of its output" >&2
  fi
  rm -f "$log"
  return "$rc"
}
