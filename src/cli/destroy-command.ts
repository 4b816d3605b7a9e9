import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { destroy } from '../cluster/destroy.js';
import { UserError } from '../config/errors.js';
import { openCluster, parseDuration, withClusterOptions } from './cluster-options.js';
import { readConfig, type ConfigOptions } from './config-option.js';

interface DestroyOptions extends ConfigOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly purge?: boolean;
  readonly yes?: boolean;
  readonly timeout: number;
}

async function confirmed(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

export function destroyCommand(): Command {
  return withClusterOptions(new Command('destroy'))
    .description(
      'remove the stack from the cluster; data volumes and generated passwords stay unless --purge',
    )
    .option('--purge', 'also delete the data volumes (PVCs) and the generated password Secrets')
    .option('-y, --yes', 'do not ask before purging')
    .option(
      '--timeout <duration>',
      'how long to wait for the deleted objects to be gone',
      parseDuration,
      300_000,
    )
    .addHelpText('after', '\nExamples:\n  $ quire destroy\n  $ quire destroy --purge --yes')
    .action(async (options: DestroyOptions) => {
      const config = await readConfig(options);
      const connection = await openCluster(options);
      if (options.purge && !options.yes) {
        const question = `Delete ${config.name} in ${config.namespace} (context ${connection.context}) WITH its data? [y/N] `;
        if (!(await confirmed(question))) {
          throw new UserError('OUTPUT_EXISTS', 'not purged: confirm at the prompt, or pass --yes');
        }
      }
      const result = await destroy(connection, config, {
        purge: options.purge ?? false,
        timeoutMs: options.timeout,
        log: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write(`deleted ${result.deleted.length} objects, kept ${result.kept.length}\n`);
    });
}
