import { Command, Option } from 'commander';
import { UserError } from '../config/errors.js';
import { diagnose, formatFindings, summarizeFindings, takeSnapshot } from '../doctor/index.js';
import { openCluster, withClusterOptions } from './cluster-options.js';
import { readConfig, type ConfigOptions } from './config-option.js';

interface DoctorOptions extends ConfigOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
  readonly output: 'table' | 'json';
}

export function doctorCommand(): Command {
  return withClusterOptions(new Command('doctor'))
    .description(
      'find what is broken in the stack and say why: storage, pod network, limits, images, replication, autoscaler, Ingress, Secrets',
    )
    .option('-n, --namespace <name>', "namespace to examine (default: the configuration's namespace)")
    .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText(
      'after',
      `
Read-only: it lists objects, reads logs of crashing containers and runs the DB pods' report
script, and never changes the cluster. Each finding has a stable id (docs/errors.md), the
evidence it was read from, the likely cause and the fix. Exit code 1 when there is an error,
0 when there are only warnings or nothing.

Examples:
  $ quire doctor
  $ quire doctor --context staging --namespace blog
  $ quire doctor --output json | jq '.findings[].id'`,
    )
    .action(async (options: DoctorOptions) => {
      const loaded = await readConfig(options);
      const config = options.namespace ? { ...loaded, namespace: options.namespace } : loaded;
      const connection = await openCluster(options);
      const findings = diagnose(await takeSnapshot(connection, config));
      const scope = { namespace: config.namespace, context: connection.context };
      process.stdout.write(
        options.output === 'json'
          ? `${JSON.stringify({ ...scope, summary: summarizeFindings(findings), findings }, null, 2)}\n`
          : formatFindings(findings, scope),
      );
      const errors = findings.filter((entry) => entry.severity === 'error').length;
      if (errors > 0)
        throw new UserError(
          'DOCTOR_FOUND_ERRORS',
          `quire doctor found ${summarizeFindings(findings)} in namespace ${config.namespace}`,
          1,
        );
    });
}
