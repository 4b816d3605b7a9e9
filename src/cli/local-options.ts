import { resolve } from 'node:path';
import type { Command } from 'commander';
import { stateDirectory, withConfigOption, type ConfigOptions } from './config-option.js';

/** Adds `--config` and `--state-dir`, shared by the local stack's commands. */
export function withLocalOptions(command: Command): Command {
  return withConfigOption(command).option(
    '--state-dir <dir>',
    'the .quire directory (secrets; the local stack in its local/ subdirectory) (default: .quire beside the configuration)',
  );
}

/** The `.quire` directory: the same one `quire synth` keeps the certificate in. */
export function quireDirectory(options: ConfigOptions): string {
  return resolve(stateDirectory(options));
}
