/**
 * The web tier (SPEC S7–S9): the workload's Deployment, its settings as a ConfigMap (no password)
 * and a generated Secret, the Service, the CPU autoscaler, a PodDisruptionBudget and, when uploads
 * are shared, the media PersistentVolumeClaim every web pod mounts (the NFS volume of SPEC S4).
 * The workload is Quire's app or the seed's WordPress; both get the same security defaults.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { appEnvironment } from '../config/app-environment.js';
import { sharesMedia, type QuireConfig } from '../config/schema.js';
import { claimStorageClass } from './claim-storage-class.js';
import { GeneratedSecret } from './generated-secret.js';
import { DB_PORTS, DB_SECRET_KEYS, quireNames, selectorLabels, WEB_PORT } from './names.js';
import { namespacedMeta } from './object-meta.js';
import { containerSecurityContext, podSecurityContext, resourceRequirements } from './pod-security.js';
import type { SecretValues } from './secret-values.js';
import { preferSpreadOverNodes } from './scheduling.js';

export interface WebTierProps {
  readonly config: QuireConfig;
  readonly secrets: SecretValues;
}

/** Port of the web Service, the one the Ingress sends traffic to. */
export const WEB_SERVICE_PORT = 80;

/** What differs between the two workloads; everything else is shared. */
interface WorkloadSpec {
  readonly image: string;
  readonly uid: number;
  readonly containerPort: number;
  /** Settings that are not secret. */
  readonly settings: Record<string, string>;
  /** Environment variable → key of the generated web Secret. */
  readonly generated: Record<string, string>;
  /** Environment variable that receives the app user's DB password. */
  readonly passwordVariable: string;
  readonly readOnlyRootFilesystem: boolean;
  /** Writable scratch directories (emptyDir volumes), by volume name. */
  readonly writableDirs: Record<string, string>;
  /** Where the workload writes uploaded images. */
  readonly uploadsDir: string;
  readonly livenessProbe: k8s.Probe;
  readonly readinessProbe: k8s.Probe;
  readonly sysctls: k8s.Sysctl[];
}

/** Keys WordPress needs to be equal on every replica (else logins break across pods). */
export const WORDPRESS_KEYS = [
  'AUTH_KEY',
  'SECURE_AUTH_KEY',
  'LOGGED_IN_KEY',
  'NONCE_KEY',
  'AUTH_SALT',
  'SECURE_AUTH_SALT',
  'LOGGED_IN_SALT',
  'NONCE_SALT',
];

function workloadSpec(config: QuireConfig): WorkloadSpec {
  const names = quireNames(config);
  const http = k8s.IntOrString.fromString('http');
  if (config.workload === 'wordpress') {
    return {
      image: config.web.images.wordpress,
      uid: 33, // www-data in the official image
      containerPort: 80,
      settings: {
        WORDPRESS_DB_HOST: `${names.dbPrimaryHost}:${DB_PORTS.sql}`,
        WORDPRESS_DB_NAME: config.database.name,
        WORDPRESS_DB_USER: config.database.user,
        // TLS ends at the Ingress; this makes WordPress build https:// links behind it.
        WORDPRESS_CONFIG_EXTRA:
          "if (($_SERVER['HTTP_X_FORWARDED_PROTO'] ?? '') === 'https') { $_SERVER['HTTPS'] = 'on'; }",
      },
      generated: Object.fromEntries(
        WORDPRESS_KEYS.map((key) => [`WORDPRESS_${key}`, key.toLowerCase().replaceAll('_', '-')]),
      ),
      passwordVariable: 'WORDPRESS_DB_PASSWORD',
      // WordPress writes its own tree (plugins; uploads unless the media claim is shared) in the image.
      readOnlyRootFilesystem: false,
      writableDirs: {},
      uploadsDir: '/var/www/html/wp-content/uploads',
      livenessProbe: { tcpSocket: { port: http }, periodSeconds: 10, failureThreshold: 3 },
      readinessProbe: {
        httpGet: { path: '/wp-login.php', port: http },
        periodSeconds: 10,
        failureThreshold: 3,
      },
      // Apache listens on port 80 as www-data: allow unprivileged ports in the pod's network namespace.
      sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
    };
  }
  return {
    image: config.web.images.quire,
    uid: 10001,
    containerPort: WEB_PORT,
    settings: {
      QUIRE_DB_PRIMARY_HOST: names.dbPrimaryHost,
      QUIRE_DB_READ_HOST: names.dbReadHost,
      QUIRE_DB_PORT: String(DB_PORTS.sql),
      QUIRE_DB_NAME: config.database.name,
      QUIRE_DB_USER: config.database.user,
      QUIRE_DB_MAX_REPLICA_LAG_SECONDS: String(config.database.maxReplicationLagSeconds),
      QUIRE_PUBLIC_URL: `https://${config.ingress.host}`,
      QUIRE_PORT: String(WEB_PORT),
      ...appEnvironment(config.web.app),
      // Only the Ingress controller reaches the pods (NetworkPolicy): its X-Forwarded-For is the client.
      QUIRE_TRUST_PROXY: 'true',
    },
    generated: { QUIRE_SESSION_SECRET: 'session-secret' },
    passwordVariable: 'QUIRE_DB_PASSWORD',
    readOnlyRootFilesystem: true,
    writableDirs: { tmp: '/tmp' },
    uploadsDir: config.web.app.mediaDir,
    livenessProbe: { httpGet: { path: '/healthz', port: http }, periodSeconds: 10, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/readyz', port: http }, periodSeconds: 5, failureThreshold: 2 },
    sysctls: [],
  };
}

export class WebTier extends Construct {
  constructor(scope: Construct, id: string, props: WebTierProps) {
    super(scope, id);
    const { config, secrets } = props;
    const names = quireNames(config);
    const web = config.web;
    const labels = selectorLabels(config, 'web');
    const workload = workloadSpec(config);
    const sharedMedia = sharesMedia(config);
    // Uploads per pod (no claim) are missing on the other pods; there a read-only root filesystem
    // needs an emptyDir for them, while WordPress writes them into its own tree.
    const mediaVolume: k8s.Volume | undefined = sharedMedia
      ? { name: 'media', persistentVolumeClaim: { claimName: names.media } }
      : workload.readOnlyRootFilesystem
        ? { name: 'media', emptyDir: {} }
        : undefined;
    const scratch = Object.entries(workload.writableDirs);
    const volumes: k8s.Volume[] = [
      ...scratch.map(([name]) => ({ name, emptyDir: {} })),
      ...(mediaVolume ? [mediaVolume] : []),
    ];
    const volumeMounts: k8s.VolumeMount[] = [
      ...scratch.map(([name, mountPath]) => ({ name, mountPath })),
      ...(mediaVolume ? [{ name: mediaVolume.name, mountPath: workload.uploadsDir }] : []),
    ];

    new k8s.KubeConfigMap(this, 'config', {
      metadata: namespacedMeta(config, names.webConfig, 'web'),
      data: workload.settings,
    });

    new GeneratedSecret(this, 'secret', {
      config,
      secrets,
      name: names.webSecret,
      component: 'web',
      keys: Object.values(workload.generated),
    });

    const env: k8s.EnvVar[] = [
      {
        name: workload.passwordVariable,
        valueFrom: { secretKeyRef: { name: names.dbSecret, key: DB_SECRET_KEYS.app } },
      },
      ...Object.entries(workload.generated).map(([name, key]) => ({
        name,
        valueFrom: { secretKeyRef: { name: names.webSecret, key } },
      })),
    ];

    if (sharedMedia) {
      // One claim for all pods, so ReadWriteMany unless a single pod runs (the schema checks it).
      // The pods' fsGroup makes a block volume writable by the app's uid; the NFS provisioner
      // creates its directories world-writable, as the kubelet does not change NFS ownership.
      new k8s.KubePersistentVolumeClaim(this, 'media', {
        metadata: namespacedMeta(config, names.media, 'web', {
          // Data: kept on `helm uninstall`, and by Quire's prune and destroy unless --purge.
          'helm.sh/resource-policy': 'keep',
        }),
        spec: {
          accessModes: [web.media.accessMode],
          storageClassName: claimStorageClass(config, web.media.storageClass),
          resources: { requests: { storage: k8s.Quantity.fromString(web.media.size) } },
        },
      });
    }

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: namespacedMeta(config, names.web, 'web'),
      spec: {
        // With autoscaling on, the HPA owns the count; a fixed one here would be reset on every apply.
        replicas: web.autoscaling.enabled ? undefined : web.replicas,
        selector: { matchLabels: labels },
        // A ReadWriteOnce claim may be attached to one node only: a surge pod elsewhere would wait
        // for it forever, so its single pod is replaced by stopping the old one first.
        strategy:
          sharedMedia && web.media.accessMode === 'ReadWriteOnce'
            ? { type: 'Recreate' }
            : {
                type: 'RollingUpdate',
                rollingUpdate: {
                  maxUnavailable: k8s.IntOrString.fromNumber(0),
                  maxSurge: k8s.IntOrString.fromNumber(1),
                },
              },
        template: {
          metadata: { labels: { ...labels, 'app.kubernetes.io/part-of': 'quire' } },
          spec: {
            automountServiceAccountToken: false,
            securityContext: {
              ...podSecurityContext(workload.uid),
              sysctls: workload.sysctls.length > 0 ? workload.sysctls : undefined,
            },
            affinity: preferSpreadOverNodes(labels),
            containers: [
              {
                name: 'web',
                image: workload.image,
                imagePullPolicy: web.imagePullPolicy,
                ports: [{ name: 'http', containerPort: workload.containerPort }],
                envFrom: [{ configMapRef: { name: names.webConfig } }],
                env,
                resources: resourceRequirements(web.resources),
                securityContext: containerSecurityContext({
                  readOnlyRootFilesystem: workload.readOnlyRootFilesystem,
                }),
                livenessProbe: workload.livenessProbe,
                readinessProbe: workload.readinessProbe,
                volumeMounts: volumeMounts.length > 0 ? volumeMounts : undefined,
              },
            ],
            volumes: volumes.length > 0 ? volumes : undefined,
          },
        },
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: namespacedMeta(config, names.web, 'web'),
      spec: {
        type: 'ClusterIP',
        selector: labels,
        ports: [{ name: 'http', port: WEB_SERVICE_PORT, targetPort: k8s.IntOrString.fromString('http') }],
      },
    });

    if (web.autoscaling.enabled) {
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'hpa', {
        metadata: namespacedMeta(config, names.web, 'web'),
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: names.web },
          minReplicas: web.autoscaling.minReplicas,
          maxReplicas: web.autoscaling.maxReplicas,
          metrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                target: {
                  type: 'Utilization',
                  averageUtilization: web.autoscaling.targetCPUUtilizationPercentage,
                },
              },
            },
          ],
          behavior: {
            scaleDown: { stabilizationWindowSeconds: web.autoscaling.scaleDownStabilizationSeconds },
          },
        },
      });
    }

    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: namespacedMeta(config, names.web, 'web'),
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } },
    });
  }
}
