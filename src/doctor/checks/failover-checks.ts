/**
 * The failover manager: whether one leads (holds its Lease), whether the leader waits instead of
 * failing a dead primary over because no replica is known to hold every acknowledged write, and
 * the errant writes it kept when it cloned a node again.
 */
import { leaseExpired } from '../../topology/lease.js';
import { finding, type Finding } from '../finding.js';
import { objectName, type ClusterSnapshot } from '../snapshot.js';

export function failoverChecks(snapshot: ClusterSnapshot): Finding[] {
  const failover = snapshot.failover;
  if (failover === undefined || failover === null) return [];
  const findings: Finding[] = [];
  const { lease } = failover;
  const takenAt = new Date(snapshot.takenAt);
  if (
    lease === null ||
    leaseExpired(
      {
        ...(lease.renewTime === null ? {} : { renewTime: new Date(lease.renewTime) }),
        ...(lease.durationSeconds === null ? {} : { leaseDurationSeconds: lease.durationSeconds }),
      },
      takenAt,
    )
  ) {
    findings.push(
      finding(
        'FAILOVER_NO_LEADER',
        lease === null
          ? 'no failover manager has ever led: its Lease does not exist, so a dead primary would stop every write'
          : `no failover manager leads: the Lease ${failover.leaseName} was last renewed ${lease.renewTime ?? 'never'} by ${lease.holder ?? 'no one'}, so a dead primary would stop every write`,
        [
          {
            object: objectName('Lease', snapshot.namespace, failover.leaseName),
            source: 'spec.renewTime, spec.leaseDurationSeconds',
            detail:
              lease === null
                ? 'not found'
                : `${lease.renewTime ?? 'never'}, ${lease.durationSeconds ?? '?'} s`,
          },
        ],
      ),
    );
  }
  if (failover.waiting !== null) {
    findings.push(
      finding(
        'FAILOVER_WAITING',
        `the primary ${failover.recordedPrimary ?? '?'} is down and the failover manager does not promote a replica: ${failover.waiting}`,
        [
          {
            object: objectName('ConfigMap', snapshot.namespace, failover.recordName),
            source: "data.manager (the leading manager's status)",
            detail: failover.waiting,
          },
        ],
      ),
    );
  }
  for (const saved of failover.errant ?? []) {
    findings.push(
      finding(
        'ERRANT_WRITES_SAVED',
        `${saved.node} held writes no other node had and was cloned again at ${saved.at}; they are kept in ${saved.file}`,
        [
          {
            object: objectName('ConfigMap', snapshot.namespace, failover.recordName),
            source: "data.manager (the leading manager's status)",
            detail: saved.file,
          },
        ],
        {
          fix: `read them (kubectl -n ${snapshot.namespace} exec ${saved.node} -c mariadb -- cat ${saved.file.slice(saved.file.indexOf(':') + 1)}), apply on the primary what must not be lost, then delete the file`,
        },
      ),
    );
  }
  return findings;
}
