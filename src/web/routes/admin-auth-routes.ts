/**
 * Logging in and out. Login attempts are throttled per address; a wrong email and a wrong
 * password get the same answer and take the same time (a hash is verified either way).
 */
import type {} from '@fastify/csrf-protection';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendPage } from '../page-sender.js';
import { cookieOptions, readCredentials, SESSION_COOKIE, write } from '../plugins/web-context.js';
import { hashPassword, verifyPassword } from '../services/passwords.js';
import { createSession, deleteSession, SESSION_DAYS } from '../services/sessions.js';
import { loginPage } from '../views/admin-views.js';

export const LOGIN_ATTEMPTS_PER_MINUTE = 5;

const loginBody = z.object({
  _csrf: z.string(),
  email: z.string().trim().toLowerCase().max(254),
  password: z.string().max(1000),
});

export const adminAuthRoutes: FastifyPluginAsyncZod = async (app) => {
  // Verified when the email is unknown, so that both failures take as long.
  const decoyHash = await hashPassword('not a password anyone has');

  app.get('/admin/login', (request, reply) =>
    sendPage(
      request,
      reply,
      (_db, { view }) => Promise.resolve({ body: loginPage(view, reply.generateCsrf()) }),
      {
        cacheable: false,
      },
    ),
  );

  app.post(
    '/admin/login',
    {
      schema: { body: loginBody },
      config: { rateLimit: { max: LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const user = await readCredentials(request, (db) =>
        db.selectFrom('user').select(['id', 'password_hash']).where('email', '=', email).executeTakeFirst(),
      );
      const valid = await verifyPassword(user?.password_hash ?? decoyHash, password);
      if (user === undefined || !valid) {
        request.log.info({ email }, 'login refused');
        return sendPage(
          request,
          reply,
          (_db, { view }) =>
            Promise.resolve({
              statusCode: 401,
              body: loginPage(view, reply.generateCsrf(), 'Wrong email or password.', email),
            }),
          { cacheable: false },
        );
      }
      const sessionId = await write(request, reply, (trx) => createSession(trx, user.id, app.quire.now()));
      reply.setCookie(SESSION_COOKIE, sessionId, { ...cookieOptions(app), maxAge: SESSION_DAYS * 86_400 });
      request.log.info({ userId: user.id }, 'logged in');
      return reply.redirect('/admin', 303);
    },
  );

  app.post('/admin/logout', { schema: { body: z.object({ _csrf: z.string() }) } }, async (request, reply) => {
    const { sessionId } = request.viewer;
    if (sessionId !== undefined) await write(request, reply, (trx) => deleteSession(trx, sessionId));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/', 303);
  });
};
