/**
 * Central logging (SPEC S14): a Fluent Bit DaemonSet that tails every container log on each node,
 * adds Kubernetes metadata, and ships to Loki (default) or Elasticsearch (the seed's EFG).
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { QuireConfig } from '../config/schema.js';
import { ClusterIdentity } from './cluster-identity.js';
import { quireNames, selectorLabels } from './names.js';
import { namespacedMeta } from './object-meta.js';
import { containerSecurityContext, resourceRequirements } from './pod-security.js';

export interface LoggingProps {
  readonly config: QuireConfig;
}

const HTTP_PORT = 2020;

/** The Fluent Bit configuration (classic format): one tail input, the Kubernetes filter, one output. */
export function fluentBitConfig(config: QuireConfig): string {
  const logging = config.logging;
  const output =
    logging.output === 'loki'
      ? [
          '[OUTPUT]',
          '    Name        loki',
          '    Match       kube.*',
          `    Host        ${logging.lokiHost}`,
          `    Port        ${logging.lokiPort}`,
          '    Labels      job=fluent-bit',
          "    Label_keys  $kubernetes['namespace_name'],$kubernetes['pod_name'],$kubernetes['container_name']",
          '    Line_format json',
        ]
      : [
          '[OUTPUT]',
          '    Name               es',
          '    Match              kube.*',
          `    Host               ${logging.elasticsearchHost}`,
          `    Port               ${logging.elasticsearchPort}`,
          '    Logstash_Format    On',
          '    Logstash_Prefix    quire',
          '    Replace_Dots       On',
          '    Suppress_Type_Name On',
          '    Retry_Limit        False',
        ];
  return [
    '[SERVICE]',
    '    Flush         5',
    '    Log_Level     info',
    '    HTTP_Server   On',
    '    HTTP_Listen   0.0.0.0',
    `    HTTP_Port     ${HTTP_PORT}`,
    '    Health_Check  On',
    '',
    '[INPUT]',
    '    Name              tail',
    '    Path              /var/log/containers/*.log',
    '    multiline.parser  docker, cri',
    '    Tag               kube.*',
    '    DB                /var/lib/fluent-bit/tail.db',
    '    Mem_Buf_Limit     16MB',
    '    Skip_Long_Lines   On',
    '',
    '[FILTER]',
    '    Name                kubernetes',
    '    Match               kube.*',
    '    Merge_Log           On',
    '    Keep_Log            Off',
    '    K8S-Logging.Parser  On',
    '    K8S-Logging.Exclude On',
    '',
    ...output,
    '',
  ].join('\n');
}

export class Logging extends Construct {
  constructor(scope: Construct, id: string, props: LoggingProps) {
    super(scope, id);
    const { config } = props;
    const names = quireNames(config);
    const labels = selectorLabels(config, 'logging');

    new ClusterIdentity(this, 'identity', {
      config,
      component: 'logging',
      serviceAccount: names.logging,
      roleSuffix: 'fluent-bit',
      // The Kubernetes filter reads pod labels and annotations; nothing else.
      rules: [{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeConfigMap(this, 'config', {
      metadata: namespacedMeta(config, names.logging, 'logging'),
      data: { 'fluent-bit.conf': fluentBitConfig(config) },
    });

    const http = k8s.IntOrString.fromString('http');
    new k8s.KubeDaemonSet(this, 'daemonset', {
      metadata: namespacedMeta(config, names.logging, 'logging'),
      spec: {
        selector: { matchLabels: labels },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels: { ...labels, 'app.kubernetes.io/part-of': 'quire' } },
          spec: {
            serviceAccountName: names.logging,
            // Container logs on the node belong to root (mode 0640): reading them needs uid 0, but no capability.
            securityContext: {
              runAsNonRoot: false,
              runAsUser: 0,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            // Every node's logs, control plane included.
            tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
            containers: [
              {
                name: 'fluent-bit',
                image: config.logging.image,
                args: ['--config=/fluent-bit/etc/fluent-bit.conf'],
                ports: [{ name: 'http', containerPort: HTTP_PORT }],
                resources: resourceRequirements({
                  requests: { cpu: '20m', memory: '32Mi' },
                  limits: { cpu: '200m', memory: '128Mi' },
                }),
                securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
                livenessProbe: { httpGet: { path: '/', port: http }, periodSeconds: 20 },
                readinessProbe: { httpGet: { path: '/api/v1/health', port: http }, periodSeconds: 10 },
                volumeMounts: [
                  { name: 'config', mountPath: '/fluent-bit/etc', readOnly: true },
                  { name: 'varlog', mountPath: '/var/log', readOnly: true },
                  { name: 'state', mountPath: '/var/lib/fluent-bit' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: names.logging } },
              { name: 'varlog', hostPath: { path: '/var/log', type: 'Directory' } },
              // Read positions survive restarts, so no line is shipped twice or lost.
              {
                name: 'state',
                hostPath: {
                  path: `/var/lib/fluent-bit/${config.namespace}-${config.name}`,
                  type: 'DirectoryOrCreate',
                },
              },
            ],
          },
        },
      },
    });
  }
}
