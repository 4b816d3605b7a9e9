/**
 * The web app's database: a writer on the primary and a reader on the replicas, kept apart in the
 * types so that a handler asks for the one it needs; a health checker deciding which replicas
 * serve reads; metrics in the app's registry.
 *
 * ```ts
 * const db = await Database.connect<Tables>({ primary, replicas, database, user, password, metrics: registry });
 * const { token } = await db.writer.write((trx) => trx.insertInto('post').values(post).execute());
 * const posts = await db.reader.read((q) => q.selectFrom('post').selectAll().execute(), { after: token });
 * ```
 */
import { Registry } from 'prom-client';
import { dbMetrics, type DbMetrics } from './db-metrics.js';
import { DbPool, type DbEndpoint } from './db-pool.js';
import { DbReader } from './db-reader.js';
import { DbWriter } from './db-writer.js';
import { ReplicaHealthChecker, type PrimaryHealth, type ReplicaHealth } from './replica-health.js';

export interface DatabaseOptions {
  /**
   * The primary, or an endpoint leading to whichever node is the primary now (a Service, a
   * forwarder that a failover moves); every write goes there.
   */
  readonly primary: DbEndpoint;
  /**
   * The replicas, each checked on its own. Give either these or `readService`; with neither,
   * reads go to the primary. @default []
   */
  readonly replicas?: readonly DbEndpoint[];
  /**
   * A Service in front of the ready replicas (`<name>-mariadb-read`): one read endpoint whose pods'
   * replication state the Service's readiness probe already checks.
   */
  readonly readService?: DbEndpoint;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** Most connections to each server. @default 10 */
  readonly poolSize?: number;
  /** How long opening a connection may take, in ms. @default 2000 */
  readonly connectTimeoutMs?: number;
  /**
   * Longest wait on a replica for a session's last write before reading from the primary, in ms.
   * @default 500
   */
  readonly readYourWritesTimeoutMs?: number;
  /** How often replicas and primary are checked, in ms. @default 1000 */
  readonly healthCheckIntervalMs?: number;
  /** A check not answered within this long counts as down, in ms. @default 2000 */
  readonly healthCheckTimeoutMs?: number;
  /**
   * Lag above which a replica leaves the read pool, in seconds (`database.maxReplicationLagSeconds`).
   * @default 30
   */
  readonly maxReplicaLagSeconds?: number;
  /** Registry for the metrics (the one /metrics serves). @default a registry of its own */
  readonly metrics?: Registry;
  /** Prefix of the metric names. @default 'quire_db_' */
  readonly metricsPrefix?: string;
  /** Called when a replica enters or leaves the read pool (for the log). */
  readonly onReplicaChange?: (replica: ReplicaHealth) => void;
}

export interface DatabaseHealth {
  readonly primary: PrimaryHealth;
  readonly replicas: readonly ReplicaHealth[];
}

export class Database<DB> {
  /** Transactions on the primary, each returning its read-your-writes token. */
  readonly writer: DbWriter<DB>;
  /** Queries on the healthy replicas (or the primary when none is). */
  readonly reader: DbReader<DB>;
  readonly metrics: DbMetrics;
  private readonly pools: DbPool<DB>[];
  private readonly checker: ReplicaHealthChecker<DbPool<DB>>;

  private constructor(options: DatabaseOptions) {
    if (options.replicas !== undefined && options.replicas.length > 0 && options.readService !== undefined) {
      throw new RangeError('give either replicas or readService, not both');
    }
    const settings = {
      database: options.database,
      user: options.user,
      password: options.password,
      connectionLimit: options.poolSize ?? 10,
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
    };
    const service = options.readService !== undefined;
    this.metrics = dbMetrics(options.metrics ?? new Registry(), options.metricsPrefix);
    const onInUse = (pool: string, inUse: number): void => {
      this.metrics.connectionsInUse.set({ pool }, inUse);
    };
    const primary = new DbPool<DB>({ ...options.primary, name: 'primary' }, settings, {
      oneServer: true,
      onInUse,
    });
    const readEndpoints =
      options.readService === undefined ? (options.replicas ?? []) : [options.readService];
    const replicas = readEndpoints.map(
      (endpoint) => new DbPool<DB>(endpoint, settings, { oneServer: !service, onInUse }),
    );
    const names = [primary, ...replicas].map((pool) => pool.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate !== undefined) throw new RangeError(`two database endpoints are named "${duplicate}"`);
    this.pools = [primary, ...replicas];
    const intervalMs = options.healthCheckIntervalMs ?? 1000;
    this.checker = new ReplicaHealthChecker(
      primary,
      replicas,
      {
        intervalMs,
        timeoutMs: options.healthCheckTimeoutMs ?? 2000,
        maxLagSeconds: options.maxReplicaLagSeconds ?? 30,
        service,
        onChange: options.onReplicaChange,
      },
      this.metrics,
    );
    this.writer = new DbWriter(primary);
    this.reader = new DbReader(primary, replicas, this.checker, this.metrics, {
      waitTimeoutMs: options.readYourWritesTimeoutMs ?? 500,
      service,
    });
  }

  /**
   * Create the pools, run a first health check (a server that is down is no error here: writes
   * fail until it is up, reads avoid it) and start checking every interval.
   */
  static async connect<DB>(options: DatabaseOptions): Promise<Database<DB>> {
    const database = new Database<DB>(options);
    await database.checker.checkNow();
    database.checker.start();
    return database;
  }

  /** The primary and each replica as the last health check saw them. */
  health(): DatabaseHealth {
    return { primary: this.checker.primaryState, replicas: this.checker.replicaStates };
  }

  /** Check the primary and the replicas now (a readiness endpoint, a test). */
  async checkHealth(): Promise<DatabaseHealth> {
    await this.checker.checkNow();
    return this.health();
  }

  /** Stop the checks and close every pool (graceful shutdown). */
  async close(): Promise<void> {
    await this.checker.stop();
    await Promise.all(this.pools.map((pool) => pool.close()));
  }
}
