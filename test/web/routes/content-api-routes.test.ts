/**
 * The Content API on a real primary and replica: Ghost's shapes and pagination, the filter subset
 * and its errors, include/fields/formats/order, reads by id and slug, only public content, keys
 * (missing, unknown, revoked) with Ghost's error JSON, answers from the replica and the page cache
 * (ETag, 304), the owner-only keys screen, and no key in the logs.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken, logIn } from '../support/browser-session.js';
import { startContentApiSite, type ContentApiSite } from '../support/content-api-site.js';

interface GhostList {
  readonly meta: { readonly pagination: Record<string, unknown> };
  readonly [resource: string]: unknown;
}
type GhostObject = Record<string, unknown>;

const API = '/ghost/api/content';

describe('the Content API', () => {
  let site: ContentApiSite;
  let key: string;

  const get = (path: string, query: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    site.app.inject({ url: `${API}${path}?${new URLSearchParams({ key, ...query }).toString()}` });

  const slugs = async (path: string, query: Record<string, string> = {}): Promise<string[]> => {
    const response = await get(path, query);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<GhostList>();
    const resource = path.replace(/\//g, '');
    return (body[resource] as GhostObject[]).map((item) => item.slug as string);
  };

  const ghostError = (response: LightMyRequestResponse, status: number, type: string) => {
    expect(response.statusCode, response.body).toBe(status);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json<{ errors: GhostObject[] }>();
    expect(body.errors).toHaveLength(1);
    const [error] = body.errors;
    expect(Object.keys(error ?? {}).sort()).toEqual(
      ['code', 'context', 'details', 'ghostErrorCode', 'help', 'id', 'message', 'property', 'type'].sort(),
    );
    expect(error?.type).toBe(type);
    return error ?? {};
  };

  beforeAll(async () => {
    site = await startContentApiSite('content-api');
    key = await site.makeKey('route tests');
  });

  afterAll(async () => {
    await site.dispose();
  });

  it('browses published posts newest first in Ghost shape, with meta.pagination', async () => {
    const response = await get('/posts/');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = response.json<{ posts: GhostObject[]; meta: GhostList['meta'] }>();
    expect(body.posts.map((post) => post.slug)).toEqual(['delta', 'gamma', 'beta', 'alpha']);
    expect(body.meta.pagination).toEqual({ page: 1, limit: 15, pages: 1, total: 4, next: null, prev: null });
    const alpha = body.posts.find((post) => post.slug === 'alpha');
    expect(alpha).toEqual({
      id: String(site.ids.get('alpha')),
      uuid: null,
      title: 'Title alpha',
      slug: 'alpha',
      html: '<p>Alpha <strong>text</strong> here.</p>\n',
      comment_id: String(site.ids.get('alpha')),
      feature_image: 'http://blog.test/media/alpha.png',
      feature_image_alt: null,
      feature_image_caption: null,
      featured: false,
      visibility: 'public',
      created_at: '2024-01-01T10:00:00.000+00:00',
      updated_at: '2024-01-01T10:00:00.000+00:00',
      published_at: '2024-01-01T10:00:00.000+00:00',
      custom_excerpt: null,
      codeinjection_head: null,
      codeinjection_foot: null,
      custom_template: null,
      canonical_url: null,
      url: 'http://blog.test/alpha',
      excerpt: 'Alpha text here.',
      reading_time: 0,
      access: true,
      comments: true,
      og_image: null,
      og_title: null,
      og_description: null,
      twitter_image: null,
      twitter_title: null,
      twitter_description: null,
      meta_title: null,
      meta_description: null,
      email_subject: null,
      frontmatter: null,
    });
    const gamma = body.posts.find((post) => post.slug === 'gamma');
    expect(gamma?.custom_excerpt).toBe('A hand-written excerpt.');
    // 600 words and one image: 600 / 275 min + 12 s, rounded.
    expect(body.posts.find((post) => post.slug === 'beta')?.reading_time).toBe(2);
  });

  it('includes tags and authors, with the primary ones, and never an email', async () => {
    const body = (await get('/posts/slug/alpha/', { include: 'tags,authors,unknown' })).json<{
      posts: GhostObject[];
    }>();
    expect(Object.keys(body)).toEqual(['posts']);
    const [alpha] = body.posts;
    const tags = alpha?.tags as GhostObject[];
    expect(tags.map((tag) => tag.slug)).toEqual(['news', 'tech']);
    expect(alpha?.primary_tag).toEqual(tags[0]);
    expect(tags[0]).toMatchObject({
      name: 'News',
      url: 'http://blog.test/tag/news',
      description: null,
      visibility: 'public',
    });
    expect(alpha?.authors).toEqual([alpha?.primary_author]);
    expect(alpha?.primary_author).toMatchObject({
      name: 'Olive Owner',
      slug: 'owner',
      bio: 'Writes here.',
      profile_image: null,
      url: 'http://blog.test/author/owner',
    });
    expect(JSON.stringify(body)).not.toContain('@blog.test');
    const gamma = (await get('/posts/slug/gamma/', { include: 'tags' })).json<{ posts: GhostObject[] }>();
    expect(gamma.posts[0]).toMatchObject({ tags: [], primary_tag: null });
  });

  it.each([
    ['tag:news', ['beta', 'alpha']],
    ['tags:tech', ['delta', 'alpha']],
    ['tag:-news', ['delta', 'gamma']],
    ['tag:[news,tech]', ['delta', 'beta', 'alpha']],
    ['tag:-[news,tech]', ['gamma']],
    ['tag:[news+tech]', ['alpha']],
    ['tag:news+tag:tech', ['alpha']],
    ['tag:news,slug:gamma', ['gamma', 'beta', 'alpha']],
    ['(tag:news,tag:tech)+slug:-alpha', ['delta', 'beta']],
    ['primary_tag:tech', ['delta']],
    ['primary_tag:null', ['gamma']],
    ['featured:true', []],
    ['featured:false', ['delta', 'gamma', 'beta', 'alpha']],
    ['slug:[alpha,gamma]', ['gamma', 'alpha']],
    ["title:~'GAM'", ['gamma']],
    ["title:~^'title d'", ['delta']],
    ["title:~$'eta'", ['beta']],
    ["title:-~'a'", []],
    ["published_at:>'2024-02-01'", ['delta', 'gamma', 'beta']],
    ["published_at:>='2024-02-01 10:00:00'+published_at:<'2024-04-01'", ['gamma', 'beta']],
    ['published_at:<now-1d', ['delta', 'gamma', 'beta', 'alpha']],
    ['author:owner+visibility:public', ['delta', 'gamma', 'beta', 'alpha']],
    ['authors.slug:eddie', []],
    ['feature_image:-null', ['alpha']],
    ['tag:secret', []],
    ['slug:hidden-draft,slug:future,slug:about', []],
    // Values are bound, never spliced into the SQL.
    ["title:'x\\' OR 1=1 OR title:\\'y'", []],
    ["slug:[beta,'x) OR (1=1']", ['beta']],
    ["tag:['news','tech']+slug:-beta", ['delta', 'alpha']],
    ["title:~'%'", []],
  ])('filters posts by %s', async (filter, expected) => {
    expect(await slugs('/posts/', { filter })).toEqual(expected);
  });

  it('filters by id, and the count follows the filter', async () => {
    const id = String(site.ids.get('beta'));
    expect(await slugs('/posts/', { filter: `id:${id}` })).toEqual(['beta']);
    expect(await slugs('/posts/', { filter: `id:>${id}` })).toEqual(['delta', 'gamma']);
    const body = (await get('/posts/', { filter: 'tag:news', limit: '1' })).json<GhostList>();
    expect(body.meta.pagination).toEqual({ page: 1, limit: 1, pages: 2, total: 2, next: 2, prev: null });
  });

  it.each([
    ['custom_excerpt:x', 'posts cannot be filtered by "custom_excerpt"'],
    ['status:draft', 'posts cannot be filtered by "status"'],
    ["published_at:~'x'", 'does not take a text match'],
    ['title:>x', 'does not take >'],
    ["published_at:>'yesterday'", "takes a date such as '2024-05-01'"],
    ['featured:maybe', '"featured" is false here'],
    ['id:abc', '"id" is a whole number in Quire'],
    ['feature_image:x', 'can only be compared with null'],
  ])('refuses the unsupported filter %s with a 400 naming it', async (filter, context) => {
    const error = ghostError(await get('/posts/', { filter }), 400, 'BadRequestError');
    expect(error.message).toBe('Unsupported filter');
    expect(error.code).toBe('UNSUPPORTED_FILTER');
    expect(error.context).toContain(context);
  });

  it('refuses a filter that does not parse, with the parser position', async () => {
    const error = ghostError(await get('/posts/', { filter: 'tag:' }), 400, 'BadRequestError');
    expect(error.message).toBe('Error parsing filter');
    expect(error.context).toContain('Query Error: unexpected character in filter at char 1');
    const long = ghostError(
      await get('/posts/', { filter: `slug:${'a'.repeat(2001)}` }),
      400,
      'BadRequestError',
    );
    expect(long.context).toContain('at most 2000');
  });

  it('pages with limit and page, limit=all and past the end', async () => {
    const second = (await get('/posts/', { limit: '3', page: '2' })).json<{
      posts: GhostObject[];
      meta: GhostList['meta'];
    }>();
    expect(second.posts.map((post) => post.slug)).toEqual(['alpha']);
    expect(second.meta.pagination).toEqual({ page: 2, limit: 3, pages: 2, total: 4, next: null, prev: 1 });
    const all = (await get('/posts/', { limit: 'all' })).json<{
      posts: GhostObject[];
      meta: GhostList['meta'];
    }>();
    expect(all.posts).toHaveLength(4);
    expect(all.meta.pagination).toEqual({
      page: 1,
      limit: 'all',
      pages: 1,
      total: 4,
      next: null,
      prev: null,
    });
    const past = (await get('/posts/', { limit: '3', page: '5' })).json<{
      posts: GhostObject[];
      meta: GhostList['meta'];
    }>();
    expect(past.posts).toEqual([]);
    expect(past.meta.pagination).toMatchObject({ page: 5, pages: 2, next: null, prev: 2 });
  });

  it.each([
    [{ limit: 'abc' }, 'Validation (matches) failed for limit'],
    [{ limit: '0' }, 'Validation (matches) failed for limit'],
    [{ page: '-1' }, 'Validation (matches) failed for page'],
    [{ order: 'email asc' }, 'Validation (AllowedValues) failed for order'],
    [{ order: 'title sideways' }, 'Validation (AllowedValues) failed for order'],
    [{ formats: 'mobiledoc' }, 'Validation (AllowedValues) failed for formats'],
  ])('refuses %j with a 422 ValidationError', async (query, message) => {
    expect(ghostError(await get('/posts/', query), 422, 'ValidationError').message).toBe(message);
  });

  it('orders, picks fields and gives plaintext', async () => {
    expect(await slugs('/posts/', { order: 'title asc' })).toEqual(['alpha', 'beta', 'delta', 'gamma']);
    expect(await slugs('/posts/', { order: 'published_at asc' })).toEqual([
      'alpha',
      'beta',
      'gamma',
      'delta',
    ]);
    const picked = (await get('/posts/', { fields: 'title,url,nonsense', limit: '1' })).json<{
      posts: GhostObject[];
    }>();
    expect(picked.posts).toEqual([{ title: 'Title delta', url: 'http://blog.test/delta' }]);
    const plain = (await get('/posts/slug/alpha/', { formats: 'plaintext' })).json<{
      posts: GhostObject[];
    }>();
    expect(plain.posts[0]?.plaintext).toBe('Alpha text here.');
    expect(plain.posts[0]).not.toHaveProperty('html');
  });

  it('reads a post by id and by slug; drafts, scheduled posts and pages are not posts', async () => {
    const byId = (await get(`/posts/${String(site.ids.get('beta'))}/`)).json<{ posts: GhostObject[] }>();
    expect(byId.posts.map((post) => post.slug)).toEqual(['beta']);
    for (const path of [
      '/posts/slug/hidden-draft/',
      '/posts/slug/future/',
      '/posts/slug/about/',
      '/posts/999999/',
    ]) {
      expect(ghostError(await get(path), 404, 'NotFoundError').message, path).toBe('Post not found.');
    }
    expect(ghostError(await get('/posts/slug/Not_A_Slug/'), 404, 'NotFoundError').message).toBe(
      'Resource not found',
    );
    expect(ghostError(await get('/nothing-here/'), 404, 'NotFoundError').message).toBe('Resource not found');
  });

  it('serves Quire pages as Ghost pages', async () => {
    expect(await slugs('/pages/')).toEqual(['about']);
    const about = (await get('/pages/slug/about/')).json<{ pages: GhostObject[] }>();
    expect(about.pages[0]).toMatchObject({ slug: 'about', comments: false, url: 'http://blog.test/about' });
    expect(ghostError(await get('/pages/slug/alpha/'), 404, 'NotFoundError').message).toBe('Page not found.');
  });

  it('browses and reads tags with public posts, with count.posts', async () => {
    const body = (await get('/tags/', { include: 'count.posts' })).json<{
      tags: GhostObject[];
      meta: GhostList['meta'];
    }>();
    expect(body.tags.map((tag) => [tag.slug, tag.count])).toEqual([
      ['news', { posts: 2 }],
      ['tech', { posts: 2 }],
    ]);
    expect(body.meta.pagination).toMatchObject({ total: 2 });
    expect(Object.keys(body.tags[0] ?? {})).toContain('accent_color');
    expect(await slugs('/tags/', { filter: 'slug:-news' })).toEqual(['tech']);
    expect(await slugs('/tags/', { filter: "name:~'ec'" })).toEqual(['tech']);
    const tech = (await get('/tags/slug/tech/')).json<{ tags: GhostObject[] }>();
    expect(tech.tags[0]).not.toHaveProperty('count');
    expect(tech.tags[0]?.url).toBe('http://blog.test/tag/tech');
    for (const path of ['/tags/slug/secret/', '/tags/slug/unused/']) {
      expect(ghostError(await get(path), 404, 'NotFoundError').message).toBe('Tag not found.');
    }
    ghostError(await get('/tags/', { filter: 'featured:true' }), 400, 'BadRequestError');
  });

  it('browses and reads authors with public posts only', async () => {
    const body = (await get('/authors/', { include: 'count.posts' })).json<{ authors: GhostObject[] }>();
    expect(body.authors).toHaveLength(1);
    expect(body.authors[0]).toMatchObject({
      id: expect.any(String) as string,
      slug: 'owner',
      name: 'Olive Owner',
      bio: 'Writes here.',
      website: null,
      count: { posts: 4 },
    });
    expect(JSON.stringify(body)).not.toContain('email');
    expect((await get('/authors/slug/owner/')).statusCode).toBe(200);
    expect(ghostError(await get('/authors/slug/eddie/'), 404, 'NotFoundError').message).toBe(
      'Author not found.',
    );
  });

  it('gives the site settings', async () => {
    const body = (await get('/settings/')).json<{ settings: GhostObject; meta: object }>();
    expect(body.meta).toEqual({});
    expect(body.settings).toMatchObject({
      title: 'Quire',
      description: 'A publication on Quire.',
      url: 'http://blog.test/',
      lang: 'en',
      timezone: 'Etc/UTC',
      logo: null,
      navigation: [
        { label: 'Home', url: '/' },
        { label: 'Search', url: '/search' },
        { label: 'RSS', url: '/rss.xml' },
      ],
    });
    expect(body.settings.icon).toMatch(/^http:\/\/blog\.test\/assets\/favicon\.[0-9a-f]{12}\.svg$/);
  });

  it('answers from the replica and the page cache, with an ETag and 304s', async () => {
    const reads = async (pool: string): Promise<number> => {
      const metric = await site.registry.getSingleMetric('quire_db_reads_total')?.get();
      return (metric?.values ?? [])
        .filter((value) => value.labels.pool === pool)
        .reduce((sum, value) => sum + value.value, 0);
    };
    const primaryBefore = await reads('primary');
    const replicaBefore = await reads('replica-1');
    const first = await get('/posts/', { filter: 'tag:tech', include: 'tags' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"\d+-/);
    expect(await reads('replica-1')).toBeGreaterThan(replicaBefore);
    expect(await reads('primary')).toBe(primaryBefore);
    const replicaAfterFirst = await reads('replica-1');
    const again = await get('/posts/', { filter: 'tag:tech', include: 'tags' });
    expect(again.body).toBe(first.body);
    expect(await reads('replica-1')).toBe(replicaAfterFirst);
    const notModified = await site.app.inject({
      url: `${API}/posts/?${new URLSearchParams({ key, filter: 'tag:tech', include: 'tags' }).toString()}`,
      headers: { 'if-none-match': String(etag) },
    });
    expect(notModified.statusCode).toBe(304);
  });

  it('lets browsers on other sites read it (CORS), errors and preflights included', async () => {
    expect((await get('/tags/')).headers['access-control-allow-origin']).toBe('*');
    const refused = await site.app.inject({ url: `${API}/tags/` });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBe('*');
    const preflight = await site.app.inject({
      method: 'OPTIONS',
      url: `${API}/posts/?key=${key}`,
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'accept-version',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD, OPTIONS',
      'access-control-allow-headers': 'accept-version',
    });
    // Only the Content API: the site's pages stay same-origin.
    expect((await site.app.inject({ url: '/' })).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a missing or unknown key with Ghost’s 403 and 401', async () => {
    const missing = ghostError(await site.app.inject({ url: `${API}/posts/` }), 403, 'NoPermissionError');
    expect(missing.message).toBe('Authorization failed');
    const unknown = ghostError(
      await site.app.inject({ url: `${API}/posts/?key=${'0'.repeat(26)}` }),
      401,
      'UnauthorizedError',
    );
    expect(unknown).toMatchObject({ message: 'Unknown Content API Key', code: 'UNKNOWN_CONTENT_API_KEY' });
  });

  it('lets only the owner manage keys, with CSRF tokens, and a revoked key stops at once, cached or not', async () => {
    const editor = await logIn(site.app, site.editor);
    const refused = await editor.get('/admin/content-api');
    expect(refused.statusCode).toBe(403);
    const anonymous = await site.app.inject({ url: '/admin/content-api' });
    expect(anonymous.statusCode).toBe(303);
    const noToken = await site.owner.post('/admin/content-api', { name: 'no token' });
    expect(noToken.statusCode).toBe(403);

    const doomed = await site.makeKey('to revoke');
    const url = `${API}/settings/?key=${doomed}`;
    expect((await site.app.inject({ url })).statusCode).toBe(200);
    const screen = await site.owner.get('/admin/content-api');
    expect(screen.body).toContain(`…${doomed.slice(-4)}`);
    expect(screen.body).not.toContain(doomed);
    const id = new RegExp(
      `…${doomed.slice(-4)}</code>[\\s\\S]*?action="/admin/content-api/(\\d+)/revoke"`,
    ).exec(screen.body)?.[1];
    expect(id).toBeDefined();
    const revoked = await site.owner.post(`/admin/content-api/${id ?? ''}/revoke`, {
      _csrf: csrfToken(screen.body),
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.body).toContain('Revoked');
    await site.replicaCaughtUp();
    const error = ghostError(await site.app.inject({ url }), 401, 'UnauthorizedError');
    expect(error.code).toBe('REVOKED_CONTENT_API_KEY');
    const again = await site.owner.post(`/admin/content-api/${id ?? ''}/revoke`, {
      _csrf: csrfToken(screen.body),
    });
    expect(again.statusCode).toBe(404);
    // The other key still works.
    expect((await get('/settings/')).statusCode).toBe(200);
  });

  it('keeps keys out of the logs', async () => {
    expect((await get('/tags/')).statusCode).toBe(200);
    const logs = site.logLines.join('');
    expect(logs).toContain(`${API}/tags/?key=[redacted]`);
    expect(logs).not.toContain(key);
  });
});
