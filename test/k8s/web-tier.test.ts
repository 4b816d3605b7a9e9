import { describe, expect, it } from 'vitest';
import { isKept } from '../../src/cluster/inventory.js';
import type { QuireConfigInput } from '../../src/config/schema.js';
import { at, findObject, synthObjects } from '../support/manifests.js';

const NFS = { nfs: { enabled: true, server: '192.168.56.11', path: '/srv/nfs-volume' } };

/** The web pod spec and the media claim (undefined when there is none) of a configuration. */
function mediaOf(input: QuireConfigInput) {
  const made = synthObjects(input);
  const claim = made.find((object) => object.kind === 'PersistentVolumeClaim');
  const deployment = findObject(made, 'Deployment', 'quire-web');
  return { claim, deployment, pod: at(deployment, 'spec', 'template', 'spec') };
}

describe('WebTier', () => {
  const objects = synthObjects();
  const deployment = findObject(objects, 'Deployment', 'quire-web');
  const container = at(deployment, 'spec', 'template', 'spec', 'containers', 0);

  it("requests the seed's resources: 100m/128Mi, limits 500m/256Mi", () => {
    expect(at(container, 'resources', 'requests')).toMatchObject({ cpu: '100m', memory: '128Mi' });
    expect(at(container, 'resources', 'limits')).toMatchObject({ cpu: '500m', memory: '256Mi' });
  });

  it('autoscales on CPU 70% between 2 and 5 pods, with scale-down stabilisation', () => {
    const hpa = findObject(objects, 'HorizontalPodAutoscaler', 'quire-web');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(at(hpa, 'spec', 'minReplicas')).toBe(2);
    expect(at(hpa, 'spec', 'maxReplicas')).toBe(5);
    expect(at(hpa, 'spec', 'metrics', 0, 'resource')).toEqual({
      name: 'cpu',
      target: { type: 'Utilization', averageUtilization: 70 },
    });
    expect(at(hpa, 'spec', 'behavior', 'scaleDown', 'stabilizationWindowSeconds')).toBe(300);
    expect(at(hpa, 'spec', 'scaleTargetRef')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'quire-web',
    });
    // The HPA owns the count; a fixed one would be reset on every apply.
    expect(at(deployment, 'spec', 'replicas')).toBeUndefined();
  });

  it('runs 3 pods when autoscaling is off (the seed)', () => {
    const fixed = synthObjects({ web: { autoscaling: { enabled: false } } });
    expect(at(findObject(fixed, 'Deployment', 'quire-web'), 'spec', 'replicas')).toBe(3);
    expect(fixed.some((object) => object.kind === 'HorizontalPodAutoscaler')).toBe(false);
  });

  it('gives the Quire app the primary and the read Service, and its password from the Secret', () => {
    const config = findObject(objects, 'ConfigMap', 'quire-web-config');
    expect(config.data).toMatchObject({
      QUIRE_DB_PRIMARY_HOST: 'quire-mariadb-primary',
      QUIRE_DB_READ_HOST: 'quire-mariadb-read',
      QUIRE_DB_NAME: 'quire',
      QUIRE_PUBLIC_URL: 'https://cccr-miniproject.com',
    });
    const env = at(container, 'env') as { name: string; valueFrom?: unknown }[];
    expect(
      at(
        env.find((v) => v.name === 'QUIRE_DB_PASSWORD'),
        'valueFrom',
        'secretKeyRef',
      ),
    ).toEqual({
      name: 'quire-mariadb-credentials',
      key: 'password',
    });
    expect(at(container, 'readinessProbe', 'httpGet', 'path')).toBe('/readyz');
    expect(at(container, 'livenessProbe', 'httpGet', 'path')).toBe('/healthz');
  });

  it('gives the Quire app its web.app settings and a writable media directory under a read-only root', () => {
    const custom = synthObjects({ web: { app: { postsPerPage: 7, pageCache: { enabled: false } } } });
    expect(findObject(custom, 'ConfigMap', 'quire-web-config').data).toMatchObject({
      QUIRE_POSTS_PER_PAGE: '7',
      QUIRE_PAGE_CACHE_ENABLED: 'false',
      QUIRE_MEDIA_DIR: '/var/lib/quire/media',
      QUIRE_TRUST_PROXY: 'true',
    });
    expect(at(container, 'securityContext', 'readOnlyRootFilesystem')).toBe(true);
    expect(at(container, 'volumeMounts')).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'media', mountPath: '/var/lib/quire/media' },
    ]);
    expect(at(deployment, 'spec', 'template', 'spec', 'volumes')).toEqual([
      { name: 'tmp', emptyDir: {} },
      { name: 'media', emptyDir: {} },
    ]);
  });

  it('shares one ReadWriteMany media claim of the NFS class between all web pods when NFS is enabled', () => {
    const { claim, deployment, pod } = mediaOf({ storage: NFS });
    expect(claim?.metadata).toMatchObject({
      name: 'quire-media',
      namespace: 'quire',
      labels: { 'app.kubernetes.io/component': 'web', 'app.kubernetes.io/managed-by': 'quire' },
    });
    expect(claim?.spec).toEqual({
      accessModes: ['ReadWriteMany'],
      storageClassName: 'nfs-client',
      resources: { requests: { storage: '1Gi' } },
    });
    expect(at(pod, 'volumes')).toEqual([
      { name: 'tmp', emptyDir: {} },
      { name: 'media', persistentVolumeClaim: { claimName: 'quire-media' } },
    ]);
    expect(at(pod, 'containers', 0, 'volumeMounts')).toContainEqual({
      name: 'media',
      mountPath: '/var/lib/quire/media',
    });
    // Uploaded files belong to the app's uid and group on volumes whose ownership the kubelet sets.
    expect(at(pod, 'securityContext')).toMatchObject({ runAsUser: 10001, fsGroup: 10001 });
    expect(at(deployment, 'spec', 'strategy', 'type')).toBe('RollingUpdate');
  });

  it('keeps the media claim through prune, destroy and helm uninstall, like the password Secrets', () => {
    const { claim } = mediaOf({ storage: NFS });
    expect(at(claim, 'metadata', 'annotations')).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(claim && isKept(claim)).toBe(true);
  });

  it('keeps uploads per pod in an emptyDir without NFS, or when persistence is pod', () => {
    for (const input of [{}, { storage: NFS, web: { media: { persistence: 'pod' as const } } }]) {
      const { claim, pod } = mediaOf(input);
      expect(claim).toBeUndefined();
      expect(at(pod, 'volumes')).toContainEqual({ name: 'media', emptyDir: {} });
    }
  });

  it('shares media without NFS on the configured class, or the cluster default when none is named', () => {
    const defaultClass = mediaOf({ web: { media: { persistence: 'shared', size: '10Gi' } } }).claim;
    expect(defaultClass?.spec).toEqual({
      accessModes: ['ReadWriteMany'],
      resources: { requests: { storage: '10Gi' } },
    });
    const named = mediaOf({ storage: NFS, web: { media: { storageClass: 'cephfs' } } }).claim;
    expect(at(named, 'spec', 'storageClassName')).toBe('cephfs');
  });

  it('replaces the single pod of a ReadWriteOnce media claim by stopping the old one first', () => {
    const { claim, deployment } = mediaOf({
      web: {
        replicas: 1,
        autoscaling: { enabled: false },
        media: { persistence: 'shared', accessMode: 'ReadWriteOnce' },
      },
    });
    expect(at(claim, 'spec', 'accessModes')).toEqual(['ReadWriteOnce']);
    expect(at(deployment, 'spec', 'strategy')).toEqual({ type: 'Recreate' });
  });

  it("mounts the shared media claim at WordPress's wp-content/uploads, and nothing without it", () => {
    const shared = mediaOf({ workload: 'wordpress', storage: NFS });
    expect(at(shared.pod, 'volumes')).toEqual([
      { name: 'media', persistentVolumeClaim: { claimName: 'quire-media' } },
    ]);
    expect(at(shared.pod, 'containers', 0, 'volumeMounts')).toEqual([
      { name: 'media', mountPath: '/var/www/html/wp-content/uploads' },
    ]);
    const perPod = mediaOf({ workload: 'wordpress' });
    expect(at(perPod.pod, 'volumes')).toBeUndefined();
    expect(at(perPod.pod, 'containers', 0, 'volumeMounts')).toBeUndefined();
  });

  it("runs the seed's WordPress with its database on the primary and shared salts", () => {
    const wp = synthObjects({ workload: 'wordpress' });
    const pod = at(findObject(wp, 'Deployment', 'quire-web'), 'spec', 'template', 'spec');
    expect(at(pod, 'containers', 0, 'image')).toBe('wordpress:6.8-php8.3-apache');
    expect(at(pod, 'securityContext', 'runAsUser')).toBe(33);
    expect(at(pod, 'securityContext', 'sysctls')).toEqual([
      { name: 'net.ipv4.ip_unprivileged_port_start', value: '0' },
    ]);
    expect(findObject(wp, 'ConfigMap', 'quire-web-config').data).toMatchObject({
      WORDPRESS_DB_HOST: 'quire-mariadb-primary:3306',
      WORDPRESS_DB_NAME: 'quire',
      WORDPRESS_DB_USER: 'quire',
    });
    const secret = findObject(wp, 'Secret', 'quire-web-credentials');
    expect(Object.keys(secret.stringData as object)).toHaveLength(8);
    const env = (at(pod, 'containers', 0, 'env') as { name: string }[]).map((v) => v.name);
    expect(env).toContain('WORDPRESS_DB_PASSWORD');
    expect(env).toContain('WORDPRESS_AUTH_KEY');
  });

  it('exposes the pods on Service port 80 and keeps one available during disruptions', () => {
    const service = findObject(objects, 'Service', 'quire-web');
    expect(at(service, 'spec', 'ports', 0)).toMatchObject({ port: 80, targetPort: 'http' });
    expect(at(findObject(objects, 'PodDisruptionBudget', 'quire-web'), 'spec', 'maxUnavailable')).toBe(1);
  });
});
