/**
 * Which replicas may serve reads. A checker runs every interval: it samples the primary's binary
 * log position, then asks each replica for its applied position, whether it is read-only and
 * whether its replication threads run. A replica leaves the read pool when it does not answer, is
 * writable (after a failover the list may name the new primary), its SQL thread stopped or was
 * never configured (a fenced old primary waiting to rejoin), its IO thread stopped while the
 * primary is up, or it lags more than the bound; it comes back at the first check that finds it
 * well. A primary endpoint that answers read-only leads to a demoted primary or a replica: the
 * primary counts as down and its pool's connections are retired, so that new ones follow the
 * endpoint to the new primary.
 *
 * The checks need no privilege beyond the app user's (no SHOW SLAVE STATUS, which needs SLAVE
 * MONITOR): the thread states come from the `Slave_running` (both threads) and `Slaves_running`
 * (SQL threads) status variables, and the lag from GTIDs: the time since the primary was first
 * seen at a position the replica has not reached (a lower bound, within one interval).
 */
import { sql, type QueryExecutorProvider } from 'kysely';
import type { DbMetrics } from './db-metrics.js';
import { gtidCovers, parseGtidList, type Gtid } from './gtid.js';

/** What one check of a replica found. */
export interface ReplicaObservation {
  /** Set when the replica did not answer. */
  readonly error?: string;
  /** `@@read_only` = 0: it takes writes, so it is a primary. */
  readonly writable: boolean;
  /** `Slaves_running` > 0. */
  readonly sqlThreadRunning: boolean;
  /** `Slave_running` = ON: the IO and the SQL thread both run. */
  readonly bothThreadsRunning: boolean;
  /** `@@gtid_slave_pos`. */
  readonly position: string;
}

export interface ReplicaVerdict {
  readonly healthy: boolean;
  /** Why not, or `ok`. */
  readonly reason: string;
}

/**
 * The rule, on its own: down, writable, SQL thread stopped (or replication not configured: the
 * status variables do not tell them apart), IO thread stopped with the primary up, or lag above
 * the bound take a replica out. A writable server is a primary, which reads reach through the
 * primary's pool when no replica serves. A replica that only lost its primary keeps serving: its
 * data is consistent, and nothing newer can be written meanwhile.
 */
export function judgeReplica(
  observation: ReplicaObservation,
  context: {
    readonly primaryUp: boolean;
    readonly lagSeconds: number | undefined;
    readonly maxLagSeconds: number;
  },
): ReplicaVerdict {
  if (observation.error !== undefined) return { healthy: false, reason: `unreachable: ${observation.error}` };
  if (observation.writable) {
    return { healthy: false, reason: 'writable (@@read_only = 0): a primary, not a replica' };
  }
  if (!observation.sqlThreadRunning) return { healthy: false, reason: 'replication SQL thread not running' };
  if (!observation.bothThreadsRunning && context.primaryUp) {
    return { healthy: false, reason: 'replication IO thread not running' };
  }
  if (context.lagSeconds !== undefined && context.lagSeconds > context.maxLagSeconds) {
    return {
      healthy: false,
      reason: `lagging ${context.lagSeconds.toFixed(1)} s behind the primary (bound ${context.maxLagSeconds} s)`,
    };
  }
  return { healthy: true, reason: 'ok' };
}

/** A position of the primary and when it was seen. */
export interface PrimarySample {
  readonly atMs: number;
  readonly position: readonly Gtid[];
}

/**
 * Lag of a replica at `position`: the time since the first sample it has not reached, 0 when it
 * has reached them all, undefined without samples. Samples are in time order.
 */
export function replicationLagSeconds(
  samples: readonly PrimarySample[],
  position: readonly Gtid[],
  nowMs: number,
): number | undefined {
  if (samples.length === 0) return undefined;
  const missing = samples.find((sample) => !gtidCovers(position, sample.position));
  return missing === undefined ? 0 : Math.max(0, (nowMs - missing.atMs) / 1000);
}

/** A replica as the checker last saw it. */
export interface ReplicaHealth {
  readonly name: string;
  readonly address: string;
  readonly healthy: boolean;
  readonly reason: string;
  readonly lagSeconds: number | undefined;
  /** Its applied GTID position at the last check. */
  readonly position: string;
  readonly checkedAt: Date | undefined;
}

export interface PrimaryHealth {
  readonly name: string;
  readonly address: string;
  /** It answered the last check and was writable (a read-only server there is not the primary). */
  readonly up: boolean;
  /** Why not, when down. */
  readonly error?: string;
  /** `@@gtid_binlog_pos` at the last check. */
  readonly position: string;
  readonly checkedAt: Date | undefined;
}

export interface HealthCheckerSettings {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly maxLagSeconds: number;
  /**
   * The read endpoint is a Service spreading connections over pods that pass their readiness
   * probe: only reachability is checked (each check may reach another pod).
   */
  readonly service: boolean;
  readonly onChange?: ((change: ReplicaHealth) => void) | undefined;
}

/** A server the checker asks: a pool's name, address and Kysely instance. */
export interface CheckedServer {
  readonly name: string;
  readonly address: string;
  readonly kysely: QueryExecutorProvider;
  /** Open new connections for the next queries (the endpoint leads to another server now). */
  retireConnections(): void;
}

interface ReplicaState<S extends CheckedServer> {
  readonly pool: S;
  health: ReplicaHealth;
  inFlight: boolean;
}

export class ReplicaHealthChecker<S extends CheckedServer> {
  private readonly replicas: ReplicaState<S>[];
  private primaryHealth: PrimaryHealth;
  private samples: PrimarySample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private next = 0;
  private primaryInFlight = false;

  constructor(
    private readonly primary: S,
    replicas: readonly S[],
    private readonly settings: HealthCheckerSettings,
    private readonly metrics: DbMetrics,
  ) {
    // Until the first check, every replica is trusted (connect() runs one before returning).
    this.replicas = replicas.map((pool) => ({
      pool,
      inFlight: false,
      health: {
        name: pool.name,
        address: pool.address,
        healthy: true,
        reason: 'not checked yet',
        lagSeconds: undefined,
        position: '',
        checkedAt: undefined,
      },
    }));
    this.primaryHealth = {
      name: primary.name,
      address: primary.address,
      up: true,
      position: '',
      checkedAt: undefined,
    };
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      void this.checkNow();
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Run a check now (or wait for the one running). */
  checkNow(): Promise<void> {
    this.running ??= this.check().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  get primaryState(): PrimaryHealth {
    return this.primaryHealth;
  }

  get replicaStates(): readonly ReplicaHealth[] {
    return this.replicas.map((replica) => replica.health);
  }

  /** Healthy replicas, rotated so that successive calls start at the next one (round robin). */
  healthyReplicas(): S[] {
    const healthy = this.replicas.filter((replica) => replica.health.healthy).map((replica) => replica.pool);
    if (healthy.length === 0) return healthy;
    const start = this.next++ % healthy.length;
    return [...healthy.slice(start), ...healthy.slice(0, start)];
  }

  /** Take a replica out now (a read on it failed); the next check may bring it back. */
  markDown(pool: S, error: unknown): void {
    const replica = this.replicas.find((candidate) => candidate.pool === pool);
    if (replica === undefined) return;
    this.update(replica, {
      ...replica.health,
      healthy: false,
      reason: `unreachable: ${errorText(error)}`,
    });
  }

  private async check(): Promise<void> {
    await this.checkPrimary();
    await Promise.all(
      this.replicas.filter((replica) => !replica.inFlight).map((replica) => this.checkReplica(replica)),
    );
  }

  private async checkPrimary(): Promise<void> {
    // A query the primary never answers is not asked again until it ends (or its connection does).
    if (this.primaryInFlight) {
      this.primaryDown(new Error('the previous check has not been answered'));
      return;
    }
    const now = Date.now();
    this.primaryInFlight = true;
    const query = sql<{
      position: string;
      readOnly: number;
    }>`SELECT @@gtid_binlog_pos AS position, @@global.read_only AS readOnly`.execute(this.primary.kysely);
    void query.then(
      () => (this.primaryInFlight = false),
      () => (this.primaryInFlight = false),
    );
    try {
      const { rows } = await this.withTimeout(query);
      const row = rows[0];
      if (Number(row?.readOnly) !== 0) {
        // Its positions are not the primary's, and the pool's connections opened before the
        // endpoint moved still lead here (reads on them would miss the new primary's writes).
        this.primary.retireConnections();
        this.primaryDown(
          new Error('read-only (@@read_only = 1): the endpoint leads to a replica or a demoted primary'),
        );
      } else {
        const position = row?.position ?? '';
        const { name, address } = this.primaryHealth;
        this.primaryHealth = { name, address, up: true, position, checkedAt: new Date(now) };
        this.samples.push({ atMs: now, position: parseGtidList(position) });
        // Keep enough history to tell a lag above the bound.
        const keepMs = Math.max(2 * this.settings.maxLagSeconds * 1000, 10 * this.settings.intervalMs);
        while (this.samples.length > 1 && (this.samples[0]?.atMs ?? now) < now - keepMs) {
          this.samples.shift();
        }
      }
    } catch (error) {
      this.primaryDown(error);
    }
    this.metrics.primaryUp.set(this.primaryHealth.up ? 1 : 0);
  }

  private primaryDown(error: unknown): void {
    this.primaryHealth = { ...this.primaryHealth, up: false, error: errorText(error), checkedAt: new Date() };
    // Positions seen before the outage say nothing about the lag after it.
    this.samples = [];
    this.metrics.primaryUp.set(0);
  }

  private async checkReplica(replica: ReplicaState<S>): Promise<void> {
    replica.inFlight = true;
    const query = this.observe(replica.pool);
    void query.finally(() => (replica.inFlight = false));
    let observation: ReplicaObservation;
    try {
      observation = await this.withTimeout(query);
    } catch (error) {
      observation = {
        error: errorText(error),
        writable: false,
        sqlThreadRunning: false,
        bothThreadsRunning: false,
        position: '',
      };
    }
    const lagSeconds =
      this.settings.service || observation.error !== undefined
        ? undefined
        : replicationLagSeconds(this.samples, safeParse(observation.position), Date.now());
    const verdict: ReplicaVerdict = this.settings.service
      ? observation.error === undefined
        ? { healthy: true, reason: 'ok' }
        : { healthy: false, reason: `unreachable: ${observation.error}` }
      : judgeReplica(observation, {
          primaryUp: this.primaryHealth.up,
          lagSeconds,
          maxLagSeconds: this.settings.maxLagSeconds,
        });
    this.update(replica, {
      ...replica.health,
      ...verdict,
      lagSeconds,
      position: observation.position,
      checkedAt: new Date(),
    });
  }

  /** Ask a replica for its state; a failure is part of the observation. */
  private async observe(pool: S): Promise<ReplicaObservation> {
    try {
      if (this.settings.service) {
        await sql`SELECT 1`.execute(pool.kysely);
        return { writable: false, sqlThreadRunning: true, bothThreadsRunning: true, position: '' };
      }
      const { rows } = await sql<{
        position: string;
        readOnly: number;
        io: string | null;
        sqlThreads: string | null;
      }>`
        SELECT @@gtid_slave_pos AS position, @@global.read_only AS readOnly,
          (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
            WHERE VARIABLE_NAME = 'SLAVE_RUNNING') AS io,
          (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
            WHERE VARIABLE_NAME = 'SLAVES_RUNNING') AS sqlThreads`.execute(pool.kysely);
      const row = rows[0];
      return {
        writable: Number(row?.readOnly) === 0,
        sqlThreadRunning: Number(row?.sqlThreads ?? 0) > 0,
        bothThreadsRunning: row?.io === 'ON',
        position: row?.position ?? '',
      };
    } catch (error) {
      return {
        error: errorText(error),
        writable: false,
        sqlThreadRunning: false,
        bothThreadsRunning: false,
        position: '',
      };
    }
  }

  private update(replica: ReplicaState<S>, health: ReplicaHealth): void {
    const changed = health.healthy !== replica.health.healthy || health.reason !== replica.health.reason;
    replica.health = health;
    this.metrics.replicaHealthy.set({ pool: health.name }, health.healthy ? 1 : 0);
    if (health.lagSeconds !== undefined)
      this.metrics.replicaLag.set({ pool: health.name }, health.lagSeconds);
    if (changed) this.settings.onChange?.(health);
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`no answer within ${this.settings.timeoutMs} ms`));
      }, this.settings.timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => {
      clearTimeout(timer);
    });
  }
}

function safeParse(position: string): Gtid[] {
  try {
    return parseGtidList(position);
  } catch {
    return [];
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${code} ${error.message}`
      : error.message;
  }
  return String(error);
}
