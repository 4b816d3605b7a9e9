/**
 * Every alert rule of the PrometheusRule Quire emits, evaluated by Prometheus's own rule engine
 * (`promtool test rules`, built from the Go module proxy): each fires on the series its fault
 * produces, with its labels, and none fires on a healthy stack. A typo in an expression, a metric
 * name or a label matcher fails here instead of during an outage.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { at, findObject, synthObjects } from '../../support/manifests.js';
import { run, tool } from '../../support/go-tools.js';

interface Rule {
  readonly alert: string;
  readonly labels: { readonly severity: string };
  readonly annotations: Readonly<Record<string, string>>;
}

/** One series: its labels (the metric name under __name__) and promtool's value notation. */
type Series = readonly [Readonly<Record<string, string>>, string];

interface Fault {
  readonly alert: string;
  /** The series of the healthy stack that the fault replaces or adds to. */
  readonly series: readonly Series[];
  /** When to evaluate (past the rule's `for`). */
  readonly at: string;
  /** The labels of the one alert expected, besides alertname and severity. */
  readonly labels: Readonly<Record<string, string>>;
  /** What `{{ $value }}` renders to in its text, for the alerts that show it. */
  readonly value?: string;
}

const ns = { namespace: 'quire' };
const primary = { ...ns, pod: 'quire-mariadb-0' };
const replica = { ...ns, pod: 'quire-mariadb-1' };
const metric = (name: string, labels: Readonly<Record<string, string>>): Record<string, string> => ({
  __name__: name,
  ...labels,
});

/** What the exporters, the ingress controller and kube-state-metrics show of a healthy stack. */
const healthy: readonly Series[] = [
  [metric('mysql_up', primary), '1x40'],
  [metric('mysql_up', replica), '1x40'],
  [metric('mysql_slave_status_seconds_behind_master', replica), '0x40'],
  [metric('mysql_slave_status_slave_sql_running', replica), '1x40'],
  [metric('mysql_slave_status_slave_io_running', replica), '1x40'],
  [metric('mysql_global_variables_read_only', primary), '0x40'],
  [metric('mysql_global_variables_read_only', replica), '1x40'],
  [metric('mysql_global_variables_rpl_semi_sync_master_enabled', primary), '1x40'],
  [metric('mysql_global_variables_rpl_semi_sync_master_enabled', replica), '0x40'],
  [metric('mysql_global_status_rpl_semi_sync_master_status', primary), '1x40'],
  [metric('mysql_global_status_rpl_semi_sync_master_clients', primary), '1x40'],
  [metric('mysql_global_status_rpl_semi_sync_master_status', replica), '0x40'],
  [metric('mysql_global_status_rpl_semi_sync_master_clients', replica), '0x40'],
  [
    metric('nginx_ingress_controller_requests', {
      exported_namespace: 'quire',
      ingress: 'quire',
      status: '200',
    }),
    '0+100x40',
  ],
  [
    metric('nginx_ingress_controller_requests', {
      exported_namespace: 'quire',
      ingress: 'quire',
      status: '500',
    }),
    '0+1x40',
  ],
  [
    metric('kube_pod_container_status_restarts_total', { ...ns, pod: 'quire-web-1', container: 'web' }),
    '0x40',
  ],
];

const oomKilled = { ...ns, pod: 'quire-web-1', container: 'web', reason: 'OOMKilled' };

const faults: readonly Fault[] = [
  {
    alert: 'QuireReplicaLagging',
    series: [[metric('mysql_slave_status_seconds_behind_master', replica), '0 0 60x40']],
    at: '10m',
    labels: metric('mysql_slave_status_seconds_behind_master', replica),
    value: '60',
  },
  {
    alert: 'QuireReplicationStopped',
    series: [[metric('mysql_slave_status_slave_sql_running', replica), '0x40']],
    at: '10m',
    labels: metric('mysql_slave_status_slave_sql_running', replica),
  },
  {
    alert: 'QuirePrimaryDown',
    series: [[metric('mysql_up', primary), '0x40']],
    at: '10m',
    labels: metric('mysql_up', primary),
  },
  {
    // The only replica disconnected: MariaDB commits alone and keeps the status ON.
    alert: 'QuireWritesNotOnAReplica',
    series: [[metric('mysql_global_status_rpl_semi_sync_master_clients', primary), '0x40']],
    at: '10m',
    labels: metric('mysql_global_variables_rpl_semi_sync_master_enabled', primary),
  },
  {
    alert: 'QuireReplicationAsync',
    series: [[metric('mysql_global_variables_rpl_semi_sync_master_enabled', primary), '0x40']],
    at: '10m',
    labels: metric('mysql_global_variables_rpl_semi_sync_master_enabled', primary),
  },
  {
    alert: 'QuireWebErrors',
    series: [
      [
        metric('nginx_ingress_controller_requests', {
          exported_namespace: 'quire',
          ingress: 'quire',
          status: '500',
        }),
        '0+20x40',
      ],
    ],
    at: '20m',
    labels: {},
    // 20 of every 120 requests.
    value: '16.67%',
  },
  {
    alert: 'QuirePodOOMKilled',
    series: [
      [metric('kube_pod_container_status_last_terminated_reason', oomKilled), '1x40'],
      [
        metric('kube_pod_container_status_restarts_total', { ...ns, pod: 'quire-web-1', container: 'web' }),
        '0 1x40',
      ],
    ],
    at: '5m',
    labels: metric('kube_pod_container_status_last_terminated_reason', oomKilled),
  },
];

/** `series` over the healthy stack: a fault's series replace those with the same labels. */
function withFault(series: readonly Series[]): Series[] {
  const key = (labels: Readonly<Record<string, string>>): string =>
    JSON.stringify(Object.entries(labels).sort());
  const replaced = new Set(series.map(([labels]) => key(labels)));
  return [...healthy.filter(([labels]) => !replaced.has(key(labels))), ...series];
}

/**
 * A rule's text as Prometheus renders it for the fault: the pod and container from the alert's
 * labels, the value as the fault says. A label the series do not have would render `<no value>`.
 */
function rendered(annotations: Readonly<Record<string, string>>, fault: Fault): Record<string, string> {
  return Object.fromEntries(
    Object.entries(annotations).map(([name, text]) => [
      name,
      text
        .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, label: string) => fault.labels[label] ?? '<no value>')
        .replace(/\{\{ \$value( \| humanizePercentage)? \}\}/g, fault.value ?? '<no value>'),
    ]),
  );
}

/** promtool's series notation: `name{label="value",...}`. */
function seriesName(labels: Readonly<Record<string, string>>): string {
  const { __name__: name = '', ...rest } = labels;
  return `${name}{${Object.entries(rest)
    .map(([label, value]) => `${label}=${JSON.stringify(value)}`)
    .join(',')}}`;
}

describe('the alert rules, evaluated by promtool', () => {
  const rules = findObject(synthObjects(), 'PrometheusRule', 'quire');
  const groups = at(rules, 'spec', 'groups') as { name: string; rules: Rule[] }[];
  const alerts = groups.flatMap((group) => group.rules);
  const dir = mkdtempSync(join(tmpdir(), 'quire-rules-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const rulesFile = join(dir, 'rules.yaml');
  writeFileSync(rulesFile, stringify({ groups }));

  it('are valid rules', () => {
    const result = run(tool('promtool'), ['check', 'rules', rulesFile]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('has a fault for every alert, and every fault fires its alert alone; none fires on a healthy stack', () => {
    expect(faults.map((fault) => fault.alert).sort()).toEqual(alerts.map((rule) => rule.alert).sort());
    const severity = new Map(alerts.map((rule) => [rule.alert, rule.labels.severity]));
    const tests = [
      {
        name: 'healthy stack',
        interval: '1m',
        input_series: healthy.map(([labels, values]) => ({ series: seriesName(labels), values })),
        alert_rule_test: alerts.map((rule) => ({ eval_time: '20m', alertname: rule.alert, exp_alerts: [] })),
      },
      ...faults.map((fault) => ({
        name: fault.alert,
        interval: '1m',
        input_series: withFault(fault.series).map(([labels, values]) => ({
          series: seriesName(labels),
          values,
        })),
        alert_rule_test: alerts.map((rule) => ({
          eval_time: fault.at,
          alertname: rule.alert,
          exp_alerts:
            rule.alert === fault.alert
              ? [
                  {
                    exp_labels: {
                      ...Object.fromEntries(
                        Object.entries(fault.labels).filter(([label]) => label !== '__name__'),
                      ),
                      severity: severity.get(rule.alert),
                    },
                    exp_annotations: rendered(rule.annotations, fault),
                  },
                ]
              : [],
        })),
      })),
    ];
    const testFile = join(dir, 'tests.yaml');
    writeFileSync(testFile, stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests }));
    const result = run(tool('promtool'), ['test', 'rules', testFile]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    process.stdout.write(
      `promtool test rules: ${faults.map((fault) => fault.alert).join(', ')} fire on their fault\n`,
    );
  });
});
