import { describe, expect, it } from 'vitest';
import { containerChecks } from '../../src/doctor/checks/container-checks.js';
import { loadFixture } from './fixtures.js';

describe('containerChecks', () => {
  it('finds nothing on the healthy stack', () => {
    expect(containerChecks(loadFixture('healthy-stack'))).toEqual([]);
  });

  it('reports the image that cannot be had and the crash loop with its last log lines', () => {
    const findings = containerChecks(loadFixture('pod-faults'));
    expect(findings.map((entry) => entry.id).sort()).toEqual(['CRASH_LOOP', 'IMAGE_PULL_FAILED']);
    const pull = findings.find((entry) => entry.id === 'IMAGE_PULL_FAILED');
    expect(pull?.summary).toBe(
      'container main of pod absent-image cannot get image quire.local/absent:1 (ErrImageNeverPull)',
    );
    expect(pull?.cause).toBe(
      'the pull policy is Never and image quire.local/absent:1 is not on node quire-node',
    );
    const crash = findings.find((entry) => entry.id === 'CRASH_LOOP');
    expect(crash?.summary).toMatch(
      /^container main of pod crashing keeps crashing \(\d+ restarts, last exit Error 3\)$/,
    );
    expect(crash?.evidence[1]?.detail).toBe('cannot open /etc/app/app.conf: no such file');
  });

  it('leaves an OOM kill in CrashLoopBackOff to the limit checks', () => {
    expect(containerChecks(loadFixture('limit-range-oom'))).toEqual([]);
  });
});
