/**
 * Migrations on a real primary: two processes' migrators starting at once apply each migration
 * once (Kysely's Migrator holds GET_LOCK on MariaDB); a failing migration is named and stops the
 * ones after it; on a read-only server (a demoted primary) migrating is "primary unavailable".
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Database,
  MigrationFailedError,
  migrateToLatest,
  pendingMigrations,
  PrimaryUnavailableError,
  type DatabaseOptions,
} from '../../src/db/index.js';
import { rootQuery, startTestCluster, type TestCluster } from '../support/local-mariadb.js';

/** Records every run of a migration: applied twice, it would leave two rows. */
const migrations: Record<string, Migration> = {
  '0001-create': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE TABLE migration_run (name VARCHAR(50) NOT NULL, connection BIGINT NOT NULL)`.execute(
        db,
      );
      // Long enough for the other migrator to reach the lock while this one holds it.
      await sql`SELECT SLEEP(1)`.execute(db);
      await sql`INSERT INTO migration_run VALUES ('0001-create', CONNECTION_ID())`.execute(db);
    },
  },
  '0002-add': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`INSERT INTO migration_run VALUES ('0002-add', CONNECTION_ID())`.execute(db);
    },
  },
};

describe('migrateToLatest on a real primary', () => {
  let test: TestCluster;
  let first: Database<unknown>;
  let second: Database<unknown>;

  beforeAll(async () => {
    test = await startTestCluster('migrate', { replicas: 0 });
    const options: DatabaseOptions = {
      primary: { host: test.app.host, port: test.app.port },
      database: test.app.database,
      user: test.app.user,
      password: test.app.password,
    };
    // Two app processes: two pools, two sessions.
    first = await Database.connect(options);
    second = await Database.connect(options);
  });

  afterAll(async () => {
    await first.close();
    await second.close();
    await test.dispose();
  });

  it('two migrators started at once apply each migration once', async () => {
    expect(await pendingMigrations(first, { migrations })).toEqual(['0001-create', '0002-add']);
    const [a, b] = await Promise.all([
      migrateToLatest(first, { migrations }),
      migrateToLatest(second, { migrations }),
    ]);
    // One did the work, the other waited for the lock and found nothing left.
    expect([a, b].sort((x, y) => x.length - y.length)).toEqual([[], ['0001-create', '0002-add']]);
    const { value: runs } = await first.writer.run((db) =>
      sql<{
        name: string;
        connection: number;
      }>`SELECT name, connection FROM migration_run ORDER BY name`.execute(db),
    );
    expect(runs.rows.map((row) => row.name)).toEqual(['0001-create', '0002-add']);
    // Both ran in the one session that held the lock.
    expect(new Set(runs.rows.map((row) => row.connection)).size).toBe(1);
    expect(await pendingMigrations(second, { migrations })).toEqual([]);
    expect(await migrateToLatest(second, { migrations })).toEqual([]);
  });

  it('a failing migration is named, and the ones after it do not run', async () => {
    const more: Record<string, Migration> = {
      ...migrations,
      '0003-broken': {
        async up(db: Kysely<unknown>): Promise<void> {
          await sql`INSERT INTO no_such_table VALUES (1)`.execute(db);
        },
      },
      '0004-after': {
        async up(db: Kysely<unknown>): Promise<void> {
          await sql`INSERT INTO migration_run VALUES ('0004-after', CONNECTION_ID())`.execute(db);
        },
      },
    };
    const failure = await migrateToLatest(first, { migrations: more }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(failure).toBeInstanceOf(MigrationFailedError);
    expect(failure).toMatchObject({ code: 'DB_MIGRATION_FAILED', migration: '0003-broken' });
    expect((failure as Error).message).toMatch(
      /^migration 0003-broken failed: .*no_such_table.*; later migrations were not run$/,
    );
    expect(await pendingMigrations(first, { migrations: more })).toEqual(['0003-broken', '0004-after']);
  });

  it('on a read-only server (a demoted primary still behind the endpoint) migrating fails as PrimaryUnavailableError', async () => {
    const later: Record<string, Migration> = {
      ...migrations,
      '0003-later': {
        async up(db: Kysely<unknown>): Promise<void> {
          await sql`INSERT INTO migration_run VALUES ('0003-later', CONNECTION_ID())`.execute(db);
        },
      },
    };
    await rootQuery(test.cluster, 0, 'SET GLOBAL read_only = 1');
    try {
      // Reading what is applied needs no write.
      expect(await pendingMigrations(first, { migrations: later })).toEqual(['0003-later']);
      const failure = await migrateToLatest(first, { migrations: later }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(failure).toBeInstanceOf(PrimaryUnavailableError);
      expect((failure as Error).message).toContain('--read-only');
    } finally {
      await rootQuery(test.cluster, 0, 'SET GLOBAL read_only = 0');
    }
    expect(await migrateToLatest(first, { migrations: later })).toEqual(['0003-later']);
  });
});
