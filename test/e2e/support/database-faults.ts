/**
 * Faults of the primary on the cluster, under writes (issue 13's proofs that one node allows): the
 * primary's server frozen from the node (SIGSTOP on its host PID) until the manager fences it, and
 * the leading failover manager's pod killed as the primary freezes, so that the other manager
 * takes the Lease and does the failover. Each time, every insert the writer saw
 * acknowledged is on the new primary exactly once, and the old primary comes back as its replica.
 * And the case where the manager must wait (no replica holds the primary's last write): the
 * doctor says so, `quire failover --allow-data-loss` promotes anyway, and the old primary is
 * cloned again with that write kept as SQL on its volume.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { containerPid } from '../cluster/cluster.js';
import { eventually, MINUTE, type E2eStack } from './stack.js';

const execFileAsync = promisify(execFile);
const DB_PODS = ['quire-mariadb-0', 'quire-mariadb-1'] as const;

/** Inserts through the write Service from `pod`, one client per insert; the acknowledged rows. */
async function writeThroughService(
  s: E2eStack,
  pod: string,
  label: string,
  count: number,
): Promise<string[]> {
  const output = await s.k([
    'exec',
    pod,
    '-c',
    'mariadb',
    '--',
    'bash',
    '-c',
    `for i in $(seq 1 ${String(count)}); do mariadb -h quire-mariadb-primary -uroot -p"$MARIADB_ROOT_PASSWORD" --connect-timeout=2 -e "INSERT INTO e2e.t VALUES ('${label} $i')" 2>/dev/null && echo "ok $i"; sleep 0.05; done`,
  ]);
  return output.split('\n').flatMap((line) => {
    const match = /^ok (\d+)$/.exec(line.trim());
    return match ? [`${label} ${match[1] ?? ''}`] : [];
  });
}

export function databaseFaults(stack: () => E2eStack): void {
  describe('faults of the primary under writes', { timeout: 15 * MINUTE }, () => {
    const recorded = async (s: E2eStack) =>
      (await s.k(['get', 'configmap', 'quire-mariadb-topology', '-o', 'jsonpath={.data.primary}'])).trim();
    const leader = async (s: E2eStack) =>
      (await s.k(['get', 'lease', 'quire-failover', '-o', 'jsonpath={.spec.holderIdentity}'])).trim();

    /** Inject `fault` on the primary while the replica's pod writes; check what the issue asks. */
    async function failoverUnder(label: string, fault: (s: E2eStack, primary: string) => Promise<void>) {
      const s = stack();
      const primary = await recorded(s);
      const replica = DB_PODS.find((pod) => pod !== primary) ?? '';
      // The manager must have seen the replica acking (a replica it never saw acking is not known
      // to hold every acknowledged write: then waiting is right); a pod made again by an earlier
      // test may take it a while to reach.
      await eventually(`the manager seeing ${replica} acking`, 2 * MINUTE, async () => {
        const published = (
          await s.k(['get', 'configmap', 'quire-mariadb-topology', '-o', 'jsonpath={.data.manager}'])
        ).trim();
        const handover = (JSON.parse(published) as { handover?: { primary: string; acking: string[] } })
          .handover;
        return handover?.primary === primary && handover.acking.includes(replica) ? true : undefined;
      });
      const writes = writeThroughService(s, replica, label, 200);
      writes.catch(() => undefined); // awaited below; a failed check before must not leave it unhandled
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const injectedAt = Date.now();
      await fault(s, primary);
      await eventually(`the failover to ${replica}`, 2 * MINUTE, async () =>
        (await recorded(s)) === replica ? true : undefined,
      );
      const failedOverMs = Date.now() - injectedAt;
      const acknowledged = await writes;
      expect(acknowledged.length).toBeGreaterThan(20);
      const rows = (await s.sql(replica, `SELECT v FROM e2e.t WHERE v LIKE '${label} %'`)).trim().split('\n');
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(row, (counts.get(row) ?? 0) + 1);
      expect(acknowledged.filter((row) => counts.get(row) !== 1)).toEqual([]);
      // Nothing appeared that no one wrote: every row is one the writer sent.
      expect(rows.every((row) => new RegExp(`^${label} \\d+$`).test(row))).toBe(true);
      await s.podReady(primary, 5 * MINUTE);
      await eventually(`${primary} replicating from ${replica}`, 3 * MINUTE, async () => {
        const status = await s.replicaStatus(primary);
        return status.Master_Host?.startsWith(`${replica}.`) && status.Slave_SQL_Running === 'Yes'
          ? true
          : undefined;
      });
      const onOld = await eventually('the rows on the old primary', MINUTE, async () => {
        const text = (await s.sql(primary, `SELECT COUNT(*) FROM e2e.t WHERE v LIKE '${label} %'`)).trim();
        return Number(text) === rows.length ? text : undefined;
      });
      expect(Number(onOld)).toBe(rows.length);
      return { failedOverMs, acknowledged: acknowledged.length };
    }

    it('fences a frozen primary (SIGSTOP from the node) and fails over to the replica', async () => {
      const { failedOverMs } = await failoverUnder('frozen', async (s, primary) => {
        const pid = await containerPid(s.namespace, primary, 'mariadb');
        await execFileAsync('kill', ['-STOP', String(pid)]);
      });
      // Detection is 1 s; the rest is the API calls (record, delete the pod, label).
      expect(failedOverMs).toBeLessThan(30_000);
    });

    it('waits when no replica holds the last writes, fails over when told to, and clones the old primary again keeping its errant writes', async () => {
      const s = stack();
      const primary = await recorded(s);
      const replica = DB_PODS.find((pod) => pod !== primary) ?? '';
      // The replica stops receiving; the primary commits alone (semi-sync falls back after its timeout).
      await s.sql(replica, 'STOP SLAVE IO_THREAD');
      await s.sql(primary, "INSERT INTO e2e.t VALUES ('only on the old primary')");
      await execFileAsync('kill', ['-STOP', String(await containerPid(s.namespace, primary, 'mariadb'))]);
      // No replica is known to hold every acknowledged write: the manager waits, and says so.
      const doctor = await eventually('the doctor reporting FAILOVER_WAITING', 2 * MINUTE, async () => {
        const run = await s.quire(['doctor', '--output', 'json']);
        const report = JSON.parse(run.stdout) as { findings: { id: string; summary: string }[] };
        return report.findings.find((entry) => entry.id === 'FAILOVER_WAITING');
      });
      expect(doctor.summary).toContain(
        `the primary ${primary} is down and the failover manager does not promote`,
      );
      expect(await recorded(s)).toBe(primary);

      const forced = await s.quire(['failover', '--allow-data-loss']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toContain(`failover: ${primary} → ${replica}`);
      expect((await s.sql(replica, 'SELECT @@read_only')).trim()).toBe('0');

      // The old primary comes back with a write the new one lacks: it is cloned again, that write
      // kept as SQL on its volume.
      const status = await eventually(`${primary} cloned again`, 5 * MINUTE, async () => {
        const result = await s.quire(['status', '--output', 'json']);
        const parsed = JSON.parse(result.stdout) as {
          failover: { manager: { errant: { node: string; file: string }[] } | null } | null;
        };
        const saved = parsed.failover?.manager?.errant.find((entry) => entry.node === primary);
        return saved;
      });
      const [pod = '', file = ''] = status.file.split(':');
      expect(pod).toBe(primary);
      await s.podReady(primary, 5 * MINUTE);
      expect(await s.k(['exec', primary, '-c', 'mariadb', '--', 'cat', file])).toContain(
        'only on the old primary',
      );
      expect(await s.k(['logs', primary, '-c', 'clone'])).toContain('clone prepared');
      await eventually(`${primary} replicating from ${replica}`, 3 * MINUTE, async () => {
        const replication = await s.replicaStatus(primary);
        return replication.Master_Host?.startsWith(`${replica}.`) && replication.Slave_SQL_Running === 'Yes'
          ? true
          : undefined;
      });
      const findings = JSON.parse((await s.quire(['doctor', '--output', 'json'])).stdout) as {
        findings: { id: string; summary: string }[];
      };
      expect(findings.findings.find((entry) => entry.id === 'ERRANT_WRITES_SAVED')?.summary).toContain(
        status.file,
      );
      // The errant write is on neither node now; the rest converged.
      for (const pod of DB_PODS) {
        expect(await s.sql(pod, "SELECT COUNT(*) FROM e2e.t WHERE v = 'only on the old primary'")).toBe(
          '0\n',
        );
      }
    });

    it('fails over when the leading manager dies with the primary: the other manager takes the Lease', async () => {
      const s = stack();
      const before = await leader(s);
      expect(before).toMatch(/^quire-failover-/);
      // The primary frozen rather than deleted: a deleted pod could come back as the primary
      // before the other manager's Lease (5 s) lets it act.
      await failoverUnder('leader-killed', async (cluster, primary) => {
        const pid = await containerPid(cluster.namespace, primary, 'mariadb');
        await Promise.all([
          cluster.k(['delete', 'pod', before, '--grace-period=0', '--force', '--wait=false']),
          execFileAsync('kill', ['-STOP', String(pid)]),
        ]);
      });
      expect(await leader(s)).not.toBe(before);
    });
  });
}
