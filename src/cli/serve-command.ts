import { Command } from 'commander';
import { serveSettings, type ServeFlags } from '../web/serve-settings.js';
import { startServer } from '../web/start-server.js';
import { readConfig, withConfigOption, type ConfigOptions } from './config-option.js';

interface ServeOptions extends ConfigOptions, ServeFlags {}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function serveCommand(): Command {
  return withConfigOption(new Command('serve'))
    .description('run the Quire web app: reads from the replicas, writes to the primary')
    .option('--primary <host:port>', 'the primary database (default: $QUIRE_DB_PRIMARY_HOST:$QUIRE_DB_PORT)')
    .option('--replica <host:port>', 'a replica to read from; repeat for each', collect)
    .option(
      '--read-service <host:port>',
      'one read endpoint in front of the replicas (default: $QUIRE_DB_READ_HOST)',
    )
    .option('--port <port>', 'port to listen on (default: $QUIRE_PORT, else 8080)')
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--public-url <url>', 'where visitors reach the site (default: $QUIRE_PUBLIC_URL)')
    .addHelpText(
      'after',
      '\nSecrets come from the environment: QUIRE_DB_PASSWORD (or QUIRE_DB_PASSWORD_FILE) and\nQUIRE_SESSION_SECRET (or QUIRE_SESSION_SECRET_FILE, at least 32 characters).\n\nExample:\n  $ QUIRE_DB_PASSWORD=... QUIRE_SESSION_SECRET=$(openssl rand -base64 32) \\\n    quire serve --primary 127.0.0.1:3306 --replica 127.0.0.1:3307 --public-url http://localhost:8080',
    )
    .action(async (options: ServeOptions) => {
      const config = await readConfig(options);
      const server = await startServer(serveSettings(config, process.env, options));
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals): void => {
          server.app.log.info({ signal }, 'shutting down');
          void server.close().then(resolve, (error: unknown) => {
            server.app.log.error({ err: error }, 'shutdown failed');
            resolve();
          });
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
