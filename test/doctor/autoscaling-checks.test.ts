import { describe, expect, it } from 'vitest';
import { autoscalingChecks } from '../../src/doctor/checks/autoscaling-checks.js';
import { loadFixture } from './fixtures.js';

describe('autoscalingChecks', () => {
  it('finds nothing on the healthy stack', () => {
    expect(autoscalingChecks(loadFixture('healthy-stack'))).toEqual([]);
  });

  it('reports the autoscaler without metrics while metrics-server is scaled to 0', () => {
    const [found, ...others] = autoscalingChecks(loadFixture('metrics-server-down'));
    expect(others).toEqual([]);
    expect(found?.id).toBe('HPA_NO_METRICS');
    expect(found?.summary).toBe('autoscaler quire-web gets no CPU metrics: the metrics API is unavailable');
    expect(found?.evidence[0]?.object).toBe('APIService v1beta1.metrics.k8s.io');
    expect(found?.fix).toContain('kubectl -n kube-system scale deployment/metrics-server --replicas=1');
  });

  it('says metrics-server is not installed when its APIService is absent', () => {
    const [found] = autoscalingChecks({ ...loadFixture('metrics-server-down'), metricsApi: null });
    expect(found?.summary).toBe('autoscaler quire-web gets no CPU metrics: the metrics API is not installed');
  });

  it('names the containers without a CPU request', () => {
    const [found, ...others] = autoscalingChecks(loadFixture('pod-faults'));
    expect(others).toEqual([]);
    expect(found?.id).toBe('HPA_NO_CPU_REQUESTS');
    expect(found?.summary).toMatch(/containers without a CPU request: no-requests-[a-z0-9-]+\/main$/);
  });
});
