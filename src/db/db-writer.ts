/**
 * Writes, on the primary. Each returns the read-your-writes token of what it committed: the
 * session's `@@last_gtid`, read on the same connection right after the commit. A session keeps the
 * token (e.g. in its cookie) and passes it to its next reads. The primary is whatever server the
 * write endpoint leads to: after a failover a write that still reaches the old primary (read-only
 * now) fails as the primary being unavailable, and the next one opens a new connection (DbPool).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DbPool } from './db-pool.js';
import { isConnectionError, isReadOnlyError, PrimaryUnavailableError } from './errors.js';
import { toGtidToken, type GtidToken } from './gtid.js';

export interface WriteResult<T> {
  readonly value: T;
  /**
   * GTID of the last transaction this connection committed; undefined when it committed none.
   * Pass it to `reader.read(..., { after })` so that the session sees its own write.
   */
  readonly token: GtidToken | undefined;
}

export class DbWriter<DB> {
  constructor(private readonly pool: DbPool<DB>) {}

  /**
   * Run `work` in a transaction on the primary. Throws PrimaryUnavailableError when the primary
   * cannot be reached or the endpoint led to a read-only server (a 503); SQL errors are thrown as
   * they are, after a rollback.
   */
  async write<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<WriteResult<T>> {
    return this.run((db) => db.transaction().execute(work));
  }

  /**
   * Run `work` on one primary connection without opening a transaction (each statement commits by
   * itself; DDL). Same errors and token as `write`.
   */
  async run<T>(work: (db: Kysely<DB>) => Promise<T>): Promise<WriteResult<T>> {
    try {
      return await this.pool.kysely.connection().execute(async (db) => {
        const value = await work(db);
        const { rows } = await sql<{ gtid: string }>`SELECT @@last_gtid AS gtid`.execute(db);
        return { value, token: toGtidToken(rows[0]?.gtid) };
      });
    } catch (error) {
      if (isConnectionError(error) || isReadOnlyError(error)) {
        throw new PrimaryUnavailableError(this.pool.address, error);
      }
      throw error;
    }
  }

  /**
   * The primary's Kysely instance, for migrations and tools. Its errors are not translated and it
   * gives no token: handlers use `write`.
   */
  get kysely(): Kysely<DB> {
    return this.pool.kysely;
  }
}
