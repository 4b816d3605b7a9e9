import { Command, Option } from 'commander';
import {
  localStackStatus,
  localStateDir,
  requestRoleChange,
  runSupervisor,
  stackPaths,
  type ComponentStatus,
} from '../local/stack/index.js';
import { describeManagerStatus, describeRoleChange } from '../topology/describe.js';
import { formatTable } from '../util/table.js';
import type { ConfigOptions } from './config-option.js';
import { quireDirectory, withLocalOptions } from './local-options.js';

interface StatusOptions extends ConfigOptions {
  readonly output: 'table' | 'json';
}

function row(component: ComponentStatus): string[] {
  const dash = (value: number | string | null): string => (value === null ? '-' : String(value));
  return [
    component.component,
    component.role,
    dash(component.pid),
    dash(component.port),
    component.health,
    dash(component.restarts),
    component.lagSeconds === null ? '-' : `${component.lagSeconds}s`,
    dash(component.gtid === '' ? null : component.gtid),
    dash(component.reads),
    component.detail ?? '',
  ];
}

export function localCommand(): Command {
  const local = new Command('local').description(
    'the local stack of quire up (quire status is the Kubernetes one)',
  );
  local.addCommand(
    withLocalOptions(new Command('status'))
      .description(
        'show the local stack: DB roles, GTID positions, lag and reads served, web workers and restarts, TLS proxy',
      )
      .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
      .addHelpText('after', '\nExamples:\n  $ quire local status\n  $ quire local status --output json')
      .action(async (options: StatusOptions) => {
        const status = await localStackStatus(quireDirectory(options));
        if (options.output === 'json') {
          process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
          return;
        }
        const header = [
          'COMPONENT',
          'ROLE',
          'PID',
          'PORT',
          'HEALTH',
          'RESTARTS',
          'LAG',
          'GTID',
          'READS',
          'DETAIL',
        ];
        const lines = [
          status.components.length === 0
            ? `no local stack in ${status.stateDir}; start it with quire up`
            : formatTable(header, status.components.map(row)),
          ...status.components.flatMap((component) =>
            component.writes === undefined ? [] : [`  ${component.component}: ${component.writes.summary}`],
          ),
          ...(status.failover === undefined
            ? []
            : describeManagerStatus(status.failover, 'quire local failover --allow-data-loss')),
          ...(status.url === null ? [] : [`\nURL: ${status.url}`]),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
  );
  local.addCommand(
    withLocalOptions(new Command('switchover'))
      .description(
        'move the primary to another DB node on purpose, losing no write (writes pause well under a second)',
      )
      .option(
        '--to <node>',
        'the node to promote, e.g. quire-mariadb-1 (default: the replica that has the most)',
      )
      .addHelpText(
        'after',
        '\nExamples:\n  $ quire local switchover\n  $ quire local switchover --to quire-mariadb-2',
      )
      .action(async (options: ConfigOptions & { readonly to?: string }) => {
        const socket = stackPaths(localStateDir(quireDirectory(options))).controlSocket;
        const change = await requestRoleChange(socket, {
          kind: 'switchover',
          ...(options.to === undefined ? {} : { to: options.to }),
        });
        process.stdout.write(describeRoleChange(change));
      }),
  );
  local.addCommand(
    withLocalOptions(new Command('failover'))
      .description(
        'promote a replica although the failover manager waits because none is known to hold every acknowledged write',
      )
      .requiredOption(
        '--allow-data-loss',
        'accept that writes the primary acknowledged may be lost (the manager says which replica it takes and why)',
      )
      .addHelpText('after', '\nExamples:\n  $ quire local failover --allow-data-loss')
      .action(async (options: ConfigOptions) => {
        const socket = stackPaths(localStateDir(quireDirectory(options))).controlSocket;
        process.stdout.write(
          describeRoleChange(await requestRoleChange(socket, { kind: 'failover', allowDataLoss: true })),
        );
      }),
  );
  local.addCommand(
    new Command('supervise')
      .description('(run by quire up) the supervisor of the web workers and the TLS proxy')
      .requiredOption('--local-dir <dir>', 'the local stack state directory')
      .action(async (options: { localDir: string }) => {
        await runSupervisor(options.localDir);
        // Runs until SIGTERM (it exits itself).
        await new Promise<never>(() => undefined);
      }),
    { hidden: true },
  );
  return local;
}
