/**
 * One endpoint's connection pool (mysql2) with its Kysely instance, counting the connections Kysely
 * holds (for the `pool_connections_in_use` metric). A connection the server dropped leaves the
 * pool, and the next query opens a new one: a server that comes back is used again by itself.
 * An endpoint may lead to another server than before (a Service, a forwarder, after a failover),
 * and a connection opened before keeps reaching the old one: see RetiringPool.
 * Every connection speaks utf8mb4 (utf8mb4_unicode_ci, like the server) and reads and writes
 * DATETIME values as UTC (`timezone: 'Z'`).
 */
import {
  Kysely,
  MysqlDialect,
  type DatabaseConnection,
  type Driver,
  type MysqlPool,
  type MysqlPoolConnection,
  type MysqlQueryResult,
  type TransactionSettings,
} from 'kysely';
import type { QueryCompiler } from 'kysely';
import {
  createPool,
  type Pool,
  type PoolConnection,
  type PoolOptions,
  type Query,
  type QueryResult,
  type RowDataPacket,
} from 'mysql2';
import { isConnectionError, isReadOnlyError } from './errors.js';

/** Where a server is. */
export interface DbEndpoint {
  readonly host: string;
  /** @default 3306 */
  readonly port?: number;
  /** Label in metrics and health reports. @default `host:port` */
  readonly name?: string;
}

/** How every pool logs in and behaves. */
export interface PoolSettings {
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** Most connections per server. */
  readonly connectionLimit: number;
  /** How long opening a connection may take, in ms. */
  readonly connectTimeoutMs: number;
}

export interface DbPoolOptions {
  /**
   * The endpoint leads to one server at a time (the primary, a replica), not to several at once
   * (a read Service): then all the pool's connections reach one server, and what one of them
   * finds (the server gone, read-only, or another one) holds for the others.
   */
  readonly oneServer: boolean;
  /** Hears the count of connections in use whenever it changes. */
  readonly onInUse?: ((pool: string, inUse: number) => void) | undefined;
}

export class DbPool<DB> {
  readonly name: string;
  /** `host:port`. */
  readonly address: string;
  readonly kysely: Kysely<DB>;
  private readonly counter: Counter;
  private readonly pool: RetiringPool;

  constructor(endpoint: DbEndpoint, settings: PoolSettings, { oneServer, onInUse }: DbPoolOptions) {
    const port = endpoint.port ?? 3306;
    this.address = `${endpoint.host}:${port}`;
    this.name = endpoint.name ?? this.address;
    const name = this.name;
    this.counter = {
      inUse: 0,
      changed() {
        onInUse?.(name, this.inUse);
      },
    };
    const options: PoolOptions = {
      host: endpoint.host,
      port,
      user: settings.user,
      password: settings.password,
      database: settings.database,
      connectionLimit: settings.connectionLimit,
      connectTimeout: settings.connectTimeoutMs,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      enableKeepAlive: true,
    };
    const pool: Pool = createPool(options);
    // An idle connection whose server went away reports an error; the pool drops it. Without a
    // listener of our own a second such event would be thrown.
    pool.on('connection', (connection) => {
      connection.on('error', () => undefined);
    });
    this.pool = new RetiringPool(pool, oneServer);
    this.kysely = new Kysely<DB>({ dialect: new CountingMysqlDialect(this.pool, this.counter) });
  }

  /**
   * Use no connection opened so far: each is closed when next taken from the pool, and queries
   * open new ones. For when the endpoint is found to lead to the wrong server.
   */
  retireConnections(): void {
    this.pool.retire();
  }

  /** Connections Kysely holds now. */
  get inUse(): number {
    return this.counter.inUse;
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}

interface Counter {
  inUse: number;
  changed(): void;
}

/**
 * The mysql2 pool as Kysely takes it, in generations: `retire()` starts a new one, and a connection
 * of an earlier generation is closed instead of being handed out again. Behind an endpoint
 * that leads to one server, connections are retired when a query finds the connection lost or the
 * server read-only (the others reach the same server: left alone, each would fail one more
 * request in turn, or go on reading from a demoted primary, which answers reads), and when a new
 * connection reaches another server than the one before (the endpoint moved; the old connections
 * would miss what is written through the new ones, breaking read-your-writes).
 */
class RetiringPool implements MysqlPool {
  private generation = 0;
  /** `@@server_id` of the newest connection. */
  private serverId: number | undefined;
  private readonly connections = new WeakMap<PoolConnection, GenerationConnection>();

  constructor(
    private readonly pool: Pool,
    private readonly oneServer: boolean,
  ) {}

  retire(): void {
    this.generation++;
  }

  queryFailed(error: unknown): void {
    if (this.oneServer && (isConnectionError(error) || isReadOnlyError(error))) this.retire();
  }

  getConnection(callback: (error: unknown, connection: MysqlPoolConnection) => void): void {
    // As from mysql2, no connection with an error (Kysely reads it only without one).
    const fail = (error: unknown): void => {
      callback(error, undefined as unknown as MysqlPoolConnection);
    };
    this.pool.getConnection((error, raw) => {
      if (error !== null) {
        fail(error);
        return;
      }
      const known = this.connections.get(raw);
      if (known !== undefined && known.generation < this.generation) {
        raw.destroy();
        this.getConnection(callback);
      } else if (known !== undefined) {
        callback(null, known);
      } else if (!this.oneServer) {
        callback(null, this.track(raw));
      } else {
        raw.query('SELECT @@server_id AS serverId', (identifyError, rows: RowDataPacket[]) => {
          if (identifyError !== null) {
            raw.destroy();
            fail(identifyError);
            return;
          }
          const serverId = Number(rows[0]?.serverId);
          if (this.serverId !== undefined && serverId !== this.serverId) this.retire();
          this.serverId = serverId;
          callback(null, this.track(raw));
        });
      }
    });
  }

  end(callback: (error: unknown) => void): void {
    this.pool.end(callback);
  }

  private track(raw: PoolConnection): GenerationConnection {
    const connection = new GenerationConnection(raw, this.generation, this);
    this.connections.set(raw, connection);
    return connection;
  }
}

/** A mysql2 connection of the generation it was opened in. */
class GenerationConnection implements MysqlPoolConnection {
  constructor(
    private readonly raw: PoolConnection,
    readonly generation: number,
    private readonly pool: RetiringPool,
  ) {}

  query(sql: string, parameters: unknown[]): Query;
  query(
    sql: string,
    parameters: unknown[],
    callback: (error: unknown, result: MysqlQueryResult) => void,
  ): void;
  query(
    sql: string,
    parameters: unknown[],
    callback?: (error: unknown, result: MysqlQueryResult) => void,
  ): Query | undefined {
    // Kysely's stream() passes no callback (and the app does not stream).
    if (callback === undefined) return this.raw.query(sql, parameters);
    this.raw.query(sql, parameters, (error, result: QueryResult) => {
      if (error !== null) this.pool.queryFailed(error);
      callback(error, result as MysqlQueryResult);
    });
    return undefined;
  }

  release(): void {
    this.raw.release();
  }
}

class CountingMysqlDialect extends MysqlDialect {
  constructor(
    pool: MysqlPool,
    private readonly counter: Counter,
  ) {
    super({ pool });
  }

  override createDriver(): Driver {
    return new CountingDriver(super.createDriver(), this.counter);
  }
}

/** Delegates to the MySQL driver, counting acquired connections. */
class CountingDriver implements Driver {
  constructor(
    private readonly driver: Driver,
    private readonly counter: Counter,
  ) {}

  init(): Promise<void> {
    return this.driver.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.driver.acquireConnection();
    this.counter.inUse++;
    this.counter.changed();
    return connection;
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.counter.inUse--;
    this.counter.changed();
    await this.driver.releaseConnection(connection);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.driver.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.rollbackTransaction(connection);
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.driver.savepoint?.(connection, name, compileQuery);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.driver.rollbackToSavepoint?.(connection, name, compileQuery);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.driver.releaseSavepoint?.(connection, name, compileQuery);
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}
