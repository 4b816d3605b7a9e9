/**
 * The names of everything Quire makes, derived from the configuration in one place: the
 * Kubernetes constructs, the chart and (later) the local stack and the doctor all ask here.
 */
import type { QuireConfig } from '../config/schema.js';

export interface QuireNames {
  /** StatefulSet of MariaDB; the failover manager labels which pod is the primary. */
  readonly db: string;
  /** Headless Service giving each DB pod a stable DNS name. */
  readonly dbHeadless: string;
  /** ClusterIP Service spreading reads over the ready replicas. */
  readonly dbRead: string;
  /** ClusterIP Service of the writes: the pod labelled primary. */
  readonly dbPrimary: string;
  /** DNS name of the primary (its Service) inside the namespace. */
  readonly dbPrimaryHost: string;
  /** ConfigMap where the failover manager records the primary (made by the manager, not by synth). */
  readonly dbTopology: string;
  /** The failover manager: Deployment, ServiceAccount, Role, RoleBinding, and its Lease. */
  readonly failover: string;
  /** DNS name of the read Service inside the namespace. */
  readonly dbReadHost: string;
  /** Secret holding the DB passwords (the user's own when database.existingSecret is set). */
  readonly dbSecret: string;
  /** ConfigMap with the server config files and pod scripts. */
  readonly dbConfig: string;
  /** Job creating the app database and users. */
  readonly dbBootstrap: string;
  readonly web: string;
  readonly webConfig: string;
  readonly webSecret: string;
  /** PersistentVolumeClaim of uploaded images, shared by the web pods (web.media). */
  readonly media: string;
  readonly ingress: string;
  /** Secret holding the Ingress certificate. */
  readonly tlsSecret: string;
  readonly nfsProvisioner: string;
  readonly logging: string;
}

export function quireNames(config: QuireConfig): QuireNames {
  const { name } = config;
  const db = `${name}-mariadb`;
  return {
    db,
    dbHeadless: db,
    dbRead: `${db}-read`,
    dbPrimary: `${db}-primary`,
    dbPrimaryHost: `${db}-primary`,
    dbTopology: `${db}-topology`,
    failover: `${name}-failover`,
    dbReadHost: `${db}-read`,
    dbSecret: config.database.existingSecret ?? `${db}-credentials`,
    dbConfig: `${db}-config`,
    dbBootstrap: `${db}-bootstrap`,
    web: `${name}-web`,
    webConfig: `${name}-web-config`,
    webSecret: `${name}-web-credentials`,
    media: `${name}-media`,
    ingress: name,
    tlsSecret:
      config.ingress.tls.mode === 'existingSecret' ? config.ingress.tls.existingSecret : `${name}-tls`,
    nfsProvisioner: `${name}-nfs-provisioner`,
    logging: `${name}-fluent-bit`,
  };
}

/** Parts of Quire, used as the `app.kubernetes.io/component` label. */
export type Component =
  'database' | 'database-bootstrap' | 'failover' | 'web' | 'storage' | 'logging' | 'monitoring' | 'edge';

/**
 * The DB pods' role label, set by the failover manager (`primary` or `replica`): the write Service
 * selects the primary, the read Service the replicas.
 */
export const ROLE_LABEL = 'quire.dev/role';

/** Labels that select the pods of one component of one installation. */
export function selectorLabels(config: QuireConfig, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'quire',
    'app.kubernetes.io/instance': config.name,
    'app.kubernetes.io/component': component,
  };
}

/** Labels every object carries. */
export function commonLabels(config: QuireConfig, component: Component): Record<string, string> {
  return {
    ...selectorLabels(config, component),
    'app.kubernetes.io/part-of': 'quire',
    'app.kubernetes.io/managed-by': 'quire',
  };
}

/** Keys of the DB credentials Secret (generated, or the user's existing one). */
export const DB_SECRET_KEYS = {
  root: 'root-password',
  replication: 'replication-password',
  app: 'password',
  monitor: 'monitor-password',
  failover: 'failover-password',
} as const;

/** Fixed DB ports: 3306 for SQL, 3307 for the clone stream, 9104 for the exporter. */
export const DB_PORTS = { sql: 3306, clone: 3307, metrics: 9104 } as const;

/** Port the web pods listen on (both workloads). */
export const WEB_PORT = 8080;
