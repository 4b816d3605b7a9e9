import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { QuireConfig } from '../config/schema.js';
import type { Component } from './names.js';
import { clusterMeta, namespacedMeta } from './object-meta.js';

export interface ClusterIdentityProps {
  readonly config: QuireConfig;
  readonly component: Component;
  /** Name of the ServiceAccount (in the installation's namespace). */
  readonly serviceAccount: string;
  /** Suffix of the cluster-scoped role's name (prefixed with namespace and installation). */
  readonly roleSuffix: string;
  /** What the pods may do cluster-wide, and nothing more. */
  readonly rules: k8s.PolicyRule[];
}

/** A ServiceAccount bound to a ClusterRole of its own: for parts that read or write cluster objects. */
export class ClusterIdentity extends Construct {
  constructor(scope: Construct, id: string, props: ClusterIdentityProps) {
    super(scope, id);
    const { config, component, serviceAccount } = props;
    new k8s.KubeServiceAccount(this, 'account', {
      metadata: namespacedMeta(config, serviceAccount, component),
      automountServiceAccountToken: true,
    });
    const role = new k8s.KubeClusterRole(this, 'cluster-role', {
      metadata: clusterMeta(config, props.roleSuffix, component),
      rules: props.rules,
    });
    new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
      metadata: clusterMeta(config, props.roleSuffix, component),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.name },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace: config.namespace }],
    });
  }
}
