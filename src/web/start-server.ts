/**
 * Boot: connect to the database, migrate (once for all starting processes), create the owner on
 * the first run (its password printed once, on stderr, never logged), then listen. SIGTERM and
 * SIGINT close gracefully: stop accepting, finish in-flight requests, close the pools.
 */
import type { FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { Database, migrateToLatest } from '../db/index.js';
import { buildApp } from './app.js';
import { WEB_MIGRATIONS } from './migrations.js';
import type { ServeSettings } from './serve-settings.js';
import { ensureOwner } from './services/owner-account.js';
import type { Tables } from './tables.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly db: Database<Tables>;
  /** Close the server, then the pools. */
  close(): Promise<void>;
}

export async function startServer(settings: ServeSettings): Promise<RunningServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'quire_' });
  let app: FastifyInstance | undefined;
  const db = await Database.connect<Tables>({
    ...settings.database,
    metrics: registry,
    onReplicaChange: (replica) => {
      app?.log.warn(
        { replica: replica.name, healthy: replica.healthy, reason: replica.reason },
        'read pool changed',
      );
    },
  });
  try {
    app = await buildApp({ db, metrics: registry, settings: settings.app });
    const applied = await migrateToLatest(db, { migrations: WEB_MIGRATIONS });
    if (applied.length > 0) app.log.info({ applied }, 'migrations applied');
    const owner = await ensureOwner(db, `owner@${settings.app.publicUrl.hostname}`);
    if (owner !== undefined) {
      app.log.info({ email: owner.email }, 'owner account created; its password is printed once on stderr');
      process.stderr.write(
        `\nQuire owner account created.\n  email:    ${owner.email}\n  password: ${owner.password}\nLog in at ${new URL('/admin/login', settings.app.publicUrl).toString()} (this is the only time it is shown).\n\n`,
      );
    }
    await app.listen({ port: settings.port, host: settings.host });
  } catch (error) {
    await app?.close();
    await db.close();
    throw error;
  }
  const running = app;
  return {
    app: running,
    db,
    async close(): Promise<void> {
      await running.close();
      await db.close();
    },
  };
}
