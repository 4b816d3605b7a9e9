import { describe, expect, it } from 'vitest';
import { at, findObject, synthObjects } from '../support/manifests.js';

describe('NfsProvisioner', () => {
  it('is absent unless enabled', () => {
    expect(synthObjects().some((object) => object.kind === 'StorageClass')).toBe(false);
  });

  const objects = synthObjects({
    storage: { nfs: { enabled: true, server: '192.168.56.11', path: '/srv/nfs-volume' } },
  });

  it('points the provisioner at the configured server and export', () => {
    const deployment = findObject(objects, 'Deployment', 'quire-nfs-provisioner');
    const pod = at(deployment, 'spec', 'template', 'spec');
    expect(at(pod, 'volumes', 0, 'nfs')).toEqual({ server: '192.168.56.11', path: '/srv/nfs-volume' });
    const env = at(pod, 'containers', 0, 'env') as { name: string; value: string }[];
    expect(env).toContainEqual({ name: 'NFS_SERVER', value: '192.168.56.11' });
    expect(env).toContainEqual({ name: 'NFS_PATH', value: '/srv/nfs-volume' });
    expect(at(deployment, 'spec', 'strategy', 'type')).toBe('Recreate');
  });

  it('serves the nfs-client StorageClass, the cluster default as in the seed', () => {
    const storageClass = findObject(objects, 'StorageClass', 'nfs-client');
    expect(at(storageClass, 'metadata', 'annotations', 'storageclass.kubernetes.io/is-default-class')).toBe(
      'true',
    );
    const env = at(
      findObject(objects, 'Deployment', 'quire-nfs-provisioner'),
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'env',
    ) as {
      name: string;
      value: string;
    }[];
    expect(storageClass.provisioner).toBe(env.find((v) => v.name === 'PROVISIONER_NAME')?.value);
    const notDefault = synthObjects({
      storage: { nfs: { enabled: true, server: 'nfs.lan', path: '/x', defaultClass: false } },
    });
    expect(
      at(findObject(notDefault, 'StorageClass', 'nfs-client'), 'metadata', 'annotations'),
    ).toBeUndefined();
  });

  it('has the RBAC the provisioner needs, bound to its ServiceAccount', () => {
    const role = findObject(objects, 'ClusterRole', 'quire-quire-nfs-provisioner');
    expect(JSON.stringify(role.rules)).toContain('persistentvolumes');
    const binding = findObject(objects, 'ClusterRoleBinding', 'quire-quire-nfs-provisioner');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'quire-nfs-provisioner', namespace: 'quire' },
    ]);
    expect(findObject(objects, 'ServiceAccount', 'quire-nfs-provisioner')).toBeDefined();
  });
});
