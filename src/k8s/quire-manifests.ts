/**
 * All of Quire's Kubernetes objects for one configuration, grouped into one file per concern in a
 * stable order. `quire synth` writes these files; the chart is made from the very same objects.
 */
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import type { Construct } from 'constructs';
import type { QuireConfig } from '../config/schema.js';
import { MariaDbCluster } from './database/mariadb-cluster.js';
import { Edge } from './edge.js';
import { Logging } from './logging.js';
import { Monitoring } from './monitoring/monitoring.js';
import { NetworkPolicies } from './network-policies.js';
import { NfsProvisioner } from './nfs-provisioner.js';
import type { SecretValues } from './secret-values.js';
import { WebTier } from './web-tier.js';

/** A Kubernetes object as plain JSON. */
export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
};

export interface ManifestFile {
  /** File name, e.g. `20-database.yaml`. */
  readonly name: string;
  readonly objects: readonly KubeObject[];
}

/** The file that holds the Namespace: written by `quire synth` only (Helm installs into a namespace it is given). */
export const NAMESPACE_FILE = '00-namespace.yaml';

interface Concern {
  readonly file: string;
  readonly enabled: (config: QuireConfig) => boolean;
  readonly build: (scope: Construct, config: QuireConfig, secrets: SecretValues) => void;
}

const CONCERNS: readonly Concern[] = [
  {
    file: NAMESPACE_FILE,
    enabled: () => true,
    build: (scope, config) => {
      new k8s.KubeNamespace(scope, 'namespace', {
        metadata: { name: config.namespace, labels: { 'app.kubernetes.io/part-of': 'quire' } },
      });
    },
  },
  {
    file: '10-storage.yaml',
    enabled: (config) => config.storage.nfs.enabled,
    build: (scope, config) => new NfsProvisioner(scope, 'nfs', { config }),
  },
  {
    file: '20-database.yaml',
    enabled: () => true,
    build: (scope, config, secrets) => new MariaDbCluster(scope, 'database', { config, secrets }),
  },
  {
    file: '30-web.yaml',
    enabled: () => true,
    build: (scope, config, secrets) => new WebTier(scope, 'web', { config, secrets }),
  },
  {
    file: '40-edge.yaml',
    enabled: () => true,
    build: (scope, config, secrets) => new Edge(scope, 'edge', { config, secrets }),
  },
  {
    file: '50-network-policies.yaml',
    enabled: () => true,
    build: (scope, config) => new NetworkPolicies(scope, 'network-policies', { config }),
  },
  {
    file: '60-monitoring.yaml',
    enabled: (config) => config.monitoring.enabled,
    build: (scope, config) => new Monitoring(scope, 'monitoring', { config }),
  },
  {
    file: '70-logging.yaml',
    enabled: (config) => config.logging.enabled,
    build: (scope, config) => new Logging(scope, 'logging', { config }),
  },
];

/** Every file a full synth can contain, in order (the chart has one template per file but the Namespace). */
export const MANIFEST_FILES: readonly string[] = CONCERNS.map((concern) => concern.file);

/** Build the objects of every enabled concern. Pure: no disk, no network. */
export function buildManifests(config: QuireConfig, secrets: SecretValues): ManifestFile[] {
  const app = new App();
  return CONCERNS.filter((concern) => concern.enabled(config)).map((concern) => {
    const chart = new Chart(app, concern.file.replace(/\.yaml$/, ''), { disableResourceNameHashes: true });
    concern.build(chart, config, secrets);
    return { name: concern.file, objects: chart.toJson() as KubeObject[] };
  });
}
