/**
 * The app's settings at start: the configuration file's `web.app` block, then the environment the
 * web Deployment sets (QUIRE_*), then the command line. Secrets come from QUIRE_DB_PASSWORD and
 * QUIRE_SESSION_SECRET or from the files named by their `_FILE` variants. Every problem is
 * reported at once.
 */
import { readFileSync } from 'node:fs';
import { appConfigFromEnvironment } from '../config/app-environment.js';
import { UserError } from '../config/errors.js';
import type { QuireConfig } from '../config/schema.js';
import type { DatabaseOptions, DbEndpoint } from '../db/index.js';
import type { WebAppSettings } from './web-app-settings.js';

export interface ServeFlags {
  readonly primary?: string;
  readonly replica?: readonly string[];
  readonly readService?: string;
  readonly port?: string;
  readonly host?: string;
  readonly publicUrl?: string;
}

export interface ServeSettings {
  readonly app: WebAppSettings;
  readonly database: Omit<DatabaseOptions, 'metrics' | 'onReplicaChange'>;
  readonly port: number;
  readonly host: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** A secret from `NAME` or from the file `NAME_FILE` names (trailing newline dropped). */
function secret(env: Env, name: string, problems: string[]): string | undefined {
  const file = env[`${name}_FILE`];
  if (file !== undefined && env[name] !== undefined) {
    problems.push(`${name} and ${name}_FILE are both set; set one`);
    return undefined;
  }
  if (file === undefined) return env[name];
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    problems.push(
      `${name}_FILE names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
    return undefined;
  }
}

function endpoint(
  text: string,
  defaultPort: number,
  what: string,
  problems: string[],
  name?: string,
): DbEndpoint | undefined {
  const match = /^([^:\s]+)(?::(\d{1,5}))?$/.exec(text.trim());
  const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (match?.[1] === undefined || port < 1 || port > 65535) {
    problems.push(`${what} "${text}" is not host or host:port (example: db-0.db:3306)`);
    return undefined;
  }
  return { host: match[1], port, name: name ?? `${match[1]}:${port}` };
}

function integer(
  text: string | undefined,
  what: string,
  min: number,
  max: number,
  problems: string[],
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${what} is "${text}"; give a whole number from ${min} to ${max}`);
    return undefined;
  }
  return value;
}

export function serveSettings(config: QuireConfig, env: Env, flags: ServeFlags): ServeSettings {
  const problems: string[] = [];
  const app = appConfigFromEnvironment(config.web.app, env);
  const dbPort = integer(env.QUIRE_DB_PORT, 'QUIRE_DB_PORT', 1, 65535, problems) ?? 3306;
  const primaryText = flags.primary ?? env.QUIRE_DB_PRIMARY_HOST;
  const primary =
    primaryText === undefined
      ? (problems.push('no primary database: pass --primary host:port or set QUIRE_DB_PRIMARY_HOST'),
        undefined)
      : endpoint(primaryText, dbPort, 'the primary', problems, 'primary');
  const replicaTexts = flags.replica ?? [];
  const readServiceText =
    flags.readService ?? (replicaTexts.length === 0 ? env.QUIRE_DB_READ_HOST : undefined);
  if (replicaTexts.length > 0 && flags.readService !== undefined) {
    problems.push('give either --replica or --read-service, not both');
  }
  const replicas = replicaTexts.flatMap((text, index) => {
    const found = endpoint(text, dbPort, `replica ${index + 1}`, problems, `replica-${index + 1}`);
    return found === undefined ? [] : [found];
  });
  const readService =
    readServiceText === undefined
      ? undefined
      : endpoint(readServiceText, dbPort, 'the read service', problems, 'read-service');
  const password = secret(env, 'QUIRE_DB_PASSWORD', problems);
  if (password === undefined && !problems.some((problem) => problem.startsWith('QUIRE_DB_PASSWORD'))) {
    problems.push('no database password: set QUIRE_DB_PASSWORD or QUIRE_DB_PASSWORD_FILE');
  }
  const sessionSecret = secret(env, 'QUIRE_SESSION_SECRET', problems);
  if (sessionSecret === undefined || sessionSecret.length < 32) {
    if (!problems.some((problem) => problem.startsWith('QUIRE_SESSION_SECRET'))) {
      problems.push(
        `QUIRE_SESSION_SECRET (or QUIRE_SESSION_SECRET_FILE) must hold at least 32 characters${sessionSecret === undefined ? '' : ` (it has ${sessionSecret.length})`}; make one with: openssl rand -base64 32`,
      );
    }
  }
  const port =
    integer(flags.port ?? env.QUIRE_PORT, 'the port (--port or QUIRE_PORT)', 1, 65535, problems) ?? 8080;
  const publicUrlText = flags.publicUrl ?? env.QUIRE_PUBLIC_URL ?? `http://localhost:${port}`;
  let publicUrl: URL | undefined;
  try {
    publicUrl = new URL(publicUrlText);
    if (publicUrl.protocol !== 'http:' && publicUrl.protocol !== 'https:') throw new TypeError('not http(s)');
  } catch {
    problems.push(
      `the public URL "${publicUrlText}" is not an http(s) URL (example: https://blog.example.com)`,
    );
  }
  const lag =
    integer(env.QUIRE_DB_MAX_REPLICA_LAG_SECONDS, 'QUIRE_DB_MAX_REPLICA_LAG_SECONDS', 1, 86400, problems) ??
    config.database.maxReplicationLagSeconds;
  if (
    problems.length > 0 ||
    primary === undefined ||
    publicUrl === undefined ||
    password === undefined ||
    sessionSecret === undefined
  ) {
    throw new UserError(
      'CONFIG_INVALID',
      `quire serve cannot start (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
  }
  return {
    port,
    host: flags.host ?? '0.0.0.0',
    database: {
      primary,
      ...(readService === undefined ? { replicas } : { readService }),
      database: env.QUIRE_DB_NAME ?? config.database.name,
      user: env.QUIRE_DB_USER ?? config.database.user,
      password,
      maxReplicaLagSeconds: lag,
      readYourWritesTimeoutMs: app.readYourWritesTimeoutMs,
    },
    app: {
      publicUrl,
      sessionSecret,
      mediaDir: app.mediaDir,
      maxUploadBytes: app.maxUploadMegabytes * 1024 * 1024,
      postsPerPage: app.postsPerPage,
      trustProxy: app.trustProxy,
      pageCache: app.pageCache,
    },
  };
}
