/**
 * What every answered request leaves: one access log line (method, url, status, ms) and its
 * duration in a histogram by route pattern, method and status (a route, not a URL: bounded
 * labels). The plugin observes Fastify's requests; the page cache's front (page-cache-front.ts)
 * reports the hits it answers to the same observer.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Histogram, type Registry } from 'prom-client';

export interface AnsweredRequest {
  readonly method: string;
  readonly url: string;
  /** `routeOf` the request. */
  readonly route: string;
  readonly statusCode: number;
  readonly ms: number;
  /** Given when `log` does not carry it already. */
  readonly reqId?: string;
}

/** The label of a request's route: its pattern, or `unmatched` (never the URL: bounded labels). */
export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/** The Content API's key travels in the query string (as Ghost's does): the log keeps it out. */
export function loggedUrl(url: string): string {
  return url.replace(/([?&]key=)[^&#]*/gi, '$1[redacted]');
}

export class RequestObserver {
  private readonly duration: Histogram<'route' | 'method' | 'status'>;
  /**
   * One child per label set, found by a string key: prom-client hashing the labels object on
   * every observation was several percent of a cached page's time. Routes are patterns: the map is small.
   */
  private readonly children = new Map<string, { observe(value: number): void }>();

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'quire_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  }

  observe(log: FastifyBaseLogger, answered: AnsweredRequest): void {
    const { method, url, route, statusCode, reqId } = answered;
    const ms = Math.round(answered.ms * 10) / 10;
    const line = { method, url: loggedUrl(url), statusCode, ms };
    log.info(reqId === undefined ? line : { reqId, ...line }, 'request completed');
    const key = `${method} ${statusCode} ${route}`;
    let child = this.children.get(key);
    if (child === undefined) {
      child = this.duration.labels({ route, method, status: String(statusCode) });
      this.children.set(key, child);
    }
    child.observe(answered.ms / 1000);
  }
}

export const requestObservation = fp(
  (app: FastifyInstance, options: { observer: RequestObserver }, done: (error?: Error) => void) => {
    app.addHook('onResponse', (request, reply, next) => {
      options.observer.observe(request.log, {
        method: request.method,
        url: request.url,
        route: routeOf(request),
        statusCode: reply.statusCode,
        ms: reply.elapsedTime,
      });
      next();
    });
    done();
  },
  { name: 'quire-request-observation' },
);
