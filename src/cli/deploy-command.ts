import { Command, Option } from 'commander';
import { deploy } from '../cluster/deploy.js';
import { buildManifests } from '../k8s/quire-manifests.js';
import { SecretStore } from '../secrets/secret-store.js';
import { openCluster, parseDuration, withClusterOptions } from './cluster-options.js';
import { readConfig, stateDirectory, type ConfigOptions } from './config-option.js';

interface DeployCommandOptions extends ConfigOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly dryRun?: string | boolean;
  readonly strict?: boolean;
  readonly timeout: number;
}

export function deployCommand(): Command {
  return withClusterOptions(new Command('deploy'))
    .description(
      'apply the stack to the cluster in order, wait for each part, prune what the config no longer makes',
    )
    .option(
      '--state-dir <dir>',
      'where generated passwords and the certificate are kept (default: .quire/ beside the config)',
    )
    .addOption(
      new Option('--dry-run [mode]', 'validate and merge on the server without changing anything').choices([
        'server',
      ]),
    )
    .option(
      '--strict',
      'fail when a CRD (Prometheus operator, cert-manager) is missing instead of skipping its objects',
    )
    .option('--timeout <duration>', 'how long to wait for each part', parseDuration, 600_000)
    .addHelpText(
      'after',
      `
Objects are applied server-side with the field manager "quire". Parts are applied in order
(storage, database, its bootstrap Job, web, edge, network policies, monitoring, logging); each
waits until its workloads are ready.

Examples:
  $ quire deploy
  $ quire deploy --context staging --config staging.yaml
  $ quire deploy --dry-run=server`,
    )
    .action(async (options: DeployCommandOptions) => {
      const config = await readConfig(options);
      const store = await SecretStore.open(stateDirectory(options));
      const files = buildManifests(config, store.valuesFor(config.namespace));
      const connection = await openCluster(options);
      const dryRun = options.dryRun !== undefined;
      // Keep the generated secrets before the cluster holds them, so they are never lost.
      if (!dryRun) await store.save();
      process.stdout.write(
        `${dryRun ? 'checking' : 'deploying'} ${config.name} to namespace ${config.namespace} (context ${connection.context})\n`,
      );
      const result = await deploy(connection, config, files, {
        dryRun,
        strict: options.strict ?? false,
        timeoutMs: options.timeout,
        log: (line) => process.stdout.write(`${line}\n`),
      });
      const parts = [`${dryRun ? 'the server accepted' : 'applied'} ${result.applied} objects`];
      if (result.skipped.length > 0) parts.push(`skipped ${result.skipped.length}`);
      if (result.pruned.length > 0)
        parts.push(`${dryRun ? 'would prune' : 'pruned'} ${result.pruned.length}`);
      process.stdout.write(`${parts.join(', ')}\n`);
      if (!dryRun)
        process.stdout.write(`site: https://${config.ingress.host}/  (quire status shows the stack)\n`);
    });
}
