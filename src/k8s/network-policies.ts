/**
 * Who may talk to whom (ingress rules): the web pods take traffic only from the Ingress
 * controller (and Prometheus); the DB pods only from the web pods and the bootstrap Job on the
 * SQL port, from each other for clone and replication, and from Prometheus on the exporter port.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { QuireConfig } from '../config/schema.js';
import { DB_PORTS, selectorLabels } from './names.js';
import { namespacedMeta } from './object-meta.js';

export interface NetworkPoliciesProps {
  readonly config: QuireConfig;
}

const tcp = (port: number | string): k8s.NetworkPolicyPort => ({
  protocol: 'TCP',
  port: typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port),
});

const fromNamespace = (namespace: string): k8s.NetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
});

export class NetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    const { config } = props;
    const web = selectorLabels(config, 'web');
    const db = selectorLabels(config, 'database');
    const bootstrap = selectorLabels(config, 'database-bootstrap');
    const prometheus = fromNamespace(config.monitoring.namespace);

    const webRules: k8s.NetworkPolicyIngressRule[] = [
      { from: [fromNamespace(config.ingress.controllerNamespace)], ports: [tcp('http')] },
    ];
    const dbRules: k8s.NetworkPolicyIngressRule[] = [
      {
        from: [{ podSelector: { matchLabels: web } }, { podSelector: { matchLabels: bootstrap } }],
        ports: [tcp(DB_PORTS.sql)],
      },
      { from: [{ podSelector: { matchLabels: db } }], ports: [tcp(DB_PORTS.sql), tcp(DB_PORTS.clone)] },
    ];
    if (config.monitoring.enabled) {
      webRules.push({ from: [prometheus], ports: [tcp('http')] });
      dbRules.push({ from: [prometheus], ports: [tcp(DB_PORTS.metrics)] });
    }

    new k8s.KubeNetworkPolicy(this, 'web', {
      metadata: namespacedMeta(config, `${config.name}-web`, 'web'),
      spec: { podSelector: { matchLabels: web }, policyTypes: ['Ingress'], ingress: webRules },
    });
    new k8s.KubeNetworkPolicy(this, 'database', {
      metadata: namespacedMeta(config, `${config.name}-mariadb`, 'database'),
      spec: { podSelector: { matchLabels: db }, policyTypes: ['Ingress'], ingress: dbRules },
    });
    // The bootstrap Job, the NFS provisioner and Fluent Bit serve nothing: no ingress at all.
    for (const component of ['database-bootstrap', 'storage', 'logging'] as const) {
      new k8s.KubeNetworkPolicy(this, component, {
        metadata: namespacedMeta(config, `${config.name}-${component}-deny-ingress`, component),
        spec: { podSelector: { matchLabels: selectorLabels(config, component) }, policyTypes: ['Ingress'] },
      });
    }
  }
}
