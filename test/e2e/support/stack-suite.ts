/**
 * The behaviours every web workload's stack must show on the real cluster (issue: real cluster,
 * points 1-5 and 7), as one suite that a workload's test file runs with what is its own: how its
 * site is proven over HTTPS, and how a web pod opens a TCP connection.
 */
import { Agent } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { DB_PORTS, selectorLabels } from '../../../src/k8s/names.js';
import { ensureCluster } from '../cluster/cluster.js';
import { run } from '../../support/go-tools.js';
import { E2eStack, eventually, MINUTE, type Workload } from './stack.js';

export interface WorkloadChecks {
  /** Prove the site works over HTTPS through the Ingress (install it first if it needs it). */
  readonly servesSite: (stack: E2eStack) => Promise<void>;
  /** A command run in a web pod that exits 0 when `host:port` accepts a TCP connection. */
  readonly tcpProbe: (host: string, port: number) => readonly string[];
  /** A path whose page costs CPU to render, for the autoscaling load. */
  readonly loadPath: string;
  /** More tests of this workload's file, run on the stack before the suite checks for leaked secrets and destroys it. */
  readonly moreTests?: (stack: () => E2eStack) => void;
}

interface PodList {
  items: {
    metadata: { name: string };
    status: { phase: string; conditions?: { type: string; status: string }[] };
  }[];
}

/**
 * Deploy a workload's stack in its own namespace (what an earlier run left there is deleted first)
 * and run the suite on it, with the workload's own tests (`moreTests`) before it is destroyed.
 */
export function stackSuite(
  where: { readonly namespace: string; readonly host: string; readonly workload: Workload },
  checks: WorkloadChecks,
): () => E2eStack {
  let current: E2eStack | undefined;
  beforeAll(async () => {
    current = new E2eStack(await ensureCluster(), where.namespace, where.host, where.workload);
    await current.reset();
  }, 45 * MINUTE);
  afterAll(async () => {
    await current?.dispose();
  });
  const stack = (): E2eStack => {
    if (current === undefined) throw new Error('the stack was not set up (see the beforeAll error)');
    return current;
  };
  describe('the stack deployed by quire deploy', { timeout: 15 * MINUTE }, () => {
    it('deploys every part and waits for it', async () => {
      const s = stack();
      const result = await s.quire(['deploy', '--state-dir', s.stateDir, '--timeout', '10m']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`deploying quire to namespace ${s.namespace}`);
      // No Prometheus operator here: its objects are skipped with a warning, the exporters still run.
      expect(result.stdout).toContain(`warning: skipped PodMonitor ${s.namespace}/quire-mariadb`);
      const pods = JSON.parse(await s.k(['get', 'pods', '-o', 'json'])) as PodList;
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
      const s = stack();
      expect(await s.k(['logs', 'quire-mariadb-1', '-c', 'clone'])).toContain('clone prepared');
      expect((await s.sql('quire-mariadb-0', 'SELECT @@server_id, @@read_only')).trim()).toBe('100\t0');
      expect((await s.sql('quire-mariadb-1', 'SELECT @@server_id, @@read_only')).trim()).toBe('101\t1');
      await s.sql(
        'quire-mariadb-0',
        "CREATE DATABASE IF NOT EXISTS e2e; CREATE TABLE IF NOT EXISTS e2e.t (v VARCHAR(64)); INSERT INTO e2e.t VALUES ('written on the primary')",
      );
      const seen = await eventually('the row on the replica', MINUTE, async () => {
        const rows = await s.sql('quire-mariadb-1', 'SELECT v FROM e2e.t');
        return rows.includes('written on the primary') ? rows : undefined;
      });
      expect(seen).toContain('written on the primary');
      expect(await s.replicaStatus('quire-mariadb-1')).toMatchObject({
        Using_Gtid: 'Slave_Pos',
        Slave_IO_Running: 'Yes',
        Slave_SQL_Running: 'Yes',
      });
    });

    it('ran the bootstrap Job, which made the app database and its user', async () => {
      const s = stack();
      const job = JSON.parse(await s.k(['get', 'job', 'quire-mariadb-bootstrap', '-o', 'json'])) as {
        status: { succeeded?: number };
      };
      expect(job.status.succeeded).toBe(1);
      expect(await s.sql('quire-mariadb-0', 'SHOW DATABASES')).toMatch(/^quire$/m);
      expect(await s.sql('quire-mariadb-0', "SHOW GRANTS FOR 'quire'@'%'")).toContain('ON `quire`.*');
    });

    it('deploys again without changes, and the bootstrap Job runs again', async () => {
      const s = stack();
      const result = await s.quire(['deploy', '--state-dir', s.stateDir]);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('pruned');
      const job = JSON.parse(await s.k(['get', 'job', 'quire-mariadb-bootstrap', '-o', 'json'])) as {
        status: { succeeded?: number };
      };
      expect(job.status.succeeded).toBe(1);
      // `quire diff` (src/cli/diff-command.ts) prints a table whose rows start with the action,
      // then `no changes` and exits 0 when nothing would be created, changed or pruned, else 3.
      // Only `skip` rows (the kinds of the absent Prometheus operator) may be left.
      const diff = await s.quire(['diff', '--state-dir', s.stateDir]);
      expect(diff.stdout).not.toMatch(/^(create|change|prune) /m);
      expect(diff.stdout).toContain('no changes');
      expect(diff.code, diff.stdout).toBe(0);
    });

    it('answers over HTTPS through the Ingress with the generated certificate, HTTP redirected', async () => {
      const s = stack();
      await eventually('the site over HTTPS', 3 * MINUTE, async () => {
        const response = await s.https('/');
        return response.status < 500 ? response : undefined;
      });
      const redirect = await s.http('/');
      expect([301, 302, 307, 308]).toContain(redirect.status);
      expect(redirect.headers.location).toMatch(new RegExp(`^https://${s.host.replaceAll('.', '\\.')}`));
      await checks.servesSite(s);
    });

    it('lets the web pods reach MariaDB and nobody else', async () => {
      const s = stack();
      // Two toolbox pods that differ only in their labels: `np-outsider` has none, so the DB pods'
      // NetworkPolicy admits it nowhere; `np-allowed` has the bootstrap Job's selector labels, which
      // that policy admits on the SQL port (src/k8s/network-policies.ts). The allowed one is the
      // positive control: the very same `nc` through the same DNS name and `kubectl exec` must
      // connect from it, so a broken nc, DNS or exec cannot make the outsider's failure pass.
      const allowedLabels = Object.entries(selectorLabels(configSchema.parse(s.config), 'database-bootstrap'))
        .map(([key, value]) => `${key}=${value}`)
        .join(',');
      const probe = (name: string, ...options: string[]) =>
        s.k([
          'run',
          name,
          `--image=${s.cluster.toolboxImage}`,
          '--image-pull-policy=Never',
          '--restart=Never',
          ...options,
          '--command',
          '--',
          'sleep',
          '600',
        ]);
      const exec = (target: string, command: readonly string[]) =>
        run(s.cluster.kubectl, [
          '--kubeconfig',
          s.cluster.kubeconfig,
          '-n',
          s.namespace,
          'exec',
          target,
          '--',
          ...command,
        ]);
      const nc = ['nc', '-z', '-w', '3', 'quire-mariadb-read', String(DB_PORTS.sql)];
      try {
        await Promise.all([probe('np-outsider'), probe('np-allowed', `--labels=${allowedLabels}`)]);
        await s.k(['wait', '--for=condition=Ready', 'pod/np-outsider', 'pod/np-allowed', '--timeout=120s']);
        // The enforcer learns a new pod's labels from the API server: the control may need a few tries.
        let control = exec('np-allowed', nc);
        for (const deadline = Date.now() + 30_000; control.status !== 0 && Date.now() < deadline;) {
          await new Promise((resolve) => setTimeout(resolve, 2000));
          control = exec('np-allowed', nc);
        }
        expect(control.stderr, 'the positive control (np-allowed) must connect').toBe('');
        expect(control.status, 'the positive control (np-allowed) must connect').toBe(0);
        const outsider = exec('np-outsider', nc);
        expect(outsider.status, 'np-outsider must not reach MariaDB').not.toBe(0);
        const web = exec('deploy/quire-web', checks.tcpProbe('quire-mariadb-read', DB_PORTS.sql));
        expect(web.stderr).toBe('');
        expect(web.status).toBe(0);
      } finally {
        await s.k([
          'delete',
          'pod',
          'np-outsider',
          'np-allowed',
          '--ignore-not-found',
          '--now',
          '--wait=false',
        ]);
      }
    });

    it('scales the web tier up under load and back down after it', async () => {
      const s = stack();
      const hpa = async () =>
        (
          JSON.parse(await s.k(['get', 'hpa', 'quire-web', '-o', 'json'])) as {
            status: { currentReplicas?: number; currentMetrics?: unknown[] };
          }
        ).status;
      await eventually('CPU metrics for the autoscaler', 3 * MINUTE, async () =>
        (await hpa()).currentMetrics?.length ? true : undefined,
      );
      expect((await hpa()).currentReplicas).toBe(2);
      // A bounded load: 16 concurrent clients for at most 4 minutes, stopped once the HPA has scaled.
      const agent = new Agent({ keepAlive: true, maxSockets: 16, ca: s.certificate() });
      let stop = false;
      const stopAt = Date.now() + 4 * MINUTE;
      const clients = Array.from({ length: 16 }, async () => {
        while (!stop && Date.now() < stopAt) await s.https(checks.loadPath, { agent }).catch(() => undefined);
      });
      const scaledUp = await eventually('a scale-up', 4 * MINUTE, async () => {
        const status = await hpa();
        return (status.currentReplicas ?? 0) > 2 ? status.currentReplicas : undefined;
      }).finally(() => {
        stop = true;
      });
      await Promise.all(clients);
      agent.destroy();
      expect(scaledUp).toBeGreaterThan(2);
      const scaledDown = await eventually('the scale-down', 6 * MINUTE, async () => {
        const status = await hpa();
        return status.currentReplicas === 2 ? status.currentReplicas : undefined;
      });
      expect(scaledDown).toBe(2);
    });

    it('fails a deleted primary over: the replica takes the writes, the old primary comes back as its replica', async () => {
      const s = stack();
      const recorded = async () =>
        (await s.k(['get', 'configmap', 'quire-mariadb-topology', '-o', 'jsonpath={.data.primary}'])).trim();
      const role = async (pod: string) =>
        (await s.k(['get', 'pod', pod, '-o', 'jsonpath={.metadata.labels.quire\\.dev/role}'])).trim();
      expect(await recorded()).toBe('quire-mariadb-0');
      expect(await role('quire-mariadb-0')).toBe('primary');
      await s.sql('quire-mariadb-0', "INSERT INTO e2e.t VALUES ('acknowledged before the failover')");
      await s.k(['delete', 'pod', 'quire-mariadb-0', '--wait=false']);
      await eventually('the failover to quire-mariadb-1', 2 * MINUTE, async () =>
        (await recorded()) === 'quire-mariadb-1' && (await role('quire-mariadb-1')) === 'primary'
          ? true
          : undefined,
      );
      expect((await s.sql('quire-mariadb-1', 'SELECT @@read_only')).trim()).toBe('0');
      expect(await s.sql('quire-mariadb-1', 'SELECT v FROM e2e.t')).toContain(
        'acknowledged before the failover',
      );
      await s.podReady('quire-mariadb-0', 5 * MINUTE);
      // The write Service leads to the new primary (asked from the old one, through the Service).
      const viaService = await s.k([
        'exec',
        'quire-mariadb-0',
        '-c',
        'mariadb',
        '--',
        'bash',
        '-c',
        'mariadb -h quire-mariadb-primary -uroot -p"$MARIADB_ROOT_PASSWORD" -N -e "SELECT @@hostname; INSERT INTO e2e.t VALUES (\'after the failover\')"',
      ]);
      expect(viaService.trim()).toBe('quire-mariadb-1');
      // The old primary came back read-only and follows the new one, with every write.
      await eventually('quire-mariadb-0 replicating from quire-mariadb-1', 2 * MINUTE, async () => {
        const status = await s.replicaStatus('quire-mariadb-0');
        return status.Master_Host?.startsWith('quire-mariadb-1.') &&
          status.Slave_IO_Running === 'Yes' &&
          status.Slave_SQL_Running === 'Yes'
          ? true
          : undefined;
      });
      expect((await s.sql('quire-mariadb-0', 'SELECT @@read_only')).trim()).toBe('1');
      const rows = await eventually('the rows on quire-mariadb-0', MINUTE, async () => {
        const text = await s.sql('quire-mariadb-0', 'SELECT v FROM e2e.t');
        return text.includes('after the failover') ? text : undefined;
      });
      expect(rows).toContain('acknowledged before the failover');
      expect(await role('quire-mariadb-0')).toBe('replica');
      const site = await s.https('/');
      expect(site.status).toBeLessThan(500);
    });

    it('re-clones a replica whose pod and volume were deleted, and it catches up', async () => {
      const s = stack();
      // After the failover above, pod 0 is the replica: it clones from the primary, pod 1.
      const [primary, replica] = ['quire-mariadb-1', 'quire-mariadb-0'];
      const volume = async () =>
        (await s.k(['get', 'pvc', `data-${replica}`, '-o', 'jsonpath={.spec.volumeName}'])).trim();
      const oldVolume = await volume();
      await s.k(['delete', 'pvc', `data-${replica}`, '--wait=false']);
      await s.k(['delete', 'pod', replica, '--wait=true']);
      await eventually('a new volume for the replica', 3 * MINUTE, async () => {
        const current = await volume();
        return current && current !== oldVolume ? current : undefined;
      });
      await s.podReady(replica, 5 * MINUTE);
      expect(await s.k(['logs', replica, '-c', 'clone'])).toContain('clone prepared');
      await s.sql(primary, "INSERT INTO e2e.t VALUES ('after the re-clone')");
      const rows = await eventually('the new row on the re-cloned replica', MINUTE, async () => {
        const text = await s.sql(replica, 'SELECT v FROM e2e.t');
        return text.includes('after the re-clone') ? text : undefined;
      });
      expect(rows).toContain('written on the primary');
    });

    it('switches the primary back with quire switchover under writes, losing none that was acknowledged', async () => {
      const s = stack();
      // A writer through the write Service, from the current primary's pod: "ok N" for each
      // acknowledged insert; those refused while the Service holds are retried by no one.
      const writer = s.k([
        'exec',
        'quire-mariadb-1',
        '-c',
        'mariadb',
        '--',
        'bash',
        '-c',
        'for i in $(seq 1 150); do mariadb -h quire-mariadb-primary -uroot -p"$MARIADB_ROOT_PASSWORD" --connect-timeout=2 -e "INSERT INTO e2e.t VALUES (\'switchover $i\')" 2>/dev/null && echo "ok $i"; sleep 0.05; done',
      ]);
      writer.catch(() => undefined); // awaited below; a failed check before must not leave it unhandled
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const result = await s.quire(['switchover', '--to', 'quire-mariadb-0']);
      process.stderr.write(`quire switchover --to quire-mariadb-0:\n${result.stderr}${result.stdout}`);
      expect(result.stderr).toContain('asked the failover manager for a switchover');
      expect(result.code, result.stderr).toBe(0);
      const change = /^switchover: quire-mariadb-1 → quire-mariadb-0; writes held (\d+) ms$/m.exec(
        result.stdout,
      );
      expect(change, result.stdout).not.toBeNull();
      expect(Number(change?.[1])).toBeLessThan(1000);
      const acknowledged = (await writer)
        .split('\n')
        .flatMap((line) => (/^ok (\d+)$/.exec(line.trim()) ? [`switchover ${line.trim().slice(3)}`] : []));
      expect(acknowledged.length).toBeGreaterThan(50);
      expect((await s.sql('quire-mariadb-0', 'SELECT @@read_only')).trim()).toBe('0');
      const onNewPrimary = new Set(
        (await s.sql('quire-mariadb-0', "SELECT v FROM e2e.t WHERE v LIKE 'switchover %'"))
          .trim()
          .split('\n'),
      );
      expect(acknowledged.filter((row) => !onNewPrimary.has(row))).toEqual([]);
      await eventually('quire-mariadb-1 replicating from quire-mariadb-0', 2 * MINUTE, async () => {
        const status = await s.replicaStatus('quire-mariadb-1');
        return status.Master_Host?.startsWith('quire-mariadb-0.') && status.Slave_SQL_Running === 'Yes'
          ? true
          : undefined;
      });
      // A second request for a pod that is the primary already is refused, with the reason.
      const refused = await s.quire(['switchover', '--to', 'quire-mariadb-0']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('quire-mariadb-0 is the primary already');
    });

    it('shows the stack in quire status', async () => {
      const s = stack();
      const result = await s.quire(['status', '--output', 'json']);
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
        failover: {
          recordedPrimary: string;
          manager: { leader: string; lastChange?: { kind: string } };
        } | null;
      };
      // Roles as observed: the failover above made pod 1 the primary, the switchover pod 0 again.
      expect(status.database.map((pod) => [pod.pod, pod.role, pod.ready, pod.readOnly])).toEqual([
        ['quire-mariadb-0', 'primary', true, false],
        ['quire-mariadb-1', 'replica', true, true],
      ]);
      expect(status.database[1]?.replicating).toBe(true);
      // No write since the switchover: both hold the same transactions.
      expect(status.database[0]?.gtid).toMatch(/^0-10[01]-\d+$/);
      expect(status.database[1]?.gtid).toBe(status.database[0]?.gtid);
      expect(status.ingress?.host).toBe(s.host);
      expect(status.failover?.recordedPrimary).toBe('quire-mariadb-0');
      expect(status.failover?.manager.leader).toMatch(/^quire-failover-/);
      expect(status.failover?.manager.lastChange?.kind).toBe('switchover');
      const table = await s.quire(['status']);
      expect(table.stdout).toMatch(/quire-mariadb-1\s+replica\s+ready/);
      expect(table.stdout).toMatch(/failover manager: quire-failover-\S+ leads since /);
      expect(table.stdout).toContain('  last switchover: quire-mariadb-1 → quire-mariadb-0 at ');
    });

    checks.moreTests?.(stack);

    it('leaks no secret into ConfigMaps, pod env literals, events, logs or the CLI output', async () => {
      const s = stack();
      const secrets = s.generatedSecrets();
      expect(secrets.length).toBeGreaterThanOrEqual(5);
      const pods = JSON.parse(await s.k(['get', 'pods', '-o', 'json'])) as {
        items: { spec: { containers: { env?: { value?: string }[] }[] } }[];
      };
      const places = {
        configmaps: await s.k(['get', 'configmaps', '-o', 'json']),
        pods: JSON.stringify(
          pods.items.flatMap((pod) =>
            pod.spec.containers.flatMap((container) =>
              (container.env ?? []).map((variable) => variable.value ?? ''),
            ),
          ),
        ),
        events: await s.k(['get', 'events', '-o', 'json']),
        cli: s.output.join('\n'),
        logs: await s.k([
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
      const s = stack();
      const kept = await s.quire(['destroy']);
      expect(kept.code).toBe(0);
      expect(kept.stdout).toContain(`kept PersistentVolumeClaim ${s.namespace}/data-quire-mariadb-0`);
      expect(kept.stdout).toContain(`kept Secret ${s.namespace}/quire-mariadb-credentials`);
      expect(await s.k(['get', 'statefulsets', '-o', 'name'])).toBe('');
      expect(await s.k(['get', 'pvc', '-o', 'name'])).toContain('data-quire-mariadb-0');
      const purged = await s.quire(['destroy', '--purge', '--yes']);
      expect(purged.code).toBe(0);
      expect(await s.k(['get', 'pvc,secrets', '-l', 'app.kubernetes.io/instance=quire', '-o', 'name'])).toBe(
        '',
      );
    });
  });
  return stack;
}
