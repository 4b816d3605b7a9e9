/**
 * `quire doctor` on the real cluster: each fault of SPEC S12 (and the usual ones) is injected, the
 * doctor must name it with its cause and fix, then the fault is removed and the doctor is clean.
 * Node-wide faults (the CNI config, metrics-server) are undone in `finally` and again in afterAll.
 * Run under the shared lock: flock /tmp/quire-e2e.lock npx vitest run --config vitest.e2e.config.ts test/e2e/doctor.test.ts
 * With QUIRE_RECORD_DOCTOR_FIXTURES=1 each fault state is saved for the unit tests (test/doctor/fixtures).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, FindingId } from '../../src/doctor/index.js';
import { selfSignedCertificate } from '../../src/secrets/self-signed-certificate.js';
import { recordSnapshot } from '../doctor/fixtures.js';
import { ensureCluster, kubectl, quireCache, type Cluster } from './cluster/cluster.js';
import { E2eStack, eventually, MINUTE } from './support/stack.js';

const NAMESPACE = 'e2e-doctor';
const STORAGE_NAMESPACE = 'e2e-doctor-storage';
const PODS_NAMESPACE = 'e2e-doctor-pods';
const CNI_NAMESPACE = 'e2e-doctor-cni';
const ABSENT_CLASS = 'e2e-doctor-absent';
const ABSENT_PROVISIONER = 'e2e.quire.local/absent';
const NFS_CLASS = 'e2e-doctor-nfs';
const NFS_PROVISIONER = 'k8s-sigs.io/nfs-subdir-external-provisioner';
/** Sorts before the cluster's 10-quire.conflist, so the runtime loads it instead. */
const BROKEN_CNI_FILE = join(quireCache(), 'cluster', 'etc', 'cni', 'net.d', '00-e2e-doctor-broken.conflist');

let cluster: Cluster;
let stack: E2eStack;

interface DoctorRun {
  readonly code: number;
  readonly stdout: string;
  readonly findings: readonly Finding[];
}

async function doctor(namespace = NAMESPACE): Promise<DoctorRun> {
  const result = await stack.quire(['doctor', '--namespace', namespace, '--output', 'json']);
  const report = JSON.parse(result.stdout) as { findings: Finding[] };
  return { code: result.code, stdout: result.stdout, findings: report.findings };
}

function only(run: DoctorRun, id: FindingId): Finding {
  const found = run.findings.filter((entry) => entry.id === id);
  expect(
    found.map((entry) => entry.id),
    run.stdout,
  ).toEqual([id]);
  return found[0] as Finding;
}

/** Wait until the doctor reports `id` (the cluster takes a while to show a fault), then return the run. */
function doctorFinds(id: FindingId, namespace = NAMESPACE, timeoutMs = 3 * MINUTE): Promise<DoctorRun> {
  return eventually(`quire doctor reports ${id} in ${namespace}`, timeoutMs, async () => {
    const run = await doctor(namespace);
    return run.findings.some((entry) => entry.id === id) ? run : undefined;
  });
}

/** Wait until the doctor is clean (exit 0, no finding at all) once a fault is removed. */
function doctorClean(namespace = NAMESPACE, timeoutMs = 3 * MINUTE): Promise<DoctorRun> {
  return eventually(`quire doctor clean in ${namespace}`, timeoutMs, async () => {
    const run = await doctor(namespace);
    return run.code === 0 && run.findings.length === 0 ? run : undefined;
  });
}

const record = (name: string, namespace = NAMESPACE) =>
  recordSnapshot(name, { kubeconfig: cluster.kubeconfig, configFile: stack.configFile, namespace });

const apply = (objects: readonly object[]) =>
  kubectl(['apply', '-f', '-'], objects.map((object) => stringify(object)).join('---\n'));

/** A StorageClass that provisions claims at once, so that their faults show without a pod. */
const storageClass = (name: string, provisioner: string) => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  provisioner,
  volumeBindingMode: 'Immediate',
});

const deleteNamespace = (namespace: string) =>
  kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=true', '--timeout=180s']);

async function restoreMetricsServer(): Promise<void> {
  await kubectl(['-n', 'kube-system', 'scale', 'deployment/metrics-server', '--replicas=1']);
}

beforeAll(async () => {
  cluster = await ensureCluster();
  stack = new E2eStack(cluster, NAMESPACE, 'doctor.e2e.test', 'wordpress');
  rmSync(BROKEN_CNI_FILE, { force: true });
  await Promise.all([
    stack.reset(),
    deleteNamespace(STORAGE_NAMESPACE),
    deleteNamespace(PODS_NAMESPACE),
    deleteNamespace(CNI_NAMESPACE),
  ]);
  await kubectl(['delete', 'storageclass', ABSENT_CLASS, NFS_CLASS, '--ignore-not-found']);
  const deployed = await stack.quire(['deploy', '--state-dir', stack.stateDir, '--timeout', '10m']);
  expect(deployed.code, deployed.stderr).toBe(0);
}, 45 * MINUTE);

afterAll(async () => {
  // Node-wide faults first: the cluster is shared.
  rmSync(BROKEN_CNI_FILE, { force: true });
  await restoreMetricsServer().catch(() => undefined);
  await kubectl(['delete', 'storageclass', ABSENT_CLASS, NFS_CLASS, '--ignore-not-found']).catch(
    () => undefined,
  );
  for (const namespace of [STORAGE_NAMESPACE, PODS_NAMESPACE, CNI_NAMESPACE])
    await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false']).catch(
      () => undefined,
    );
  await stack.dispose();
});

describe('quire doctor on the real cluster', { timeout: 15 * MINUTE }, () => {
  it('is clean on the freshly deployed stack', async () => {
    const run = await doctorClean();
    expect(run.findings).toEqual([]);
    const table = await stack.quire(['doctor']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`no problems in namespace ${NAMESPACE}`);
    await record('healthy-stack');
  });

  it('explains claims that stay Pending: provisioner absent, NFS at the sample address, access mode', async () => {
    await kubectl(['create', 'namespace', STORAGE_NAMESPACE]);
    const claim = (name: string, storageClassName: string, accessMode = 'ReadWriteOnce') => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: STORAGE_NAMESPACE },
      spec: { storageClassName, accessModes: [accessMode], resources: { requests: { storage: '1Gi' } } },
    });
    await apply([
      storageClass(ABSENT_CLASS, ABSENT_PROVISIONER),
      storageClass(NFS_CLASS, NFS_PROVISIONER),
      // The seed's provisioner Deployment as its documentation gives it, sample server address included.
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'nfs-client-provisioner', namespace: STORAGE_NAMESPACE },
        spec: {
          replicas: 1,
          strategy: { type: 'Recreate' },
          selector: { matchLabels: { app: 'nfs-client-provisioner' } },
          template: {
            metadata: { labels: { app: 'nfs-client-provisioner' } },
            spec: {
              containers: [
                {
                  name: 'nfs-client-provisioner',
                  image: 'registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:v4.0.2',
                  imagePullPolicy: 'Never',
                  env: [
                    { name: 'PROVISIONER_NAME', value: NFS_PROVISIONER },
                    { name: 'NFS_SERVER', value: '10.3.243.101' },
                    { name: 'NFS_PATH', value: '/ifs/kubernetes' },
                  ],
                  volumeMounts: [{ name: 'nfs-client-root', mountPath: '/persistentvolumes' }],
                },
              ],
              volumes: [
                { name: 'nfs-client-root', nfs: { server: '10.3.243.101', path: '/ifs/kubernetes' } },
              ],
            },
          },
        },
      },
      claim('absent-claim', ABSENT_CLASS),
      claim('nfs-claim', NFS_CLASS),
      claim('shared-claim', cluster.storageClass, 'ReadWriteMany'),
      // The local class binds on first use: a pod makes it provision (and refuse) the shared claim.
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'shared-claim-user', namespace: STORAGE_NAMESPACE },
        spec: {
          containers: [
            {
              name: 'main',
              image: cluster.toolboxImage,
              imagePullPolicy: 'Never',
              command: ['sleep', '3600'],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'shared-claim' } }],
        },
      },
    ]);
    try {
      const run = await eventually('all three storage faults', 4 * MINUTE, async () => {
        const current = await doctor(STORAGE_NAMESPACE);
        const ids = current.findings.map((entry) => entry.id);
        // The kubelet's mount attempt comes a few seconds after the claim's events.
        const mounted = current.findings.some((entry) =>
          entry.evidence.some((evidence) => evidence.source === 'event FailedMount'),
        );
        return mounted && ids.includes('PVC_NO_PROVISIONER') && ids.includes('PVC_ACCESS_MODE_UNSUPPORTED')
          ? current
          : undefined;
      });
      expect(run.code).toBe(1);
      const absent = run.findings.find((entry) => entry.id === 'PVC_NO_PROVISIONER');
      expect(absent?.summary).toContain('absent-claim');
      expect(absent?.summary).toContain(ABSENT_PROVISIONER);
      expect(absent?.fix).toContain(`install or start the provisioner ${ABSENT_PROVISIONER}`);
      const nfs = run.findings.find((entry) => entry.id === 'PVC_NFS_SERVER_WRONG');
      expect(nfs?.summary).toContain('nfs-claim');
      expect(nfs?.summary).toContain('10.3.243.101:/ifs/kubernetes');
      expect(nfs?.cause).toContain('sample server address 10.3.243.101');
      expect(nfs?.fix).toContain('storage.nfs.server');
      expect(
        nfs?.evidence.some(
          (evidence) => evidence.source === 'event FailedMount' && evidence.detail.includes('10.3.243.101'),
        ),
      ).toBe(true);
      const mode = run.findings.find((entry) => entry.id === 'PVC_ACCESS_MODE_UNSUPPORTED');
      expect(mode?.summary).toContain('shared-claim asks for ReadWriteMany');
      expect(mode?.evidence.map((evidence) => evidence.detail).join()).toContain(
        'access mode ReadWriteMany is not supported',
      );
      await record('storage-faults', STORAGE_NAMESPACE);
    } finally {
      await kubectl(['-n', STORAGE_NAMESPACE, 'delete', 'pod,deployment,pvc', '--all', '--wait=true']);
      await kubectl(['delete', 'storageclass', ABSENT_CLASS, NFS_CLASS, '--ignore-not-found']);
    }
    await doctorClean(STORAGE_NAMESPACE);
  });

  it('ends a deploy that times out on a Pending claim with the diagnosis', async () => {
    const namespace = `${STORAGE_NAMESPACE}-deploy`;
    await deleteNamespace(namespace);
    await kubectl(['create', 'namespace', namespace]);
    await apply([storageClass(ABSENT_CLASS, ABSENT_PROVISIONER)]);
    const broken = new E2eStack(cluster, namespace, 'doctor-deploy.e2e.test', 'wordpress');
    writeFileSync(
      broken.configFile,
      stringify({
        ...broken.config,
        database: { ...broken.config.database, storage: { storageClass: ABSENT_CLASS } },
      }),
    );
    try {
      const result = await broken.quire(['deploy', '--state-dir', broken.stateDir, '--timeout', '45s']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('was not ready after 45s');
      expect(result.stderr).toContain('quire doctor:');
      expect(result.stderr).toContain('[PVC_NO_PROVISIONER] claim data-quire-mariadb-0 is Pending');
      expect(result.stderr).toContain(ABSENT_PROVISIONER);
    } finally {
      await kubectl([
        'delete',
        'namespace',
        namespace,
        '--ignore-not-found',
        '--wait=true',
        '--timeout=180s',
      ]);
      await kubectl(['delete', 'storageclass', ABSENT_CLASS, '--ignore-not-found']);
    }
  });

  it('names the node and the CNI when a broken CNI config keeps pods in ContainerCreating', async () => {
    await kubectl(['create', 'namespace', CNI_NAMESPACE]);
    try {
      // A network whose plugin is not installed on the node: what a half-removed CNI leaves behind.
      writeFileSync(
        BROKEN_CNI_FILE,
        JSON.stringify({ cniVersion: '0.4.0', name: 'e2e-doctor-broken', plugins: [{ type: 'calico' }] }),
      );
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await kubectl([
        '-n',
        CNI_NAMESPACE,
        'run',
        'needs-network',
        `--image=${cluster.toolboxImage}`,
        '--image-pull-policy=Never',
        '--restart=Never',
        '--command',
        '--',
        'sleep',
        '3600',
      ]);
      const run = await doctorFinds('POD_NETWORK_SETUP_FAILED', CNI_NAMESPACE);
      expect(run.code).toBe(1);
      const found = only(run, 'POD_NETWORK_SETUP_FAILED');
      expect(found.summary).toContain('stuck in ContainerCreating on node quire-node');
      expect(found.summary).toContain('CNI plugin "calico"');
      expect(found.evidence[0]?.object).toBe(`Pod ${CNI_NAMESPACE}/needs-network`);
      expect(found.evidence[0]?.detail).toContain('failed to find plugin "calico"');
      expect(found.fix).toContain('on node quire-node');
      await record('cni-broken', CNI_NAMESPACE);
    } finally {
      rmSync(BROKEN_CNI_FILE, { force: true });
    }
    await eventually('the pod running once the CNI config is fixed', 3 * MINUTE, async () =>
      (await kubectl([
        '-n',
        CNI_NAMESPACE,
        'get',
        'pod',
        'needs-network',
        '-o',
        'jsonpath={.status.phase}',
      ])) === 'Running'
        ? true
        : undefined,
    );
    await doctorClean(CNI_NAMESPACE);
  });

  it('blames the leftover LimitRange for an OOMKilled pod, and for Quire pods it forbids', async () => {
    await kubectl(['create', 'namespace', PODS_NAMESPACE]);
    const leftover = (namespace: string, limit: object) => ({
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'leftover-from-exercise', namespace },
      spec: { limits: [{ type: 'Container', ...limit }] },
    });
    await apply([
      leftover(PODS_NAMESPACE, { default: { memory: '32Mi' }, defaultRequest: { memory: '16Mi' } }),
      // A pod without limits of its own, as the seed's manifests were: it gets the 32Mi default.
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'memory-hungry', namespace: PODS_NAMESPACE },
        spec: {
          containers: [
            {
              name: 'main',
              image: cluster.toolboxImage,
              imagePullPolicy: 'Never',
              command: ['sh', '-c', 'head -c 200M /dev/zero | tail'],
            },
          ],
        },
      },
    ]);
    const run = await doctorFinds('POD_OOM_KILLED_BY_LIMIT_RANGE', PODS_NAMESPACE);
    const oom = only(run, 'POD_OOM_KILLED_BY_LIMIT_RANGE');
    expect(oom.summary).toContain(
      'container main of pod memory-hungry was OOMKilled under a 32Mi memory limit set by LimitRange leftover-from-exercise',
    );
    expect(oom.fix).toContain(`kubectl -n ${PODS_NAMESPACE} delete limitrange leftover-from-exercise`);
    await record('limit-range-oom', PODS_NAMESPACE);
    await kubectl(['-n', PODS_NAMESPACE, 'delete', 'pod,limitrange', '--all', '--wait=true']);
    await doctorClean(PODS_NAMESPACE);

    // Quire sets limits on every container, so a LimitRange bites it by its max instead.
    await apply([leftover(NAMESPACE, { max: { memory: '128Mi' } })]);
    try {
      const web = (
        await stack.k([
          'get',
          'pods',
          '-l',
          'app.kubernetes.io/component=web',
          '-o',
          'jsonpath={.items[0].metadata.name}',
        ])
      ).trim();
      await stack.k(['delete', 'pod', web, '--wait=false']);
      const rejected = await doctorFinds('POD_REJECTED_BY_LIMIT_RANGE');
      const found = only(rejected, 'POD_REJECTED_BY_LIMIT_RANGE');
      expect(found.summary).toContain('LimitRange leftover-from-exercise forbids them');
      expect(found.summary).toContain('Quire asks for quire-web: requests 128Mi memory, limit 256Mi memory');
      expect(found.evidence.map((evidence) => evidence.detail).join('\n')).toContain(
        'maximum memory usage per Container is 128Mi, but limit is 256Mi',
      );
      await record('limit-range-rejects-quire');
    } finally {
      await stack.k(['delete', 'limitrange', 'leftover-from-exercise', '--ignore-not-found']);
    }
    await doctorClean(NAMESPACE, 5 * MINUTE);
  });

  it('reports a stopped replica (and the primary acknowledging writes alone) and a writable replica, and is clean once they are fixed', async () => {
    await stack.sql('quire-mariadb-1', 'STOP SLAVE');
    try {
      const run = await doctorFinds('REPLICA_NOT_RUNNING');
      expect(run.code).toBe(1);
      const stopped = only(run, 'REPLICA_NOT_RUNNING');
      expect(stopped.summary).toContain('replica quire-mariadb-1 is not replicating');
      expect(stopped.summary).toContain('Slave_IO_Running No, Slave_SQL_Running No');
      expect(stopped.fix).toContain('exec quire-mariadb-1 -c mariadb');
      expect(stopped.fix).toContain('START SLAVE');
      // The only replica gone, the primary (semi-sync, falling back) acknowledges writes alone.
      const unprotected = only(await doctorFinds('WRITES_NOT_ON_A_REPLICA'), 'WRITES_NOT_ON_A_REPLICA');
      expect(unprotected.summary).toContain('the primary quire-mariadb-0 fell back to async replication');
      await record('replica-stopped');
    } finally {
      await stack.sql('quire-mariadb-1', 'START SLAVE');
    }
    // The failover manager makes a writable replica read-only within a second: stopped, so that
    // the doctor sees what it reports when no manager runs (that too: no manager leads).
    await stack.k(['scale', 'deployment/quire-failover', '--replicas=0']);
    await stack.k([
      'wait',
      '--for=delete',
      'pod',
      '-l',
      'app.kubernetes.io/component=failover',
      '--timeout=60s',
    ]);
    await stack.sql('quire-mariadb-1', 'SET GLOBAL read_only = OFF');
    try {
      const run = await doctorFinds('SECOND_WRITABLE_PRIMARY');
      expect(only(run, 'SECOND_WRITABLE_PRIMARY').summary).toContain(
        'replica quire-mariadb-1 accepts writes',
      );
      await record('replica-writable');
      const noLeader = only(await doctorFinds('FAILOVER_NO_LEADER'), 'FAILOVER_NO_LEADER');
      expect(noLeader.summary).toContain(
        'no failover manager leads: the Lease quire-failover was last renewed',
      );
      await record('failover-no-leader');
    } finally {
      await stack.sql('quire-mariadb-1', 'SET GLOBAL read_only = ON');
      await stack.k(['scale', 'deployment/quire-failover', '--replicas=2']);
    }
    await doctorClean();
  });

  it('warns about a replica lagging past database.maxReplicationLagSeconds, and exits 0 for a warning', async () => {
    // A delayed replica applies each event two minutes late: its lag grows past the 30 s bound.
    await stack.sql('quire-mariadb-1', 'STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 120; START SLAVE');
    try {
      await stack.sql(
        'quire-mariadb-0',
        'CREATE DATABASE IF NOT EXISTS e2e_doctor_lag; DROP DATABASE e2e_doctor_lag',
      );
      const run = await doctorFinds('REPLICATION_LAGGING');
      expect(run.code).toBe(0);
      const lagging = only(run, 'REPLICATION_LAGGING');
      expect(lagging.severity).toBe('warning');
      expect(lagging.summary).toMatch(
        /replica quire-mariadb-1 is \d+s behind the primary \(database.maxReplicationLagSeconds is 30\)/,
      );
      await record('replica-lagging');
    } finally {
      await stack.sql('quire-mariadb-1', 'STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE');
    }
    await doctorClean();
  });

  it('reports replication broken by an error with its number and text', async () => {
    await stack.sql(
      'quire-mariadb-0',
      'CREATE DATABASE e2e_doctor_conflict; CREATE TABLE e2e_doctor_conflict.t (id INT PRIMARY KEY)',
    );
    await eventually('the table on the replica', MINUTE, async () =>
      (await stack.sql('quire-mariadb-1', 'SHOW TABLES FROM e2e_doctor_conflict')).includes('t')
        ? true
        : undefined,
    );
    // The replica already has the row the primary is about to insert: its SQL thread stops on 1062.
    await stack.sql(
      'quire-mariadb-1',
      'SET SESSION sql_log_bin = 0; INSERT INTO e2e_doctor_conflict.t VALUES (1)',
    );
    await stack.sql('quire-mariadb-0', 'INSERT INTO e2e_doctor_conflict.t VALUES (1)');
    try {
      const run = await doctorFinds('REPLICATION_BROKEN');
      const broken = only(run, 'REPLICATION_BROKEN');
      expect(broken.summary).toContain('replication on quire-mariadb-1 stopped with error 1062 (SQL thread)');
      expect(broken.summary).toContain("Duplicate entry '1' for key 'PRIMARY'");
      await record('replication-broken');
    } finally {
      await stack.sql(
        'quire-mariadb-1',
        'STOP SLAVE; SET SESSION sql_log_bin = 0; DELETE FROM e2e_doctor_conflict.t; START SLAVE',
      );
      await stack.sql('quire-mariadb-0', 'DROP DATABASE IF EXISTS e2e_doctor_conflict');
    }
    await doctorClean();
  });

  it('reports an autoscaler without metrics while metrics-server is scaled to 0', async () => {
    await kubectl(['-n', 'kube-system', 'scale', 'deployment/metrics-server', '--replicas=0']);
    try {
      const run = await doctorFinds('HPA_NO_METRICS');
      expect(run.code).toBe(1);
      const found = only(run, 'HPA_NO_METRICS');
      expect(found.summary).toContain(
        'autoscaler quire-web gets no CPU metrics: the metrics API is unavailable',
      );
      expect(found.evidence[0]?.object).toBe('APIService v1beta1.metrics.k8s.io');
      expect(found.fix).toContain('kubectl -n kube-system scale deployment/metrics-server --replicas=1');
      await record('metrics-server-down');
    } finally {
      await restoreMetricsServer();
    }
    await doctorClean(NAMESPACE, 5 * MINUTE);
  });

  it('reports the Ingress whose TLS Secret is missing, and is clean once it is back', async () => {
    const saved = JSON.parse(await stack.k(['get', 'secret', 'quire-tls', '-o', 'json'])) as {
      metadata: Record<string, unknown>;
    };
    const { name, namespace, labels, annotations } = saved.metadata;
    const restored = { ...saved, metadata: { name, namespace, labels, annotations } };
    await stack.k(['delete', 'secret', 'quire-tls']);
    try {
      const run = await doctorFinds('INGRESS_TLS_SECRET_MISSING');
      const found = only(run, 'INGRESS_TLS_SECRET_MISSING');
      expect(found.summary).toContain(
        'Ingress quire serves doctor.e2e.test with TLS Secret quire-tls, which does not exist',
      );
      expect(found.fix).toContain('run quire deploy again');
      await record('tls-secret-missing');
    } finally {
      await kubectl(['apply', '-f', '-'], JSON.stringify(restored));
    }
    await doctorClean();
  });

  it('reports image pulls, crash loops, quotas, a password in a ConfigMap and bad certificates, without printing the password', async () => {
    await kubectl(['create', 'namespace', PODS_NAMESPACE]).catch(() => undefined);
    const appPassword = Buffer.from(
      (
        await stack.k(['get', 'secret', 'quire-mariadb-credentials', '-o', 'jsonpath={.data.password}'])
      ).trim(),
      'base64',
    ).toString('utf8');
    const expired = selfSignedCertificate('elsewhere.example', new Date(Date.now() - 3651 * 86_400_000));
    const pod = (name: string, container: object) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: PODS_NAMESPACE },
      spec: { containers: [{ name: 'main', imagePullPolicy: 'Never', ...container }] },
    });
    /** A one-replica Deployment of `pod`'s container, its pods labelled app=<name>. */
    const deployment = (name: string, container: object) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: PODS_NAMESPACE },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: pod(name, container).spec },
      },
    });
    await apply([
      pod('absent-image', { image: 'quire.local/absent:1', command: ['sleep', '3600'] }),
      pod('crashing', {
        image: cluster.toolboxImage,
        command: ['sh', '-c', 'echo "cannot open /etc/app/app.conf: no such file"; exit 3'],
      }),
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'small-quota', namespace: PODS_NAMESPACE },
        spec: { hard: { 'limits.memory': '64Mi' } },
      },
      deployment('over-quota', {
        image: cluster.toolboxImage,
        command: ['sleep', '3600'],
        resources: { limits: { memory: '256Mi' } },
      }),
      // An autoscaler whose pods ask for no CPU: utilisation cannot be computed.
      deployment('no-requests', {
        image: cluster.toolboxImage,
        command: ['sleep', '3600'],
        resources: { limits: { memory: '32Mi' } },
      }),
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'no-requests', namespace: PODS_NAMESPACE },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'no-requests' },
          minReplicas: 1,
          maxReplicas: 2,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
            },
          ],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'seed-app-config', namespace: PODS_NAMESPACE },
        data: { WORDPRESS_DB_HOST: 'mysql-0.mysql-svc', WORDPRESS_DB_PASSWORD: appPassword },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'old-tls', namespace: PODS_NAMESPACE },
        type: 'kubernetes.io/tls',
        stringData: { 'tls.crt': expired.certificate, 'tls.key': expired.privateKey },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'old-site', namespace: PODS_NAMESPACE },
        spec: {
          ingressClassName: 'nginx',
          tls: [{ hosts: ['old.example'], secretName: 'old-tls' }],
          rules: [
            {
              host: 'old.example',
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'old', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
    ]);
    const wanted: FindingId[] = [
      'IMAGE_PULL_FAILED',
      'CRASH_LOOP',
      'POD_REJECTED_BY_QUOTA',
      'HPA_NO_CPU_REQUESTS',
      'PASSWORD_IN_CONFIGMAP',
      'INGRESS_CLASS_MISSING',
      'TLS_CERT_EXPIRED',
      'TLS_CERT_HOST_MISMATCH',
    ];
    const run = await eventually('every pod fault', 4 * MINUTE, async () => {
      const current = await doctor(PODS_NAMESPACE);
      const ids = current.findings.map((entry) => entry.id);
      // A crash loop's log can be between runs for a moment (the kubelet then has none to give).
      const crashLog = current.findings.find((entry) => entry.id === 'CRASH_LOOP')?.evidence[1]?.detail;
      return wanted.every((id) => ids.includes(id)) && crashLog !== '(no log)' ? current : undefined;
    });
    expect(run.code).toBe(1);
    expect([...new Set(run.findings.map((entry) => entry.id))].sort()).toEqual([...wanted].sort());
    const byId = (id: FindingId) => run.findings.find((entry) => entry.id === id);
    expect(byId('IMAGE_PULL_FAILED')?.summary).toContain(
      'cannot get image quire.local/absent:1 (ErrImageNeverPull)',
    );
    expect(byId('CRASH_LOOP')?.evidence[1]?.detail).toContain('cannot open /etc/app/app.conf');
    expect(byId('POD_REJECTED_BY_QUOTA')?.summary).toContain('ResourceQuota small-quota is exhausted');
    expect(byId('HPA_NO_CPU_REQUESTS')?.summary).toMatch(
      /autoscaler no-requests cannot measure CPU utilisation of Deployment no-requests: containers without a CPU request: no-requests-[a-z0-9-]+\/main/,
    );
    expect(byId('PASSWORD_IN_CONFIGMAP')?.summary).toContain(
      'ConfigMap seed-app-config key WORDPRESS_DB_PASSWORD holds a password',
    );
    expect(byId('INGRESS_CLASS_MISSING')?.summary).toContain(
      'names IngressClass nginx, which does not exist (classes: traefik)',
    );
    expect(byId('TLS_CERT_HOST_MISMATCH')?.summary).toContain(
      'does not cover old.example (it names elsewhere.example)',
    );
    // The password is evidence by reference only.
    expect(appPassword.length).toBeGreaterThan(8);
    const table = await stack.quire(['doctor', '--namespace', PODS_NAMESPACE]);
    expect(table.code).toBe(1);
    for (const text of [run.stdout, table.stdout, table.stderr]) expect(text).not.toContain(appPassword);
    await record('pod-faults', PODS_NAMESPACE);
    await kubectl(['delete', 'namespace', PODS_NAMESPACE, '--wait=true', '--timeout=180s']);
  });

  it('is clean again once every fault is removed', async () => {
    const run = await doctorClean();
    expect(run.code).toBe(0);
    for (const text of stack.output)
      for (const secret of stack.generatedSecrets()) expect(text).not.toContain(secret);
  });
});
