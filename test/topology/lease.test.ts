import { describe, expect, it } from 'vitest';
import { leaseExpired } from '../../src/topology/lease.js';

describe('leaseExpired', () => {
  it('holds a Lease within its duration after the last renewal, and frees it after', () => {
    const spec = { renewTime: new Date('2026-12-03T12:00:00.000Z'), leaseDurationSeconds: 5 };
    expect(leaseExpired(spec, new Date('2026-12-03T12:00:04.900Z'))).toBe(false);
    expect(leaseExpired(spec, new Date('2026-12-03T12:00:05.100Z'))).toBe(true);
  });

  it('treats a Lease never renewed as free', () => {
    expect(leaseExpired({ leaseDurationSeconds: 5 }, new Date())).toBe(true);
    expect(leaseExpired(undefined, new Date())).toBe(true);
  });
});
