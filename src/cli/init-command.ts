import { access, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { commentedYaml } from '../config/commented-yaml.js';
import { UserError } from '../config/errors.js';
import { DEFAULT_CONFIG_FILE } from '../config/load.js';

export function initCommand(): Command {
  return new Command('init')
    .description('write a commented quire.yaml with every setting at its default (the seed system)')
    .option('-c, --config <file>', 'file to write', DEFAULT_CONFIG_FILE)
    .option('-f, --force', 'overwrite the file if it exists')
    .addHelpText('after', '\nExamples:\n  $ quire init\n  $ quire init --config staging.yaml\n')
    .action(async (options: { config: string; force?: boolean }) => {
      if (!options.force) {
        const exists = await access(options.config).then(
          () => true,
          () => false,
        );
        if (exists) {
          throw new UserError(
            'OUTPUT_EXISTS',
            `${options.config} already exists; edit it, or pass --force to replace it with the defaults`,
          );
        }
      }
      const text = commentedYaml({
        style: 'config',
        header: [
          'Quire configuration: one file for every target (`quire synth`, `quire chart`, `quire up`).',
          'Every key is optional; the values below are the defaults (the seed system).',
          'Check it with `quire synth --dry-run`; the JSON Schema is printed by `quire schema`.',
        ],
      });
      await writeFile(options.config, text, { flag: options.force ? 'w' : 'wx' });
      process.stdout.write(`wrote ${options.config}\n`);
    });
}
