/**
 * The one configuration schema of Quire (`quire.yaml`). It is the single source of truth for every
 * target: the Kubernetes manifests, the Helm chart's values.yaml and values.schema.json, and (later)
 * the local stack and the web app. Defaults are the seed system's values (SPEC S1–S11, S14).
 *
 * Every field carries a description (it becomes the comment in `quire init` and values.yaml) and an
 * example (it is quoted in the error message when a value is wrong).
 */
import { z } from 'zod';
import { clusterProblems } from '../provision/cluster-checks.js';
import { CIDR_PATTERN, IPV4_PATTERN, IPV4_RANGE_PATTERN } from '../provision/ipv4.js';
import {
  KUBESPRAY,
  KUBESPRAY_DEFAULT_KUBE_VERSION,
  KUBESPRAY_ENCRYPTION_ALGORITHMS,
  KUBESPRAY_NETWORK_PLUGINS,
} from '../provision/kubespray-release.js';
import { CPU_QUANTITY_PATTERN, MEMORY_QUANTITY_PATTERN, parseCpu, parseMemory } from './quantity.js';

/** The seed's NFS provisioner sample address that kept every PVC Pending (SPEC S4). */
export const SEED_SAMPLE_NFS_SERVER = '10.3.243.101';

/** JSON Schema keyword marking a field whose value is copied into manifests, never branched on. */
export const PASSTHROUGH = 'x-quire-passthrough';

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
// No look-ahead: the pattern is also checked by Helm (Go regexp, RE2) through values.schema.json.
const HOSTNAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
const IMAGE = /^[a-z0-9]+([._/:@-][a-zA-Z0-9]+)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

const hostname = (description: string, example: string) =>
  z
    .string()
    .meta({ description, examples: [example] })
    .max(253, { message: 'must be at most 253 characters' })
    .regex(HOSTNAME, { message: 'must be a fully qualified lowercase host name such as "blog.example.com"' });

const text = (description: string, example: string) => z.string().meta({ description, examples: [example] });

const dnsLabel = (description: string, example: string, max = 63) =>
  text(description, example)
    .max(max, { message: `must be at most ${max} characters` })
    .regex(DNS_LABEL, {
      message: 'must be a DNS label: lowercase letters, digits and "-", starting with a letter',
    });

const image = (description: string, example: string) =>
  text(description, example).regex(IMAGE, { message: 'must be a container image reference' });

const pullPolicy = z
  .enum(['Always', 'IfNotPresent', 'Never'])
  .default('IfNotPresent')
  .meta({
    description: 'When the kubelet pulls the image.',
    examples: ['IfNotPresent'],
    [PASSTHROUGH]: true,
  });

const cpu = (description: string, example: string) =>
  text(description, example).regex(CPU_QUANTITY_PATTERN, {
    message: 'must be a CPU quantity: cores ("0.5", "2") or millicores ("100m")',
  });

const memory = (description: string, example: string) =>
  text(description, example).regex(MEMORY_QUANTITY_PATTERN, {
    message: 'must be a memory quantity such as "128Mi" or "1Gi"',
  });

const integer = (description: string, example: number, min: number, max: number) =>
  z
    .number()
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` })
    .meta({ description, examples: [example] });

const resources = (requests: { cpu: string; memory: string }, limits: { cpu: string; memory: string }) =>
  z
    .strictObject({
      requests: z
        .strictObject({
          cpu: cpu(
            'CPU the scheduler reserves per pod; the HPA measures utilisation against it.',
            '100m',
          ).default(requests.cpu),
          memory: memory('Memory the scheduler reserves per pod.', '128Mi').default(requests.memory),
        })
        .prefault({})
        .meta({ description: 'Resources reserved for each pod.' }),
      limits: z
        .strictObject({
          cpu: cpu('CPU limit per pod (throttled above it).', '500m').default(limits.cpu),
          memory: memory('Memory limit per pod (OOMKilled above it).', '256Mi').default(limits.memory),
        })
        .prefault({})
        .meta({ description: 'Upper bounds for each pod.' }),
    })
    .prefault({})
    .meta({ description: 'Requests and limits of the main container.' })
    .superRefine((value, ctx) => {
      // Zod runs this check even when a field failed its own pattern: compare only valid quantities.
      const cpus = [value.limits.cpu, value.requests.cpu];
      const memories = [value.limits.memory, value.requests.memory];
      const cpuValid = cpus.every((quantity) => CPU_QUANTITY_PATTERN.test(quantity));
      const memoryValid = memories.every((quantity) => MEMORY_QUANTITY_PATTERN.test(quantity));
      if (cpuValid && parseCpu(value.limits.cpu) < parseCpu(value.requests.cpu)) {
        ctx.addIssue({
          code: 'custom',
          path: ['limits', 'cpu'],
          message: `limit ${value.limits.cpu} is below the request ${value.requests.cpu}; a limit must be at least the request`,
        });
      }
      if (memoryValid && parseMemory(value.limits.memory) < parseMemory(value.requests.memory)) {
        ctx.addIssue({
          code: 'custom',
          path: ['limits', 'memory'],
          message: `limit ${value.limits.memory} is below the request ${value.requests.memory}; a limit must be at least the request`,
        });
      }
    });

const autoscaling = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .meta({ description: 'Scale the web tier on CPU with a HorizontalPodAutoscaler (autoscaling/v2).' }),
    minReplicas: integer('Fewest web pods the autoscaler keeps.', 2, 1, 100).default(2),
    maxReplicas: integer('Most web pods the autoscaler starts.', 5, 1, 100).default(5),
    targetCPUUtilizationPercentage: integer(
      'Average CPU use, in percent of the request, that the autoscaler aims for.',
      70,
      1,
      100,
    ).default(70),
    scaleDownStabilizationSeconds: integer(
      'How long load must stay low before pods are removed (avoids flapping).',
      300,
      0,
      3600,
    ).default(300),
  })
  .prefault({})
  .meta({ description: 'CPU autoscaling of the web tier (SPEC S8).' })
  .superRefine((value, ctx) => {
    if (value.minReplicas > value.maxReplicas) {
      ctx.addIssue({
        code: 'custom',
        path: ['minReplicas'],
        message: `minReplicas ${value.minReplicas} is greater than maxReplicas ${value.maxReplicas}; lower minReplicas or raise maxReplicas`,
      });
    }
  });

/** Where uploaded images live, and how several web pods share them (SPEC S4, S9). */
const media = z
  .strictObject({
    persistence: z
      .enum(['auto', 'shared', 'pod'])
      .default('auto')
      .meta({
        description:
          'Where uploads live: shared (one PersistentVolumeClaim <name>-media that every web pod mounts, so an image uploaded through one pod is served by all), pod (an emptyDir per pod: uploads are per pod and lost with it), or auto (shared when storage.nfs.enabled, else pod).',
        examples: ['shared'],
      }),
    size: memory('Size of the shared media volume.', '1Gi').default('1Gi'),
    storageClass: dnsLabel(
      'StorageClass of the shared media volume; null uses the NFS class when storage.nfs is enabled, else the cluster default.',
      'nfs-client',
      253,
    )
      .nullable()
      .default(null),
    accessMode: z
      .enum(['ReadWriteMany', 'ReadWriteOnce'])
      .default('ReadWriteMany')
      .meta({
        description:
          'Access mode of the shared media volume: ReadWriteMany (pods on several nodes mount it; NFS gives it) or ReadWriteOnce (one node only: allowed with a single web pod, which is then replaced by stopping the old pod first).',
        examples: ['ReadWriteMany'],
      }),
  })
  .prefault({})
  .meta({
    description:
      'The volume of uploaded images, mounted at web.app.mediaDir (Quire) or wp-content/uploads (WordPress); kept by destroy and helm uninstall unless purged.',
  });

const app = z
  .strictObject({
    postsPerPage: integer('Posts on each page of the home, tag and author lists.', 10, 1, 100).default(10),
    mediaDir: text(
      'Directory uploaded images are stored in and served from; on Kubernetes the web.media volume is mounted here.',
      '/var/lib/quire/media',
    ).default('/var/lib/quire/media'),
    maxUploadMegabytes: integer('Largest image upload accepted, in MiB.', 5, 1, 100).default(5),
    readYourWritesTimeoutMs: integer(
      "Longest wait on a replica for a session's last write before reading from the primary, in ms.",
      500,
      0,
      10000,
    ).default(500),
    trustProxy: z
      .boolean()
      .default(false)
      .meta({
        description:
          'Take the client address from X-Forwarded-For, for `quire serve` behind a proxy; the web Deployment always sets it, as only the Ingress controller reaches its pods.',
        examples: [true],
      }),
    pageCache: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .meta({
            description: 'Keep rendered pages for anonymous visitors in memory.',
            examples: [true],
          }),
        maxEntries: integer('Most pages each web process keeps.', 1000, 1, 100000).default(1000),
        versionCheckIntervalMs: integer(
          "How often a process reads the content version that other processes' writes bump, in ms (the longest another process serves a page a write changed).",
          1000,
          100,
          60000,
        ).default(1000),
      })
      .prefault({})
      .meta({ description: 'In-memory cache of anonymous pages, invalidated on every content write.' }),
  })
  .prefault({})
  .meta({ description: 'Settings of the Quire web app (`quire serve`).' });

const web = z
  .strictObject({
    replicas: integer(
      'Web pods when autoscaling is off; the starting count when it is on.',
      3,
      1,
      100,
    ).default(3),
    images: z
      .strictObject({
        quire: image(
          'Image of the Quire web app (build it from the Dockerfile in this repository); the database failover manager runs from it too, whichever the workload.',
          'quire:0.1.0',
        )
          .default('quire:0.1.0')
          .meta({ [PASSTHROUGH]: true }),
        wordpress: image('Image of the WordPress workload.', 'wordpress:6.8-php8.3-apache').default(
          'wordpress:6.8-php8.3-apache',
        ),
      })
      .prefault({})
      .meta({ description: 'Container image of each workload.' }),
    imagePullPolicy: pullPolicy,
    resources: resources({ cpu: '100m', memory: '128Mi' }, { cpu: '500m', memory: '256Mi' }),
    autoscaling,
    media,
    app,
  })
  .prefault({})
  .meta({ description: 'The web tier (SPEC S7–S9).' });

/** database.durability: whether an acknowledged write survives the loss of the primary. */
const durability = z
  .strictObject({
    replication: z
      .enum(['semi-sync', 'async'])
      .default('semi-sync')
      .meta({
        description:
          'semi-sync: the primary acknowledges a commit only once a replica has it (MariaDB semi-synchronous replication, waiting AFTER_SYNC), so a lost primary loses no acknowledged write; async: replicas follow when they can, and a lost primary may take its last writes with it.',
        examples: ['semi-sync'],
        [PASSTHROUGH]: true,
      }),
    ackTimeoutMs: integer(
      'semi-sync: how long a commit waits for a replica to acknowledge it before whenNoReplicaAcks applies.',
      5000,
      100,
      3_600_000,
    ).default(5000),
    whenNoReplicaAcks: z
      .enum(['fall-back', 'block'])
      .default('fall-back')
      .meta({
        description:
          'semi-sync, when no replica is connected or none acknowledges within ackTimeoutMs: fall-back (writes go on without a replica copy, and quire status, quire doctor and an alert say so until a replica has caught up) or block (writes wait until a replica acknowledges).',
        examples: ['fall-back'],
        [PASSTHROUGH]: true,
      }),
  })
  .prefault({})
  .meta({
    description:
      'Whether an acknowledged write survives the loss of the primary. Every server also syncs its binary log and InnoDB log at each commit.',
  });

/** database.durability with every default, for the runners that are given none. */
export const DEFAULT_DURABILITY = durability.parse(undefined);

const database = z
  .strictObject({
    image: image(
      'MariaDB server image; it must contain mariadbd, mariadb-backup, mbstream and socat (the official image does).',
      'mariadb:11.4',
    ).default('mariadb:11.4'),
    imagePullPolicy: pullPolicy,
    replicas: integer(
      'MariaDB pods: one primary (pod 0 at first; the failover manager moves it), the others read replicas.',
      2,
      1,
      9,
    ).default(2),
    name: text('Database the web app uses.', 'quire')
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/, { message: 'must be a database name: letters, digits and "_"' })
      .default('quire'),
    user: text('Least-privilege user the web app connects as.', 'quire')
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,31}$/, {
        message: 'must be a user name: letters, digits and "_", 32 at most',
      })
      .default('quire'),
    existingSecret: dnsLabel(
      'Name of an existing Secret with keys root-password, replication-password, password, monitor-password and failover-password; null lets Quire generate one.',
      'my-db-credentials',
      253,
    )
      .nullable()
      .default(null),
    storage: z
      .strictObject({
        size: memory('Size of each MariaDB data volume.', '1Gi').default('1Gi'),
        storageClass: dnsLabel(
          'StorageClass of the data volumes; null uses the NFS class when storage.nfs is enabled, else the cluster default.',
          'nfs-client',
          253,
        )
          .nullable()
          .default(null),
      })
      .prefault({})
      .meta({ description: 'The PersistentVolumeClaim template of the StatefulSet (ReadWriteOnce).' }),
    resources: resources({ cpu: '100m', memory: '256Mi' }, { cpu: '1', memory: '1Gi' }),
    maxReplicationLagSeconds: integer(
      'Replication lag above which a replica is reported lagging (alerts, doctor, web app).',
      30,
      1,
      86400,
    ).default(30),
    durability,
    exporterImage: image(
      'Prometheus mysqld-exporter sidecar image (used when monitoring is enabled).',
      'prom/mysqld-exporter:v0.17.2',
    ).default('prom/mysqld-exporter:v0.17.2'),
  })
  .prefault({})
  .meta({ description: 'The replicated MariaDB (SPEC S2, S3, S5, S6).' });

const tls = z
  .strictObject({
    mode: z
      .enum(['selfSigned', 'certManager', 'existingSecret'])
      .default('selfSigned')
      .meta({
        description:
          'Where the certificate comes from: selfSigned (generated once, kept stable), certManager (a Certificate for the issuer below), existingSecret (a kubernetes.io/tls Secret you made).',
        examples: ['selfSigned'],
      }),
    existingSecret: text(
      'The kubernetes.io/tls Secret to use when mode is existingSecret.',
      'my-site-tls',
    ).default(''),
    issuerName: dnsLabel('cert-manager issuer for mode certManager.', 'letsencrypt', 253).default(
      'letsencrypt',
    ),
    issuerKind: z
      .enum(['ClusterIssuer', 'Issuer'])
      .default('ClusterIssuer')
      .meta({
        description: 'Kind of the cert-manager issuer.',
        examples: ['ClusterIssuer'],
        [PASSTHROUGH]: true,
      }),
  })
  .prefault({})
  .meta({ description: 'TLS of the Ingress (SPEC S10).' })
  .superRefine((value, ctx) => {
    if (value.mode === 'existingSecret' && value.existingSecret === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['existingSecret'],
        message:
          'mode is existingSecret but no Secret is named; set existingSecret to the name of a kubernetes.io/tls Secret',
      });
    }
  });

const ingress = z
  .strictObject({
    host: hostname('Public host name of the site.', 'cccr-miniproject.com').default('cccr-miniproject.com'),
    className: dnsLabel('IngressClass that serves the site.', 'nginx', 253).default('nginx'),
    controllerNamespace: dnsLabel(
      'Namespace of the Ingress controller; only it may reach the web pods.',
      'ingress-nginx',
    ).default('ingress-nginx'),
    tls,
  })
  .prefault({})
  .meta({ description: 'How the site is reached (SPEC S10).' });

const nfs = z
  .strictObject({
    enabled: z.boolean().default(false).meta({
      description: 'Install nfs-subdir-external-provisioner for dynamic volumes on an NFS export (SPEC S4).',
    }),
    server: text('NFS server address (IP or host name) that the nodes can mount.', '192.168.56.11').default(
      '',
    ),
    path: text('Exported directory on the NFS server.', '/srv/nfs-volume').default(''),
    storageClassName: dnsLabel('Name of the StorageClass the provisioner serves.', 'nfs-client', 253).default(
      'nfs-client',
    ),
    defaultClass: z
      .boolean()
      .default(true)
      .meta({ description: 'Make the NFS StorageClass the cluster default (as the seed did).' }),
    image: image(
      'Provisioner image.',
      'registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:v4.0.2',
    ).default('registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:v4.0.2'),
  })
  .prefault({})
  .meta({ description: 'Optional NFS dynamic provisioner.' })
  .superRefine((value, ctx) => {
    if (!value.enabled) return;
    if (value.server === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['server'],
        message: 'NFS is enabled but no server is set; set the address of your NFS server',
      });
    } else if (value.server === SEED_SAMPLE_NFS_SERVER) {
      ctx.addIssue({
        code: 'custom',
        path: ['server'],
        message: `${SEED_SAMPLE_NFS_SERVER} is the provisioner's sample address, not your NFS server; every PVC would stay Pending`,
      });
    } else if (!IPV4.test(value.server) && !HOSTNAME.test(value.server) && !DNS_LABEL.test(value.server)) {
      ctx.addIssue({ code: 'custom', path: ['server'], message: 'must be an IPv4 address or a host name' });
    }
    if (value.path === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['path'],
        message: 'NFS is enabled but no export path is set; set the directory the server exports',
      });
    } else if (!/^\/[^\s"'\\]*$/.test(value.path)) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'must be an absolute path without spaces' });
    }
  });

const monitoring = z
  .strictObject({
    enabled: z.boolean().default(true).meta({
      description:
        'mysqld-exporter sidecars, ServiceMonitors, PrometheusRules and Grafana dashboards for kube-prometheus-stack (SPEC S11).',
    }),
    prometheusRelease: dnsLabel(
      'Release label kube-prometheus-stack selects ServiceMonitors and rules by (the seed installed it as "prom").',
      'prom',
    ).default('prom'),
    namespace: dnsLabel(
      'Namespace of Prometheus; only it may scrape the metrics ports (the seed used "monitor").',
      'monitor',
    ).default('monitor'),
  })
  .prefault({})
  .meta({ description: 'Monitoring with kube-prometheus-stack (SPEC S11).' });

const logging = z
  .strictObject({
    enabled: z.boolean().default(true).meta({
      description:
        'A Fluent Bit DaemonSet that ships every container log with Kubernetes metadata (SPEC S14).',
    }),
    output: z
      .enum(['loki', 'elasticsearch'])
      .default('loki')
      .meta({
        description: "Where logs go: loki or elasticsearch (the seed's EFG stack).",
        examples: ['loki'],
      }),
    lokiHost: hostname('Loki (or its gateway) host.', 'loki-gateway.logging.svc').default(
      'loki-gateway.logging.svc',
    ),
    lokiPort: integer('Loki port.', 80, 1, 65535).default(80),
    elasticsearchHost: hostname('Elasticsearch host.', 'elasticsearch-master.logging.svc').default(
      'elasticsearch-master.logging.svc',
    ),
    elasticsearchPort: integer('Elasticsearch port.', 9200, 1, 65535).default(9200),
    image: image('Fluent Bit image.', 'fluent/fluent-bit:3.2.10').default('fluent/fluent-bit:3.2.10'),
  })
  .prefault({})
  .meta({ description: 'Central logging (SPEC S14).' });

const storage = z.strictObject({ nfs }).prefault({}).meta({ description: 'Dynamic storage (SPEC S4).' });

const vmRole = (
  role: string,
  defaults: { count: number; cpus: number; memoryMiB: number; firstAddress: string },
  limits: { minCount: number; maxCount: number },
) =>
  z
    .strictObject({
      count: integer(`How many ${role} VMs.`, defaults.count, limits.minCount, limits.maxCount).default(
        defaults.count,
      ),
      cpus: integer(`Virtual CPUs of each ${role} VM.`, defaults.cpus, 1, 64).default(defaults.cpus),
      memoryMiB: integer(
        `Memory of each ${role} VM, in MiB (Vagrant's unit).`,
        defaults.memoryMiB,
        512,
        262144,
      ).default(defaults.memoryMiB),
      firstAddress: text(
        `Host-only network address of the first ${role} VM; the next ones take the following addresses.`,
        defaults.firstAddress,
      )
        .regex(IPV4_PATTERN, { message: 'must be an IPv4 address such as "192.168.56.11"' })
        .default(defaults.firstAddress),
    })
    .prefault({});

const clusterKubernetes = z
  .strictObject({
    version: text(
      `Kubernetes version Kubespray installs (kube_version); one Kubespray ${KUBESPRAY.tag}, the pinned release, has checksums for.`,
      KUBESPRAY_DEFAULT_KUBE_VERSION,
    ).default(KUBESPRAY_DEFAULT_KUBE_VERSION),
    networkPlugin: z
      .enum(KUBESPRAY_NETWORK_PLUGINS)
      .default('calico')
      .meta({ description: 'The CNI plugin (kube_network_plugin).', examples: ['calico'] }),
    kubeProxyStrictArp: z.boolean().default(true).meta({
      description:
        "kube-proxy's strict ARP (kube_proxy_strict_arp); MetalLB in layer 2 mode needs it with the ipvs proxy mode.",
    }),
    secretsEncryption: z
      .strictObject({
        enabled: z.boolean().default(true).meta({
          description: 'Encrypt Secrets at rest in etcd (kube_encrypt_secret_data).',
        }),
        algorithm: z
          .enum(KUBESPRAY_ENCRYPTION_ALGORITHMS)
          .default('aesgcm')
          .meta({
            description: 'Encryption provider of the API server (kube_encryption_algorithm).',
            examples: ['aesgcm'],
          }),
      })
      .prefault({})
      .meta({ description: 'Encryption of Secrets at rest.' }),
  })
  .prefault({})
  .meta({ description: 'Kubernetes as Kubespray installs it (group_vars/k8s_cluster/k8s-cluster.yml).' });

const clusterAddons = z
  .strictObject({
    helm: z
      .boolean()
      .default(true)
      .meta({ description: 'Install Helm on the control plane (helm_enabled).' }),
    metricsServer: z.boolean().default(true).meta({
      description: 'Install metrics-server, which the web tier autoscaler needs (metrics_server_enabled).',
    }),
    ingressNginx: z.boolean().default(true).meta({
      description: 'Install the ingress-nginx controller as a LoadBalancer Service (ingress_nginx_enabled).',
    }),
    metallb: z
      .strictObject({
        enabled: z.boolean().default(true).meta({
          description: 'Install MetalLB so that LoadBalancer Services get an address (metallb_enabled).',
        }),
        addresses: text(
          'Addresses MetalLB gives to LoadBalancer Services, "first-last", announced in layer 2 on the node network; the first one goes to ingress-nginx.',
          '192.168.56.200-192.168.56.209',
        )
          .regex(IPV4_RANGE_PATTERN, {
            message: 'must be a range of IPv4 addresses "first-last" such as "192.168.56.200-192.168.56.209"',
          })
          .default('192.168.56.200-192.168.56.209'),
      })
      .prefault({})
      .meta({ description: 'MetalLB load balancer (metallb_config, one layer 2 pool).' }),
  })
  .prefault({})
  .meta({ description: 'Cluster add-ons Kubespray installs (group_vars/k8s_cluster/addons.yml).' });

const clusterNfs = z
  .strictObject({
    enabled: z.boolean().default(true).meta({
      description:
        'Make the first control-plane node an NFS server for storage.nfs, and install nfs-common on every node.',
    }),
    path: text('Directory the NFS server exports.', '/srv/nfs-volume')
      .regex(/^\/[A-Za-z0-9._/-]*$/, {
        message: 'must be an absolute path of letters, digits, ".", "_", "-"',
      })
      .default('/srv/nfs-volume'),
    exportOptions: text(
      'Options of the export in /etc/exports; no_root_squash lets the provisioner create directories as root.',
      'rw,sync,no_root_squash,no_subtree_check',
    )
      .regex(/^[a-z_]+(=[A-Za-z0-9_:./-]+)?(,[a-z_]+(=[A-Za-z0-9_:./-]+)?)*$/, {
        message: 'must be exports(5) options separated by commas, such as "rw,sync,no_subtree_check"',
      })
      .default('rw,sync,no_root_squash,no_subtree_check'),
  })
  .prefault({})
  .meta({ description: 'NFS server on the control plane (SPEC S4), exported to the node network.' });

const cluster = z
  .strictObject({
    provider: z
      .enum(['virtualbox', 'libvirt'])
      .default('virtualbox')
      .meta({
        description:
          'Vagrant provider that runs the VMs: virtualbox, or libvirt (with the vagrant-libvirt plugin).',
        examples: ['virtualbox'],
      }),
    box: text(
      'Vagrant box of every VM (Ubuntu 24.04 in the seed); it must exist for the provider.',
      'nobreak-labs/ubuntu-noble',
    )
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/, {
        message: 'must be a Vagrant box name such as "nobreak-labs/ubuntu-noble"',
      })
      .default('nobreak-labs/ubuntu-noble'),
    namePrefix: dnsLabel(
      'Prefix of the VM and node names: <prefix>-control1.., <prefix>-node1..',
      'kube',
      40,
    ).default('kube'),
    network: text(
      'Host-only network of the VMs, in CIDR form; the host has its first address, MetalLB and NFS use it too.',
      '192.168.56.0/24',
    )
      .regex(CIDR_PATTERN, { message: 'must be an IPv4 network in CIDR form such as "192.168.56.0/24"' })
      .default('192.168.56.0/24'),
    aptMirror: text(
      'Ubuntu mirror the VMs use instead of the box\'s, as the seed did (an amd64 URL; arm64 VMs add "-ports"); null keeps the box\'s.',
      'http://ftp.kaist.ac.kr/ubuntu',
    )
      .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~/-]*)?$/, {
        message: 'must be an http(s) URL such as "http://ftp.kaist.ac.kr/ubuntu"',
      })
      .nullable()
      .default(null),
    controlPlane: vmRole(
      'control-plane',
      { count: 1, cpus: 2, memoryMiB: 3072, firstAddress: '192.168.56.11' },
      { minCount: 0, maxCount: 7 },
    ).meta({
      description: 'Control-plane VMs (Kubespray groups kube_control_plane and etcd).',
    }),
    workers: vmRole(
      'worker',
      { count: 3, cpus: 2, memoryMiB: 2560, firstAddress: '192.168.56.21' },
      { minCount: 1, maxCount: 50 },
    ).meta({ description: 'Worker VMs (Kubespray group kube_node).' }),
    kubernetes: clusterKubernetes,
    addons: clusterAddons,
    nfs: clusterNfs,
  })
  .prefault({})
  .meta({
    description:
      'The VMs and Kubernetes cluster `quire cluster init` generates (Vagrant + Kubespray, SPEC S1); not part of the chart.',
  })
  .superRefine((value, ctx) => {
    for (const problem of clusterProblems(value)) {
      ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
    }
  });

/**
 * Whether the web pods share one media claim: `auto` shares exactly when Quire installs the NFS
 * provisioner, whose class gives ReadWriteMany; without it there may be no class that does.
 */
export function sharesMedia(config: {
  readonly web: { readonly media: { readonly persistence: 'auto' | 'shared' | 'pod' } };
  readonly storage: { readonly nfs: { readonly enabled: boolean } };
}): boolean {
  const { persistence } = config.web.media;
  return persistence === 'shared' || (persistence === 'auto' && config.storage.nfs.enabled);
}

export const configSchema = z
  .strictObject({
    name: dnsLabel('Name prefix of every object (the Helm release name in the chart).', 'quire', 30).default(
      'quire',
    ),
    namespace: dnsLabel(
      'Namespace everything is installed in (the Helm release namespace in the chart).',
      'quire',
    ).default('quire'),
    workload: z
      .enum(['quire', 'wordpress'])
      .default('quire')
      .meta({
        description: "What the web tier runs: quire (the Quire app) or wordpress (the seed's workload).",
        examples: ['quire'],
      }),
    web,
    database,
    ingress,
    storage,
    monitoring,
    logging,
    cluster,
  })
  .meta({ description: 'Quire configuration.' })
  .superRefine((value, ctx) => {
    const { media, autoscaling, replicas } = value.web;
    if (!sharesMedia(value) || media.accessMode !== 'ReadWriteOnce') return;
    const [pods, field] = autoscaling.enabled
      ? [autoscaling.maxReplicas, 'web.autoscaling.maxReplicas']
      : [replicas, 'web.replicas'];
    if (pods <= 1) return;
    ctx.addIssue({
      code: 'custom',
      path: ['web', 'media', 'accessMode'],
      message: `ReadWriteOnce lets one node mount the shared media volume, but ${field} allows ${pods} web pods and those on other nodes would not start; use ReadWriteMany (the NFS class of storage.nfs gives it), run one web pod, or set web.media.persistence to pod`,
    });
  });

/** A validated configuration with every default applied. */
export type QuireConfig = z.output<typeof configSchema>;
/** The `cluster:` block, with every default applied. */
export type ClusterConfig = QuireConfig['cluster'];
/** A configuration as written by a user: every field optional. */
export type QuireConfigInput = z.input<typeof configSchema>;

/** The configuration with every value at its default. */
export function defaultConfig(): QuireConfig {
  return configSchema.parse({});
}
