import { InvalidArgumentError, type Command } from 'commander';
import {
  checkReachable,
  connect,
  type ClusterConnection,
  type ConnectionOptions,
} from '../cluster/connection.js';
import { withConfigOption } from './config-option.js';

/** Adds `--config`, `--kubeconfig` and `--context`, shared by the commands that talk to a cluster. */
export function withClusterOptions(command: Command): Command {
  return withConfigOption(command)
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: the current one)');
}

/** Connect and check the API server answers, before anything is read or changed. */
export async function openCluster(options: ConnectionOptions): Promise<ClusterConnection> {
  const connection = connect(options);
  await checkReachable(connection);
  return connection;
}

/** `90`, `90s`, `10m`, `1h` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h)?$/.exec(text);
  if (!match) throw new InvalidArgumentError('expected a duration such as 90s, 10m or 1h');
  const factor = { s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  return Number(match[1]) * factor;
}
