import { describe, expect, it } from 'vitest';
import {
  choosePromotion,
  rejoinDecision,
  type ReplicaCandidate,
} from '../../src/topology/failover-decision.js';
import { parseNodeReport, type NodeReport } from '../../src/topology/node-report.js';

/** A report as report.sh prints it. */
function report(fields: Record<string, string | number>): NodeReport {
  return parseNodeReport(
    Object.entries(fields)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n'),
  );
}

const protectingPrimary = report({
  read_only: 0,
  gtid_current_pos: '0-100-10',
  gtid_binlog_pos: '0-100-10',
  semi_sync_master_enabled: 'ON',
  semi_sync_master_status: 'ON',
  semi_sync_master_clients: 2,
});

function replica(applied: string, received: string): NodeReport {
  return report({
    read_only: 1,
    gtid_current_pos: applied,
    gtid_binlog_pos: applied,
    semi_sync_slave_enabled: 'ON',
    Master_Host: '127.0.0.1',
    Master_Port: 4000,
    Slave_IO_Running: 'Connecting',
    Slave_SQL_Running: 'Yes',
    Gtid_IO_Pos: received,
  });
}

const candidates = (...list: [string, NodeReport | undefined, boolean][]): ReplicaCandidate[] =>
  list.map(([name, now, wasAcking]) => ({ name, now, wasAcking }));

describe('choosePromotion', () => {
  it('promotes the acking replica that received the most, counting its relay log', () => {
    const decision = choosePromotion({
      primary: 'db-0',
      primaryLastSeen: protectingPrimary,
      replicas: candidates(
        ['db-1', replica('0-100-10', '0-100-10'), true],
        ['db-2', replica('0-100-8', '0-100-11'), true],
      ),
      allowDataLoss: false,
    });
    expect(decision).toMatchObject({ kind: 'promote', name: 'db-2' });
    expect(decision.reason).toContain('0-100-11');
  });

  it('waits when an acking replica does not answer: it may hold the last acknowledged write', () => {
    const decision = choosePromotion({
      primary: 'db-0',
      primaryLastSeen: protectingPrimary,
      replicas: candidates(['db-1', replica('0-100-9', '0-100-9'), true], ['db-2', undefined, true]),
      allowDataLoss: false,
    });
    expect(decision).toEqual({ kind: 'wait', reason: expect.stringContaining('db-2 acked') as string });
  });

  it('waits when the primary had fallen back to async or was async, unless data loss is allowed', () => {
    const fellBack = report({
      ...Object.fromEntries(Object.entries(protectingPrimary.raw)),
      semi_sync_master_status: 'OFF',
    });
    const asyncPrimary = report({
      read_only: 0,
      gtid_current_pos: '0-100-10',
      semi_sync_master_enabled: 'OFF',
    });
    const replicas = candidates(
      ['db-1', replica('0-100-9', '0-100-9'), false],
      ['db-2', replica('0-100-7', '0-100-7'), false],
    );
    for (const primaryLastSeen of [fellBack, asyncPrimary, undefined]) {
      expect(choosePromotion({ primary: 'db-0', primaryLastSeen, replicas, allowDataLoss: false }).kind).toBe(
        'wait',
      );
      expect(
        choosePromotion({ primary: 'db-0', primaryLastSeen, replicas, allowDataLoss: true }),
      ).toMatchObject({
        kind: 'promote',
        name: 'db-1',
      });
    }
    expect(
      choosePromotion({ primary: 'db-0', primaryLastSeen: fellBack, replicas, allowDataLoss: false }).reason,
    ).toContain('fallen back');
  });

  it('takes a replica that was not acking when it received more than the acking ones', () => {
    const decision = choosePromotion({
      primary: 'db-0',
      primaryLastSeen: protectingPrimary,
      replicas: candidates(
        ['db-1', replica('0-100-9', '0-100-9'), true],
        ['db-2', replica('0-100-10', '0-100-10'), false],
      ),
      allowDataLoss: false,
    });
    expect(decision).toMatchObject({ kind: 'promote', name: 'db-2' });
  });

  it('waits when no replica answers, even with data loss allowed', () => {
    expect(
      choosePromotion({
        primary: 'db-0',
        primaryLastSeen: protectingPrimary,
        replicas: candidates(['db-1', undefined, true]),
        allowDataLoss: true,
      }),
    ).toEqual({ kind: 'wait', reason: 'no replica answers' });
  });
});

describe('rejoinDecision', () => {
  const primary = { host: '127.0.0.1', port: 4010 };

  it('leaves a replica of the primary alone and fences a writable non-primary', () => {
    const following = report({
      read_only: 1,
      gtid_current_pos: '0-101-12',
      Master_Host: '127.0.0.1',
      Master_Port: 4010,
      Slave_IO_Running: 'Yes',
      Slave_SQL_Running: 'Yes',
    });
    expect(rejoinDecision({ node: following, primary, promotedAt: '0-100-10' })).toEqual({
      kind: 'in-place',
    });
    expect(
      rejoinDecision({
        node: report({ read_only: 0, gtid_current_pos: '0-100-10' }),
        primary,
        promotedAt: '0-100-10',
      }).kind,
    ).toBe('fence');
  });

  it('re-points a node whose transactions the primary has; re-clones one with writes beyond the promotion', () => {
    const oldPrimary = (position: string) =>
      report({ read_only: 1, gtid_current_pos: position, gtid_binlog_pos: position });
    expect(rejoinDecision({ node: oldPrimary('0-100-10'), primary, promotedAt: '0-100-10' }).kind).toBe(
      'follow',
    );
    expect(rejoinDecision({ node: oldPrimary('0-100-9'), primary, promotedAt: '0-100-10' }).kind).toBe(
      'follow',
    );
    expect(rejoinDecision({ node: oldPrimary('0-100-11'), primary, promotedAt: '0-100-10' })).toMatchObject({
      kind: 'reclone',
      errantFrom: '0-100-10',
    });
    // A fresh clone (no binary log yet, whatever its donor's replica position) is left to its sidecar.
    const clone = report({ read_only: 1, gtid_current_pos: '0-100-9', gtid_binlog_pos: '' });
    expect(rejoinDecision({ node: clone, primary, promotedAt: '0-100-10' }).kind).toBe('in-place');
    // The primary never moved: nothing can be errant.
    expect(rejoinDecision({ node: oldPrimary('0-100-11'), primary, promotedAt: undefined }).kind).toBe(
      'follow',
    );
  });

  it('re-clones a node the primary refuses (its last transaction is not in the primary binary log)', () => {
    const refused = report({
      read_only: 1,
      gtid_current_pos: '0-100-11',
      Master_Host: '127.0.0.1',
      Master_Port: 4010,
      Slave_IO_Running: 'No',
      Slave_SQL_Running: 'Yes',
      Last_IO_Errno: 1236,
      Last_IO_Error:
        'Error: connecting slave requested to start from GTID 0-100-11, which is not in the master binlog',
    });
    expect(rejoinDecision({ node: refused, primary, promotedAt: '0-101-20' })).toMatchObject({
      kind: 'reclone',
    });
  });
});
