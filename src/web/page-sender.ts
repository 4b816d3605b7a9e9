/**
 * Sends a server-rendered page. The page's data, the site settings and the content version are
 * read in one `read` (one replica connection), so the version a page is cached under is the one
 * its data came from. Anonymous visitors share the page cache; everyone gets an ETag (304 on a
 * match, by @fastify/etag) and Last-Modified.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReadOnlyKysely } from '../db/index.js';
import { isAnonymous, read } from './plugins/web-context.js';
import { readContentState, readSiteSettings } from './services/public-content.js';
import type { Tables } from './tables.js';
import type { SafeHtml } from './views/html.js';
import type { ViewContext } from './views/layout.js';

export const HTML = 'text/html; charset=utf-8';

export interface RenderedPage {
  /** @default 200 */
  readonly statusCode?: number;
  readonly body: SafeHtml | string;
  /** @default text/html */
  readonly contentType?: string;
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
  const cache = (options.cacheable ?? true) && isAnonymous(request) ? quire.cache : undefined;
  const key = request.url;
  if (cache !== undefined) {
    const hit = await cache.get(key);
    if (hit !== undefined) {
      quire.pageCacheRequests.inc({ result: 'hit' });
      reply
        .code(hit.statusCode)
        .type(hit.contentType)
        .header('etag', hit.etag)
        .header('last-modified', hit.lastModified.toUTCString())
        .header('cache-control', 'public, max-age=0, must-revalidate');
      // Bytes: encoding the string again, and measuring it for Content-Length, was most of a
      // hit's time on a large page (the feed).
      return hit.bytes;
    }
  }
  quire.pageCacheRequests.inc({ result: cache === undefined ? 'bypass' : 'miss' });
  const now = quire.now();
  const { state, page } = await read(request, async (db) => {
    const contentState = await readContentState(db, now);
    const site = await readSiteSettings(db);
    const view: ViewContext = { site, publicUrl: quire.settings.publicUrl, stylesheet: quire.stylesheet };
    return { state: contentState, page: await render(db, { view, now }) };
  });
  const statusCode = page.statusCode ?? 200;
  const body = page.body.toString();
  const contentType = page.contentType ?? HTML;
  reply.code(statusCode).type(contentType);
  if (cache !== undefined && statusCode === 200) {
    const cached = cache.set(key, state, { statusCode, contentType, body });
    reply
      .header('etag', cached.etag)
      .header('last-modified', cached.lastModified.toUTCString())
      .header('cache-control', 'public, max-age=0, must-revalidate');
  } else {
    // Pages with a form carry a CSRF token: no shared cache may keep them.
    const shareable = (options.cacheable ?? true) && isAnonymous(request);
    reply.header('cache-control', shareable ? 'public, max-age=0, must-revalidate' : 'private, no-store');
  }
  return body;
}
