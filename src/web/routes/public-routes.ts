/** The public pages: home, posts and pages, tag and author pages, search. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendPage, type RenderedPage } from '../page-sender.js';
import { listPosts, readAuthor, readPost, readTag, searchPosts } from '../services/public-content.js';
import type { ViewContext } from '../views/layout.js';
import { authorPage, homePage, messagePage, postPage, searchPage, tagPage } from '../views/public-views.js';
import { slugParams } from './route-schemas.js';

export const pageQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

const searchQuery = z.strictObject({ q: z.string().trim().max(200).default('') });

export function notFound(view: ViewContext, what: string): RenderedPage {
  return { statusCode: 404, body: messagePage(view, 'Not found', `There is no ${what} here.`) };
}

export const publicRoutes: FastifyPluginAsyncZod = (app) => {
  const perPage = app.quire.settings.postsPerPage;

  app.get('/', { schema: { querystring: pageQuery } }, (request, reply) =>
    sendPage(request, reply, async (db, { view, now }) => {
      const list = await listPosts(db, now, request.query.page, perPage);
      if (request.query.page > list.pageCount) return notFound(view, `page ${request.query.page}`);
      return { body: homePage(view, list) };
    }),
  );

  app.get('/:slug', { schema: { params: slugParams } }, (request, reply) =>
    sendPage(request, reply, async (db, { view, now }) => {
      const post = await readPost(db, now, request.params.slug);
      return post === undefined ? notFound(view, 'post') : { body: postPage(view, post) };
    }),
  );

  app.get('/tag/:slug', { schema: { params: slugParams, querystring: pageQuery } }, (request, reply) =>
    sendPage(request, reply, async (db, { view, now }) => {
      const tag = await readTag(db, request.params.slug);
      if (tag === undefined) return notFound(view, 'tag');
      const list = await listPosts(db, now, request.query.page, perPage, { tagId: tag.id });
      return { body: tagPage(view, tag, list) };
    }),
  );

  app.get('/author/:slug', { schema: { params: slugParams, querystring: pageQuery } }, (request, reply) =>
    sendPage(request, reply, async (db, { view, now }) => {
      const author = await readAuthor(db, request.params.slug);
      if (author === undefined) return notFound(view, 'author');
      const list = await listPosts(db, now, request.query.page, perPage, { authorId: author.id });
      return { body: authorPage(view, author, list) };
    }),
  );

  // Not cached: every query would be a new entry.
  app.get('/search', { schema: { querystring: searchQuery } }, (request, reply) =>
    sendPage(
      request,
      reply,
      async (db, { view, now }) => {
        const { q } = request.query;
        return { body: searchPage(view, q, q === '' ? undefined : await searchPosts(db, now, q, 50)) };
      },
      { cacheable: false },
    ),
  );
  return Promise.resolve();
};
