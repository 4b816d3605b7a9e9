/**
 * The rest of the admin area: comment moderation (editors and the owner), site settings and users
 * (the owner), image uploads and one's own password (everyone).
 */
import type {} from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HTML } from '../page-sender.js';
import { adminPage, ANY_ROLE, requireRole } from '../plugins/admin-session.js';
import { read, write } from '../plugins/web-context.js';
import { bumpContentVersion } from '../services/content-version.js';
import { MediaRejectedError, storeImage } from '../services/media-store.js';
import {
  generatePassword,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  verifyPassword,
} from '../services/passwords.js';
import { deleteOtherSessions } from '../services/sessions.js';
import { readSiteSettings } from '../services/public-content.js';
import { slugify } from '../services/slug.js';
import { COMMENT_STATUSES } from '../tables.js';
import { accountPage, commentsPage, mediaPage, settingsPage, usersPage } from '../views/admin-views.js';
import { idParams } from './route-schemas.js';

export const adminSiteRoutes: FastifyPluginAsyncZod = (app) => {
  const moderators = { preHandler: requireRole('owner', 'editor') };
  const owner = { preHandler: requireRole('owner') };

  app.get(
    '/admin/comments',
    {
      ...moderators,
      schema: { querystring: z.strictObject({ status: z.enum(COMMENT_STATUSES).default('pending') }) },
    },
    async (request, reply) => {
      const page = await adminPage(request, reply);
      const { status } = request.query;
      const comments = await read(request, (db) =>
        db
          .selectFrom('comment')
          .innerJoin('post', 'post.id', 'comment.post_id')
          .select([
            'comment.id',
            'comment.author_name',
            'comment.body',
            'comment.status',
            'comment.created_at',
            'post.title as post_title',
            'post.slug as post_slug',
          ])
          .where('comment.status', '=', status)
          .orderBy('comment.created_at', 'desc')
          .limit(200)
          .execute(),
      );
      reply.type(HTML).header('cache-control', 'private, no-store');
      return commentsPage(page, status, comments).toString();
    },
  );

  app.post(
    '/admin/comments/:id',
    {
      ...moderators,
      schema: { params: idParams, body: z.object({ _csrf: z.string(), status: z.enum(COMMENT_STATUSES) }) },
    },
    async (request, reply) => {
      const { status } = request.body;
      const found = await write(
        request,
        reply,
        async (trx) => {
          const result = await trx
            .updateTable('comment')
            .set({ status })
            .where('id', '=', request.params.id)
            .executeTakeFirst();
          return result.numUpdatedRows > 0n ? await bumpContentVersion(trx) : undefined;
        },
        (version) => version,
      );
      if (found === undefined) {
        reply.callNotFound();
        return reply;
      }
      return reply.redirect('/admin/comments', 303);
    },
  );

  app.get('/admin/settings', owner, async (request, reply) => {
    const page = await adminPage(request, reply);
    reply.type(HTML).header('cache-control', 'private, no-store');
    return settingsPage(page, page.view.site.title, page.view.site.description).toString();
  });

  app.post(
    '/admin/settings',
    {
      ...owner,
      schema: {
        body: z.object({
          _csrf: z.string(),
          title: z.string().trim().min(1, { message: 'give the site a title' }).max(100),
          description: z.string().trim().max(300).default(''),
        }),
      },
    },
    async (request, reply) => {
      const { title, description } = request.body;
      await write(
        request,
        reply,
        async (trx) => {
          for (const [name, value] of Object.entries({ title, description })) {
            await trx.insertInto('setting').values({ name, value }).onDuplicateKeyUpdate({ value }).execute();
          }
          return bumpContentVersion(trx);
        },
        (version) => version,
      );
      const page = await adminPage(request, reply);
      const site = await read(request, readSiteSettings);
      reply.type(HTML).header('cache-control', 'private, no-store');
      return settingsPage(
        { ...page, view: { ...page.view, site } },
        site.title,
        site.description,
        'Saved.',
      ).toString();
    },
  );

  const listUsers = (request: Parameters<typeof read>[0]) =>
    read(request, (db) => db.selectFrom('user').select(['name', 'email', 'role']).orderBy('id').execute());

  app.get('/admin/users', owner, async (request, reply) => {
    const page = await adminPage(request, reply);
    reply.type(HTML).header('cache-control', 'private, no-store');
    return usersPage(page, await listUsers(request)).toString();
  });

  app.post(
    '/admin/users',
    {
      ...owner,
      schema: {
        body: z.object({
          _csrf: z.string(),
          name: z.string().trim().min(1).max(100),
          email: z.email().trim().toLowerCase().max(254),
          role: z.enum(['author', 'editor']),
        }),
      },
    },
    async (request, reply) => {
      const { name, email, role } = request.body;
      const password = generatePassword();
      const passwordHash = await hashPassword(password);
      const outcome = await write(request, reply, async (trx) => {
        const taken = await trx.selectFrom('user').select('id').where('email', '=', email).executeTakeFirst();
        if (taken !== undefined) return 'taken' as const;
        const base = slugify(name) || 'author';
        let slug = base;
        for (
          let n = 2;
          await trx.selectFrom('user').select('id').where('slug', '=', slug).executeTakeFirst();
          n++
        ) {
          slug = `${base}-${n}`;
        }
        await trx
          .insertInto('user')
          .values({ name, email, role, slug, bio: '', password_hash: passwordHash })
          .execute();
        return 'created' as const;
      });
      const page = await adminPage(request, reply);
      reply.type(HTML).header('cache-control', 'private, no-store');
      if (outcome === 'taken') {
        reply.code(409);
        return usersPage(
          page,
          await listUsers(request),
          undefined,
          `${email} already has an account.`,
        ).toString();
      }
      return usersPage(page, await listUsers(request), { email, password }).toString();
    },
  );

  app.get('/admin/account', { preHandler: requireRole(...ANY_ROLE) }, async (request, reply) => {
    reply.type(HTML).header('cache-control', 'private, no-store');
    return accountPage(await adminPage(request, reply)).toString();
  });

  app.post(
    '/admin/account',
    {
      preHandler: requireRole(...ANY_ROLE),
      schema: {
        body: z.object({
          _csrf: z.string(),
          current: z.string().max(1000),
          password: z
            .string()
            .min(MIN_PASSWORD_LENGTH, { message: `choose at least ${MIN_PASSWORD_LENGTH} characters` })
            .max(1000),
        }),
      },
    },
    async (request, reply) => {
      const page = await adminPage(request, reply);
      const { current, password } = request.body;
      const stored = await read(request, (db) =>
        db
          .selectFrom('user')
          .select('password_hash')
          .where('id', '=', page.user.id)
          .executeTakeFirstOrThrow(),
      );
      reply.type(HTML).header('cache-control', 'private, no-store');
      if (!(await verifyPassword(stored.password_hash, current))) {
        reply.code(400);
        return accountPage(page, undefined, 'The current password is wrong; nothing was changed.').toString();
      }
      const passwordHash = await hashPassword(password);
      const sessionId = request.viewer.sessionId ?? '';
      await write(request, reply, async (trx) => {
        await trx
          .updateTable('user')
          .set({ password_hash: passwordHash })
          .where('id', '=', page.user.id)
          .execute();
        await deleteOtherSessions(trx, page.user.id, sessionId);
      });
      return accountPage(page, 'Password changed; your other sessions were logged out.').toString();
    },
  );

  app.get('/admin/media', { preHandler: requireRole(...ANY_ROLE) }, async (request, reply) => {
    reply.type(HTML).header('cache-control', 'private, no-store');
    return mediaPage(await adminPage(request, reply)).toString();
  });

  app.post(
    '/admin/media',
    { preHandler: requireRole(...ANY_ROLE), schema: { querystring: z.strictObject({ _csrf: z.string() }) } },
    async (request, reply) => {
      const page = await adminPage(request, reply);
      const file = await request.file();
      if (file === undefined) throw new MediaRejectedError('choose an image to upload');
      const path = await storeImage(app.quire.settings.mediaDir, await file.toBuffer());
      reply.code(201).type(HTML).header('cache-control', 'private, no-store');
      return mediaPage(page, path).toString();
    },
  );
  return Promise.resolve();
};
