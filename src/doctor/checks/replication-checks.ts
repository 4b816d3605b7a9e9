/**
 * The replication state read through the DB pods: a replica that does not replicate, one stopped by
 * an error, one lagging past database.maxReplicationLagSeconds, or a replica that accepts writes;
 * and whether the primary's acknowledged writes are on a replica (semi-sync in effect).
 * The primary is the pod that takes writes and replicates from no one (roles move on failover);
 * every other pod is judged as a replica.
 */
import { describeWriteProtection, writeProtection } from '../../topology/node-report.js';
import { finding, type Finding } from '../finding.js';
import { objectName, type ClusterSnapshot, type DatabasePodFacts } from '../snapshot.js';

function replicaFindings(snapshot: ClusterSnapshot, server: DatabasePodFacts): Finding[] {
  const podObject = objectName('Pod', snapshot.namespace, server.pod);
  const exec = (statement: string) =>
    `kubectl -n ${snapshot.namespace} exec ${server.pod} -c mariadb -- mariadb --defaults-extra-file=/run/quire/root.cnf --socket=/run/quire/mysqld.sock -e '${statement}'`;
  const findings: Finding[] = [];
  if (server.readOnly === false) {
    findings.push(
      finding(
        'SECOND_WRITABLE_PRIMARY',
        `replica ${server.pod} accepts writes (@@read_only = 0): the database has two writable servers`,
        [{ object: podObject, source: 'SELECT @@read_only', detail: '0' }],
        {
          fix: `${exec('SET GLOBAL read_only = ON')} (Quire sets it at start from replica.cnf; restarting the pod does too)`,
        },
      ),
    );
  }
  const replica = server.replica;
  if (!replica) {
    findings.push(
      finding(
        'REPLICA_NOT_RUNNING',
        `replica ${server.pod} has no replication configured (SHOW SLAVE STATUS is empty)`,
        [{ object: podObject, source: 'SHOW SLAVE STATUS', detail: 'empty' }],
        {
          fix: `delete the pod so that Quire configures it again: kubectl -n ${snapshot.namespace} delete pod ${server.pod}`,
        },
      ),
    );
    return findings;
  }
  const threads = `Slave_IO_Running ${replica.ioRunning}, Slave_SQL_Running ${replica.sqlRunning}`;
  const errors = [
    replica.lastIoErrno !== 0
      ? { thread: 'IO', errno: replica.lastIoErrno, text: replica.lastIoError }
      : null,
    replica.lastSqlErrno !== 0
      ? { thread: 'SQL', errno: replica.lastSqlErrno, text: replica.lastSqlError }
      : null,
  ].filter((error) => error !== null);
  if (errors.length > 0) {
    findings.push(
      finding(
        'REPLICATION_BROKEN',
        `replication on ${server.pod} stopped with ${errors.map((error) => `error ${error.errno} (${error.thread} thread)`).join(' and ')}: ${errors.map((error) => error.text).join('; ')}`,
        [
          { object: podObject, source: 'SHOW SLAVE STATUS', detail: threads },
          ...errors.map((error) => ({
            object: podObject,
            source: `Last_${error.thread}_Errno / Last_${error.thread}_Error`,
            detail: `${error.errno}: ${error.text}`,
          })),
        ],
      ),
    );
  } else if (replica.ioRunning !== 'Yes' || replica.sqlRunning !== 'Yes') {
    findings.push(
      finding(
        'REPLICA_NOT_RUNNING',
        `replica ${server.pod} is not replicating from ${replica.masterHost || 'the primary'} (${threads})`,
        [{ object: podObject, source: 'SHOW SLAVE STATUS', detail: threads }],
        { fix: `${exec('START SLAVE')}; then check it with SHOW SLAVE STATUS` },
      ),
    );
  } else if (
    replica.secondsBehind !== null &&
    replica.secondsBehind > snapshot.quire.maxReplicationLagSeconds
  ) {
    findings.push(
      finding(
        'REPLICATION_LAGGING',
        `replica ${server.pod} is ${replica.secondsBehind}s behind the primary (database.maxReplicationLagSeconds is ${snapshot.quire.maxReplicationLagSeconds})`,
        [
          {
            object: podObject,
            source: 'SHOW SLAVE STATUS Seconds_Behind_Master',
            detail: String(replica.secondsBehind),
          },
        ],
      ),
    );
  }
  return findings;
}

export function replicationChecks(snapshot: ClusterSnapshot): Finding[] {
  return snapshot.database.flatMap((server) => {
    if (server.unreadable !== null) {
      return [
        finding(
          'DATABASE_UNREADABLE',
          `the replication state of ${server.pod} could not be read: ${server.unreadable}`,
          [
            {
              object: objectName('Pod', snapshot.namespace, server.pod),
              source: 'report.sh',
              detail: server.unreadable,
            },
          ],
        ),
      ];
    }
    const primary = server.readOnly === false && server.replica === null;
    return primary ? primaryFindings(snapshot, server) : replicaFindings(snapshot, server);
  });
}

function primaryFindings(snapshot: ClusterSnapshot, server: DatabasePodFacts): Finding[] {
  // Snapshots recorded before the report said it have no semi-sync state.
  const semiSync = server.semiSync ?? null;
  if (semiSync === null) return [];
  const protection = writeProtection(semiSync);
  if (protection === 'semi-sync') return [];
  const evidence = [
    {
      object: objectName('Pod', snapshot.namespace, server.pod),
      source: 'Rpl_semi_sync_master_status, @@rpl_semi_sync_master_enabled',
      detail: describeWriteProtection(semiSync),
    },
  ];
  return protection === 'fell-back'
    ? [
        finding(
          'WRITES_NOT_ON_A_REPLICA',
          `the primary ${server.pod} fell back to async replication: ${semiSync.commitsWithoutAck} commit(s) acknowledged without a replica since it started, and losing it now loses what it acknowledged since the fall-back`,
          evidence,
        ),
      ]
    : [finding('WRITES_ASYNC', `the primary ${server.pod} replicates asynchronously`, evidence)];
}
