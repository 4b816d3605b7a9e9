/**
 * Alerts for kube-prometheus-stack (SPEC S11): replica lagging or stopped, primary down, writes
 * acknowledged without a replica (semi-sync fell back, or replication is async), web 5xx rate, and
 * OOMKilled pods (the seed lost a day to those, SPEC S12).
 */
import type { QuireConfig } from '../../config/schema.js';
import { quireNames } from '../names.js';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'info' | 'warning' | 'critical' };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export function quireAlertRules(config: QuireConfig): { name: string; rules: AlertRule[] }[] {
  const names = quireNames(config);
  const ns = `namespace="${config.namespace}"`;
  const dbPods = `${ns}, pod=~"${names.db}-[0-9]+"`;
  const lag = config.database.maxReplicationLagSeconds;
  // The writable server, whichever pod it is (mysqld-exporter reports ON/OFF variables as 1/0).
  const writable = (metric: string): string =>
    `(${metric}) and on (namespace, pod) (mysql_global_variables_read_only{${dbPods}} == 0)`;
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
        {
          alert: 'QuireWritesNotOnAReplica',
          // With no replica connected MariaDB commits without waiting but keeps the status ON.
          expr: writable(
            `mysql_global_variables_rpl_semi_sync_master_enabled{${dbPods}} == 1 and on (namespace, pod) (mysql_global_status_rpl_semi_sync_master_status{${dbPods}} == 0 or mysql_global_status_rpl_semi_sync_master_clients{${dbPods}} == 0)`,
          ),
          for: '1m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'The primary acknowledges writes that no replica has',
            description:
              '{{ $labels.pod }} fell back from semi-sync to async (no replica connected, or none acked within database.durability.ackTimeoutMs): losing it now loses the writes it acknowledged since. Bring a replica back (`quire doctor` names it; docs/errors.md, WRITES_NOT_ON_A_REPLICA).',
          },
        },
        {
          alert: 'QuireReplicationAsync',
          expr: writable(`mysql_global_variables_rpl_semi_sync_master_enabled{${dbPods}} == 0`),
          for: '5m',
          labels: { severity: 'info' },
          annotations: {
            summary: 'Replication is asynchronous',
            description:
              '{{ $labels.pod }} acknowledges writes before a replica has them (database.durability.replication: async): a lost primary may take its last writes with it (docs/errors.md, WRITES_ASYNC).',
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
