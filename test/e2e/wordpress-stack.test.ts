/**
 * The seed's stack, WordPress on the replicated MariaDB, deployed by `quire deploy` on the real
 * single-node cluster (test/e2e/cluster) and proven part by part: pods, clone and GTID
 * replication, the bootstrap Job, HTTPS through the Ingress, recovery of deleted pods and volumes,
 * autoscaling under load, NetworkPolicies, no leaked secret, status, destroy; then the same stack
 * from `helm install`.
 */
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuireConfigInput } from '../../src/config/schema.js';
import { runCli, type CliResult } from '../support/cli.js';
import { run, tool } from '../support/go-tools.js';
import { ensureCluster, kubectl, type Cluster } from './cluster/cluster.js';

const NAMESPACE = 'e2e-wordpress';
const HOST = 'cccr-miniproject.com';
const MINUTE = 60_000;

const work = mkdtempSync(join(tmpdir(), 'quire-e2e-'));
const configFile = join(work, 'quire.yaml');
const stateDir = join(work, 'state');
let cluster: Cluster;
const deployOutput: string[] = [];

function e2eConfig(cluster: Cluster, overrides: { namespace: string; host: string }): QuireConfigInput {
  return {
    name: 'quire',
    namespace: overrides.namespace,
    workload: 'wordpress',
    web: {
      images: { wordpress: 'quire.local/wordpress:6' },
      imagePullPolicy: 'Never',
      // Short windows so that a test sees the autoscaler go up and back down.
      autoscaling: {
        minReplicas: 2,
        maxReplicas: 4,
        targetCPUUtilizationPercentage: 50,
        scaleDownStabilizationSeconds: 20,
      },
    },
    database: {
      image: 'quire.local/mariadb:10.11',
      exporterImage: 'quire.local/mysqld-exporter:1',
      imagePullPolicy: 'Never',
    },
    ingress: {
      host: overrides.host,
      className: cluster.ingressClass,
      controllerNamespace: cluster.ingressNamespace,
    },
    // No Fluent Bit can be built from what this machine's registries serve (see the README).
    logging: { enabled: false },
  };
}

async function quire(args: string[]): Promise<CliResult> {
  const result = await runCli([...args, '--config', configFile, '--kubeconfig', cluster.kubeconfig]);
  deployOutput.push(result.stdout, result.stderr);
  return result;
}

const k = (args: string[]) => kubectl(['-n', NAMESPACE, ...args]);

/** SQL as root inside a DB pod, through the pod's own option file (no password on a command line). */
function sql(pod: string, statement: string): Promise<string> {
  return k([
    'exec',
    pod,
    '-c',
    'mariadb',
    '--',
    'mariadb',
    '--defaults-extra-file=/run/quire/root.cnf',
    '--socket=/run/quire/mysqld.sock',
    '--batch',
    '--skip-column-names',
    '-e',
    statement,
  ]);
}

async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen within ${timeoutMs / 1000}s${last ? `: ${last}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

function generatedSecrets(): string[] {
  const store = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as {
    passwords: Record<string, Record<string, Record<string, string>>>;
    certificates: Record<string, Record<string, { privateKey: string }>>;
  };
  return [
    ...Object.values(store.passwords[NAMESPACE] ?? {}).flatMap((secret) => Object.values(secret)),
    ...Object.values(store.certificates[NAMESPACE] ?? {}).map((pair) => pair.privateKey.split('\n')[1] ?? ''),
  ];
}

function certificate(): string {
  const store = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as {
    certificates: Record<string, Record<string, { certificate: string }>>;
  };
  return store.certificates[NAMESPACE]?.['quire-tls']?.certificate ?? '';
}

interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** HTTPS to the Ingress on loopback with SNI for `host`, trusting only the generated certificate. */
function https(
  path: string,
  options: { method?: string; form?: Record<string, string>; host?: string; ca?: string; agent?: Agent } = {},
): Promise<Response> {
  const host = options.host ?? HOST;
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: cluster.ingressHttpsPort,
        path,
        method: options.method ?? 'GET',
        servername: host,
        ca: options.ca ?? certificate(),
        agent: options.agent,
        headers: {
          Host: host,
          ...(body
            ? {
                'Content-Type': 'application/x-www-form-urlencoded',
                'Content-Length': Buffer.byteLength(body),
              }
            : {}),
        },
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

beforeAll(async () => {
  cluster = await ensureCluster();
  writeFileSync(configFile, stringify(e2eConfig(cluster, { namespace: NAMESPACE, host: HOST })));
  await kubectl(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=true', '--timeout=180s']);
}, 45 * MINUTE);

afterAll(async () => {
  await kubectl(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=false']).catch(
    () => undefined,
  );
});

describe('WordPress on the replicated MariaDB, deployed by quire deploy', { timeout: 15 * MINUTE }, () => {
  it('deploys every part and waits for it', async () => {
    const result = await quire(['deploy', '--state-dir', stateDir, '--timeout', '10m']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('deploying quire to namespace e2e-wordpress');
    // No Prometheus operator here: its objects are skipped with a warning, the exporters still run.
    expect(result.stdout).toContain('warning: skipped PodMonitor e2e-wordpress/quire-mariadb');
    const pods = JSON.parse(await k(['get', 'pods', '-o', 'json'])) as {
      items: {
        metadata: { name: string };
        status: { phase: string; conditions?: { type: string; status: string }[] };
      }[];
    };
    const running = pods.items.filter((pod) => pod.status.phase !== 'Succeeded');
    expect(running.length).toBeGreaterThanOrEqual(4);
    for (const pod of running) {
      expect(
        pod.status.conditions?.find((condition) => condition.type === 'Ready')?.status,
        pod.metadata.name,
      ).toBe('True');
    }
  });

  it('cloned the replica by a streamed backup and replicates by GTID', async () => {
    expect(await k(['logs', 'quire-mariadb-1', '-c', 'clone'])).toContain('clone prepared');
    expect((await sql('quire-mariadb-0', 'SELECT @@server_id, @@read_only')).trim()).toBe('100\t0');
    expect((await sql('quire-mariadb-1', 'SELECT @@server_id, @@read_only')).trim()).toBe('101\t1');
    await sql(
      'quire-mariadb-0',
      "CREATE DATABASE IF NOT EXISTS e2e; CREATE TABLE IF NOT EXISTS e2e.t (v VARCHAR(64)); INSERT INTO e2e.t VALUES ('written on the primary')",
    );
    const seen = await eventually('the row on the replica', MINUTE, async () => {
      const rows = await sql('quire-mariadb-1', 'SELECT v FROM e2e.t');
      return rows.includes('written on the primary') ? rows : undefined;
    });
    expect(seen).toContain('written on the primary');
    const status = await sql('quire-mariadb-1', 'SHOW SLAVE STATUS\\G');
    expect(status).toMatch(/Using_Gtid: Slave_Pos/);
  });

  it('ran the bootstrap Job, which made the app database and its user', async () => {
    const job = JSON.parse(await k(['get', 'job', 'quire-mariadb-bootstrap', '-o', 'json'])) as {
      status: { succeeded?: number };
    };
    expect(job.status.succeeded).toBe(1);
    expect(await sql('quire-mariadb-0', 'SHOW DATABASES')).toMatch(/^quire$/m);
    expect(await sql('quire-mariadb-0', "SHOW GRANTS FOR 'quire'@'%'")).toContain('ON `quire`.*');
  });

  it('deploys again without changes, and the bootstrap Job runs again', async () => {
    const result = await quire(['deploy', '--state-dir', stateDir]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('pruned');
    const job = JSON.parse(await k(['get', 'job', 'quire-mariadb-bootstrap', '-o', 'json'])) as {
      status: { succeeded?: number };
    };
    expect(job.status.succeeded).toBe(1);
    const diff = await quire(['diff', '--state-dir', stateDir]);
    expect(diff.stdout).not.toMatch(/^(create|prune) /m);
  });

  it('serves WordPress over HTTPS through the Ingress with the generated certificate, HTTP redirected', async () => {
    const page = await eventually('WordPress over HTTPS', 3 * MINUTE, async () => {
      const response = await https('/wp-admin/install.php');
      return response.status === 200 ? response : undefined;
    });
    expect(page.body).toContain('WordPress');
    const redirect = await new Promise<Response>((resolve, reject) => {
      httpRequest(
        { host: '127.0.0.1', port: cluster.ingressHttpPort, path: '/', headers: { Host: HOST } },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
        },
      )
        .on('error', reject)
        .end();
    });
    expect([301, 302, 307, 308]).toContain(redirect.status);
    expect(redirect.headers.location).toMatch(/^https:\/\/cccr-miniproject\.com/);

    const installed = await https('/wp-admin/install.php?step=2', {
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
      const response = await https('/');
      return response.status === 200 && response.body.includes('Quire e2e') ? response : undefined;
    });
    expect(home.body).toContain('Quire e2e');
    // WordPress keeps its tables on the primary, through the app user.
    expect(
      await sql(
        'quire-mariadb-0',
        "SELECT option_value FROM quire.wp_options WHERE option_name = 'blogname'",
      ),
    ).toContain('Quire e2e');
  });

  it('lets the web pods reach MariaDB and nobody else', async () => {
    await k([
      'run',
      'np-probe',
      `--image=${cluster.toolboxImage}`,
      '--image-pull-policy=Never',
      '--restart=Never',
      '--command',
      '--',
      'sleep',
      '600',
    ]);
    await k(['wait', '--for=condition=Ready', 'pod/np-probe', '--timeout=120s']);
    const outsider = run(cluster.kubectl, [
      '--kubeconfig',
      cluster.kubeconfig,
      '-n',
      NAMESPACE,
      'exec',
      'np-probe',
      '--',
      'nc',
      '-z',
      '-w',
      '3',
      'quire-mariadb-read',
      '3306',
    ]);
    expect(outsider.status).not.toBe(0);
    const web = run(cluster.kubectl, [
      '--kubeconfig',
      cluster.kubeconfig,
      '-n',
      NAMESPACE,
      'exec',
      'deploy/quire-web',
      '--',
      'bash',
      '-c',
      'exec 3<>/dev/tcp/quire-mariadb-read/3306',
    ]);
    expect(web.stderr).toBe('');
    expect(web.status).toBe(0);
    await k(['delete', 'pod', 'np-probe', '--wait=false']);
  });

  it('scales the web tier up under load and back down after it', async () => {
    const replicas = async () =>
      (
        JSON.parse(await k(['get', 'hpa', 'quire-web', '-o', 'json'])) as {
          status: { currentReplicas?: number; currentMetrics?: unknown[] };
        }
      ).status;
    await eventually('CPU metrics for the autoscaler', 3 * MINUTE, async () =>
      (await replicas()).currentMetrics?.length ? true : undefined,
    );
    expect((await replicas()).currentReplicas).toBe(2);
    // A bounded load: 16 concurrent clients for at most 4 minutes, stopped once the HPA has scaled.
    const agent = new Agent({ keepAlive: true, maxSockets: 16, ca: certificate() });
    let stop = false;
    const stopAt = Date.now() + 4 * MINUTE;
    const clients = Array.from({ length: 16 }, async () => {
      while (!stop && Date.now() < stopAt) await https('/', { agent }).catch(() => undefined);
    });
    const scaledUp = await eventually('a scale-up', 4 * MINUTE, async () => {
      const status = await replicas();
      return (status.currentReplicas ?? 0) > 2 ? status.currentReplicas : undefined;
    }).finally(() => {
      stop = true;
    });
    await Promise.all(clients);
    agent.destroy();
    expect(scaledUp).toBeGreaterThan(2);
    const scaledDown = await eventually('the scale-down', 6 * MINUTE, async () => {
      const status = await replicas();
      return status.currentReplicas === 2 ? status.currentReplicas : undefined;
    });
    expect(scaledDown).toBe(2);
  });

  it('brings a deleted primary back with its data', async () => {
    await k(['delete', 'pod', 'quire-mariadb-0', '--wait=true']);
    await eventually('the primary back', 5 * MINUTE, async () =>
      (await k(['get', 'pod', 'quire-mariadb-0', '-o', 'jsonpath={.status.containerStatuses[0].ready}'])) ===
      'true'
        ? true
        : undefined,
    );
    expect(await sql('quire-mariadb-0', 'SELECT v FROM e2e.t')).toContain('written on the primary');
    await eventually('replication resumed', 2 * MINUTE, async () => {
      const status = await sql('quire-mariadb-1', 'SHOW SLAVE STATUS\\G');
      return /Slave_IO_Running: Yes/.test(status) ? true : undefined;
    });
  });

  it('re-clones a replica whose pod and volume were deleted, and it catches up', async () => {
    const oldVolume = (
      await k(['get', 'pvc', 'data-quire-mariadb-1', '-o', 'jsonpath={.spec.volumeName}'])
    ).trim();
    await k(['delete', 'pvc', 'data-quire-mariadb-1', '--wait=false']);
    await k(['delete', 'pod', 'quire-mariadb-1', '--wait=true']);
    await eventually('a new volume for the replica', 3 * MINUTE, async () => {
      const volume = (
        await k(['get', 'pvc', 'data-quire-mariadb-1', '-o', 'jsonpath={.spec.volumeName}'])
      ).trim();
      return volume && volume !== oldVolume ? volume : undefined;
    });
    await eventually('the replica back', 5 * MINUTE, async () =>
      (await k(['get', 'pod', 'quire-mariadb-1', '-o', 'jsonpath={.status.containerStatuses[0].ready}'])) ===
      'true'
        ? true
        : undefined,
    );
    expect(await k(['logs', 'quire-mariadb-1', '-c', 'clone'])).toContain('clone prepared');
    await sql('quire-mariadb-0', "INSERT INTO e2e.t VALUES ('after the re-clone')");
    const rows = await eventually('the new row on the re-cloned replica', MINUTE, async () => {
      const text = await sql('quire-mariadb-1', 'SELECT v FROM e2e.t');
      return text.includes('after the re-clone') ? text : undefined;
    });
    expect(rows).toContain('written on the primary');
  });

  it('shows the stack in quire status', async () => {
    const result = await quire(['status', '--output', 'json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as {
      database: {
        pod: string;
        role: string;
        ready: boolean;
        replicating: boolean | null;
        readOnly: boolean | null;
        gtid: string | null;
      }[];
      web: { ready: boolean }[];
      ingress: { host: string } | null;
    };
    expect(status.database.map((pod) => [pod.pod, pod.role, pod.ready, pod.readOnly])).toEqual([
      ['quire-mariadb-0', 'primary', true, false],
      ['quire-mariadb-1', 'replica', true, true],
    ]);
    expect(status.database[1]?.replicating).toBe(true);
    expect(status.database[0]?.gtid).toMatch(/^0-100-\d+/);
    expect(status.ingress?.host).toBe(HOST);
    const table = await quire(['status']);
    expect(table.stdout).toMatch(/quire-mariadb-1\s+replica\s+ready/);
  });

  it('leaks no secret into ConfigMaps, pod env literals, events or the deploy output', async () => {
    const secrets = generatedSecrets();
    expect(secrets.length).toBeGreaterThanOrEqual(12);
    const places = {
      configmaps: await k(['get', 'configmaps', '-o', 'json']),
      pods: JSON.stringify(
        (
          JSON.parse(await k(['get', 'pods', '-o', 'json'])) as {
            items: { spec: { containers: { env?: { value?: string }[] }[] } }[];
          }
        ).items.flatMap((pod) =>
          pod.spec.containers.flatMap((container) =>
            (container.env ?? []).map((variable) => variable.value ?? ''),
          ),
        ),
      ),
      events: await k(['get', 'events', '-o', 'json']),
      deploy: deployOutput.join('\n'),
      logs: await k([
        'logs',
        '-l',
        'app.kubernetes.io/instance=quire',
        '--all-containers',
        '--prefix',
        '--tail=-1',
      ]),
    };
    for (const [place, text] of Object.entries(places)) {
      for (const secret of secrets) expect(text.includes(secret), `${place} holds a secret`).toBe(false);
    }
  });

  it('destroys the stack but keeps the data unless purged', async () => {
    const kept = await quire(['destroy']);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain('kept PersistentVolumeClaim e2e-wordpress/data-quire-mariadb-0');
    expect(kept.stdout).toContain('kept Secret e2e-wordpress/quire-mariadb-credentials');
    expect(await k(['get', 'statefulsets', '-o', 'name'])).toBe('');
    expect(await k(['get', 'pvc', '-o', 'name'])).toContain('data-quire-mariadb-0');
    const purged = await quire(['destroy', '--purge', '--yes']);
    expect(purged.code).toBe(0);
    expect(await k(['get', 'pvc,secrets', '-l', 'app.kubernetes.io/instance=quire', '-o', 'name'])).toBe('');
  });
});

describe('the same stack from helm install', { timeout: 20 * MINUTE }, () => {
  const namespace = 'e2e-helm';
  afterAll(async () => {
    await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false']).catch(
      () => undefined,
    );
  });

  it('installs, comes up and serves WordPress over HTTPS', async () => {
    const chartOut = join(work, 'chart');
    expect((await runCli(['chart', '--out', chartOut])).code).toBe(0);
    const values = join(work, 'values.yaml');
    // The release gives name and namespace; no Prometheus operator here, so no monitors (Helm would refuse them).
    const chartValues: Record<string, unknown> = {
      ...e2eConfig(cluster, { namespace, host: `helm.${HOST}` }),
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
      cluster.kubeconfig,
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
      const response = await https('/wp-admin/install.php', { host: `helm.${HOST}`, ca });
      return response.status === 200 ? response : undefined;
    });
    expect(page.body).toContain('WordPress');
    const replica = await kubectl(['-n', namespace, 'logs', 'quire-mariadb-1', '-c', 'clone']);
    expect(replica).toContain('clone prepared');
  });
});
