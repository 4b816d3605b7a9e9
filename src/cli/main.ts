/**
 * The `quire` command. User errors print their message and exit with their code (2 for bad
 * input); anything else is a bug and prints its stack.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_USAGE, UserError } from '../config/errors.js';
import { LocalMariaDbError } from '../local/mariadb/errors.js';
import { LocalStackError } from '../local/stack/errors.js';
import { chartCommand, quireVersion } from './chart-command.js';
import { clusterCommand } from './cluster-command.js';
import { deployCommand } from './deploy-command.js';
import { destroyCommand } from './destroy-command.js';
import { diffCommand } from './diff-command.js';
import { doctorCommand } from './doctor-command.js';
import { downCommand } from './down-command.js';
import { initCommand } from './init-command.js';
import { localCommand } from './local-command.js';
import { logsCommand } from './logs-command.js';
import { schemaCommand } from './schema-command.js';
import { serveCommand } from './serve-command.js';
import { statusCommand } from './status-command.js';
import { synthCommand } from './synth-command.js';
import { upCommand } from './up-command.js';

export function quireProgram(): Command {
  const program = new Command('quire')
    .description('A web publication on Kubernetes, from one typed configuration (quire.yaml).')
    .version(quireVersion())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .exitOverride();
  const commands = [
    initCommand(),
    synthCommand(),
    chartCommand(),
    deployCommand(),
    diffCommand(),
    statusCommand(),
    doctorCommand(),
    destroyCommand(),
    schemaCommand(),
    clusterCommand(),
    serveCommand(),
    upCommand(),
    downCommand(),
    localCommand(),
    logsCommand(),
  ];
  for (const command of commands) {
    program.addCommand(command.exitOverride().showHelpAfterError('(run with --help for usage)'));
  }
  return program;
}

/** Run the CLI on `argv` (as process.argv) and return the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await quireProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (
      error instanceof UserError ||
      error instanceof LocalMariaDbError ||
      error instanceof LocalStackError
    ) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(
      `internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
