import { createConnection, type Connection } from 'mysql2/promise';
import type { Endpoint, Login } from './model.js';

/**
 * A connection that gives up connecting after `timeoutMs`. mysql2 throws a failure of an idle
 * connection as an 'error' event, which would end the process without a listener; here it
 * surfaces instead as the rejection of the next query, and `onLost` is told.
 */
export async function openConnection(
  endpoint: Endpoint,
  login: Omit<Login, 'database'> & { readonly database?: string },
  timeoutMs: number,
  onLost: () => void = () => undefined,
): Promise<Connection> {
  const connection = await createConnection({
    host: endpoint.host,
    port: endpoint.port,
    user: login.user,
    password: login.password,
    ...(login.database === undefined ? {} : { database: login.database }),
    connectTimeout: timeoutMs,
    // CHECKSUM TABLE's value is a BIGINT: compared as a string, not rounded to a double.
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  connection.on('error', onLost);
  connection.on('end', onLost);
  return connection;
}

/** The error's code (and number, for the server's) and message, on one line. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code } = error as { code?: unknown };
  // mysql2 names MySQL's error numbers, not MariaDB's own (e.g. 1927).
  const tag = isServerError(error)
    ? `${typeof code === 'string' ? code : 'server error'} (${error.errno})`
    : typeof code === 'string'
      ? code
      : error.name;
  return error.message === '' ? tag : `${tag}: ${error.message}`;
}

/**
 * Whether the server answered with an ERR packet: mysql2 gives those a `sqlState` and the
 * server's (positive) error number; Node's socket errors have a negative `errno` and no `sqlState`.
 */
export function isServerError(error: unknown): error is Error & { errno: number; sqlState: string } {
  if (!(error instanceof Error)) return false;
  const { errno, sqlState } = error as { errno?: unknown; sqlState?: unknown };
  return typeof sqlState === 'string' && typeof errno === 'number' && errno > 0;
}
