/**
 * The web app, built apart from `listen` so that tests can `inject()` requests. One plugin per
 * concern: security headers, cookies, CSRF, throttling, compression, ETags, metrics, error
 * pages, then the routes. The caller owns the database (and closes it).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import etag from '@fastify/etag';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { Counter, type Registry } from 'prom-client';
import type { Database } from '../db/index.js';
import { errorPages } from './plugins/error-pages.js';
import { COMPRESS_THRESHOLD_BYTES } from './page-sender.js';
import { PageCacheFront, serverWithFront } from './page-cache-front.js';
import { RequestObserver, requestObservation } from './plugins/request-observation.js';
import { helmetHeaders, securityHeaders } from './plugins/security-headers.js';
import { webContext } from './plugins/web-context.js';
import { adminAuthRoutes } from './routes/admin-auth-routes.js';
import { adminContentApiRoutes } from './routes/admin-content-api-routes.js';
import { adminPostRoutes } from './routes/admin-post-routes.js';
import { adminSiteRoutes } from './routes/admin-site-routes.js';
import { commentRoutes } from './routes/comment-routes.js';
import { CONTENT_API_PREFIX, contentApiRoutes } from './routes/content-api-routes.js';
import { feedRoutes } from './routes/feed-routes.js';
import { opsRoutes } from './routes/ops-routes.js';
import { publicRoutes } from './routes/public-routes.js';
import { pathParamsNotFound } from './routes/route-schemas.js';
import { PageCache } from './services/page-cache.js';
import { readContentState } from './services/public-content.js';
import { loadFavicon, loadStylesheet } from './stylesheet.js';
import type { Tables } from './tables.js';
import type { WebAppSettings } from './web-app-settings.js';

export interface WebAppOptions {
  readonly db: Database<Tables>;
  /** The registry /metrics serves; the database's metrics should be in it too. */
  readonly metrics: Registry;
  readonly settings: WebAppSettings;
  /** Fastify's logger: pino options, or false. @default JSON logs at info, secrets redacted */
  readonly logger?: FastifyServerOptions['logger'];
  /** @default () => new Date() */
  readonly now?: () => Date;
}

const YEAR_SECONDS = 31_536_000;

export const LOG_REDACTIONS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'password',
  'body.password',
];

/** A request's id: the client's X-Request-Id when it is a plain token, else a new one. */
function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
}

export async function buildApp(options: WebAppOptions): Promise<FastifyInstance> {
  const { settings } = options;
  if (settings.sessionSecret.length < 32) {
    throw new RangeError(
      `the session secret has ${settings.sessionSecret.length} characters; give at least 32 (QUIRE_SESSION_SECRET or QUIRE_SESSION_SECRET_FILE)`,
    );
  }
  // Set once the app's parts exist; the server asks it at each request.
  let front: PageCacheFront | undefined;
  const app = Fastify({
    serverFactory: serverWithFront(() => front),
    logger: options.logger ?? { level: 'info', redact: LOG_REDACTIONS },
    // One hop, the Ingress controller: an address a client puts in X-Forwarded-For is not believed.
    trustProxy: settings.trustProxy ? (_address: string, hop: number) => hop === 0 : false,
    genReqId: requestId,
    // A post's Markdown can be long; uploads have their own limit.
    bodyLimit: 2 * 1024 * 1024,
    // Fastify answers a longer path parameter itself (414, in JSON, before any hook; its default
    // is 100). Up to 2048 characters (a URL length browsers and CDNs commonly allow), a long
    // segment reaches the routes and gets the site's pages: a slug route's not-found page. The
    // limit guards regex parameters, which the routes do not have.
    routerOptions: { maxParamLength: 2048 },
    // One access line per request (request-observation.ts) instead of Fastify's two: they were a
    // quarter of the CPU time of a cached page.
    disableRequestLogging: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const stylesheet = loadStylesheet();
  const favicon = loadFavicon();
  const now = options.now ?? (() => new Date());
  const cache = settings.pageCache.enabled
    ? new PageCache({
        maxEntries: settings.pageCache.maxEntries,
        checkIntervalMs: settings.pageCache.versionCheckIntervalMs,
        readState: () => options.db.reader.read((db) => readContentState(db, now())),
      })
    : undefined;
  const pageCacheRequests = new Counter({
    name: 'quire_page_cache_requests_total',
    help: 'Page requests by cache outcome: hit, miss, or bypass (signed in, recent write, or not cacheable).',
    labelNames: ['result'],
    registers: [options.metrics],
  });

  const commonHeaders = helmetHeaders({ https: settings.publicUrl.protocol === 'https:' });
  const observer = new RequestObserver(options.metrics);
  await app.register(securityHeaders, { headers: commonHeaders });
  await app.register(cookie, { secret: settings.sessionSecret });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: settings.publicUrl.protocol === 'https:',
    },
    // Multipart forms carry the token in their action's query string.
    getToken: (request) => {
      const body = request.body as { _csrf?: unknown } | undefined;
      const query = request.query as { _csrf?: unknown };
      const token = body?._csrf ?? query._csrf;
      return typeof token === 'string' ? token : '';
    },
  });
  await app.register(rateLimit, { global: false });
  await app.register(formbody);
  await app.register(multipart, { limits: { fileSize: settings.maxUploadBytes, files: 1, fields: 20 } });
  await app.register(compress, { threshold: COMPRESS_THRESHOLD_BYTES });
  await app.register(etag);
  // A 304 has no content: @fastify/etag leaves an empty string, which Fastify would send with
  // `content-length: 0` (RFC 9110 allows only the 200's length there; a cached page's is set).
  app.addHook('onSend', (_request, reply, payload, done) => {
    done(null, reply.statusCode === 304 ? null : payload);
  });
  await app.register(requestObservation, { observer });
  await app.register(webContext, {
    db: options.db,
    settings,
    cache,
    now,
    stylesheet: stylesheet.url,
    favicon: favicon.url,
    pageCacheRequests,
  });
  await app.register(errorPages);
  if (cache !== undefined) {
    const cacheFront = new PageCacheFront({
      cache,
      commonHeaders,
      observer,
      hits: pageCacheRequests.labels('hit'),
      log: app.log,
      requestId,
    });
    app.addHook('preClose', (done) => {
      cacheFront.close();
      done();
    });
    front = cacheFront;
  }

  // Every form is checked: the token comes with the body, so after it is parsed. A CORS
  // preflight (OPTIONS, the Content API's) has no body and changes nothing.
  app.addHook('preValidation', (request, reply, done) => {
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') {
      done();
      return;
    }
    app.csrfProtection(request, reply, done);
  });

  app.get(stylesheet.url, (_request, reply) => {
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', `public, max-age=${YEAR_SECONDS}, immutable`);
    return stylesheet.css;
  });
  app.get(favicon.url, (_request, reply) => {
    reply.type('image/svg+xml').header('cache-control', `public, max-age=${YEAR_SECONDS}, immutable`);
    return favicon.svg;
  });
  // Where browsers and crawlers look when a page names no icon. Not for ever: the icon's URL
  // changes with its content.
  app.get('/favicon.ico', (_request, reply) => {
    reply.header('cache-control', 'public, max-age=86400');
    return reply.redirect(favicon.url, 302);
  });
  // Media files are named by their content hash: they never change.
  mkdirSync(settings.mediaDir, { recursive: true });
  await app.register(fastifyStatic, {
    root: settings.mediaDir,
    prefix: '/media/',
    decorateReply: false,
    index: false,
    list: false,
    immutable: true,
    maxAge: YEAR_SECONDS * 1000,
  });

  // Before the routes: it sees each route as it is added.
  app.addHook('onRoute', pathParamsNotFound);
  await app.register(opsRoutes(options.metrics));
  await app.register(feedRoutes);
  await app.register(adminAuthRoutes);
  await app.register(adminPostRoutes);
  await app.register(adminSiteRoutes);
  await app.register(adminContentApiRoutes);
  await app.register(commentRoutes);
  await app.register(contentApiRoutes, { prefix: CONTENT_API_PREFIX });
  await app.register(publicRoutes);
  return app;
}
