import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Listr } from 'listr2';
import { DEFAULT_CONFIG_FILE } from '../config/load.js';
import { planUp, writeUpTimings, type UpPhase, type UpTimings } from '../local/stack/index.js';
import { quireCommand } from './command-name.js';
import { readConfig, type ConfigOptions } from './config-option.js';
import { quireDirectory, withLocalOptions } from './local-options.js';

interface UpOptions extends ConfigOptions {
  readonly httpsPort?: number;
  readonly httpPort?: number;
}

const port = (value: string): number => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a port (1-65535)`);
  }
  return number;
};

export function upCommand(): Command {
  return withLocalOptions(new Command('up'))
    .description(
      'run the whole stack on this machine: MariaDB primary + replicas, the web workers, TLS (idempotent)',
    )
    .addOption(
      new Option('--https-port <port>', 'loopback HTTPS port (default: the last run’s, else 8443)').argParser(
        port,
      ),
    )
    .addOption(
      new Option(
        '--http-port <port>',
        'loopback HTTP port redirecting to HTTPS (default: the last run’s, else 8080)',
      ).argParser(port),
    )
    .addHelpText(
      'after',
      [
        '',
        'Runs what quire.yaml describes (database.replicas DB nodes, web.replicas workers, ingress.host)',
        'as local processes, its state in .quire/local. Running parts are left alone, stopped ones started',
        'again, a replica whose data directory was removed is cloned again. A supervisor restarts a',
        'crashed worker or DB node. The local commands: quire up, quire down, quire local status,',
        'quire logs (quire status is the Kubernetes one).',
        '',
        'Examples:',
        '  $ quire up',
        '  $ quire up --https-port 9443 --http-port 9080',
      ].join('\n'),
    )
    .action(async (options: UpOptions) => {
      const config = await readConfig(options);
      // The workers read the same file (./quire.yaml when none is named and it is there).
      const configFile =
        options.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? resolve(DEFAULT_CONFIG_FILE) : undefined);
      const up = planUp({
        config,
        quireDir: quireDirectory(options),
        ...(configFile === undefined ? {} : { configFile }),
        ...(options.httpsPort === undefined ? {} : { httpsPort: options.httpsPort }),
        ...(options.httpPort === undefined ? {} : { httpPort: options.httpPort }),
      });
      const started = Date.now();
      const steps: UpTimings['steps'][number][] = [];
      const tasks = new Listr(
        up.steps.map((step) => ({
          title: step.title,
          task: async (_context: unknown, task: { title: string }) => {
            const stepStarted = Date.now();
            const phases: UpPhase[] = [];
            const detail = await step.run((phase) => phases.push(phase));
            const ms = Date.now() - stepStarted;
            steps.push({ title: step.title, ms, phases });
            task.title = `${step.title} (${(ms / 1000).toFixed(1)}s)${detail === undefined ? '' : `: ${detail}`}`;
          },
        })),
        { concurrent: false, exitOnError: true, fallbackRenderer: 'simple' },
      );
      try {
        await tasks.run();
      } catch (error) {
        process.stderr.write('quire up failed; stopping what it started\n');
        await up.rollback();
        throw error;
      }
      const result = up.result();
      const totalMs = Date.now() - started;
      writeUpTimings(quireDirectory(options), {
        version: 1,
        finishedAt: new Date().toISOString(),
        totalMs,
        steps,
      });
      const quire = quireCommand();
      const lines = [
        '',
        `Quire is up in ${(totalMs / 1000).toFixed(1)}s: ${result.url}`,
        `  ${result.host} must resolve to 127.0.0.1: add "127.0.0.1 ${result.host}" to /etc/hosts, or`,
        `  curl --cacert ${result.certificateFile} --resolve ${result.host}:${result.httpsPort}:127.0.0.1 ${result.url}`,
        `  http://${result.host}:${result.httpPort}/ redirects to HTTPS; the certificate is self-signed (${result.certificateFile}).`,
        ...(result.ownerLogin === undefined
          ? ['  Admin login: the owner account made on the first run (its password was shown then).']
          : [
              `  Admin login: ${new URL('/admin/login', result.url).toString()}`,
              `    email:    ${result.ownerLogin.email}`,
              `    password: ${result.ownerLogin.password}   (shown this once; change it under Account)`,
            ]),
        `  See it run: ${quire} local status, ${quire} logs [component] [-f]`,
        `  Stop it: ${quire} down (data kept), ${quire} down --purge (data removed)`,
        '',
      ];
      process.stdout.write(lines.join('\n'));
    });
}
