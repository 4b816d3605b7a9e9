import { Command, Option } from 'commander';
import { formatStatus, stackStatus } from '../cluster/stack-status.js';
import { openCluster, withClusterOptions } from './cluster-options.js';
import { readConfig, type ConfigOptions } from './config-option.js';

interface StatusOptions extends ConfigOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly output: 'table' | 'json';
}

export function statusCommand(): Command {
  return withClusterOptions(new Command('status'))
    .description('show the stack as it runs: DB roles, GTID positions and lag, web pods, autoscaler, Ingress')
    .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText(
      'after',
      '\nThis is the stack on Kubernetes; the local one of quire up has its own command, quire local status,\nso that neither can be mistaken for the other.\n\nExamples:\n  $ quire status\n  $ quire status --output json | jq .database',
    )
    .action(async (options: StatusOptions) => {
      const config = await readConfig(options);
      const status = await stackStatus(await openCluster(options), config);
      process.stdout.write(
        options.output === 'json' ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status),
      );
    });
}
