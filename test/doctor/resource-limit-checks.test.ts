import { describe, expect, it } from 'vitest';
import { resourceLimitChecks } from '../../src/doctor/checks/resource-limit-checks.js';
import { loadFixture } from './fixtures.js';

describe('resourceLimitChecks', () => {
  it('finds nothing on the healthy stack', () => {
    expect(resourceLimitChecks(loadFixture('healthy-stack'))).toEqual([]);
  });

  it('blames the LimitRange whose default memory limit OOMKilled a pod', () => {
    const [found, ...others] = resourceLimitChecks(loadFixture('limit-range-oom'));
    expect(others).toEqual([]);
    expect(found?.id).toBe('POD_OOM_KILLED_BY_LIMIT_RANGE');
    expect(found?.summary).toBe(
      'container main of pod memory-hungry was OOMKilled under a 32Mi memory limit set by LimitRange leftover-from-exercise',
    );
    expect(found?.evidence.map((evidence) => evidence.source)).toEqual([
      expect.stringMatching(/^container main (state|lastState)$/),
      'annotation kubernetes.io/limit-ranger',
      'spec.limits[].default.memory',
    ]);
    expect(found?.fix).toContain('kubectl -n e2e-doctor-pods delete limitrange leftover-from-exercise');
  });

  it('calls it a plain OOM kill when no LimitRange set the limit', () => {
    const recorded = loadFixture('limit-range-oom');
    const [found] = resourceLimitChecks({
      ...recorded,
      limitRanges: [],
      pods: recorded.pods.map((pod) => ({ ...pod, limitRanger: null })),
    });
    expect(found?.id).toBe('POD_OOM_KILLED');
  });

  it('shows the LimitRange that forbids Quire pods next to what Quire asked for', () => {
    const [found, ...others] = resourceLimitChecks(loadFixture('limit-range-rejects-quire'));
    expect(others).toEqual([]);
    expect(found?.id).toBe('POD_REJECTED_BY_LIMIT_RANGE');
    expect(found?.summary).toMatch(
      /^ReplicaSet quire-web-[a-z0-9]+ cannot create its pods \(1 of 2 pods exist\): LimitRange leftover-from-exercise forbids them; Quire asks for quire-web: requests 128Mi memory, limit 256Mi memory$/,
    );
    expect(found?.evidence[0]?.detail).toContain(
      'maximum memory usage per Container is 128Mi, but limit is 256Mi',
    );
    expect(found?.evidence[1]).toEqual({
      object: 'LimitRange e2e-doctor/leftover-from-exercise',
      source: 'spec.limits',
      detail: 'Container max memory 128Mi',
    });
  });

  it('names the exhausted ResourceQuota with its use', () => {
    const found = resourceLimitChecks(loadFixture('pod-faults'));
    expect(found.map((entry) => entry.id)).toEqual(['POD_REJECTED_BY_QUOTA']);
    expect(found[0]?.summary).toMatch(
      /^ReplicaSet over-quota-[a-z0-9]+ cannot create its pods \(0 of 1 pods exist\): ResourceQuota small-quota is exhausted$/,
    );
    expect(found[0]?.evidence[1]?.detail).toMatch(/^limits\.memory \d+Mi\/64Mi$/);
  });
});
