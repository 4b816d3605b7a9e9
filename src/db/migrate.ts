/**
 * Schema migrations on the primary, with Kysely's Migrator. Several app processes starting at once
 * migrate once: on MariaDB the Migrator runs on one connection holding `GET_LOCK`, so the others
 * wait, then find every migration applied. A migration is an object with `up` (and `down`), named
 * by its key; keys sort in the order they run (e.g. `0001-publication`).
 */
import { Migrator, type Migration, type MigrationResult } from 'kysely';
import type { Database } from './database.js';
import {
  isConnectionError,
  isReadOnlyError,
  MigrationFailedError,
  PrimaryUnavailableError,
} from './errors.js';

export type Migrations = Readonly<Record<string, Migration>>;

export interface MigrateOptions {
  readonly migrations: Migrations;
  /** Table recording the applied migrations. @default 'quire_migration' */
  readonly tableName?: string;
  /** Table of the Migrator's lock row. @default 'quire_migration_lock' */
  readonly lockTableName?: string;
}

function migrator<DB>(db: Database<DB>, options: MigrateOptions): Migrator {
  return new Migrator({
    db: db.writer.kysely,
    provider: { getMigrations: () => Promise.resolve({ ...options.migrations }) },
    migrationTableName: options.tableName ?? 'quire_migration',
    migrationLockTableName: options.lockTableName ?? 'quire_migration_lock',
  });
}

/**
 * Apply every migration not applied yet, in name order; returns those this call applied (none when
 * another process did them). Throws MigrationFailedError naming the failed migration, or
 * PrimaryUnavailableError (unreachable, or the endpoint led to a read-only server: a failover).
 */
export async function migrateToLatest<DB>(db: Database<DB>, options: MigrateOptions): Promise<string[]> {
  let outcome: { error?: unknown; results?: MigrationResult[] };
  try {
    outcome = await migrator(db, options).migrateToLatest();
  } catch (error) {
    outcome = { error };
  }
  const { error, results = [] } = outcome;
  if (error !== undefined) {
    if (isConnectionError(error) || isReadOnlyError(error)) {
      throw new PrimaryUnavailableError(db.health().primary.address, error);
    }
    throw new MigrationFailedError(results.find((result) => result.status === 'Error')?.migrationName, error);
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** Names of the migrations not applied yet (for a readiness check). */
export async function pendingMigrations<DB>(db: Database<DB>, options: MigrateOptions): Promise<string[]> {
  try {
    const all = await migrator(db, options).getMigrations();
    return all.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
  } catch (error) {
    if (isConnectionError(error)) throw new PrimaryUnavailableError(db.health().primary.address, error);
    throw error;
  }
}
