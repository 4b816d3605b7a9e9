/**
 * Sends a server-rendered page. The page's data, the site settings and the content version are
 * read in one `read` (one replica connection), so the version a page is cached under is the one
 * its data came from. Anonymous visitors share the page cache; everyone gets an ETag (304 on a
 * match, by @fastify/etag) and Last-Modified. Most hits never get here: page-cache-front.ts
 * answers them, with `readyResponse`, before Fastify.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import negotiate from '@fastify/accept-negotiator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReadOnlyKysely } from '../db/index.js';
import { routeOf } from './plugins/request-observation.js';
import { isAnonymous, read } from './plugins/web-context.js';
import type { CachedPage, CachedResponse } from './services/page-cache.js';
import { readContentState, readSiteSettings } from './services/public-content.js';
import type { Tables } from './tables.js';
import type { SafeHtml } from './views/html.js';
import type { ViewContext } from './views/layout.js';

export const HTML = 'text/html; charset=utf-8';

/** Any cache may keep a public page, but must ask (ETag, Last-Modified) before using it again. */
const SHARED_REVALIDATED = 'public, max-age=0, must-revalidate';
/** Smaller bodies are sent as they are (@fastify/compress takes the same threshold). */
export const COMPRESS_THRESHOLD_BYTES = 1024;
/** The codings a cached page is sent in, preferred first. */
const CACHED_CODINGS = ['br', 'gzip'];
const IDENTITY = 'identity';

/**
 * A cached page in the coding the client prefers, if it is ready: sent as it is, or compressed by
 * an earlier request. Each is described once per cached page and coding (bytes: encoding the
 * string again was most of a hit's time on the feed). Brotli on every hit, as @fastify/compress
 * would do it, made a cached page 2.5 times slower for browsers (they all send Accept-Encoding).
 */
export function readyResponse(
  page: CachedPage,
  acceptEncoding: string | undefined,
): CachedResponse | undefined {
  return ready(page, codingFor(page, acceptEncoding));
}

/**
 * A cached page in the coding the client prefers, compressed at its first request in zlib's
 * thread pool: compressing a large page at brotli's quality 9 would hold every other request on
 * the event loop meanwhile. Requests that come during it wait for the same compression.
 */
export function cachedResponse(
  page: CachedPage,
  acceptEncoding: string | undefined,
): CachedResponse | Promise<CachedResponse> {
  const coding = codingFor(page, acceptEncoding);
  const response = ready(page, coding);
  if (response !== undefined) return response;
  let compression = page.compressions.get(coding);
  if (compression === undefined) {
    compression = compress(page.bytes, coding)
      .then((body) => keepResponse(page, coding, body))
      .finally(() => page.compressions.delete(coding));
    page.compressions.set(coding, compression);
  }
  return compression;
}

/** The response in `coding` if it is made (identity needs no work, so it always is). */
function ready(page: CachedPage, coding: string): CachedResponse | undefined {
  return (
    page.responses.get(coding) ?? (coding === IDENTITY ? keepResponse(page, IDENTITY, page.bytes) : undefined)
  );
}

function codingFor(page: CachedPage, acceptEncoding: string | undefined): string {
  if (page.bytes.length < COMPRESS_THRESHOLD_BYTES) return IDENTITY;
  return negotiate(acceptEncoding ?? '', CACHED_CODINGS) ?? IDENTITY;
}

/** The response of `page` in `coding`, kept with the page. */
function keepResponse(page: CachedPage, coding: string, body: Buffer): CachedResponse {
  // Each coding is its own representation, and a strong ETag names one (as Apache's "-gzip").
  const etag = coding === IDENTITY ? page.etag : `${page.etag.slice(0, -1)}-${coding}"`;
  const response: CachedResponse = {
    body,
    etag,
    headers: {
      ...page.headers,
      'content-type': page.contentType,
      etag,
      'last-modified': page.lastModified.toUTCString(),
      'cache-control': SHARED_REVALIDATED,
      ...(page.bytes.length >= COMPRESS_THRESHOLD_BYTES && { vary: 'accept-encoding' }),
      ...(coding !== IDENTITY && { 'content-encoding': coding }),
      'content-length': String(body.length),
    },
  };
  page.responses.set(coding, response);
  return response;
}

const brotliCompressInPool = promisify(brotliCompress);
const gzipInPool = promisify(gzip);

function compress(bytes: Buffer, coding: string): Promise<Buffer> {
  if (coding === 'br') {
    return brotliCompressInPool(bytes, {
      params: {
        // Once per page: better than @fastify/compress's per-request 4, far faster than 11.
        [constants.BROTLI_PARAM_QUALITY]: 9,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    });
  }
  return gzipInPool(bytes);
}

/**
 * Whether a request's If-None-Match names `etag`, compared as @fastify/etag compares it (one
 * value, weak or strong), so that Fastify and the page cache's front answer 304 alike.
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  return ifNoneMatch === etag || ifNoneMatch === `W/${etag}` || `W/${ifNoneMatch}` === etag;
}

export interface RenderedPage {
  /** @default 200 */
  readonly statusCode?: number;
  readonly body: SafeHtml | string;
  /** @default text/html */
  readonly contentType?: string;
  /** Headers of the page's own, kept with it in the cache. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RenderInput {
  readonly view: ViewContext;
  readonly now: Date;
}

export type PageRenderer = (db: ReadOnlyKysely<Tables>, input: RenderInput) => Promise<RenderedPage>;

export interface PageSenderOptions {
  /** Whether anonymous visitors may share this page from the cache. @default true */
  readonly cacheable?: boolean;
}

export async function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  render: PageRenderer,
  options: PageSenderOptions = {},
): Promise<string | Buffer> {
  const { quire } = request.server;
  // A signed-in viewer's page, or one not cacheable (a form carries a CSRF token), is private.
  const shareable = (options.cacheable ?? true) && isAnonymous(request);
  const cache = shareable ? quire.cache : undefined;
  const key = request.url;
  if (cache !== undefined) {
    const hit = await cache.get(key);
    if (hit !== undefined) {
      quire.pageCacheRequests.inc({ result: 'hit' });
      return sendCachedPage(request, reply, hit);
    }
  }
  quire.pageCacheRequests.inc({ result: cache === undefined ? 'bypass' : 'miss' });
  const now = quire.now();
  const { state, page } = await read(request, async (db) => {
    const contentState = await readContentState(db, now);
    const site = await readSiteSettings(db);
    const view: ViewContext = {
      site,
      publicUrl: quire.settings.publicUrl,
      stylesheet: quire.stylesheet,
      favicon: quire.favicon,
    };
    return { state: contentState, page: await render(db, { view, now }) };
  });
  const statusCode = page.statusCode ?? 200;
  const body = page.body.toString();
  const contentType = page.contentType ?? HTML;
  if (cache !== undefined && statusCode === 200) {
    const route = routeOf(request);
    return sendCachedPage(
      request,
      reply,
      cache.set(key, state, { route, statusCode, contentType, body, headers: page.headers }),
    );
  }
  reply
    .headers(page.headers ?? {})
    .code(statusCode)
    .type(contentType)
    .header('cache-control', shareable ? SHARED_REVALIDATED : 'private, no-store');
  return body;
}

/** A cached page (just rendered, or a hit) in the client's coding; @fastify/etag answers 304. */
async function sendCachedPage(
  request: FastifyRequest,
  reply: FastifyReply,
  page: CachedPage,
): Promise<Buffer> {
  const { headers, body } = await cachedResponse(page, request.headers['accept-encoding']);
  reply.code(page.statusCode).headers(headers);
  return body;
}
