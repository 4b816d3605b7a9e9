/**
 * What every route shares: the database, the settings, the page cache and the clock, and per
 * request the viewer (session cookie, read-your-writes token). `read` runs on a replica after
 * the viewer's last write; `write` runs on the primary and keeps the new token in a cookie, so
 * the viewer's next page sees the write even through a lagging replica.
 */
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Transaction } from 'kysely';
import type { Counter } from 'prom-client';
import {
  mergeGtidTokens,
  toGtidToken,
  type Database,
  type GtidToken,
  type ReadOnlyKysely,
} from '../../db/index.js';
import type { PageCache } from '../services/page-cache.js';
import type { Tables } from '../tables.js';
import type { WebAppSettings } from '../web-app-settings.js';

export const SESSION_COOKIE = 'quire_session';
export const WRITE_TOKEN_COOKIE = 'quire_rw';
/** Long enough for any replica within the lag bound to have applied the write. */
const WRITE_TOKEN_MAX_AGE_SECONDS = 300;

export interface WebContext {
  readonly db: Database<Tables>;
  readonly settings: WebAppSettings;
  readonly cache: PageCache | undefined;
  readonly now: () => Date;
  /** URL of the stylesheet (its content hash in the name, so it can be cached for a year). */
  readonly stylesheet: string;
  /** URL of the site's icon (named by its content hash as well). */
  readonly favicon: string;
  /** Anonymous page requests by cache outcome: hit, miss, bypass (not anonymous, or not cacheable). */
  readonly pageCacheRequests: Counter<'result'>;
}

export interface Viewer {
  /** The admin session cookie, if any (checked by the admin routes). */
  readonly sessionId: string | undefined;
  /** The GTID of the viewer's last write, if recent. */
  token: GtidToken | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    quire: WebContext;
  }
  interface FastifyRequest {
    viewer: Viewer;
  }
}

/** Whether the request may get (and fill) the shared page cache: no session, no recent write. */
export function isAnonymous(request: FastifyRequest): boolean {
  return request.viewer.sessionId === undefined && request.viewer.token === undefined;
}

export function read<T>(
  request: FastifyRequest,
  work: (db: ReadOnlyKysely<Tables>) => Promise<T>,
): Promise<T> {
  return request.server.quire.db.reader.read(work, { after: request.viewer.token });
}

/**
 * Read on the primary what must hold everywhere the moment it changes: a changed password or an
 * ended session must not still work on a replica that has not applied the change.
 */
export function readCredentials<T>(
  request: FastifyRequest,
  work: (db: ReadOnlyKysely<Tables>) => Promise<T>,
): Promise<T> {
  return request.server.quire.db.reader.read(work, { primary: true });
}

/**
 * Run `work` on the primary. When it returns a content version (a public page changed), this
 * process's page cache is dropped at once; other processes see the version within their interval.
 */
export async function write<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  work: (trx: Transaction<Tables>) => Promise<T>,
  contentVersion?: (value: T) => number | undefined,
): Promise<T> {
  const { value, token } = await request.server.quire.db.writer.write(work);
  const version = contentVersion?.(value);
  if (version !== undefined) request.server.quire.cache?.invalidate(version);
  const merged = mergeGtidTokens(request.viewer.token, token);
  if (merged !== undefined) {
    request.viewer.token = merged;
    reply.setCookie(WRITE_TOKEN_COOKIE, merged, {
      ...cookieOptions(request.server),
      signed: true,
      maxAge: WRITE_TOKEN_MAX_AGE_SECONDS,
    });
  }
  return value;
}

export function cookieOptions(app: FastifyInstance): {
  path: string;
  httpOnly: true;
  sameSite: 'lax';
  secure: boolean;
} {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: app.quire.settings.publicUrl.protocol === 'https:',
  };
}

export const webContext = fp(
  (app: FastifyInstance, context: WebContext, done: (error?: Error) => void) => {
    app.decorate('quire', context);
    // Set by the hook below before any handler runs.
    app.decorateRequest('viewer', null as unknown as Viewer);
    app.addHook('onRequest', (request, _reply, next) => {
      const signed = request.cookies[WRITE_TOKEN_COOKIE];
      const unsigned = signed === undefined ? undefined : request.unsignCookie(signed);
      const sessionId = request.cookies[SESSION_COOKIE];
      request.viewer = {
        sessionId: sessionId === '' ? undefined : sessionId,
        token: unsigned?.valid === true ? toGtidToken(unsigned.value) : undefined,
      };
      next();
    });
    done();
  },
  { name: 'quire-web-context', dependencies: ['@fastify/cookie'] },
);
