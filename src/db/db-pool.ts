/**
 * One server's connection pool (mysql2) with its Kysely instance, counting the connections Kysely
 * holds (for the `pool_connections_in_use` metric). A connection the server dropped leaves the
 * pool, and the next query opens a new one: a server that comes back is used again by itself.
 * Every connection speaks utf8mb4 (utf8mb4_unicode_ci, like the server) and reads and writes
 * DATETIME values as UTC (`timezone: 'Z'`).
 */
import { Kysely, MysqlDialect, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely';
import type { QueryCompiler } from 'kysely';
import { createPool, type Pool, type PoolOptions } from 'mysql2';

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

export class DbPool<DB> {
  readonly name: string;
  /** `host:port`. */
  readonly address: string;
  readonly kysely: Kysely<DB>;
  private readonly counter: Counter;

  /** `onInUse` hears the count of connections in use whenever it changes. */
  constructor(endpoint: DbEndpoint, settings: PoolSettings, onInUse?: (pool: string, inUse: number) => void) {
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
    this.kysely = new Kysely<DB>({ dialect: new CountingMysqlDialect(pool, this.counter) });
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

class CountingMysqlDialect extends MysqlDialect {
  constructor(
    pool: Pool,
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
