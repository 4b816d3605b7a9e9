import { describe, expect, it } from 'vitest';
import { at, findObject, synthObjects } from '../../support/manifests.js';

describe('Monitoring', () => {
  const objects = synthObjects();

  it("selects the exporters and the app for kube-prometheus-stack's release", () => {
    const podMonitor = findObject(objects, 'PodMonitor', 'quire-mariadb');
    expect(at(podMonitor, 'metadata', 'labels', 'release')).toBe('prom');
    expect(at(podMonitor, 'spec', 'podMetricsEndpoints', 0, 'port')).toBe('metrics');
    const serviceMonitor = findObject(objects, 'ServiceMonitor', 'quire-web');
    expect(at(serviceMonitor, 'spec', 'endpoints', 0, 'path')).toBe('/metrics');
    const wp = synthObjects({ workload: 'wordpress' });
    expect(wp.some((object) => object.kind === 'ServiceMonitor')).toBe(false);
  });

  it('alerts on lag, stopped replication, a down primary, writes without a replica copy, 5xx and OOMKilled pods', () => {
    const rules = findObject(objects, 'PrometheusRule', 'quire');
    const alerts = (at(rules, 'spec', 'groups') as { rules: { alert: string; expr: string }[] }[]).flatMap(
      (g) => g.rules,
    );
    expect(alerts.map((rule) => rule.alert)).toEqual([
      'QuireReplicaLagging',
      'QuireReplicationStopped',
      'QuirePrimaryDown',
      'QuireWritesNotOnAReplica',
      'QuireReplicationAsync',
      'QuireWebErrors',
      'QuirePodOOMKilled',
    ]);
    expect(alerts[0]?.expr).toContain('> 30');
    expect(alerts[2]?.expr).toContain('pod="quire-mariadb-0"');
    expect(alerts[3]?.expr).toContain('mysql_global_status_rpl_semi_sync_master_clients');
    expect(alerts[3]?.expr).toContain('mysql_global_variables_read_only');
    expect(alerts[6]?.expr).toContain('reason="OOMKilled"');
  });

  it("ships dashboards for Grafana's sidecar: web CPU, memory and requests per pod; DB QPS, lag, connections", () => {
    const web = findObject(objects, 'ConfigMap', 'quire-dashboard-quire-web');
    expect(at(web, 'metadata', 'labels', 'grafana_dashboard')).toBe('1');
    const dashboard = JSON.parse((web.data as Record<string, string>)['quire-web.json'] ?? '') as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.panels.map((panel) => panel.title)).toContain('CPU per pod (cores)');
    expect(dashboard.panels.map((panel) => panel.title)).toContain('Memory per pod');
    expect(dashboard.panels[0]?.targets[0]?.expr).toContain('pod=~"quire-web-.*"');
    const db = JSON.parse(
      (findObject(objects, 'ConfigMap', 'quire-dashboard-quire-database').data as Record<string, string>)[
        'quire-database.json'
      ] ?? '',
    ) as { panels: { title: string }[] };
    expect(db.panels.map((panel) => panel.title)).toEqual([
      'Queries per second',
      'Replication lag',
      'Connections',
      'Replication threads running',
    ]);
  });

  it('is absent when monitoring is off', () => {
    const off = synthObjects({ monitoring: { enabled: false } });
    expect(
      off.some((object) => ['PodMonitor', 'ServiceMonitor', 'PrometheusRule'].includes(object.kind)),
    ).toBe(false);
  });
});
