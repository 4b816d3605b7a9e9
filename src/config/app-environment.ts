/**
 * The `web.app` block as environment variables, one per field: the web Deployment sets them from
 * the configuration, and `quire serve` reads them back over its configuration file. Both sides
 * use this table, and the values are validated by the same schema as the file.
 */
import { ConfigError } from './errors.js';
import { parseConfig } from './load.js';
import type { QuireConfig } from './schema.js';

export type AppConfig = QuireConfig['web']['app'];

/** Variable → path of the field inside `web.app`. */
export const APP_ENVIRONMENT: Readonly<Record<string, readonly string[]>> = {
  QUIRE_POSTS_PER_PAGE: ['postsPerPage'],
  QUIRE_MEDIA_DIR: ['mediaDir'],
  QUIRE_MAX_UPLOAD_MEGABYTES: ['maxUploadMegabytes'],
  QUIRE_READ_YOUR_WRITES_TIMEOUT_MS: ['readYourWritesTimeoutMs'],
  QUIRE_TRUST_PROXY: ['trustProxy'],
  QUIRE_PAGE_CACHE_ENABLED: ['pageCache', 'enabled'],
  QUIRE_PAGE_CACHE_MAX_ENTRIES: ['pageCache', 'maxEntries'],
  QUIRE_PAGE_CACHE_CHECK_INTERVAL_MS: ['pageCache', 'versionCheckIntervalMs'],
};

function fieldOf(app: AppConfig, path: readonly string[]): unknown {
  let value: unknown = app;
  for (const key of path) value = (value as Record<string, unknown>)[key];
  return value;
}

/** The variables for `app`. */
export function appEnvironment(app: AppConfig): Record<string, string> {
  return Object.fromEntries(
    Object.entries(APP_ENVIRONMENT).map(([name, path]) => [name, String(fieldOf(app, path))]),
  );
}

/** Numbers and booleans as the schema expects them; anything else stays text (and fails there). */
function typed(text: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/** `app` with the variables set in `env` applied, validated; problems name the variables. */
export function appConfigFromEnvironment(
  app: AppConfig,
  env: Readonly<Record<string, string | undefined>>,
): AppConfig {
  const merged = structuredClone(app) as Record<string, unknown>;
  for (const [name, path] of Object.entries(APP_ENVIRONMENT)) {
    const text = env[name];
    if (text === undefined) continue;
    let target = merged;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
    target[path.at(-1) ?? name] = typed(text);
  }
  try {
    return parseConfig({ web: { app: merged } }, 'the QUIRE_* environment').web.app;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const variable = (path: string): string =>
      Object.entries(APP_ENVIRONMENT).find(([, field]) => `web.app.${field.join('.')}` === path)?.[0] ?? path;
    throw new ConfigError(
      'the QUIRE_* environment',
      error.problems.map((problem) => ({ ...problem, path: variable(problem.path) })),
    );
  }
}
