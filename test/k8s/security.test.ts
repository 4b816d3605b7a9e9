/**
 * Security defaults on every workload of every variant: seccomp, no privilege escalation, no
 * capabilities, non-root (two documented exceptions), resources everywhere, and no secret value
 * outside a Secret.
 */
import { describe, expect, it } from 'vitest';
import type { QuireConfigInput } from '../../src/config/schema.js';
import type { KubeObject } from '../../src/k8s/quire-manifests.js';
import { at, synthObjects } from '../support/manifests.js';

const VARIANTS: Record<string, QuireConfigInput> = {
  default: {},
  wordpress: { workload: 'wordpress' },
  nfs: { storage: { nfs: { enabled: true, server: '192.168.56.11', path: '/srv/nfs-volume' } } },
};
/** Reading root-owned node logs and writing a root-owned NFS export need uid 0 (no capability). */
const ROOT_EXCEPTIONS = new Set(['quire-fluent-bit', 'quire-nfs-provisioner']);

function podSpecs(objects: readonly KubeObject[]) {
  return objects
    .filter((object) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(object.kind))
    .map((object) => ({
      name: object.metadata.name,
      pod: at(object, 'spec', 'template', 'spec') as Record<string, unknown>,
    }));
}

describe.each(Object.entries(VARIANTS))('security defaults (%s)', (_, input) => {
  const objects = synthObjects(input);

  it('hardens every container', () => {
    for (const { name, pod } of podSpecs(objects)) {
      expect(at(pod, 'securityContext', 'seccompProfile', 'type'), name).toBe('RuntimeDefault');
      if (!ROOT_EXCEPTIONS.has(name)) expect(at(pod, 'securityContext', 'runAsNonRoot'), name).toBe(true);
      const containers = [...((pod.initContainers ?? []) as unknown[]), ...(pod.containers as unknown[])];
      for (const container of containers) {
        const label = `${name}/${String(at(container, 'name'))}`;
        expect(at(container, 'securityContext', 'allowPrivilegeEscalation'), label).toBe(false);
        expect(at(container, 'securityContext', 'capabilities', 'drop'), label).toEqual(['ALL']);
        expect(at(container, 'securityContext', 'capabilities', 'add'), label).toBeUndefined();
        expect(at(container, 'resources', 'requests', 'cpu'), label).toBeDefined();
        expect(at(container, 'resources', 'limits', 'memory'), label).toBeDefined();
      }
    }
  });

  it('keeps every secret value inside Secrets', () => {
    const secretValues = objects
      .filter((object) => object.kind === 'Secret')
      .flatMap((secret) => Object.values(secret.stringData as Record<string, string>));
    expect(secretValues.length).toBeGreaterThan(0);
    for (const object of objects.filter((candidate) => candidate.kind !== 'Secret')) {
      const text = JSON.stringify(object);
      for (const value of secretValues)
        expect(text, `${object.kind}/${object.metadata.name}`).not.toContain(value);
    }
  });
});
