/**
 * `quire deploy`: apply every part in order, wait for each to be up, then prune what the
 * configuration no longer makes. Shows each step with its progress and time.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { Listr } from 'listr2';
import { UserError } from '../config/errors.js';
import type { QuireConfig } from '../config/schema.js';
import type { ManifestFile } from '../k8s/quire-manifests.js';
import { applyObject, deleteObject, readObject } from './apply.js';
import { objectLabel, type ClusterConnection } from './connection.js';
import { deploySteps } from './deploy-plan.js';
import { isKept, listInstalled, objectKey } from './inventory.js';
import { diagnose, formatFindings, takeSnapshot } from '../doctor/index.js';
import { withoutUnservedKinds } from './served-kinds.js';
import { waitReady } from './wait.js';

export interface DeployOptions {
  readonly dryRun: boolean;
  /** Fail instead of skipping objects whose CRDs are missing. */
  readonly strict: boolean;
  readonly timeoutMs: number;
  /** Where warnings and the summary go. */
  readonly log: (line: string) => void;
}

export interface DeployResult {
  readonly applied: number;
  readonly skipped: readonly string[];
  readonly pruned: readonly string[];
}

/** A Job's pod template is immutable: a previous run still present is removed so the Job runs again. */
async function replaceJob(connection: ClusterConnection, job: KubernetesObject): Promise<void> {
  if (!(await readObject(connection, job))) return;
  await deleteObject(connection, job);
  const deadline = Date.now() + 60_000;
  while (await readObject(connection, job)) {
    if (Date.now() > deadline)
      throw new UserError('DEPLOY_TIMEOUT', `${objectLabel(job)} was not deleted within 60s`, 1);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** A failed wait ends with what `quire doctor` finds, so the user sees the cause, not only "timed out". */
async function withDiagnosis(
  connection: ClusterConnection,
  config: QuireConfig,
  error: unknown,
): Promise<unknown> {
  if (!(error instanceof UserError) || error.code !== 'DEPLOY_TIMEOUT') return error;
  let diagnosis: string;
  try {
    const findings = diagnose(await takeSnapshot(connection, config));
    diagnosis = `quire doctor:\n${formatFindings(findings, { namespace: config.namespace, context: connection.context })}`;
  } catch (failure) {
    diagnosis = `(quire doctor could not examine the cluster: ${failure instanceof Error ? failure.message : String(failure)})`;
  }
  return new UserError(error.code, `${error.message}\n\n${diagnosis.trimEnd()}`, error.exitCode);
}

export async function deploy(
  connection: ClusterConnection,
  config: QuireConfig,
  allFiles: readonly ManifestFile[],
  options: DeployOptions,
): Promise<DeployResult> {
  const { files, skipped } = await withoutUnservedKinds(connection, config, allFiles, options);
  for (const line of skipped) options.log(`warning: skipped ${line}`);
  let applied = 0;
  const steps = deploySteps(files).filter((step) => step.phases.some((phase) => phase.apply.length > 0));
  const tasks = new Listr(
    steps.map((step) => ({
      title: step.title,
      task: async (_context: unknown, task: { title: string; output: string }) => {
        const started = Date.now();
        for (const phase of step.phases) {
          for (const object of phase.apply) {
            if (object.kind === 'Job' && !options.dryRun) await replaceJob(connection, object);
            await applyObject(connection, object, { dryRun: options.dryRun });
            applied++;
          }
          if (options.dryRun) continue;
          for (const object of phase.waitFor) {
            await waitReady(connection, object, options.timeoutMs, (detail) => {
              task.output = detail;
            }).catch(async (error: unknown) => {
              throw await withDiagnosis(connection, config, error);
            });
          }
        }
        task.title = `${step.title} (${((Date.now() - started) / 1000).toFixed(1)}s)`;
      },
    })),
    { concurrent: false, exitOnError: true, rendererOptions: { collapseSubtasks: false } },
  );
  await tasks.run();

  const wanted = new Set(files.flatMap((file) => file.objects).map(objectKey));
  const stale = (await listInstalled(connection, config)).filter(
    (object) => !wanted.has(objectKey(object)) && !isKept(object),
  );
  const pruned: string[] = [];
  for (const object of stale) {
    if (!options.dryRun) await deleteObject(connection, object);
    pruned.push(objectLabel(object));
  }
  for (const line of pruned) options.log(`${options.dryRun ? 'would prune' : 'pruned'} ${line}`);
  return { applied, skipped, pruned };
}
