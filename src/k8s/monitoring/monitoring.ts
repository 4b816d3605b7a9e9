/**
 * Monitoring objects for kube-prometheus-stack (SPEC S11): a PodMonitor for the DB exporters, a
 * ServiceMonitor for the Quire app, the alert rules, and the dashboards as ConfigMaps that
 * Grafana's sidecar loads (label grafana_dashboard=1).
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { QuireConfig } from '../../config/schema.js';
import { quireNames, selectorLabels } from '../names.js';
import { namespacedMeta } from '../object-meta.js';
import { quireDashboards } from './dashboards.js';
import { quireAlertRules } from './rules.js';

export interface MonitoringProps {
  readonly config: QuireConfig;
}

export class Monitoring extends Construct {
  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config } = props;
    const names = quireNames(config);
    // kube-prometheus-stack selects monitors and rules by its release label.
    const release = { release: config.monitoring.prometheusRelease };
    const meta = (name: string, component: 'database' | 'web' | 'monitoring') => {
      const base = namespacedMeta(config, name, component);
      return { ...base, labels: { ...base.labels, ...release } };
    };

    new ApiObject(this, 'database-monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: meta(names.db, 'database'),
      spec: {
        selector: { matchLabels: selectorLabels(config, 'database') },
        podMetricsEndpoints: [{ port: 'metrics', interval: '30s' }],
      },
    });

    if (config.workload === 'quire') {
      new ApiObject(this, 'web-monitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: meta(names.web, 'web'),
        spec: {
          selector: { matchLabels: selectorLabels(config, 'web') },
          endpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
        },
      });
    }

    new ApiObject(this, 'rules', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: meta(config.name, 'monitoring'),
      spec: { groups: quireAlertRules(config) },
    });

    for (const [file, json] of Object.entries(quireDashboards(config))) {
      const base = namespacedMeta(
        config,
        `${config.name}-dashboard-${file.replace(/\.json$/, '')}`,
        'monitoring',
      );
      new k8s.KubeConfigMap(this, file, {
        metadata: { ...base, labels: { ...base.labels, grafana_dashboard: '1' } },
        data: { [file]: json },
      });
    }
  }
}
