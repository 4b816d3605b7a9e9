/**
 * The admin area's gate: a preHandler that finds the session's user (on the primary, so that an
 * ended session or a changed role counts at once) and sends everyone else to the login page.
 */
import type {} from '@fastify/csrf-protection';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { read, readCredentials } from './web-context.js';
import { readSessionUser, type SessionUser } from '../services/sessions.js';
import type { Role } from '../tables.js';
import { readSiteSettings } from '../services/public-content.js';
import type { AdminPage } from '../views/admin-views.js';

declare module 'fastify' {
  interface FastifyRequest {
    adminUser: SessionUser | undefined;
  }
}

/** A preHandler admitting users with one of `roles`: others get a 403, visitors the login page. */
export function requireRole(...roles: Role[]) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const { sessionId } = request.viewer;
    const user =
      sessionId === undefined
        ? undefined
        : await readCredentials(request, (db) => readSessionUser(db, sessionId, request.server.quire.now()));
    if (user === undefined) {
      await reply.redirect('/admin/login', 303);
      return;
    }
    if (!roles.includes(user.role)) {
      const error = new Error(`this page is for the ${roles.join(' or ')} role; you are ${user.role}`);
      Object.assign(error, { statusCode: 403 });
      throw error;
    }
    request.adminUser = user;
  };
}

export const ANY_ROLE: Role[] = ['owner', 'editor', 'author'];

/** What every admin view needs: the site, the user and a CSRF token. */
export async function adminPage(request: FastifyRequest, reply: FastifyReply): Promise<AdminPage> {
  const { quire } = request.server;
  const user = request.adminUser;
  if (user === undefined) throw new Error(`${request.url} rendered an admin page without requireRole`);
  const site = await read(request, readSiteSettings);
  return {
    view: { site, publicUrl: quire.settings.publicUrl, stylesheet: quire.stylesheet, favicon: quire.favicon },
    user,
    csrfToken: reply.generateCsrf(),
  };
}
