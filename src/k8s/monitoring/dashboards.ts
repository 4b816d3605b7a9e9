/**
 * Grafana dashboards as code (SPEC S11): the web tier's CPU, memory and requests per pod (the
 * seed's dashboard), and the database's queries per second, replication lag and connections.
 * Every query is scoped to this installation's namespace and pods.
 */
import { DashboardBuilder, DatasourceVariableBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import type { QuireConfig } from '../../config/schema.js';
import { quireNames } from '../names.js';

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

function panel(title: string, unit: string, expr: string, legend = '{{pod}}'): PanelBuilder {
  return new PanelBuilder()
    .title(title)
    .unit(unit)
    .min(0)
    .height(8)
    .span(12)
    .datasource(DATASOURCE)
    .withTarget(new DataqueryBuilder().expr(expr).legendFormat(legend));
}

// The classic dashboard model: the one Grafana's sidecar provisioning loads (v2 needs Grafana 12
// with a feature flag), hence the builder the SDK marks deprecated.
/* eslint-disable @typescript-eslint/no-deprecated */
function dashboard(title: string, tags: string[]): DashboardBuilder {
  return new DashboardBuilder(title)
    .tags(['quire', ...tags])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .withVariable(new DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'));
}
/* eslint-enable @typescript-eslint/no-deprecated */

/** Dashboard JSON by file name. */
export function quireDashboards(config: QuireConfig): Record<string, string> {
  const names = quireNames(config);
  const ns = `namespace="${config.namespace}"`;
  const webPods = `${ns}, pod=~"${names.web}-.*", container="web"`;
  const dbPods = `${ns}, pod=~"${names.db}-[0-9]+"`;

  const web = dashboard(`Quire ${config.name}: web tier`, ['web'])
    .withPanel(
      panel(
        'CPU per pod (cores)',
        'short',
        `sum by (pod) (rate(container_cpu_usage_seconds_total{${webPods}}[5m]))`,
      ),
    )
    .withPanel(
      panel('Memory per pod', 'bytes', `sum by (pod) (container_memory_working_set_bytes{${webPods}})`),
    )
    .withPanel(
      panel(
        'Requests per second by status',
        'reqps',
        `sum by (status) (rate(nginx_ingress_controller_requests{exported_namespace="${config.namespace}", ingress="${names.ingress}"}[5m]))`,
        '{{status}}',
      ),
    )
    .withPanel(
      panel(
        'CPU use against the autoscaler target (%)',
        'percent',
        `100 * sum(rate(container_cpu_usage_seconds_total{${webPods}}[5m])) / sum(kube_pod_container_resource_requests{${webPods}, resource="cpu"})`,
        'average',
      ),
    );

  const database = dashboard(`Quire ${config.name}: database`, ['database'])
    .withPanel(
      panel('Queries per second', 'qps', `sum by (pod) (rate(mysql_global_status_queries{${dbPods}}[5m]))`),
    )
    .withPanel(panel('Replication lag', 's', `mysql_slave_status_seconds_behind_master{${dbPods}}`))
    .withPanel(panel('Connections', 'short', `mysql_global_status_threads_connected{${dbPods}}`))
    .withPanel(
      panel('Replication threads running', 'short', `mysql_slave_status_slave_sql_running{${dbPods}}`),
    );

  return {
    'quire-web.json': JSON.stringify(web.build(), null, 2),
    'quire-database.json': JSON.stringify(database.build(), null, 2),
  };
}
