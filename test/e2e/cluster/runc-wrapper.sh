#!/bin/bash
# runc wrapper for the test cluster's containerd (configs.sh installs it as the runtime's
# BinaryName). These VMs withhold CAP_SYS_RESOURCE even from root, so a process may not lower its
# oom_score_adj below 0 -- but containerd asks -998 for every pod sandbox and the kubelet -997 for
# Guaranteed/critical pods, and runc then fails with "failed to update /proc/self/oom_score_adj:
# Permission denied" ("can't get final child's PID from pipe: EOF"). Before `runc create`, clamp
# negative values in the bundle's config.json to 0; everything else goes to runc unchanged.
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [[ ${args[$i]} == --bundle || ${args[$i]} == -b ]]; then
    cfg="${args[$((i + 1))]}/config.json"
    if [[ -f $cfg ]] && grep -q '"oomScoreAdj":-' "$cfg"; then
      sed -i 's/"oomScoreAdj":-[0-9]*/"oomScoreAdj":0/' "$cfg"
    fi
  fi
done
exec /usr/sbin/runc "$@"
