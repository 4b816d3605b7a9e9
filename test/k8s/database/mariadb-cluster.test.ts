import { describe, expect, it } from 'vitest';
import { podScriptFiles } from '../../../src/k8s/database/pod-scripts.js';
import { at, findObject, synthObjects } from '../../support/manifests.js';

const objects = synthObjects();
const statefulSet = findObject(objects, 'StatefulSet', 'quire-mariadb');
const podSpec = at(statefulSet, 'spec', 'template', 'spec') as Record<string, unknown>;
const containers = podSpec.containers as { name: string; [key: string]: unknown }[];
const container = (name: string) => {
  const found = [...containers, ...(podSpec.initContainers as typeof containers)].find(
    (c) => c.name === name,
  );
  if (!found) throw new Error(`no container ${name}`);
  return found;
};

describe('MariaDbCluster', () => {
  it('runs the seed topology: 2 pods in order, ordinal 0 the primary, MariaDB 11.4 LTS', () => {
    expect(at(statefulSet, 'spec', 'replicas')).toBe(2);
    expect(at(statefulSet, 'spec', 'podManagementPolicy')).toBe('OrderedReady');
    expect(at(statefulSet, 'spec', 'serviceName')).toBe('quire-mariadb');
    expect(container('mariadb').image).toBe('mariadb:11.4');
  });

  it('derives server config by ordinal, clones empty replicas, then replicates by GTID', () => {
    expect((podSpec.initContainers as { name: string }[]).map((c) => c.name)).toEqual(['configure', 'clone']);
    expect(container('configure').command).toEqual(['bash', '/etc/quire/configure.sh']);
    expect(container('clone').command).toEqual(['bash', '/etc/quire/clone.sh']);
    expect(container('replication').command).toEqual(['bash', '/etc/quire/replicate.sh']);
    expect(at(container('replication'), 'ports', 0)).toEqual({ name: 'clone', containerPort: 3307 });
    const scripts = podScriptFiles();
    expect(scripts['configure.sh']).toContain('server_id=$((100 + ORDINAL))');
    expect(scripts['primary.cnf']).toMatch(/^log_bin=/m);
    expect(scripts['replica.cnf']).toMatch(/^read_only=ON$/m);
    expect(scripts['replicate.sh']).toContain('MASTER_USE_GTID = slave_pos');
    expect(scripts['clone.sh']).toContain('mbstream -x');
    const config = findObject(objects, 'ConfigMap', 'quire-mariadb-config');
    expect(Object.keys(config.data as object)).toEqual(Object.keys(scripts));
  });

  it('has liveness, readiness and startup probes on the server', () => {
    const server = container('mariadb');
    expect(at(server, 'livenessProbe', 'exec', 'command')).toEqual(['bash', '/etc/quire/probe.sh', 'live']);
    expect(at(server, 'readinessProbe', 'exec', 'command')).toEqual(['bash', '/etc/quire/probe.sh', 'ready']);
    expect(at(server, 'startupProbe', 'failureThreshold')).toBeGreaterThanOrEqual(60);
  });

  it('offers a headless Service, a write Service on the pod labelled primary and a read Service on the replicas', () => {
    const headless = findObject(objects, 'Service', 'quire-mariadb');
    expect(at(headless, 'spec', 'clusterIP')).toBe('None');
    expect(at(headless, 'spec', 'publishNotReadyAddresses')).toBe(true);
    const pods = at(statefulSet, 'spec', 'selector', 'matchLabels') as Record<string, string>;
    for (const [name, role] of [
      ['quire-mariadb-primary', 'primary'],
      ['quire-mariadb-read', 'replica'],
    ] as const) {
      const service = findObject(objects, 'Service', name);
      expect(at(service, 'spec', 'type')).toBe('ClusterIP');
      expect(at(service, 'spec', 'ports', 0, 'port')).toBe(3306);
      expect(at(service, 'spec', 'selector')).toEqual({ ...pods, 'quire.dev/role': role });
    }
    // Each pod reads the recorded primary at start; pod 0 is the primary until one is recorded.
    const env = at(statefulSet, 'spec', 'template', 'spec', 'containers', 0, 'env') as { name: string }[];
    expect(env.find((variable) => variable.name === 'PRIMARY_NAME')).toEqual({
      name: 'PRIMARY_NAME',
      valueFrom: { configMapKeyRef: { name: 'quire-mariadb-topology', key: 'primary', optional: true } },
    });
  });

  it('runs the failover manager: two pods, a Lease, and a Role limited to what it does', () => {
    const deployment = findObject(objects, 'Deployment', 'quire-failover');
    expect(at(deployment, 'spec', 'replicas')).toBe(2);
    expect(at(deployment, 'spec', 'template', 'spec', 'containers', 0, 'args')).toEqual(['failover-manager']);
    expect(at(deployment, 'spec', 'template', 'spec', 'serviceAccountName')).toBe('quire-failover');
    const rules = at(findObject(objects, 'Role', 'quire-failover'), 'rules') as {
      resources: string[];
      verbs: string[];
      resourceNames?: string[];
    }[];
    expect(rules.find((rule) => rule.resources.includes('pods'))).toEqual({
      apiGroups: [''],
      resources: ['pods'],
      verbs: ['get', 'patch', 'delete'],
    });
    // Nothing it could read the Secrets with.
    expect(rules.some((rule) => rule.resources.includes('secrets'))).toBe(false);
  });

  it('claims a 1Gi ReadWriteOnce volume per pod, on the configured or default class', () => {
    const claim = at(statefulSet, 'spec', 'volumeClaimTemplates', 0);
    expect(at(claim, 'spec', 'accessModes')).toEqual(['ReadWriteOnce']);
    expect(at(claim, 'spec', 'resources', 'requests', 'storage')).toBe('1Gi');
    expect(at(claim, 'spec', 'storageClassName')).toBeUndefined();
    const nfs = { storage: { nfs: { enabled: true, server: '192.168.56.11', path: '/srv/nfs-volume' } } };
    const withNfs = findObject(synthObjects(nfs), 'StatefulSet', 'quire-mariadb');
    expect(at(withNfs, 'spec', 'volumeClaimTemplates', 0, 'spec', 'storageClassName')).toBe('nfs-client');
    const explicit = findObject(
      synthObjects({ ...nfs, database: { storage: { storageClass: 'fast' } } }),
      'StatefulSet',
      'quire-mariadb',
    );
    expect(at(explicit, 'spec', 'volumeClaimTemplates', 0, 'spec', 'storageClassName')).toBe('fast');
  });

  it('generates the passwords into a Secret and reads them only from it', () => {
    const secret = findObject(objects, 'Secret', 'quire-mariadb-credentials');
    expect(Object.keys(secret.stringData as object).sort()).toEqual([
      'failover-password',
      'monitor-password',
      'password',
      'replication-password',
      'root-password',
    ]);
    for (const value of Object.values(secret.stringData as Record<string, string>))
      expect(value).not.toBe('');
    const env = container('mariadb').env as { name: string; value?: string; valueFrom?: unknown }[];
    const root = env.find((variable) => variable.name === 'MARIADB_ROOT_PASSWORD');
    expect(root?.value).toBeUndefined();
    expect(at(root, 'valueFrom', 'secretKeyRef')).toEqual({
      name: 'quire-mariadb-credentials',
      key: 'root-password',
    });
  });

  it("uses the user's existing Secret instead of making one", () => {
    const custom = synthObjects({ database: { existingSecret: 'my-db' } });
    expect(
      custom.some(
        (object) => object.kind === 'Secret' && object.metadata.name === 'quire-mariadb-credentials',
      ),
    ).toBe(false);
    const env = at(
      findObject(custom, 'StatefulSet', 'quire-mariadb'),
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'env',
    );
    expect(JSON.stringify(env)).toContain('"name":"my-db"');
  });

  it('bootstraps the app database and its user with an idempotent Job that waits for the primary', () => {
    const job = findObject(objects, 'Job', 'quire-mariadb-bootstrap');
    const env = at(job, 'spec', 'template', 'spec', 'containers', 0, 'env') as {
      name: string;
      value?: string;
    }[];
    expect(env.find((variable) => variable.name === 'PRIMARY_HOST')?.value).toBe('quire-mariadb-primary');
    expect(env.find((variable) => variable.name === 'DB_NAME')?.value).toBe('quire');
    expect(at(job, 'metadata', 'annotations')).toBeUndefined();
    expect(at(job, 'spec', 'ttlSecondsAfterFinished')).toBe(300);
    const script = podScriptFiles()['bootstrap.sh'] ?? '';
    expect(script).toContain('CREATE DATABASE IF NOT EXISTS');
    expect(script).toContain('CREATE USER IF NOT EXISTS');
    expect(script).not.toMatch(/GRANT ALL/i);
  });

  it('exports metrics only when monitoring is on', () => {
    expect(containers.map((c) => c.name)).toEqual(['mariadb', 'replication', 'metrics']);
    const off = findObject(synthObjects({ monitoring: { enabled: false } }), 'StatefulSet', 'quire-mariadb');
    expect(
      (at(off, 'spec', 'template', 'spec', 'containers') as { name: string }[]).map((c) => c.name),
    ).toEqual(['mariadb', 'replication']);
  });

  it('keeps at most one DB pod down at a time', () => {
    expect(at(findObject(objects, 'PodDisruptionBudget', 'quire-mariadb'), 'spec', 'maxUnavailable')).toBe(1);
  });
});
