import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { UserError } from '../config/errors.js';
import { downStack, localStateDir } from '../local/stack/index.js';
import type { ConfigOptions } from './config-option.js';
import { quireDirectory, withLocalOptions } from './local-options.js';

interface DownOptions extends ConfigOptions {
  readonly purge?: boolean;
  readonly yes?: boolean;
}

export function downCommand(): Command {
  return withLocalOptions(new Command('down'))
    .description('stop the local stack started by quire up (data kept; --purge removes it)')
    .option('--purge', 'also remove the data, logs and passwords of the local stack')
    .option('-y, --yes', 'do not ask before --purge removes the data')
    .addHelpText('after', '\nExamples:\n  $ quire down\n  $ quire down --purge --yes')
    .action(async (options: DownOptions) => {
      const quireDir = quireDirectory(options);
      if (options.purge === true && options.yes !== true) {
        if (!process.stdin.isTTY) {
          throw new UserError(
            'CONFIG_INVALID',
            `quire down --purge removes every post and password in ${localStateDir(quireDir)}; confirm with --yes`,
          );
        }
        const prompt = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await prompt.question(`Remove ${localStateDir(quireDir)} with all its data? [y/N] `);
        prompt.close();
        if (!/^y(es)?$/i.test(answer.trim())) {
          process.stdout.write('nothing removed\n');
          return;
        }
      }
      for (const line of await downStack(quireDir, options.purge === true)) process.stdout.write(`${line}\n`);
    });
}
