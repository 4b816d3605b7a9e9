/**
 * Reads, from the replicas. Each read takes the next healthy replica (round robin). With a
 * read-your-writes token it first waits on that replica, up to a short timeout, for the token's
 * transaction (`MASTER_GTID_WAIT`), and reads from the primary if the replica is not there yet.
 * No healthy replica, or a replica failing mid-read: the read goes to the next one, then the
 * primary, where a read whose connection was lost is tried once more on a new one.
 */
import { sql, type Kysely } from 'kysely';
import type { DbMetrics, ReadFallbackReason } from './db-metrics.js';
import type { DbPool } from './db-pool.js';
import { isConnectionError, PrimaryUnavailableError } from './errors.js';
import type { GtidToken } from './gtid.js';
import type { ReplicaHealthChecker } from './replica-health.js';

/**
 * What a read may use: queries that start with SELECT (or WITH). The replicas are read-only for
 * the app user anyway; the type keeps writes out of read handlers. `getExecutor` lets raw
 * `sql` templates run (`sql\`...\`.execute(db)`).
 */
export type ReadOnlyKysely<DB> = Pick<
  Kysely<DB>,
  'selectFrom' | 'selectNoFrom' | 'with' | 'withRecursive' | 'fn' | 'dynamic' | 'getExecutor'
>;

export interface ReadOptions {
  /** The session's last write token: the read sees that write (or goes to the primary). */
  readonly after?: GtidToken | undefined;
  /** Read on the primary: for what must be current everywhere at once (credentials, sessions). */
  readonly primary?: boolean;
}

/** Thrown inside a replica connection when the wait timed out: read from the primary instead. */
class NotYetOnReplica extends Error {}

export class DbReader<DB> {
  constructor(
    private readonly primary: DbPool<DB>,
    private readonly replicas: readonly DbPool<DB>[],
    private readonly health: ReplicaHealthChecker<DbPool<DB>>,
    private readonly metrics: DbMetrics,
    private readonly settings: {
      /** Longest wait for a token on a replica, in ms. */
      readonly waitTimeoutMs: number;
      /** The read endpoint is a Service that may reach the primary too. */
      readonly service: boolean;
    },
  ) {}

  /**
   * Run `work` on a replica (see the module comment). Throws PrimaryUnavailableError when it had to
   * go to the primary and the primary cannot be reached.
   */
  async read<T>(work: (db: ReadOnlyKysely<DB>) => Promise<T>, options: ReadOptions = {}): Promise<T> {
    let reason: ReadFallbackReason = 'no_healthy_replica';
    if (this.replicas.length > 0 && options.primary !== true) {
      for (const replica of this.health.healthyReplicas()) {
        try {
          return await this.readOn(replica, work, options.after);
        } catch (error) {
          if (error instanceof NotYetOnReplica) {
            reason = 'gtid_wait_timeout';
            break;
          }
          if (!isConnectionError(error)) throw error;
          this.health.markDown(replica, error);
          reason = 'replica_error';
        }
      }
      this.metrics.readFallbacks.inc({ reason });
    }
    return this.readOnPrimary(work);
  }

  private async readOnPrimary<T>(work: (db: ReadOnlyKysely<DB>) => Promise<T>): Promise<T> {
    // When the endpoint moves to a new primary it closes the connections it had, and the pool may
    // hand one out before it has seen it closed. A read changes nothing, so it is tried again on a
    // new connection (the lost one retired the old ones: DbPool).
    for (let attempt = 1; ; attempt++) {
      try {
        const value = await this.primary.kysely.connection().execute(work);
        this.metrics.reads.inc({ pool: 'primary' });
        return value;
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        if (attempt === 2) throw new PrimaryUnavailableError(this.primary.address, error);
      }
    }
  }

  private async readOn<T>(
    replica: DbPool<DB>,
    work: (db: ReadOnlyKysely<DB>) => Promise<T>,
    after: GtidToken | undefined,
  ): Promise<T> {
    // One connection for the wait and the read: behind a Service, two could reach two pods.
    return replica.kysely.connection().execute(async (db) => {
      if (after !== undefined) await this.waitFor(replica, db, after);
      const value = await work(db);
      this.metrics.reads.inc({ pool: replica.name });
      return value;
    });
  }

  private async waitFor(replica: DbPool<DB>, db: Kysely<DB>, token: GtidToken): Promise<void> {
    const seconds = this.settings.waitTimeoutMs / 1000;
    const started = process.hrtime.bigint();
    // MASTER_GTID_WAIT: 0 reached, -1 timed out, NULL on error. A writable server behind a read
    // Service is the primary itself: it has every write.
    const query = this.settings.service
      ? sql<{
          result: number | null;
        }>`SELECT IF(@@read_only, MASTER_GTID_WAIT(${token}, ${seconds}), 0) AS result`
      : sql<{ result: number | null }>`SELECT MASTER_GTID_WAIT(${token}, ${seconds}) AS result`;
    let result: number | null;
    try {
      result = (await query.execute(db)).rows[0]?.result ?? null;
    } catch (error) {
      this.metrics.gtidWaits.inc({ pool: replica.name, outcome: 'error' });
      throw error;
    } finally {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.gtidWaitSeconds.observe({ pool: replica.name }, elapsed);
    }
    const reached = Number(result) === 0 && result !== null;
    this.metrics.gtidWaits.inc({ pool: replica.name, outcome: reached ? 'reached' : 'timeout' });
    if (!reached) throw new NotYetOnReplica();
  }
}
