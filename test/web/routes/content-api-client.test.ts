/**
 * Ghost's own client, `@tryghost/content-api` (over axios), against a Quire server listening on
 * loopback, on a real primary and replica: what a static-site generator does with it. A repeated
 * browse is answered by the page cache's front, with the same result and headers.
 */
import type { AddressInfo } from 'node:net';
import GhostContentAPI, { type ContentApi } from '@tryghost/content-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../support/http.js';
import { startContentApiSite, type ContentApiSite } from '../support/content-api-site.js';

describe('the Content API with @tryghost/content-api', () => {
  let site: ContentApiSite;
  let url: string;
  let port: number;
  let key: string;
  let api: ContentApi;

  const cacheHits = async (): Promise<number> => {
    const metric = await site.registry.getSingleMetric('quire_page_cache_requests_total')?.get();
    return metric?.values.find((value) => value.labels.result === 'hit')?.value ?? 0;
  };

  beforeAll(async () => {
    site = await startContentApiSite('content-api-client');
    key = await site.makeKey('client test');
    await site.app.listen({ host: '127.0.0.1', port: 0 });
    ({ port } = site.app.server.address() as AddressInfo);
    url = `http://127.0.0.1:${port}`;
    api = GhostContentAPI({ url, key, version: 'v5.0' });
  });

  afterAll(async () => {
    await site.dispose();
  });

  it('browses posts with include, filter and limit, with the pagination in meta', async () => {
    const posts = await api.posts.browse({ include: 'tags,authors', filter: 'tag:news', limit: 1 });
    expect(posts.map((post) => post.slug)).toEqual(['beta']);
    expect(posts.meta.pagination).toEqual({ page: 1, limit: 1, pages: 2, total: 2, next: 2, prev: null });
    const [beta] = posts;
    expect((beta?.tags as { slug: string }[]).map((tag) => tag.slug)).toEqual(['news']);
    expect(beta?.primary_author).toMatchObject({ slug: 'owner', name: 'Olive Owner' });
    const next = await api.posts.browse({ include: 'tags,authors', filter: 'tag:news', limit: 1, page: 2 });
    expect(next.map((post) => post.slug)).toEqual(['alpha']);

    const hits = await cacheHits();
    const again = await api.posts.browse({ include: 'tags,authors', filter: 'tag:news', limit: 1 });
    expect(await cacheHits()).toBe(hits + 1);
    expect(JSON.stringify(again)).toBe(JSON.stringify(posts));

    // The front answers hits with the route's CORS header too.
    const path = `/ghost/api/content/settings/?key=${key}`;
    const filled = await httpRequest(port, path);
    const hit = await httpRequest(port, path);
    expect(await cacheHits()).toBe(hits + 2);
    for (const answer of [filled, hit]) {
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBe('*');
    }
    expect(hit.body.equals(filled.body)).toBe(true);
  });

  it('reads a post by slug', async () => {
    const post = await api.posts.read({ slug: 'alpha' }, { include: 'tags' });
    expect(post).toMatchObject({
      slug: 'alpha',
      title: 'Title alpha',
      url: `http://blog.test/alpha`,
      primary_tag: { slug: 'news' },
    });
    await expect(api.posts.read({ slug: 'hidden-draft' })).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'Post not found.',
    });
  });

  it('browses tags and authors, and reads the settings', async () => {
    const tags = await api.tags.browse({ include: 'count.posts' });
    expect(tags.map((tag) => [tag.slug, tag.count])).toEqual([
      ['news', { posts: 2 }],
      ['tech', { posts: 2 }],
    ]);
    const authors = await api.authors.browse();
    expect(authors.map((author) => author.slug)).toEqual(['owner']);
    expect(authors.meta.pagination).toMatchObject({ total: 1 });
    const settings = await api.settings.browse();
    expect(settings).toMatchObject({ title: 'Quire', url: 'http://blog.test/', timezone: 'Etc/UTC' });
  });

  it('rejects with Ghost’s error for an unknown key and a bad filter', async () => {
    const stranger = GhostContentAPI({ url, key: 'a'.repeat(26), version: 'v5.0' });
    await expect(stranger.posts.browse()).rejects.toMatchObject({
      name: 'UnauthorizedError',
      message: 'Unknown Content API Key',
    });
    await expect(api.posts.browse({ filter: 'custom_excerpt:x' })).rejects.toMatchObject({
      name: 'BadRequestError',
      message: 'Unsupported filter',
    });
  });
});
