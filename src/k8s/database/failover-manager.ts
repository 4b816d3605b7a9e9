/**
 * The failover manager on Kubernetes (`quire failover-manager`, src/topology/): two pods of the
 * quire image, one of which leads by holding a Lease; the leader watches the MariaDB pods over SQL,
 * records the primary in a ConfigMap (the pods read it at start), labels the pods' roles (the write
 * and read Services select them) and deletes a dead primary's pod to fence it. Its Role allows
 * exactly that, in this namespace.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { QuireConfig } from '../../config/schema.js';
import { DB_PORTS, DB_SECRET_KEYS, quireNames, selectorLabels } from '../names.js';
import { namespacedMeta } from '../object-meta.js';
import { containerSecurityContext, podSecurityContext, resourceRequirements } from '../pod-security.js';
import { preferSpreadOverNodes } from '../scheduling.js';
import { ERRANT_DIR } from './pod-scripts.js';

/** Uid of the quire user in the quire image. */
const QUIRE_UID = 10001;

export interface FailoverManagerProps {
  readonly config: QuireConfig;
}

export class FailoverManager extends Construct {
  constructor(scope: Construct, id: string, props: FailoverManagerProps) {
    super(scope, id);
    const { config } = props;
    const names = quireNames(config);
    const labels = selectorLabels(config, 'failover');
    const meta = namespacedMeta(config, names.failover, 'failover');

    new k8s.KubeServiceAccount(this, 'account', { metadata: meta, automountServiceAccountToken: false });
    new k8s.KubeRole(this, 'role', {
      metadata: meta,
      rules: [
        // Leader election: its own Lease only (created on first start, so create is not by name).
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          resourceNames: [names.failover],
          verbs: ['get', 'update'],
        },
        // The record of the primary.
        { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: [names.dbTopology],
          verbs: ['get', 'update'],
        },
        // Role labels, and deleting a dead primary's pod (fencing). Not by name: the pod names follow
        // database.replicas, which the chart leaves to the values; the namespace holds only Quire.
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'patch', 'delete'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'binding', {
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.failover },
      subjects: [{ kind: 'ServiceAccount', name: names.failover, namespace: config.namespace }],
    });

    const secret = (name: string, key: string): k8s.EnvVar => ({
      name,
      valueFrom: { secretKeyRef: { name: names.dbSecret, key } },
    });
    const env: k8s.EnvVar[] = [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'QUIRE_NAMESPACE', value: config.namespace },
      { name: 'QUIRE_DB_STATEFULSET', value: names.db },
      { name: 'QUIRE_DB_HEADLESS', value: names.dbHeadless },
      { name: 'QUIRE_DB_NODES', value: String(config.database.replicas) },
      { name: 'QUIRE_DB_PORT', value: String(DB_PORTS.sql) },
      { name: 'QUIRE_DB_TOPOLOGY', value: names.dbTopology },
      { name: 'QUIRE_DB_ERRANT_DIR', value: ERRANT_DIR },
      { name: 'QUIRE_FAILOVER_LEASE', value: names.failover },
      { name: 'QUIRE_DB_REPLICATION', value: config.database.durability.replication },
      secret('MARIADB_FAILOVER_PASSWORD', DB_SECRET_KEYS.failover),
      secret('MARIADB_REPLICATION_PASSWORD', DB_SECRET_KEYS.replication),
    ];
    // A drain keeps one manager: the other's node may be the next to go.
    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: meta,
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } },
    });
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: meta,
      spec: {
        // Two, on different nodes when there are: the other takes the Lease when the leader's node dies.
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: { ...labels, 'app.kubernetes.io/part-of': 'quire' } },
          spec: {
            serviceAccountName: names.failover,
            automountServiceAccountToken: true,
            securityContext: podSecurityContext(QUIRE_UID),
            affinity: preferSpreadOverNodes(labels),
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: 'manager',
                image: config.web.images.quire,
                imagePullPolicy: config.web.imagePullPolicy,
                args: ['failover-manager'],
                env,
                resources: resourceRequirements({
                  requests: { cpu: '20m', memory: '64Mi' },
                  limits: { cpu: '500m', memory: '256Mi' },
                }),
                securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
              },
            ],
          },
        },
      },
    });
  }
}
