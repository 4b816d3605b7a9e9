/**
 * Probes and metrics. /healthz: the process answers. /readyz: every migration is applied (a pod
 * without them must not get traffic) and some database node can serve the pages. It does not
 * need the primary once the migrations were seen applied: while the primary is down, the pages
 * still come from the replicas and writes get a 503 page, and a probe that failed with the primary
 * would take every web pod out of its Service for the whole outage. /metrics: Prometheus text,
 * not to requests that came through a proxy.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { pendingMigrations } from '../../db/index.js';
import { WEB_MIGRATIONS } from '../migrations.js';

const readiness = z.object({
  ready: z.boolean(),
  primary: z.string(),
  pendingMigrations: z.array(z.string()),
  replicas: z.array(z.object({ name: z.string(), healthy: z.boolean(), reason: z.string() })),
});

export function opsRoutes(registry: Registry): FastifyPluginAsyncZod {
  return (app) => {
    // Migrations are never undone, so once this process has seen them all applied, an
    // unreachable primary cannot make them pending again.
    let migrationsSeenApplied = false;
    app.get('/healthz', { schema: { response: { 200: z.object({ status: z.literal('ok') }) } } }, () => ({
      status: 'ok' as const,
    }));

    app.get(
      '/readyz',
      { schema: { response: { 200: readiness, 503: readiness } } },
      async (_request, reply) => {
        const health = app.quire.db.health();
        let pending: string[];
        let primary: string;
        try {
          pending = await pendingMigrations(app.quire.db, { migrations: WEB_MIGRATIONS });
          primary = 'up';
          if (pending.length === 0) migrationsSeenApplied = true;
        } catch (error) {
          pending = [];
          primary = `down: ${error instanceof Error ? error.message : String(error)}`;
        }
        const servesPages = primary === 'up' || health.replicas.some((replica) => replica.healthy);
        const migrated = primary === 'up' ? pending.length === 0 : migrationsSeenApplied;
        const ready = migrated && servesPages;
        reply.code(ready ? 200 : 503).header('cache-control', 'no-store');
        return {
          ready,
          primary,
          pendingMigrations: pending,
          replicas: health.replicas.map((replica) => ({
            name: replica.name,
            healthy: replica.healthy,
            reason: replica.reason,
          })),
        };
      },
    );

    // For Prometheus, which scrapes the pods directly; a request forwarded by the Ingress (the
    // public) is not shown the metrics.
    app.get('/metrics', async (request, reply) => {
      if (request.headers['x-forwarded-for'] !== undefined) {
        reply.callNotFound();
        return reply;
      }
      reply.type(registry.contentType).header('cache-control', 'no-store');
      return registry.metrics();
    });
    return Promise.resolve();
  };
}
