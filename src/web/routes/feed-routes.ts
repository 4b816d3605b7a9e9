/** Machine-readable pages: the RSS and Atom feeds (the `feed` library), sitemap.xml, robots.txt. */
import { Feed } from 'feed';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sendPage, type RenderInput } from '../page-sender.js';
import { feedPosts, sitemapEntries } from '../services/public-content.js';
import type { ReadOnlyKysely } from '../../db/index.js';
import type { Tables } from '../tables.js';
import { absoluteUrl, escapeXml } from '../views/layout.js';

const FEED_LENGTH = 20;

async function buildFeed(db: ReadOnlyKysely<Tables>, { view, now }: RenderInput): Promise<Feed> {
  const posts = await feedPosts(db, now, FEED_LENGTH);
  const home = absoluteUrl(view, '/');
  const feed = new Feed({
    title: view.site.title,
    description: view.site.description,
    id: home,
    link: home,
    language: 'en',
    copyright: view.site.title,
    updated: posts[0]?.updatedAt ?? now,
    feedLinks: { rss: absoluteUrl(view, '/rss.xml'), atom: absoluteUrl(view, '/atom.xml') },
  });
  for (const post of posts) {
    const link = absoluteUrl(view, `/${post.slug}`);
    feed.addItem({
      title: post.title,
      id: link,
      link,
      description: post.excerpt,
      content: post.html,
      date: post.publishedAt,
      author: [{ name: post.author.name, link: absoluteUrl(view, `/author/${post.author.slug}`) }],
      category: post.tags.map((tag) => ({ name: tag.name, domain: absoluteUrl(view, `/tag/${tag.slug}`) })),
      image: post.coverImage === null ? undefined : absoluteUrl(view, post.coverImage),
    });
  }
  return feed;
}

export const feedRoutes: FastifyPluginAsyncZod = (app) => {
  app.get('/rss.xml', (request, reply) =>
    sendPage(request, reply, async (db, input) => ({
      body: (await buildFeed(db, input)).rss2(),
      contentType: 'application/rss+xml; charset=utf-8',
    })),
  );

  app.get('/atom.xml', (request, reply) =>
    sendPage(request, reply, async (db, input) => ({
      body: (await buildFeed(db, input)).atom1(),
      contentType: 'application/atom+xml; charset=utf-8',
    })),
  );

  app.get('/sitemap.xml', (request, reply) =>
    sendPage(request, reply, async (db, { view, now }) => {
      const entries = await sitemapEntries(db, now);
      const urls = [
        `<url><loc>${escapeXml(absoluteUrl(view, '/'))}</loc></url>`,
        ...entries.map(
          (entry) =>
            `<url><loc>${escapeXml(absoluteUrl(view, `/${entry.slug}`))}</loc><lastmod>${entry.updated_at.toISOString()}</lastmod></url>`,
        ),
      ];
      return {
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`,
        contentType: 'application/xml; charset=utf-8',
      };
    }),
  );

  app.get('/robots.txt', (_request, reply) => {
    reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=3600');
    return `User-agent: *\nDisallow: /admin\nDisallow: /search\nSitemap: ${new URL('/sitemap.xml', app.quire.settings.publicUrl).toString()}\n`;
  });
  return Promise.resolve();
};
