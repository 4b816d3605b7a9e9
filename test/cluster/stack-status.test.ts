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

function status(
  primaryActive: boolean,
  ackingReplicas: number,
  failover: StackStatus['failover'] = null,
): StackStatus {
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
  return {
    context: 'test',
    namespace: 'quire',
    database,
    web: [],
    autoscaler: null,
    ingress: null,
    failover,
  };
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

describe('formatStatus, failover manager', () => {
  const manager = {
    leader: 'quire-failover-abc',
    since: '2026-12-03T10:00:00.000Z',
    primary: 'quire-mariadb-1',
    errant: [],
  };

  it('names the leading manager and the recorded primary, and says nothing of a manager before one led', () => {
    expect(formatStatus(status(true, 1, { recordedPrimary: 'quire-mariadb-1', manager }))).toContain(
      'failover manager: quire-failover-abc leads since 2026-12-03T10:00:00.000Z; recorded primary quire-mariadb-1',
    );
    expect(formatStatus(status(true, 1, { recordedPrimary: 'quire-mariadb-0', manager: null }))).toContain(
      'failover manager: none has led yet; recorded primary quire-mariadb-0',
    );
    expect(formatStatus(status(true, 1))).not.toContain('failover manager');
  });

  it('says why the manager waits, and how to fail over anyway; shows the last role change', () => {
    const text = formatStatus(
      status(true, 1, {
        recordedPrimary: 'quire-mariadb-0',
        manager: {
          ...manager,
          waiting: 'no replica was acking when quire-mariadb-0 was last seen',
          lastChange: {
            kind: 'switchover',
            from: 'quire-mariadb-1',
            to: 'quire-mariadb-0',
            at: '2026-12-03T10:05:00.000Z',
            reason: 'asked',
            heldMs: 140,
          },
        },
      }),
    );
    expect(text).toContain(
      '  failover: WAITING, no replica was acking when quire-mariadb-0 was last seen (quire failover --allow-data-loss promotes anyway)',
    );
    expect(text).toContain(
      '  last switchover: quire-mariadb-1 → quire-mariadb-0 at 2026-12-03T10:05:00.000Z, writes held 140 ms',
    );
  });
});
