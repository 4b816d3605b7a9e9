/**
 * The replicated MariaDB (SPEC S2, S3, S5, S6): a StatefulSet of GTID-replicating pods, each new
 * replica cloned from the pod before it by a streamed mariadb-backup; pod 0 starts as the primary,
 * and from then on the failover manager (failover-manager.ts) records which pod is and labels it.
 * A headless Service (stable pod names), the write Service (the pod labelled primary), the read
 * Service (the pods labelled replica), the credentials Secret, the scripts ConfigMap, a
 * PodDisruptionBudget and the bootstrap Job.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { QuireConfig } from '../../config/schema.js';
import { claimStorageClass } from '../claim-storage-class.js';
import { GeneratedSecret } from '../generated-secret.js';
import { DB_PORTS, DB_SECRET_KEYS, quireNames, ROLE_LABEL, selectorLabels } from '../names.js';
import { namespacedMeta } from '../object-meta.js';
import {
  containerSecurityContext,
  MARIADB_UID,
  podSecurityContext,
  resourceRequirements,
} from '../pod-security.js';
import { preferSpreadOverNodes } from '../scheduling.js';
import type { SecretValues } from '../secret-values.js';
import { FailoverManager } from './failover-manager.js';
import { DATA_DIR, durabilityEnv, podScriptFiles, SCRIPTS_MOUNT, scriptCommand } from './pod-scripts.js';

export interface MariaDbClusterProps {
  readonly config: QuireConfig;
  readonly secrets: SecretValues;
}

const RUN_DIR = '/run/quire';
/** Uid of `nobody`, the user the mysqld-exporter image runs as. */
const EXPORTER_UID = 65534;

/** Small fixed resources of the helper containers (init steps, sidecars). */
const HELPER_RESOURCES = resourceRequirements({
  requests: { cpu: '10m', memory: '32Mi' },
  limits: { cpu: '200m', memory: '128Mi' },
});

export class MariaDbCluster extends Construct {
  constructor(scope: Construct, id: string, props: MariaDbClusterProps) {
    super(scope, id);
    const { config, secrets } = props;
    const names = quireNames(config);
    const db = config.database;
    const labels = selectorLabels(config, 'database');

    if (db.existingSecret === null) {
      new GeneratedSecret(this, 'credentials', {
        config,
        secrets,
        name: names.dbSecret,
        component: 'database',
        keys: Object.values(DB_SECRET_KEYS),
        // Kept on `helm uninstall`: the data volumes outlive the release and need these passwords.
        annotations: { 'helm.sh/resource-policy': 'keep' },
      });
    }

    new k8s.KubeConfigMap(this, 'config', {
      metadata: namespacedMeta(config, names.dbConfig, 'database'),
      data: podScriptFiles(),
    });

    new k8s.KubeService(this, 'headless', {
      metadata: namespacedMeta(config, names.dbHeadless, 'database'),
      spec: {
        clusterIp: 'None',
        // Replicas must find their donor and the primary while those are still starting.
        publishNotReadyAddresses: true,
        selector: labels,
        ports: [
          { name: 'mysql', port: DB_PORTS.sql, targetPort: k8s.IntOrString.fromString('mysql') },
          { name: 'clone', port: DB_PORTS.clone, targetPort: k8s.IntOrString.fromString('clone') },
        ],
      },
    });

    const mysqlPort = [
      { name: 'mysql', port: DB_PORTS.sql, targetPort: k8s.IntOrString.fromString('mysql') },
    ];
    // The role label is set on the pods by the failover manager, not in the pod template: kube-score
    // cannot see a pod these Services select, so its check is skipped for them alone.
    const roleService = (id: string, name: string, role: 'primary' | 'replica') =>
      new k8s.KubeService(this, id, {
        metadata: namespacedMeta(config, name, 'database', { 'kube-score/ignore': 'service-targets-pod' }),
        spec: { type: 'ClusterIP', selector: { ...labels, [ROLE_LABEL]: role }, ports: mysqlPort },
      });
    roleService('primary', names.dbPrimary, 'primary');
    roleService('read', names.dbRead, 'replica');

    const env = databaseEnv(config);
    const mounts = {
      data: { name: 'data', mountPath: DATA_DIR },
      run: { name: 'run', mountPath: RUN_DIR },
      scripts: { name: 'scripts', mountPath: SCRIPTS_MOUNT, readOnly: true },
      tmp: { name: 'tmp', mountPath: '/tmp' },
    };
    const helper = (name: string, command: string[], volumeMounts: k8s.VolumeMount[]): k8s.Container => ({
      name,
      image: db.image,
      imagePullPolicy: db.imagePullPolicy,
      command,
      env,
      volumeMounts,
      resources: HELPER_RESOURCES,
      securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
    });

    const containers: k8s.Container[] = [
      {
        name: 'mariadb',
        image: db.image,
        imagePullPolicy: db.imagePullPolicy,
        command: scriptCommand('run-server.sh'),
        env,
        ports: [{ name: 'mysql', containerPort: DB_PORTS.sql }],
        volumeMounts: [mounts.data, mounts.run, mounts.scripts, mounts.tmp],
        // Temporary tables and sorts spill to /tmp (an emptyDir): room for them.
        resources: resourceRequirements(db.resources, { request: '128Mi', limit: '4Gi' }),
        securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
        // A first start initialises the data directory; give it time before liveness counts.
        startupProbe: execProbe('live', { periodSeconds: 5, failureThreshold: 120 }),
        livenessProbe: execProbe('live', { periodSeconds: 10, failureThreshold: 3 }),
        readinessProbe: execProbe('ready', { periodSeconds: 5, failureThreshold: 2 }),
      },
      {
        ...helper('replication', scriptCommand('replicate.sh'), [
          mounts.data,
          mounts.run,
          mounts.scripts,
          mounts.tmp,
        ]),
        ports: [{ name: 'clone', containerPort: DB_PORTS.clone }],
      },
    ];
    if (config.monitoring.enabled) {
      containers.push({
        name: 'metrics',
        image: db.exporterImage,
        imagePullPolicy: db.imagePullPolicy,
        args: [`--config.my-cnf=${RUN_DIR}/exporter.cnf`, `--web.listen-address=:${DB_PORTS.metrics}`],
        ports: [{ name: 'metrics', containerPort: DB_PORTS.metrics }],
        volumeMounts: [{ ...mounts.run, readOnly: true }],
        resources: HELPER_RESOURCES,
        securityContext: {
          ...containerSecurityContext({ readOnlyRootFilesystem: true }),
          runAsUser: EXPORTER_UID,
          runAsGroup: EXPORTER_UID,
        },
        livenessProbe: {
          httpGet: { path: '/', port: k8s.IntOrString.fromString('metrics') },
          periodSeconds: 20,
        },
      });
    }

    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: namespacedMeta(config, names.db, 'database'),
      spec: {
        serviceName: names.dbHeadless,
        replicas: db.replicas,
        // A replica clones from the pod before it, so pods start one at a time, in order.
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: { ...labels, 'app.kubernetes.io/part-of': 'quire' } },
          spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(MARIADB_UID),
            terminationGracePeriodSeconds: 60,
            affinity: preferSpreadOverNodes(labels),
            initContainers: [
              helper('configure', scriptCommand('configure.sh'), [mounts.run, mounts.scripts]),
              helper('clone', scriptCommand('clone.sh'), [
                mounts.data,
                mounts.run,
                mounts.scripts,
                mounts.tmp,
              ]),
            ],
            containers,
            volumes: [
              { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } },
              { name: 'tmp', emptyDir: {} },
              { name: 'scripts', configMap: { name: names.dbConfig, defaultMode: 0o555 } },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: claimStorageClass(config, db.storage.storageClass),
              resources: { requests: { storage: k8s.Quantity.fromString(db.storage.size) } },
            },
          },
        ],
      },
    });

    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: namespacedMeta(config, names.db, 'database'),
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } },
    });

    new DatabaseBootstrapJob(this, 'bootstrap', { config });
    new FailoverManager(this, 'failover', { config });
  }
}

function databaseEnv(config: QuireConfig): k8s.EnvVar[] {
  const names = quireNames(config);
  const secret = (name: string, key: string): k8s.EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: names.dbSecret, key } },
  });
  return [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    // The primary the failover manager recorded, read at each container start (pod 0 before it has
    // recorded one): every other pod starts read-only.
    {
      name: 'PRIMARY_NAME',
      valueFrom: { configMapKeyRef: { name: names.dbTopology, key: 'primary', optional: true } },
    },
    // Nodes the manager asked to clone again (clone.sh saves their errant transactions first).
    {
      name: 'RECLONE_REQUESTS',
      valueFrom: { configMapKeyRef: { name: names.dbTopology, key: 'reclone', optional: true } },
    },
    { name: 'DB_HEADLESS', value: names.dbHeadless },
    { name: 'DATADIR', value: DATA_DIR },
    { name: 'RUN_DIR', value: RUN_DIR },
    { name: 'TEMPLATES_DIR', value: SCRIPTS_MOUNT },
    secret('MARIADB_ROOT_PASSWORD', DB_SECRET_KEYS.root),
    secret('MARIADB_REPLICATION_PASSWORD', DB_SECRET_KEYS.replication),
    secret('MARIADB_MONITOR_PASSWORD', DB_SECRET_KEYS.monitor),
    secret('MARIADB_FAILOVER_PASSWORD', DB_SECRET_KEYS.failover),
    ...Object.entries(durabilityEnv(config.database.durability)).map(([name, value]) => ({ name, value })),
  ];
}

function execProbe(
  kind: 'live' | 'ready',
  timing: { periodSeconds: number; failureThreshold: number },
): k8s.Probe {
  return { exec: { command: scriptCommand('probe.sh', kind) }, timeoutSeconds: 5, ...timing };
}

interface DatabaseBootstrapJobProps {
  readonly config: QuireConfig;
}

/**
 * Creates the app database and its least-privilege user once the primary answers (SPEC S6), and
 * brings the users' passwords in line with the Secret. Idempotent, so it runs after every install
 * and upgrade.
 */
class DatabaseBootstrapJob extends Construct {
  constructor(scope: Construct, id: string, props: DatabaseBootstrapJobProps) {
    super(scope, id);
    const { config } = props;
    const names = quireNames(config);
    const labels = selectorLabels(config, 'database-bootstrap');
    const secret = (name: string, key: string): k8s.EnvVar => ({
      name,
      valueFrom: { secretKeyRef: { name: names.dbSecret, key } },
    });
    new k8s.KubeJob(this, 'job', {
      metadata: namespacedMeta(config, names.dbBootstrap, 'database-bootstrap'),
      spec: {
        backoffLimit: 6,
        // Not a Helm hook: `helm install --wait` would wait for web pods that need this Job's user
        // before running it. Removed once done, so every apply or upgrade runs it again (a Job's
        // pod template cannot change in place).
        ttlSecondsAfterFinished: 300,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'OnFailure',
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(MARIADB_UID),
            containers: [
              {
                name: 'bootstrap',
                image: config.database.image,
                imagePullPolicy: config.database.imagePullPolicy,
                command: scriptCommand('bootstrap.sh'),
                env: [
                  { name: 'PRIMARY_HOST', value: names.dbPrimaryHost },
                  { name: 'DB_NAME', value: config.database.name },
                  { name: 'DB_USER', value: config.database.user },
                  secret('MARIADB_ROOT_PASSWORD', DB_SECRET_KEYS.root),
                  secret('MARIADB_PASSWORD', DB_SECRET_KEYS.app),
                  secret('MARIADB_REPLICATION_PASSWORD', DB_SECRET_KEYS.replication),
                  secret('MARIADB_MONITOR_PASSWORD', DB_SECRET_KEYS.monitor),
                  secret('MARIADB_FAILOVER_PASSWORD', DB_SECRET_KEYS.failover),
                ],
                volumeMounts: [
                  { name: 'scripts', mountPath: SCRIPTS_MOUNT, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
                resources: HELPER_RESOURCES,
                securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
              },
            ],
            volumes: [
              { name: 'scripts', configMap: { name: names.dbConfig, defaultMode: 0o555 } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    });
  }
}
