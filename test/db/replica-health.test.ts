import { describe, expect, it } from 'vitest';
import { parseGtidList } from '../../src/db/gtid.js';
import { judgeReplica, replicationLagSeconds, type ReplicaObservation } from '../../src/db/replica-health.js';

const well: ReplicaObservation = {
  writable: false,
  sqlThreadRunning: true,
  bothThreadsRunning: true,
  position: '0-100-5',
};

describe('judgeReplica', () => {
  it.each([
    { case: 'in step', observation: well, primaryUp: true, lag: 0, healthy: true, reason: 'ok' },
    {
      case: 'lag not known yet',
      observation: well,
      primaryUp: true,
      lag: undefined,
      healthy: true,
      reason: 'ok',
    },
    {
      case: 'unreachable',
      observation: { ...well, error: 'ECONNREFUSED' },
      primaryUp: true,
      lag: 0,
      healthy: false,
      reason: 'unreachable: ECONNREFUSED',
    },
    {
      case: 'SQL thread stopped',
      observation: { ...well, sqlThreadRunning: false, bothThreadsRunning: false },
      primaryUp: true,
      lag: 0,
      healthy: false,
      reason: 'replication SQL thread not running',
    },
    {
      case: 'SQL thread stopped, primary down',
      observation: { ...well, sqlThreadRunning: false, bothThreadsRunning: false },
      primaryUp: false,
      lag: undefined,
      healthy: false,
      reason: 'replication SQL thread not running',
    },
    {
      case: 'IO thread stopped',
      observation: { ...well, bothThreadsRunning: false },
      primaryUp: true,
      lag: 0,
      healthy: false,
      reason: 'replication IO thread not running',
    },
    {
      case: 'IO thread reconnecting to a primary that is down',
      observation: { ...well, bothThreadsRunning: false },
      primaryUp: false,
      lag: undefined,
      healthy: true,
      reason: 'ok',
    },
    {
      // After a failover the replica list may name the new primary; it may even still replicate.
      case: 'writable: the primary, not a replica',
      observation: { ...well, writable: true },
      primaryUp: true,
      lag: 0,
      healthy: false,
      reason: 'writable (@@read_only = 0): a primary, not a replica',
    },
    {
      case: 'writable and not replicating (the promoted node)',
      observation: { ...well, writable: true, sqlThreadRunning: false, bothThreadsRunning: false },
      primaryUp: false,
      lag: undefined,
      healthy: false,
      reason: 'writable (@@read_only = 0): a primary, not a replica',
    },
    {
      // Slave_running OFF, no SQL thread, read-only: the status variables read as for a stopped
      // replica, and its position says nothing of what it misses.
      case: 'a fenced old primary, replication not configured, primary down',
      observation: { ...well, sqlThreadRunning: false, bothThreadsRunning: false, position: '' },
      primaryUp: false,
      lag: undefined,
      healthy: false,
      reason: 'replication SQL thread not running',
    },
    {
      case: 'a fenced old primary, replication not configured, new primary up',
      observation: { ...well, sqlThreadRunning: false, bothThreadsRunning: false, position: '' },
      primaryUp: true,
      lag: 3,
      healthy: false,
      reason: 'replication SQL thread not running',
    },
    {
      case: 'lagging past the bound',
      observation: well,
      primaryUp: true,
      lag: 12.34,
      healthy: false,
      reason: 'lagging 12.3 s behind the primary (bound 10 s)',
    },
    {
      case: 'lagging up to the bound',
      observation: well,
      primaryUp: true,
      lag: 10,
      healthy: true,
      reason: 'ok',
    },
  ])('$case', ({ observation, primaryUp, lag, healthy, reason }) => {
    expect(judgeReplica(observation, { primaryUp, lagSeconds: lag, maxLagSeconds: 10 })).toEqual({
      healthy,
      reason,
    });
  });
});

describe('replicationLagSeconds', () => {
  const samples = [
    { atMs: 1_000, position: parseGtidList('0-100-5') },
    { atMs: 2_000, position: parseGtidList('0-100-5') },
    { atMs: 3_000, position: parseGtidList('0-100-8') },
    { atMs: 4_000, position: parseGtidList('0-100-9') },
  ];
  it.each([
    { position: '0-100-9', lag: 0 },
    { position: '0-100-10', lag: 0 },
    { position: '0-100-8', lag: 1 },
    { position: '0-100-6', lag: 2 },
    { position: '0-100-5', lag: 2 },
    { position: '0-100-1', lag: 4 },
    { position: '', lag: 4 },
  ])('a replica at "$position" lags $lag s at t=5 s', ({ position, lag }) => {
    expect(replicationLagSeconds(samples, parseGtidList(position), 5_000)).toBe(lag);
  });

  it('is unknown without samples of the primary', () => {
    expect(replicationLagSeconds([], parseGtidList('0-100-1'), 5_000)).toBeUndefined();
  });
});
