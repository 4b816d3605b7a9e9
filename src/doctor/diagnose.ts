/** All checks over one snapshot: the findings, errors first. */
import { autoscalingChecks } from './checks/autoscaling-checks.js';
import { containerChecks } from './checks/container-checks.js';
import { failoverChecks } from './checks/failover-checks.js';
import { ingressChecks } from './checks/ingress-checks.js';
import { networkChecks } from './checks/network-checks.js';
import { replicationChecks } from './checks/replication-checks.js';
import { resourceLimitChecks } from './checks/resource-limit-checks.js';
import { secretChecks } from './checks/secret-checks.js';
import { storageChecks } from './checks/storage-checks.js';
import type { Finding, Severity } from './finding.js';
import type { ClusterSnapshot } from './snapshot.js';

/** Every check family, in the order a problem usually cascades: storage and network first. */
export const CHECKS: readonly ((snapshot: ClusterSnapshot) => Finding[])[] = [
  storageChecks,
  networkChecks,
  resourceLimitChecks,
  containerChecks,
  replicationChecks,
  failoverChecks,
  autoscalingChecks,
  ingressChecks,
  secretChecks,
];

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function diagnose(snapshot: ClusterSnapshot): Finding[] {
  return CHECKS.flatMap((check) => check(snapshot)).sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity],
  );
}
