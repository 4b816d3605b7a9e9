/**
 * The seed's stack, WordPress on the replicated MariaDB, deployed by `quire deploy` on the real
 * single-node cluster (test/e2e/cluster) and proven part by part by the shared stack suite; then
 * the same stack from `helm install`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { run, tool } from '../support/go-tools.js';
import { kubectl } from './cluster/cluster.js';
import { stackSuite } from './support/stack-suite.js';
import { e2eConfig, eventually, MINUTE } from './support/stack.js';

const HOST = 'cccr-miniproject.com';
const stack = stackSuite(
  { namespace: 'e2e-wordpress', host: HOST, workload: 'wordpress' },
  {
    async servesSite(s) {
      const page = await eventually('the WordPress installer', 3 * MINUTE, async () => {
        const response = await s.https('/wp-admin/install.php');
        return response.status === 200 ? response : undefined;
      });
      expect(page.body).toContain('WordPress');
      const installed = await s.https('/wp-admin/install.php?step=2', {
        method: 'POST',
        form: {
          weblog_title: 'Quire e2e',
          user_name: 'admin',
          admin_password: 'e2e-Admin-Password-1',
          admin_password2: 'e2e-Admin-Password-1',
          pw_weak: '1',
          admin_email: 'admin@example.com',
          blog_public: '0',
        },
      });
      expect(installed.status).toBe(200);
      const home = await eventually('the WordPress home page', MINUTE, async () => {
        const response = await s.https('/');
        return response.status === 200 && response.body.includes('Quire e2e') ? response : undefined;
      });
      expect(home.body).toContain('Quire e2e');
      // WordPress keeps its tables on the primary, through the app user.
      expect(
        await s.sql(
          'quire-mariadb-0',
          "SELECT option_value FROM quire.wp_options WHERE option_name = 'blogname'",
        ),
      ).toContain('Quire e2e');
    },
    tcpProbe: (host, port) => ['bash', '-c', `exec 3<>/dev/tcp/${host}/${String(port)}`],
    loadPath: '/',
  },
);

describe('the same stack from helm install', { timeout: 20 * MINUTE }, () => {
  const namespace = 'e2e-helm';
  afterAll(async () => {
    await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false']).catch(
      () => undefined,
    );
  });

  it('installs, comes up and serves WordPress over HTTPS', async () => {
    const chartOut = join(stack().work, 'chart');
    expect((await runCli(['chart', '--out', chartOut])).code).toBe(0);
    const values = join(stack().work, 'values.yaml');
    // The release gives name and namespace; no Prometheus operator here, so no monitors (Helm would refuse them).
    const chartValues: Record<string, unknown> = {
      ...e2eConfig(stack().cluster, { namespace, host: `helm.${HOST}`, workload: 'wordpress' }),
      monitoring: { enabled: false },
    };
    delete chartValues.name;
    delete chartValues.namespace;
    writeFileSync(values, stringify(chartValues));
    const install = run(tool('helm'), [
      'install',
      'quire',
      join(chartOut, 'quire'),
      '--kubeconfig',
      stack().cluster.kubeconfig,
      '--namespace',
      namespace,
      '--create-namespace',
      '-f',
      values,
      '--wait',
      '--wait-for-jobs',
      '--timeout',
      '15m',
    ]);
    expect(install.stderr).toBe('');
    expect(install.status).toBe(0);
    expect(install.stdout).toContain('https://helm.cccr-miniproject.com/');
    const tls = JSON.parse(await kubectl(['-n', namespace, 'get', 'secret', 'quire-tls', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    const ca = Buffer.from(tls.data['tls.crt'] ?? '', 'base64').toString('utf8');
    const page = await eventually('WordPress from the chart', 3 * MINUTE, async () => {
      const response = await stack().https('/wp-admin/install.php', { host: `helm.${HOST}`, ca });
      return response.status === 200 ? response : undefined;
    });
    expect(page.body).toContain('WordPress');
    expect(await kubectl(['-n', namespace, 'logs', 'quire-mariadb-1', '-c', 'clone'])).toContain(
      'clone prepared',
    );
  });
});
