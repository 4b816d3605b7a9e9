/**
 * Visitors' comments: a form page of its own (it carries a CSRF token, so it is never cached),
 * and the post that stores the comment as pending moderation. Each address may send a few per
 * window (@fastify/rate-limit); addresses are stored only as an HMAC.
 */
import { createHmac } from 'node:crypto';
import type {} from '@fastify/csrf-protection';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendPage } from '../page-sender.js';
import { write } from '../plugins/web-context.js';
import { renderCommentMarkdown } from '../services/markdown.js';
import { readPost } from '../services/public-content.js';
import { commentPage } from '../views/public-views.js';
import { notFound } from './public-routes.js';
import { slugParams } from './route-schemas.js';

/** Comments one address may send per window. */
export const COMMENTS_PER_WINDOW = 5;
export const COMMENT_WINDOW = '10 minutes';

const commentBody = z.object({
  _csrf: z.string(),
  name: z.string().trim().min(1, { message: 'give your name' }).max(100),
  body: z.string().trim().min(1, { message: 'write something' }).max(5000),
});

export const commentRoutes: FastifyPluginAsyncZod = (app) => {
  app.get('/:slug/comment', { schema: { params: slugParams } }, (request, reply) =>
    sendPage(
      request,
      reply,
      async (db, { view, now }) => {
        const post = await readPost(db, now, request.params.slug);
        if (post?.kind !== 'post') return notFound(view, 'post');
        return { body: commentPage(view, post, reply.generateCsrf()) };
      },
      { cacheable: false },
    ),
  );

  app.post(
    '/:slug/comment',
    {
      schema: { params: slugParams, body: commentBody },
      config: { rateLimit: { max: COMMENTS_PER_WINDOW, timeWindow: COMMENT_WINDOW } },
    },
    async (request, reply) => {
      const { name, body } = request.body;
      const ipHash = createHmac('sha256', app.quire.settings.sessionSecret).update(request.ip).digest('hex');
      const saved = await write(request, reply, async (trx) => {
        const post = await trx
          .selectFrom('post')
          .select(['id', 'slug', 'title', 'kind'])
          .where('slug', '=', request.params.slug)
          .where('status', 'in', ['published', 'scheduled'])
          .where('published_at', '<=', app.quire.now())
          .executeTakeFirst();
        if (post?.kind !== 'post') return undefined;
        await trx
          .insertInto('comment')
          .values({
            post_id: post.id,
            author_name: name,
            body,
            html: renderCommentMarkdown(body),
            status: 'pending',
            ip_hash: ipHash,
          })
          .execute();
        return post;
      });
      return sendPage(
        request,
        reply,
        (_db, { view }) =>
          Promise.resolve(
            saved === undefined
              ? notFound(view, 'post')
              : { statusCode: 201, body: commentPage(view, saved, reply.generateCsrf(), { sent: true }) },
          ),
        { cacheable: false },
      );
    },
  );
  return Promise.resolve();
};
