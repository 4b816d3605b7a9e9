/**
 * The `quire` command. User errors print their message and exit with their code (2 for bad
 * input); anything else is a bug and prints its stack.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_USAGE, UserError } from '../config/errors.js';
import { LocalMariaDbError } from '../local/mariadb/errors.js';
import { LocalStackError } from '../local/stack/errors.js';
import { quireVersion } from './version.js';

/**
 * Each command's module, loaded when it is used: a process started for one command (`quire up`,
 * the supervisor, a web worker) does not load what the others need (the Kubernetes client, cdk8s,
 * the web app), about 1 s of module loading. In the order `quire --help` lists them.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  init: async () => (await import('./init-command.js')).initCommand(),
  synth: async () => (await import('./synth-command.js')).synthCommand(),
  chart: async () => (await import('./chart-command.js')).chartCommand(),
  deploy: async () => (await import('./deploy-command.js')).deployCommand(),
  diff: async () => (await import('./diff-command.js')).diffCommand(),
  status: async () => (await import('./status-command.js')).statusCommand(),
  doctor: async () => (await import('./doctor-command.js')).doctorCommand(),
  switchover: async () => (await import('./role-change-commands.js')).switchoverCommand(),
  failover: async () => (await import('./role-change-commands.js')).failoverCommand(),
  destroy: async () => (await import('./destroy-command.js')).destroyCommand(),
  schema: async () => (await import('./schema-command.js')).schemaCommand(),
  cluster: async () => (await import('./cluster-command.js')).clusterCommand(),
  serve: async () => (await import('./serve-command.js')).serveCommand(),
  up: async () => (await import('./up-command.js')).upCommand(),
  down: async () => (await import('./down-command.js')).downCommand(),
  local: async () => (await import('./local-command.js')).localCommand(),
  logs: async () => (await import('./logs-command.js')).logsCommand(),
  'failover-manager': async () => (await import('./failover-manager-command.js')).failoverManagerCommand(),
};

/** Commands the pods run, left out of `quire --help`. */
const HIDDEN = new Set(['failover-manager']);

/**
 * The program with the command `argv` names (as process.argv), or with every command when it names
 * none it knows (`quire --help`, `quire help up`, a typo that commander then points out).
 */
export async function quireProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('quire')
    .description('A web publication on Kubernetes, from one typed configuration (quire.yaml).')
    .version(quireVersion())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .exitOverride();
  const named = argv.slice(2).find((arg) => !arg.startsWith('-'));
  const names = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
  for (const name of names) {
    const command = await COMMANDS[name]?.();
    if (command === undefined) throw new Error(`no command ${name}`);
    program.addCommand(command.exitOverride().showHelpAfterError('(run with --help for usage)'), {
      hidden: HIDDEN.has(name),
    });
  }
  return program;
}

/** Run the CLI on `argv` (as process.argv) and return the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await (await quireProgram(argv)).parseAsync([...argv]);
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
