import { describe, expect, it } from 'vitest';
import { formatStatus, type DatabasePodState, type StackStatus } from '../../src/cluster/stack-status.js';

const pod = { phase: 'Running', ready: true, restarts: 0, problem: null };
const semiSync = {
  primaryEnabled: true,
  ackingReplicas: 1,
  commitsWithoutAck: 0,
  replicaEnabled: false,
  replicaActive: false,
};

function status(primaryActive: boolean, ackingReplicas: number): StackStatus {
  const database: DatabasePodState[] = [
    {
      ...pod,
      pod: 'quire-mariadb-0',
      role: 'primary',
      readOnly: false,
      gtid: '0-100-9',
      lagSeconds: null,
      replicating: null,
      replicationError: null,
      semiSync: { ...semiSync, primaryActive, ackingReplicas },
    },
    {
      ...pod,
      pod: 'quire-mariadb-1',
      role: 'replica',
      readOnly: true,
      gtid: '0-100-9',
      lagSeconds: 0,
      replicating: true,
      replicationError: null,
      semiSync: { ...semiSync, primaryEnabled: false, primaryActive: false, replicaEnabled: true },
    },
  ];
  return { context: 'test', namespace: 'quire', database, web: [], autoscaler: null, ingress: null };
}

describe('formatStatus', () => {
  it("says under the database table whether the primary's acknowledged writes are on a replica", () => {
    expect(formatStatus(status(true, 1))).toContain(
      '  quire-mariadb-0: writes: semi-sync, every acknowledged write is on a replica (1 acking;',
    );
    expect(formatStatus(status(true, 0))).toContain('  quire-mariadb-0: writes: NOT protected');
    expect(formatStatus(status(false, 1))).toContain('  quire-mariadb-0: writes: NOT protected');
    expect(formatStatus(status(true, 1))).not.toContain('quire-mariadb-1: writes');
  });
});
