import { describe, expect, it } from 'vitest';
import { failoverChecks } from '../../src/doctor/checks/failover-checks.js';
import { loadFixture } from './fixtures.js';

describe('failoverChecks', () => {
  it('finds nothing on the healthy stack, whose manager holds its Lease', () => {
    const healthy = loadFixture('healthy-stack');
    expect(healthy.failover?.lease?.holder).toMatch(/^quire-failover-/);
    expect(failoverChecks(healthy)).toEqual([]);
  });

  it('reports that no manager leads once the Lease ran out (the manager scaled to 0)', () => {
    const [found, ...others] = failoverChecks(loadFixture('failover-no-leader'));
    expect(others).toEqual([]);
    expect(found?.id).toBe('FAILOVER_NO_LEADER');
    expect(found?.summary).toMatch(
      /^no failover manager leads: the Lease quire-failover was last renewed \S+ by quire-failover-\S+, so a dead primary would stop every write$/,
    );
    expect(found?.evidence[0]?.object).toBe('Lease e2e-doctor/quire-failover');
  });

  it('judges the Lease at the time the snapshot was taken, not by the clock', () => {
    const recorded = loadFixture('failover-no-leader');
    const renewed = recorded.failover?.lease?.renewTime;
    if (renewed === null || renewed === undefined) throw new Error('the fixture has no renewTime');
    expect(failoverChecks({ ...recorded, takenAt: renewed })).toEqual([]);
  });

  it('reports a manager that waits instead of promoting, with why and the way out', () => {
    const healthy = loadFixture('healthy-stack');
    if (healthy.failover === undefined || healthy.failover === null) throw new Error('no failover facts');
    const waiting = 'no replica was acking when quire-mariadb-0 was last seen';
    const [found, ...others] = failoverChecks({ ...healthy, failover: { ...healthy.failover, waiting } });
    expect(others).toEqual([]);
    expect(found?.id).toBe('FAILOVER_WAITING');
    expect(found?.summary).toBe(
      `the primary quire-mariadb-0 is down and the failover manager does not promote a replica: ${waiting}`,
    );
    expect(found?.fix).toContain('quire failover --allow-data-loss');
  });

  it('warns of errant writes kept when a node was cloned again, with how to read them', () => {
    const healthy = loadFixture('healthy-stack');
    if (healthy.failover === undefined || healthy.failover === null) throw new Error('no failover facts');
    const saved = {
      node: 'quire-mariadb-0',
      file: 'quire-mariadb-0:/var/lib/mysql/.quire-errant/errant-20261203T164000000Z.sql',
      at: '2026-12-03T16:40:05.000Z',
    };
    const [found, ...others] = failoverChecks({
      ...healthy,
      failover: { ...healthy.failover, errant: [saved] },
    });
    expect(others).toEqual([]);
    expect(found?.id).toBe('ERRANT_WRITES_SAVED');
    expect(found?.severity).toBe('warning');
    expect(found?.summary).toBe(
      `quire-mariadb-0 held writes no other node had and was cloned again at 2026-12-03T16:40:05.000Z; they are kept in ${saved.file}`,
    );
    expect(found?.fix).toContain(
      'kubectl -n e2e-doctor exec quire-mariadb-0 -c mariadb -- cat /var/lib/mysql/.quire-errant/errant-20261203T164000000Z.sql',
    );
  });

  it('says nothing of a namespace without a manager, or of a snapshot recorded before managers existed', () => {
    const healthy = loadFixture('healthy-stack');
    expect(failoverChecks({ ...healthy, failover: null })).toEqual([]);
    const older = { ...healthy };
    delete older.failover;
    expect(failoverChecks(older)).toEqual([]);
  });
});
