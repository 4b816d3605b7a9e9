/**
 * `quire switchover` and `quire failover --allow-data-loss`: the Kubernetes stack's role changes,
 * carried out by its failover manager (the local stack's are `quire local switchover|failover`).
 */
import { Command } from 'commander';
import { requestRoleChange } from '../cluster/role-change.js';
import { describeRoleChange } from '../topology/describe.js';
import type { RoleChangeCommand } from '../topology/failover-manager.js';
import { openCluster, withClusterOptions } from './cluster-options.js';
import { readConfig, type ConfigOptions } from './config-option.js';

interface ClusterCommandOptions extends ConfigOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
}

async function changeRoles(options: ClusterCommandOptions, command: RoleChangeCommand): Promise<void> {
  const config = await readConfig(options);
  const change = await requestRoleChange(await openCluster(options), config, command, (line) => {
    process.stderr.write(`${line}\n`);
  });
  process.stdout.write(describeRoleChange(change));
}

export function switchoverCommand(): Command {
  return withClusterOptions(new Command('switchover'))
    .description(
      'move the primary to another DB pod on purpose, losing no write (writes pause well under a second)',
    )
    .option('--to <pod>', 'the pod to promote, e.g. quire-mariadb-1 (default: the replica that has the most)')
    .addHelpText(
      'after',
      "\nThe failover manager carries it out; use it before draining the primary's node or upgrading MariaDB.\n\nExamples:\n  $ quire switchover\n  $ quire switchover --to quire-mariadb-2",
    )
    .action(async (options: ClusterCommandOptions & { readonly to?: string }) => {
      await changeRoles(options, {
        kind: 'switchover',
        ...(options.to === undefined ? {} : { to: options.to }),
      });
    });
}

export function failoverCommand(): Command {
  return withClusterOptions(new Command('failover'))
    .description(
      'promote a replica although the failover manager waits because none is known to hold every acknowledged write',
    )
    .requiredOption(
      '--allow-data-loss',
      'accept that writes the primary acknowledged may be lost (the manager says which replica it takes and why)',
    )
    .addHelpText('after', '\nExamples:\n  $ quire failover --allow-data-loss')
    .action(async (options: ClusterCommandOptions) => {
      await changeRoles(options, { kind: 'failover', allowDataLoss: true });
    });
}
