import { describe, expect, it } from 'vitest';
import { readTopologyRecord, withoutKey } from '../../src/topology/topology-record.js';

const request = {
  id: 'r1',
  command: { kind: 'switchover', to: 'quire-mariadb-2' },
  requestedAt: '2026-12-03T10:00:00.000Z',
};
const answer = { id: 'r1', state: 'done', by: 'quire-failover-a', at: '2026-12-03T10:00:01.000Z' };

describe('readTopologyRecord', () => {
  it('reads the recorded primary and the JSON keys', () => {
    expect(
      readTopologyRecord({
        primary: 'quire-mariadb-1',
        promotedAt: '0-2-40',
        request: JSON.stringify(request),
        answer: JSON.stringify(answer),
      }),
    ).toEqual({ primary: 'quire-mariadb-1', promotedAt: '0-2-40', request, answer, unreadable: [] });
  });

  it('leaves out what is absent or empty (a primary never promoted has no promotedAt)', () => {
    expect(readTopologyRecord({ primary: 'quire-mariadb-0', promotedAt: '' })).toEqual({
      primary: 'quire-mariadb-0',
      unreadable: [],
    });
    expect(readTopologyRecord(undefined)).toEqual({ unreadable: [] });
  });

  it('names the keys whose JSON is damaged or of the wrong shape, and still reads the rest', () => {
    const contents = readTopologyRecord({
      primary: 'quire-mariadb-0',
      request: '{not json',
      answer: JSON.stringify({ ...answer, state: 'maybe' }),
      manager: JSON.stringify({ leader: 'x' }),
    });
    expect(contents).toEqual({ primary: 'quire-mariadb-0', unreadable: ['request', 'answer', 'manager'] });
  });

  it('rejects a request for an unknown kind of change', () => {
    expect(
      readTopologyRecord({ request: JSON.stringify({ ...request, command: { kind: 'drop-everything' } }) })
        .unreadable,
    ).toEqual(['request']);
  });
});

describe("readTopologyRecord, the leader's status", () => {
  const semiSync = {
    primaryEnabled: true,
    primaryActive: true,
    ackingReplicas: 1,
    commitsWithoutAck: 0,
    replicaEnabled: false,
    replicaActive: false,
  };
  const manager = {
    leader: 'quire-failover-a',
    since: '2026-12-03T10:00:00.000Z',
    primary: 'quire-mariadb-0',
    errant: [],
    handover: { primary: 'quire-mariadb-0', semiSync, acking: ['quire-mariadb-1'] },
  };

  it('reads what the next leader is handed: the semi-sync state and the acking replicas', () => {
    expect(readTopologyRecord({ manager: JSON.stringify(manager) }).manager?.handover).toEqual(
      manager.handover,
    );
  });

  it("refuses a handover without the primary's semi-sync state", () => {
    const partial = { primary: manager.handover.primary, acking: manager.handover.acking };
    expect(
      readTopologyRecord({ manager: JSON.stringify({ ...manager, handover: partial }) }).unreadable,
    ).toEqual(['manager']);
  });
});

describe('withoutKey', () => {
  it('drops one key and keeps the others', () => {
    expect(withoutKey({ primary: 'a', request: 'b' }, 'request')).toEqual({ primary: 'a' });
  });
});
