/**
 * Alerts for kube-prometheus-stack (SPEC S11): replica lagging or stopped, primary down, web 5xx
 * rate, and OOMKilled pods (the seed lost a day to those, SPEC S12).
 */
import type { QuireConfig } from '../../config/schema.js';
import { quireNames } from '../names.js';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'warning' | 'critical' };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export function quireAlertRules(config: QuireConfig): { name: string; rules: AlertRule[] }[] {
  const names = quireNames(config);
  const ns = `namespace="${config.namespace}"`;
  const dbPods = `${ns}, pod=~"${names.db}-[0-9]+"`;
  const lag = config.database.maxReplicationLagSeconds;
  return [
    {
      name: `${config.name}.database`,
      rules: [
        {
          alert: 'QuireReplicaLagging',
          expr: `mysql_slave_status_seconds_behind_master{${dbPods}} > ${lag}`,
          for: '2m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'A MariaDB replica is behind the primary',
            description: `{{ $labels.pod }} is {{ $value }}s behind the primary (bound: ${lag}s); the web app reads from the primary meanwhile.`,
          },
        },
        {
          alert: 'QuireReplicationStopped',
          expr: `mysql_slave_status_slave_sql_running{${dbPods}} == 0 or mysql_slave_status_slave_io_running{${dbPods}} == 0`,
          for: '1m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'Replication stopped on a MariaDB replica',
            description:
              '{{ $labels.pod }} is not replicating; `SHOW SLAVE STATUS` on it gives the error, `quire doctor` explains it.',
          },
        },
        {
          alert: 'QuirePrimaryDown',
          expr: `(mysql_up{${ns}, pod="${names.db}-0"} == 0) or absent(mysql_up{${ns}, pod="${names.db}-0"})`,
          for: '1m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'The MariaDB primary is down',
            description: `${names.db}-0 does not answer; writes fail until it is back.`,
          },
        },
      ],
    },
    {
      name: `${config.name}.web`,
      rules: [
        {
          alert: 'QuireWebErrors',
          expr: `sum(rate(nginx_ingress_controller_requests{exported_namespace="${config.namespace}", ingress="${names.ingress}", status=~"5.."}[5m])) / sum(rate(nginx_ingress_controller_requests{exported_namespace="${config.namespace}", ingress="${names.ingress}"}[5m])) > 0.05`,
          for: '5m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'More than 5% of requests fail with 5xx',
            description:
              '{{ $value | humanizePercentage }} of requests to the site failed over the last 5 minutes.',
          },
        },
        {
          alert: 'QuirePodOOMKilled',
          expr: `(kube_pod_container_status_last_terminated_reason{${ns}, reason="OOMKilled"} == 1) and on (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${ns}}[15m]) > 0)`,
          for: '0m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'A container was OOMKilled',
            description:
              '{{ $labels.pod }}/{{ $labels.container }} ran out of memory; check its limit and any LimitRange in the namespace (`quire doctor`).',
          },
        },
      ],
    },
  ];
}
