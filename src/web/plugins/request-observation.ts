/** Request duration by route pattern, method and status (a route, not a URL: bounded labels). */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Histogram, type Registry } from 'prom-client';

export const httpMetrics = fp(
  (app: FastifyInstance, options: { registry: Registry }, done: (error?: Error) => void) => {
    const duration = new Histogram({
      name: 'quire_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [options.registry],
    });
    // One child per label set, found by a string key: prom-client hashing the labels object on
    // every observation was several percent of a cached page's time. Routes are patterns: the map is small.
    const children = new Map<string, { observe(value: number): void }>();
    app.addHook('onResponse', (request, reply, next) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const key = `${request.method} ${reply.statusCode} ${route}`;
      let child = children.get(key);
      if (child === undefined) {
        child = duration.labels({ route, method: request.method, status: String(reply.statusCode) });
        children.set(key, child);
      }
      child.observe(reply.elapsedTime / 1000);
      next();
    });
    done();
  },
  { name: 'quire-http-metrics' },
);
