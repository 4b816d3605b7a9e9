/**
 * Dynamic volumes on an NFS export (SPEC S4): nfs-subdir-external-provisioner with its RBAC and
 * StorageClass, optionally the cluster default (as the seed made it). The server and path are
 * checked by the config schema, so the seed's sample address cannot reach a cluster.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { QuireConfig } from '../config/schema.js';
import { ClusterIdentity } from './cluster-identity.js';
import { quireNames, selectorLabels } from './names.js';
import { clusterMeta, namespacedMeta } from './object-meta.js';
import { containerSecurityContext, resourceRequirements } from './pod-security.js';

export interface NfsProvisionerProps {
  readonly config: QuireConfig;
}

export class NfsProvisioner extends Construct {
  constructor(scope: Construct, id: string, props: NfsProvisionerProps) {
    super(scope, id);
    const { config } = props;
    const nfs = config.storage.nfs;
    const names = quireNames(config);
    const labels = selectorLabels(config, 'storage');
    const provisionerName = `quire.dev/${config.namespace}.${config.name}-nfs`;

    new ClusterIdentity(this, 'identity', {
      config,
      component: 'storage',
      serviceAccount: names.nfsProvisioner,
      roleSuffix: 'nfs-provisioner',
      rules: [
        {
          apiGroups: [''],
          resources: ['persistentvolumes'],
          verbs: ['get', 'list', 'watch', 'create', 'delete'],
        },
        { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'update'] },
        { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'update', 'patch'] },
      ],
    });
    // Leader election, within the namespace only.
    new k8s.KubeRole(this, 'role', {
      metadata: namespacedMeta(config, names.nfsProvisioner, 'storage'),
      rules: [
        {
          apiGroups: [''],
          resources: ['endpoints'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
        },
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
        },
      ],
    });
    new k8s.KubeRoleBinding(this, 'role-binding', {
      metadata: namespacedMeta(config, names.nfsProvisioner, 'storage'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.nfsProvisioner },
      subjects: [{ kind: 'ServiceAccount', name: names.nfsProvisioner, namespace: config.namespace }],
    });

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: namespacedMeta(config, names.nfsProvisioner, 'storage'),
      spec: {
        replicas: 1,
        // Never two provisioners on one export at once.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: { ...labels, 'app.kubernetes.io/part-of': 'quire' } },
          spec: {
            serviceAccountName: names.nfsProvisioner,
            // It creates one directory per volume on the export, owned by root like the export
            // itself (no_root_squash); as root it needs no capability for that.
            securityContext: {
              runAsNonRoot: false,
              runAsUser: 0,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'provisioner',
                image: nfs.image,
                env: [
                  { name: 'PROVISIONER_NAME', value: provisionerName },
                  { name: 'NFS_SERVER', value: nfs.server },
                  { name: 'NFS_PATH', value: nfs.path },
                ],
                volumeMounts: [{ name: 'export', mountPath: '/persistentvolumes' }],
                resources: resourceRequirements({
                  requests: { cpu: '10m', memory: '32Mi' },
                  limits: { cpu: '100m', memory: '128Mi' },
                }),
                securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
              },
            ],
            volumes: [{ name: 'export', nfs: { server: nfs.server, path: nfs.path } }],
          },
        },
      },
    });

    new k8s.KubeStorageClass(this, 'storage-class', {
      metadata: {
        name: nfs.storageClassName,
        labels: clusterMeta(config, 'nfs', 'storage').labels,
        annotations: nfs.defaultClass ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : undefined,
      },
      provisioner: provisionerName,
      reclaimPolicy: 'Delete',
      allowVolumeExpansion: true,
      volumeBindingMode: 'Immediate',
      // A deleted claim's directory is renamed archived-*, not erased: data loss needs a human.
      parameters: { archiveOnDelete: 'true' },
    });
  }
}
