import { Command } from 'commander';
import { diff } from '../cluster/diff.js';
import { buildManifests } from '../k8s/quire-manifests.js';
import { SecretStore } from '../secrets/secret-store.js';
import { formatTable } from '../util/table.js';
import { openCluster, withClusterOptions } from './cluster-options.js';
import { readConfig, stateDirectory, type ConfigOptions } from './config-option.js';

interface DiffOptions extends ConfigOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
}

export function diffCommand(): Command {
  return withClusterOptions(new Command('diff'))
    .description('show what `quire deploy` would create, change (field paths, never values) and prune')
    .option('--state-dir <dir>', 'where generated passwords and the certificate are kept')
    .addHelpText(
      'after',
      '\nExit code 0 when nothing would change, 3 when something would. Objects whose kind the cluster does\nnot serve (a missing operator) are listed as skip, as `quire deploy` skips them.\n\nExamples:\n  $ quire diff\n  $ quire diff --context prod',
    )
    .action(async (options: DiffOptions) => {
      const config = await readConfig(options);
      const store = await SecretStore.open(stateDirectory(options));
      const files = buildManifests(config, store.valuesFor(config.namespace));
      const changes = await diff(await openCluster(options), config, files);
      const changing = changes.filter((change) => change.action !== 'skip');
      const rows = changes.map((change) => [
        change.action,
        change.object,
        change.paths.slice(0, 6).join(' ') + (change.paths.length > 6 ? ' …' : ''),
      ]);
      if (rows.length > 0) process.stdout.write(`${formatTable(['action', 'object', 'fields'], rows)}\n`);
      if (changing.length === 0) {
        process.stdout.write('no changes\n');
        return;
      }
      process.exitCode = 3;
    });
}
