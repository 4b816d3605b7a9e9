/**
 * Page cache hits answered before Fastify. A hit needs none of Fastify's per-request work (request
 * and reply objects, route lookup, schema validation, the hooks of cookies, CSRF, compression, ETag
 * and metrics): in the bench that work held a hit at 41–47 % of nginx serving the same page, where
 * plain node:http reaches nginx's figure.
 *
 * The front answers only what Fastify would answer from the cache, with the same bytes and headers
 * (page-sender's `readyResponse`, the security headers, a 304 on a matching ETag): a GET without
 * a session or write-token cookie, for a URL whose page the cache holds as current in the coding
 * asked for, when no read of the content state is due. Everything else goes to Fastify: a due read
 * (so other processes' writes are seen within the same interval), a coding not yet compressed, a
 * viewer who may be signed in or has just written, HEAD, and every request once the app is closing
 * (Fastify answers those 503).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger, FastifyServerFactory } from 'fastify';
import { etagMatches, readyResponse } from './page-sender.js';
import type { RequestObserver } from './plugins/request-observation.js';
import { SESSION_COOKIE, WRITE_TOKEN_COOKIE } from './plugins/web-context.js';
import type { CachedResponse, PageCache } from './services/page-cache.js';

export interface PageCacheFrontOptions {
  readonly cache: PageCache;
  /** The headers every response gets (security-headers.ts). */
  readonly commonHeaders: Readonly<Record<string, string>>;
  readonly observer: RequestObserver;
  /** quire_page_cache_requests_total{result="hit"}. */
  readonly hits: { inc(): void };
  readonly log: FastifyBaseLogger;
  readonly requestId: (request: IncomingMessage) => string;
}

/** Cookies that may make a viewer non-anonymous (web-context.ts checks their values). */
const VIEWER_COOKIES = [`${SESSION_COOKIE}=`, `${WRITE_TOKEN_COOKIE}=`];

export class PageCacheFront {
  private closing = false;
  private readonly sentHeaders = new WeakMap<CachedResponse, Readonly<Record<string, string>>>();

  constructor(private readonly options: PageCacheFrontOptions) {}

  /** From now on every request goes to Fastify. */
  close(): void {
    this.closing = true;
  }

  /** Answers `request` if it is a hit as above; `false` leaves it, untouched, to Fastify. */
  serve(request: IncomingMessage, response: ServerResponse): boolean {
    const started = performance.now();
    const { cookie } = request.headers;
    if (
      this.closing ||
      request.method !== 'GET' ||
      (cookie !== undefined && VIEWER_COOKIES.some((name) => cookie.includes(name)))
    ) {
      return false;
    }
    const url = request.url ?? '/';
    const page = this.options.cache.peek(url);
    if (page === undefined) return false;
    const cached = readyResponse(page, request.headers['accept-encoding']);
    if (cached === undefined) return false;
    const headers = this.headersOf(cached);
    if (etagMatches(request.headers['if-none-match'], cached.etag)) {
      // With the 200's headers, its Content-Length too (as RFC 9110 allows), and no content.
      response.writeHead(304, headers);
      response.end();
    } else {
      response.writeHead(page.statusCode, headers);
      response.end(cached.body);
    }
    this.options.hits.inc();
    this.options.observer.observe(this.options.log, {
      method: 'GET',
      url,
      route: page.route,
      statusCode: response.statusCode,
      ms: performance.now() - started,
      reqId: this.options.requestId(request),
    });
    return true;
  }

  /** The headers sent with `cached`, merged once per cached response (it is immutable). */
  private headersOf(cached: CachedResponse): Readonly<Record<string, string>> {
    let headers = this.sentHeaders.get(cached);
    if (headers === undefined) {
      headers = { ...this.options.commonHeaders, ...cached.headers };
      this.sentHeaders.set(cached, headers);
    }
    return headers;
  }
}

/**
 * A Fastify server factory: an HTTP server, set up as Fastify sets up its own, that offers each
 * request to the front `front()` returns (if any) before Fastify's handler.
 */
export function serverWithFront(front: () => PageCacheFront | undefined): FastifyServerFactory {
  return (fastifyHandler, options) => {
    const server = createServer((request, response) => {
      if (front()?.serve(request, response) !== true) fastifyHandler(request, response);
    });
    // As Fastify's own server: its defaults are in `options` by now.
    const timeouts = options as {
      keepAliveTimeout: number;
      requestTimeout: number;
      connectionTimeout: number;
      maxRequestsPerSocket: number;
    };
    server.keepAliveTimeout = timeouts.keepAliveTimeout;
    server.requestTimeout = timeouts.requestTimeout;
    server.setTimeout(timeouts.connectionTimeout);
    if (timeouts.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = timeouts.maxRequestsPerSocket;
    return server;
  };
}
