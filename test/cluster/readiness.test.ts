import { describe, expect, it } from 'vitest';
import { resourcePath } from '../../src/cluster/apply.js';
import { readiness } from '../../src/cluster/readiness.js';
import { changedPaths } from '../../src/cluster/diff.js';
import { parseDuration } from '../../src/cli/cluster-options.js';

describe('readiness', () => {
  it('waits for every StatefulSet pod to be ready and updated', () => {
    const base = { kind: 'StatefulSet', metadata: { generation: 2 }, spec: { replicas: 2 } };
    expect(
      readiness({ ...base, status: { observedGeneration: 2, readyReplicas: 1, updatedReplicas: 2 } }),
    ).toEqual({
      ready: false,
      detail: '1/2 pods ready',
    });
    expect(
      readiness({ ...base, status: { observedGeneration: 2, readyReplicas: 2, updatedReplicas: 2 } }).ready,
    ).toBe(true);
    // A status from before the last change says nothing about it.
    expect(
      readiness({ ...base, status: { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2 } }).ready,
    ).toBe(false);
  });

  it("reads a Deployment's wanted count from its status when an HPA owns it", () => {
    const deployment = { kind: 'Deployment', metadata: { generation: 1 }, spec: {} };
    expect(
      readiness({
        ...deployment,
        status: { observedGeneration: 1, replicas: 2, availableReplicas: 1, updatedReplicas: 2 },
      }).detail,
    ).toBe('1/2 pods available');
    expect(
      readiness({
        ...deployment,
        status: { observedGeneration: 1, replicas: 2, availableReplicas: 2, updatedReplicas: 2 },
      }).ready,
    ).toBe(true);
  });

  it('waits for a new autoscaled Deployment to reach the HPA minimum, not just its first pod', () => {
    // As the server returns it: spec.replicas defaulted to 1.
    const fresh = {
      kind: 'Deployment',
      metadata: { generation: 1 },
      spec: { replicas: 1 },
      status: { observedGeneration: 1, replicas: 1, availableReplicas: 1, updatedReplicas: 1 },
    };
    expect(readiness(fresh).ready).toBe(true);
    const state = readiness(fresh, { autoscalerMinReplicas: 2 });
    expect(state).toMatchObject({ ready: false, detail: '1/2 pods available' });
    // Scaled above the minimum under load: the status count is what is wanted.
    expect(
      readiness(
        {
          ...fresh,
          spec: { replicas: 4 },
          status: { observedGeneration: 1, replicas: 4, availableReplicas: 3, updatedReplicas: 4 },
        },
        { autoscalerMinReplicas: 2 },
      ).detail,
    ).toBe('3/4 pods available');
  });

  it('reports a failed Job as failed, not as slow', () => {
    const failed = readiness({
      kind: 'Job',
      status: {
        conditions: [
          { type: 'Failed', status: 'True', message: 'Job has reached the specified backoff limit' },
        ],
      },
    });
    expect(failed.failed).toBe('Job has reached the specified backoff limit');
    expect(
      readiness({ kind: 'Job', status: { conditions: [{ type: 'Complete', status: 'True' }] } }).ready,
    ).toBe(true);
  });

  it('needs at least one scheduled DaemonSet pod', () => {
    expect(
      readiness({ kind: 'DaemonSet', status: { desiredNumberScheduled: 0, numberReady: 0 } }).ready,
    ).toBe(false);
    expect(
      readiness({ kind: 'DaemonSet', status: { desiredNumberScheduled: 1, numberReady: 1 } }).ready,
    ).toBe(true);
  });
});

describe('changedPaths', () => {
  it('lists the leaf paths that differ, never the values', () => {
    expect(
      changedPaths({ spec: { replicas: 2, a: [1, 2] } }, { spec: { replicas: 3, a: [1, 5] }, extra: true }),
    ).toEqual(['.spec.replicas', '.spec.a[1]', '.extra']);
    expect(changedPaths({ a: 1 }, { a: 1 })).toEqual([]);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('rejects other text', () => {
    expect(() => parseDuration('ten minutes')).toThrow('expected a duration such as 90s, 10m or 1h');
  });
});

describe('resourcePath', () => {
  it.each([
    [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'quire' } }, '/api/v1/namespaces/quire'],
    [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'q' } },
      '/api/v1/namespaces/q/secrets/s',
    ],
    [
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'q' } },
      '/apis/networking.k8s.io/v1/namespaces/q/networkpolicies/p',
    ],
    [
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'q' } },
      '/apis/networking.k8s.io/v1/namespaces/q/ingresses/i',
    ],
    [
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'nfs-client' } },
      '/apis/storage.k8s.io/v1/storageclasses/nfs-client',
    ],
  ])('%o → %s', (object, path) => {
    expect(resourcePath(object)).toBe(path);
  });
});
