import { describe, expect, it } from 'vitest';
import { failoverSettingsFromEnv, withRecloneRequest } from '../../src/topology/kubernetes-failover.js';

const ENV = {
  POD_NAME: 'quire-failover-abc',
  QUIRE_NAMESPACE: 'blog',
  QUIRE_DB_STATEFULSET: 'quire-mariadb',
  QUIRE_DB_HEADLESS: 'quire-mariadb',
  QUIRE_DB_NODES: '3',
  QUIRE_DB_PORT: '3306',
  QUIRE_DB_TOPOLOGY: 'quire-mariadb-topology',
  QUIRE_DB_ERRANT_DIR: '/var/lib/mysql/.quire-errant',
  QUIRE_FAILOVER_LEASE: 'quire-failover',
  QUIRE_DB_REPLICATION: 'semi-sync',
  MARIADB_FAILOVER_PASSWORD: 'f',
  MARIADB_REPLICATION_PASSWORD: 'r',
};

describe('failoverSettingsFromEnv', () => {
  it("reads the Deployment's variables", () => {
    expect(failoverSettingsFromEnv(ENV)).toMatchObject({
      podName: 'quire-failover-abc',
      nodes: 3,
      port: 3306,
      semiSync: true,
      errantDir: '/var/lib/mysql/.quire-errant',
      failoverPassword: 'f',
    });
  });

  it('names a missing or bad variable', () => {
    expect(() => failoverSettingsFromEnv({ ...ENV, MARIADB_FAILOVER_PASSWORD: undefined })).toThrow(
      "MARIADB_FAILOVER_PASSWORD is not set; the failover manager's Deployment sets it (quire synth)",
    );
    expect(() => failoverSettingsFromEnv({ ...ENV, QUIRE_DB_NODES: 'two' })).toThrow(
      'QUIRE_DB_NODES is "two"; it must be a whole number >= 1',
    );
  });
});

describe('withRecloneRequest', () => {
  it("adds a node's request, replacing its earlier one and keeping the others'", () => {
    const first = withRecloneRequest('', { pod: 'quire-mariadb-0', from: '0-100-7', id: 'a' });
    expect(first).toBe('quire-mariadb-0 0-100-7 a');
    const second = withRecloneRequest(first, { pod: 'quire-mariadb-2', from: '0-100-7,1-101-2', id: 'b' });
    expect(withRecloneRequest(second, { pod: 'quire-mariadb-0', from: '0-100-9', id: 'c' })).toBe(
      'quire-mariadb-2 0-100-7,1-101-2 b\nquire-mariadb-0 0-100-9 c',
    );
  });

  it("writes '-' for a node to save all of its transactions (clone.sh reads three fields)", () => {
    expect(withRecloneRequest('', { pod: 'quire-mariadb-1', from: '', id: 'x' })).toBe('quire-mariadb-1 - x');
  });
});
