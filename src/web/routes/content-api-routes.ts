/**
 * Ghost's Content API, read-only JSON under `/ghost/api/content/` (registered with that prefix):
 * posts, pages, tags and authors (browse, by id, by slug) and settings, each needing a Content
 * API key (`?key=`, made in the admin). The answers go through `sendPage`, like the site's pages:
 * read on a replica with the site settings and content version, the key checked in the same
 * read, kept in the page cache for anonymous clients (a 200 only, under its URL, which holds the
 * key), with ETag, Last-Modified and `public, max-age=0, must-revalidate`. A key's revocation
 * bumps the content version (content-api-keys.ts), so no cache keeps answering for it. As on
 * Ghost, browsers on any site may call it (CORS), which the site's own pages do not allow.
 *
 * Errors are Ghost's JSON (content-api-errors.ts), never the site's HTML error pages: this plugin
 * is encapsulated (not fastify-plugin), so its error and not-found handlers are its own.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DatabaseUnavailableError, type ReadOnlyKysely } from '../../db/index.js';
import { sendPage } from '../page-sender.js';
import {
  browseAuthors,
  browsePosts,
  browseTags,
  ghostSettings,
  parseBrowseOptions,
  parseOptions,
  readAuthor,
  readPost,
  readTag,
  type ContentApiSite,
} from '../services/content-api.js';
import { ContentApiError, ghostErrorBody, type GhostErrorType } from '../services/content-api-errors.js';
import { contentApiKeyState } from '../services/content-api-keys.js';
import type { Tables } from '../tables.js';
import { idParams, slugParams } from './route-schemas.js';

export const CONTENT_API_PREFIX = '/ghost/api/content';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Any site may read the Content API from a browser, as on Ghost: the key grants only what the
 * site publishes, and no cookie is used (the answers are the same for everyone with the key).
 */
const CORS_HEADERS = { 'access-control-allow-origin': '*' };
/** Header names a preflight may ask for (`Accept-Version` from Ghost's client). */
const HEADER_NAMES = /^[A-Za-z0-9-]+(?:\s*,\s*[A-Za-z0-9-]+)*$/;

const option = z.string().max(2000).optional();

/** The options Ghost's Content API takes; others (the client's `slug` on a read) are ignored, as Ghost does. */
const contentQuery = z.object({
  key: z.string().max(200).optional(),
  // parseFilter bounds its length with a Ghost error of its own.
  filter: z.string().optional(),
  include: option,
  fields: option,
  formats: option,
  limit: option,
  page: option,
  order: option,
});

async function authenticate(db: ReadOnlyKysely<Tables>, key: string | undefined): Promise<void> {
  if (key === undefined || key === '') {
    throw new ContentApiError('NoPermissionError', 'Authorization failed', {
      context:
        'Unable to determine the authenticated member or integration. Check the supplied Content API Key (the key query parameter; the site owner makes keys under Admin → Content API).',
    });
  }
  const state = await contentApiKeyState(db, key);
  if (state === 'unknown') {
    throw new ContentApiError('UnauthorizedError', 'Unknown Content API Key', {
      code: 'UNKNOWN_CONTENT_API_KEY',
    });
  }
  if (state === 'revoked') {
    throw new ContentApiError('UnauthorizedError', 'This Content API Key was revoked', {
      code: 'REVOKED_CONTENT_API_KEY',
      context: 'Ask the site owner for a new key (Admin → Content API).',
    });
  }
}

/** Answers with `answer`'s JSON after checking the key, all in one replica read. */
function respond(
  request: FastifyRequest,
  reply: FastifyReply,
  key: string | undefined,
  answer: (db: ReadOnlyKysely<Tables>, site: ContentApiSite) => Promise<object> | object,
): Promise<string | Buffer> {
  return sendPage(request, reply, async (db, { view, now }) => {
    await authenticate(db, key);
    const site: ContentApiSite = {
      publicUrl: view.publicUrl,
      settings: view.site,
      favicon: view.favicon,
      now,
    };
    return { body: JSON.stringify(await answer(db, site)), contentType: JSON_TYPE, headers: CORS_HEADERS };
  });
}

const TYPE_BY_STATUS: Readonly<Record<number, GhostErrorType>> = {
  401: 'UnauthorizedError',
  403: 'NoPermissionError',
  404: 'NotFoundError',
};

/** Any error of these routes as the Ghost error to send. */
function contentApiError(error: unknown, request: FastifyRequest): ContentApiError {
  if (error instanceof ContentApiError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const problems = error.validation.map((issue) => {
      const field = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
      return `${field === '' ? error.validationContext : field}: ${issue.message}`;
    });
    return new ContentApiError('ValidationError', 'Validation error, cannot read the request', {
      context: problems.join('; '),
    });
  }
  if (error instanceof DatabaseUnavailableError) {
    request.log.warn({ err: error }, 'content API read failed: no database reachable');
    return new ContentApiError(
      'MaintenanceError',
      'The database cannot be reached; please try again shortly.',
    );
  }
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return new ContentApiError(TYPE_BY_STATUS[statusCode] ?? 'BadRequestError', (error as Error).message);
  }
  request.log.error({ err: error }, 'content API request failed');
  return new ContentApiError(
    'InternalServerError',
    `Something went wrong; the error was logged with id ${request.id}.`,
  );
}

export const contentApiRoutes: FastifyPluginAsyncZod = (app) => {
  app.setErrorHandler((error, request, reply) => {
    const apiError = contentApiError(error, request);
    reply.code(apiError.statusCode).type(JSON_TYPE).header('cache-control', 'no-store').headers(CORS_HEADERS);
    if (apiError.statusCode === 503) reply.header('retry-after', '5');
    return JSON.stringify(ghostErrorBody(apiError, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).type(JSON_TYPE).header('cache-control', 'no-store').headers(CORS_HEADERS);
    return JSON.stringify(
      ghostErrorBody(new ContentApiError('NotFoundError', 'Resource not found'), request.id),
    );
  });

  // The preflight of a browser's request that sends Accept-Version, as Ghost's client does.
  app.options('/*', (request, reply) => {
    const asked = request.headers['access-control-request-headers'];
    reply
      .code(204)
      .headers(CORS_HEADERS)
      .header('access-control-allow-methods', 'GET, HEAD, OPTIONS')
      .header(
        'access-control-allow-headers',
        asked !== undefined && HEADER_NAMES.test(asked) ? asked : 'accept-version',
      )
      .header('access-control-max-age', '86400');
    return reply.send();
  });

  const browse = { schema: { querystring: contentQuery } };
  const byId = { schema: { params: idParams, querystring: contentQuery } };
  const bySlug = { schema: { params: slugParams, querystring: contentQuery } };

  for (const [resource, kind] of [
    ['posts', 'post'],
    ['pages', 'page'],
  ] as const) {
    app.get(`/${resource}/`, browse, (request, reply) =>
      respond(request, reply, request.query.key, (db, site) =>
        browsePosts(db, site, kind, parseBrowseOptions(resource, request.query)),
      ),
    );
    app.get(`/${resource}/:id/`, byId, (request, reply) =>
      respond(request, reply, request.query.key, (db, site) =>
        readPost(db, site, kind, { id: request.params.id }, parseOptions(resource, request.query)),
      ),
    );
    app.get(`/${resource}/slug/:slug/`, bySlug, (request, reply) =>
      respond(request, reply, request.query.key, (db, site) =>
        readPost(db, site, kind, { slug: request.params.slug }, parseOptions(resource, request.query)),
      ),
    );
  }

  for (const [resource, browseAll, readOne] of [
    ['tags', browseTags, readTag],
    ['authors', browseAuthors, readAuthor],
  ] as const) {
    app.get(`/${resource}/`, browse, (request, reply) =>
      respond(request, reply, request.query.key, (db, site) =>
        browseAll(db, site, parseBrowseOptions(resource, request.query)),
      ),
    );
    app.get(`/${resource}/:id/`, byId, (request, reply) =>
      respond(request, reply, request.query.key, (db, site) =>
        readOne(db, site, { id: request.params.id }, parseOptions(resource, request.query)),
      ),
    );
    app.get(`/${resource}/slug/:slug/`, bySlug, (request, reply) =>
      respond(request, reply, request.query.key, (db, site) =>
        readOne(db, site, { slug: request.params.slug }, parseOptions(resource, request.query)),
      ),
    );
  }

  app.get('/settings/', browse, (request, reply) =>
    respond(request, reply, request.query.key, (_db, site) => ghostSettings(site)),
  );
  return Promise.resolve();
};
