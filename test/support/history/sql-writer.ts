/**
 * The direct-SQL writer: single-row autocommit INSERTs into the history's table on the write
 * endpoint, over one connection that is dropped after any error and opened again, to wherever the
 * endpoint is then, before the next attempt.
 */
import { escapeId, type Connection, type RowDataPacket } from 'mysql2/promise';
import { describeError, isServerError, openConnection } from './connection.js';
import type { AttemptResult, Endpoint, HistoryWriter, Login, Outcome } from './model.js';

/**
 * The direct-SQL writers' table. `id` is not unique on purpose: a write applied twice must show as
 * two rows, not be refused by a key. It compares as bytes (ids are ASCII), so that a prefix matches
 * one writer's ids only, whatever the database's case-insensitive collation.
 */
export const HISTORY_TABLE = 'quire_history';

export async function createHistoryTable(endpoint: Endpoint, login: Login, timeoutMs: number): Promise<void> {
  const connection = await openConnection(endpoint, login, timeoutMs);
  try {
    await connection.query({
      sql:
        `CREATE TABLE IF NOT EXISTS ${escapeId(HISTORY_TABLE)} ` +
        '(seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, ' +
        'id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL, KEY (id)) ' +
        'ENGINE = InnoDB',
      timeout: timeoutMs,
    });
  } finally {
    connection.destroy();
  }
}

/**
 * Server errors that can end a statement that is committing, so that its transaction may already
 * be in the binary log (which crash recovery commits): the server shutting down (1053), the
 * session or query being killed (1927, 1317; a KILL, or a failover ending sessions), the
 * statement's time running out (1969), the commit itself failing (1180).
 */
const AMBIGUOUS_SERVER_ERRORS: ReadonlySet<number> = new Set([1053, 1180, 1317, 1927, 1969]);

/**
 * What an INSERT that rejected says about whether it was applied, given that the connection was
 * open and in autocommit mode when it was sent (a failure to connect is always `failed`: nothing
 * was sent).
 * - An ERR packet from the server (a server error number and a SQL state): under autocommit a
 *   refused statement is rolled back whole, so `failed` (1290 read-only, 1205 lock wait timeout,
 *   1213 deadlock, 1146 no such table, ...), except AMBIGUOUS_SERVER_ERRORS: `unknown`.
 * - Any other error is the client's: the socket failed (ECONNRESET, EPIPE), the server closed it
 *   (PROTOCOL_CONNECTION_LOST), the query timed out (PROTOCOL_SEQUENCE_TIMEOUT), the connection
 *   was already closed. The statement may have reached the server and committed there: `unknown`.
 */
export function insertErrorOutcome(error: unknown): Outcome {
  return isServerError(error) && !AMBIGUOUS_SERVER_ERRORS.has(error.errno) ? 'failed' : 'unknown';
}

export interface SqlWriterOptions {
  readonly name: string;
  /** The write endpoint, asked again before each new connection. */
  readonly write: () => Endpoint;
  readonly login: Login;
  readonly connectTimeoutMs: number;
  /** How long an INSERT may take before the writer gives up on it (`unknown`) and reconnects. */
  readonly queryTimeoutMs: number;
}

export function sqlWriter(options: SqlWriterOptions): HistoryWriter {
  const table = escapeId(HISTORY_TABLE);
  let connection: Connection | undefined;

  /** A new connection to the write endpoint, with autocommit on (insertErrorOutcome relies on it). */
  const connect = async (): Promise<Connection> => {
    // Only forgotten when lost: mysql2 closes it itself, and a query in flight must get its error.
    const opened = await openConnection(options.write(), options.login, options.connectTimeoutMs, () => {
      if (connection === opened) connection = undefined;
    });
    try {
      await opened.query({ sql: 'SET SESSION autocommit = 1', timeout: options.queryTimeoutMs });
    } catch (error) {
      opened.destroy();
      throw error;
    }
    return opened;
  };

  return {
    name: options.name,
    tables: [HISTORY_TABLE],
    async attempt(id: string): Promise<AttemptResult> {
      let current = connection;
      if (current === undefined) {
        try {
          current = connection = await connect();
        } catch (error) {
          return { outcome: 'failed', error: describeError(error) };
        }
      }
      try {
        await current.query({
          sql: `INSERT INTO ${table} (id) VALUES (?)`,
          values: [id],
          timeout: options.queryTimeoutMs,
        });
        return { outcome: 'ok' };
      } catch (error) {
        current.destroy();
        if (connection === current) connection = undefined;
        return { outcome: insertErrorOutcome(error), error: describeError(error) };
      }
    },
    async presentIds(on: Connection, prefix: string): Promise<string[]> {
      const [rows] = await on.query<RowDataPacket[]>({
        sql: `SELECT id FROM ${table} WHERE id LIKE ?`,
        values: [`${prefix.replace(/[\\%_]/g, '\\$&')}%`],
      });
      return rows.map((row) => String(row.id));
    },
    close(): Promise<void> {
      connection?.destroy();
      connection = undefined;
      return Promise.resolve();
    },
  };
}
