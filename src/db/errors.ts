/**
 * Errors of the database layer that the web app turns into pages: an unreachable database is a
 * 503 (retry later), not a 500. Each carries a stable code and the endpoint it concerns.
 */

export type DbErrorCode = 'DB_UNAVAILABLE' | 'DB_PRIMARY_UNAVAILABLE' | 'DB_MIGRATION_FAILED';

/** A database server could not be reached or dropped the connection. */
export class DatabaseUnavailableError extends Error {
  override readonly name: string = 'DatabaseUnavailableError';
  /** The HTTP status a request failing with this error should get. */
  readonly statusCode = 503;
  constructor(
    /** `host:port` or the endpoint's name. */
    readonly endpoint: string,
    override readonly cause: unknown,
    readonly code: DbErrorCode = 'DB_UNAVAILABLE',
    message = `database ${endpoint} is unavailable (${describe(cause)}); retry shortly`,
  ) {
    super(message, { cause });
  }
}

/**
 * The primary cannot take writes now: down, restarting, refusing connections, or the write endpoint
 * still leads to a read-only server (a demoted primary or a replica, during a failover). Pages
 * answer 503; the next write tries again on a fresh connection, so service resumes by itself when
 * the primary is back or the endpoint leads to the new one. A write that lost its connection while
 * its COMMIT was in flight may or may not be applied; one refused as read-only was not.
 */
export class PrimaryUnavailableError extends DatabaseUnavailableError {
  override readonly name = 'PrimaryUnavailableError';
  constructor(endpoint: string, cause: unknown) {
    super(
      endpoint,
      cause,
      'DB_PRIMARY_UNAVAILABLE',
      `the primary database ${endpoint} is unavailable (${describe(cause)}); writes fail until it is back`,
    );
  }
}

/** A migration failed; nothing after it ran. */
export class MigrationFailedError extends Error {
  override readonly name = 'MigrationFailedError';
  readonly code: DbErrorCode = 'DB_MIGRATION_FAILED';
  constructor(
    /** The migration that failed, if one did (else the migrator itself failed). */
    readonly migration: string | undefined,
    override readonly cause: unknown,
  ) {
    super(
      migration === undefined
        ? `migrations could not run: ${describe(cause)}`
        : `migration ${migration} failed: ${describe(cause)}; later migrations were not run`,
      { cause },
    );
  }
}

/** Error codes of mysql2 and MariaDB that mean the server is unreachable or the connection is gone. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  // The server is shutting down, killed the connection, or has no connection to spare.
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_CON_COUNT_ERROR',
]);

/** Whether an error from mysql2 means "cannot reach the server", as opposed to an SQL error. */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, fatal } = error as { code?: unknown; fatal?: unknown };
  return fatal === true || (typeof code === 'string' && CONNECTION_CODES.has(code));
}

/** ER_OPTION_PREVENTS_STATEMENT: "The MariaDB server is running with the %s option so ...". */
const OPTION_PREVENTS_STATEMENT = 1290;

/**
 * Whether a server refused a statement because it is read-only (`@@read_only = 1`): the write
 * reached a replica or a demoted primary, not the primary. MariaDB says ER_OPTION_PREVENTS_STATEMENT
 * naming `--read-only`, for the statement and for the COMMIT of a transaction that wrote before
 * read_only was set. The same errno names other options (`--secure-file-priv`), hence the name
 * check; the option's name is not translated (lc_messages).
 */
export function isReadOnlyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { errno, message } = error as { errno?: unknown; message?: unknown };
  return (
    errno === OPTION_PREVENTS_STATEMENT && typeof message === 'string' && message.includes('--read-only')
  );
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code)
      ? `${code}: ${cause.message}`
      : cause.message;
  }
  return String(cause);
}
