import { describe, expect, it } from 'vitest';
import { at, findObject, synthObjects } from '../support/manifests.js';

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
      QUIRE_DB_PRIMARY_HOST: 'quire-mariadb-0.quire-mariadb',
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

  it("runs the seed's WordPress with its database on the primary and shared salts", () => {
    const wp = synthObjects({ workload: 'wordpress' });
    const pod = at(findObject(wp, 'Deployment', 'quire-web'), 'spec', 'template', 'spec');
    expect(at(pod, 'containers', 0, 'image')).toBe('wordpress:6.8-php8.3-apache');
    expect(at(pod, 'securityContext', 'runAsUser')).toBe(33);
    expect(at(pod, 'securityContext', 'sysctls')).toEqual([
      { name: 'net.ipv4.ip_unprivileged_port_start', value: '0' },
    ]);
    expect(findObject(wp, 'ConfigMap', 'quire-web-config').data).toMatchObject({
      WORDPRESS_DB_HOST: 'quire-mariadb-0.quire-mariadb:3306',
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
