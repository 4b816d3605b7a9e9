import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load.js';
import type { QuireConfig } from '../config/schema.js';

export interface ConfigOptions {
  readonly config?: string;
  readonly stateDir?: string;
}

/** Adds `--config`, shared by every command that reads quire.yaml. */
export function withConfigOption(command: Command): Command {
  return command.option(
    '-c, --config <file>',
    `configuration file (default: ./${DEFAULT_CONFIG_FILE} if present, else the defaults)`,
  );
}

/** The configuration the user named, or ./quire.yaml when present, or the defaults. */
export function readConfig(options: ConfigOptions): Promise<QuireConfig> {
  return loadConfig(options.config ?? DEFAULT_CONFIG_FILE, options.config !== undefined);
}

/** Where generated secrets are kept: `--state-dir`, else `.quire/` beside the configuration. */
export function stateDirectory(options: ConfigOptions): string {
  return options.stateDir ?? join(dirname(options.config ?? DEFAULT_CONFIG_FILE), '.quire');
}
