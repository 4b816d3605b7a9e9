/**
 * Who may talk to whom. In: the web pods take traffic only from the Ingress controller (and
 * Prometheus); the DB pods only from the web pods, the bootstrap Job and the failover manager on
 * the SQL port, from each other for clone and replication, and from Prometheus on the exporter
 * port. Out: the web pods, the DB pods and the Job reach only the DB pods and DNS (WordPress cannot
 * fetch plugins itself); the failover manager also the API server (its Lease, labels, fencing).
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { QuireConfig } from '../config/schema.js';
import { DB_PORTS, quireNames, selectorLabels, type Component } from './names.js';
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

/** Name resolution, wherever the cluster DNS runs. */
const DNS: k8s.NetworkPolicyEgressRule = {
  to: [{ namespaceSelector: {} }],
  ports: [
    { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
    { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
  ],
};

/** Any destination: for parts that talk to the API server or to services outside the cluster. */
const ANYWHERE: k8s.NetworkPolicyEgressRule = {};

export class NetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    const { config } = props;
    const names = quireNames(config);
    const web = selectorLabels(config, 'web');
    const db = selectorLabels(config, 'database');
    const bootstrap = selectorLabels(config, 'database-bootstrap');
    const failover = selectorLabels(config, 'failover');
    const prometheus = fromNamespace(config.monitoring.namespace);
    const toDatabase = (...ports: number[]): k8s.NetworkPolicyEgressRule => ({
      to: [{ podSelector: { matchLabels: db } }],
      ports: ports.map(tcp),
    });

    const webIngress: k8s.NetworkPolicyIngressRule[] = [
      { from: [fromNamespace(config.ingress.controllerNamespace)], ports: [tcp('http')] },
    ];
    const dbIngress: k8s.NetworkPolicyIngressRule[] = [
      {
        from: [
          { podSelector: { matchLabels: web } },
          { podSelector: { matchLabels: bootstrap } },
          { podSelector: { matchLabels: failover } },
        ],
        ports: [tcp(DB_PORTS.sql)],
      },
      { from: [{ podSelector: { matchLabels: db } }], ports: [tcp(DB_PORTS.sql), tcp(DB_PORTS.clone)] },
    ];
    if (config.monitoring.enabled) {
      webIngress.push({ from: [prometheus], ports: [tcp('http')] });
      dbIngress.push({ from: [prometheus], ports: [tcp(DB_PORTS.metrics)] });
    }

    const policy = (
      id: string,
      name: string,
      component: Component,
      rules: { ingress: k8s.NetworkPolicyIngressRule[]; egress: k8s.NetworkPolicyEgressRule[] },
    ) =>
      new k8s.KubeNetworkPolicy(this, id, {
        metadata: namespacedMeta(config, name, component),
        spec: {
          podSelector: { matchLabels: selectorLabels(config, component) },
          policyTypes: ['Ingress', 'Egress'],
          ingress: rules.ingress,
          egress: rules.egress,
        },
      });

    policy('web', names.web, 'web', { ingress: webIngress, egress: [toDatabase(DB_PORTS.sql), DNS] });
    policy('database', names.db, 'database', {
      ingress: dbIngress,
      egress: [toDatabase(DB_PORTS.sql, DB_PORTS.clone), DNS],
    });
    // The bootstrap Job, the failover manager, the NFS provisioner and Fluent Bit serve nothing: no
    // ingress at all. The manager's API server is outside the pod network on many clusters.
    policy('failover', names.failover, 'failover', { ingress: [], egress: [ANYWHERE] });
    policy('bootstrap', names.dbBootstrap, 'database-bootstrap', {
      ingress: [],
      egress: [toDatabase(DB_PORTS.sql), DNS],
    });
    if (config.storage.nfs.enabled) {
      policy('storage', names.nfsProvisioner, 'storage', { ingress: [], egress: [ANYWHERE] });
    }
    if (config.logging.enabled) {
      policy('logging', names.logging, 'logging', { ingress: [], egress: [ANYWHERE] });
    }
  }
}
