import { describe, expect, it } from 'vitest';
import { PageCache } from '../../../src/web/services/page-cache.js';
import type { ContentState } from '../../../src/web/services/public-content.js';

/** A cache over a fake content version and clock. */
function setup(options: { interval?: number; maxEntries?: number } = {}) {
  const world = { version: 1, nextScheduledAt: null as Date | null, now: 0, reads: 0 };
  const cache = new PageCache({
    maxEntries: options.maxEntries ?? 10,
    checkIntervalMs: options.interval ?? 1000,
    now: () => world.now,
    readState: () => {
      world.reads++;
      return Promise.resolve<ContentState>({
        version: world.version,
        nextScheduledAt: world.nextScheduledAt,
      });
    },
  });
  const page = (body: string) => ({ route: '/', statusCode: 200, contentType: 'text/html', body });
  const state = (): ContentState => ({ version: world.version, nextScheduledAt: world.nextScheduledAt });
  return { world, cache, page, state };
}

describe('PageCache', () => {
  it('serves a stored page until another process bumps the version, checked once per interval', async () => {
    const { world, cache, page, state } = setup();
    expect(await cache.get('/')).toBeUndefined();
    cache.set('/', state(), page('v1'));
    expect((await cache.get('/'))?.body).toBe('v1');
    expect((await cache.get('/'))?.body).toBe('v1');
    expect(world.reads).toBe(1);
    world.version = 2;
    world.now = 500;
    // Within the interval the change is not seen yet.
    expect((await cache.get('/'))?.body).toBe('v1');
    world.now = 1000;
    expect(await cache.get('/')).toBeUndefined();
    expect(world.reads).toBe(2);
  });

  it("drops everything at once on this process's own write, and keeps nothing older than it", async () => {
    const { world, cache, page, state } = setup();
    cache.set('/', state(), page('v1'));
    cache.invalidate(2);
    expect(cache.size).toBe(0);
    // A replica that has not applied the write yet renders the old content: it is not kept.
    cache.set('/', { version: 1, nextScheduledAt: null }, page('stale'));
    expect(await cache.get('/')).toBeUndefined();
    world.version = 2;
    cache.set('/', state(), page('v2'));
    expect((await cache.get('/'))?.body).toBe('v2');
  });

  it('does not keep a page rendered from an older version than it knows', async () => {
    const { world, cache, page } = setup();
    world.version = 5;
    expect(await cache.get('/x')).toBeUndefined();
    cache.set('/', { version: 4, nextScheduledAt: null }, page('old'));
    expect(await cache.get('/')).toBeUndefined();
  });

  it('drops its pages when a scheduled post goes public', async () => {
    const { world, cache, page, state } = setup({ interval: 60_000 });
    world.nextScheduledAt = new Date(5000);
    cache.set('/', state(), page('before'));
    world.now = 4999;
    expect((await cache.get('/'))?.body).toBe('before');
    world.now = 5000;
    world.nextScheduledAt = null;
    expect(await cache.get('/')).toBeUndefined();
  });

  it('evicts the least recently used page beyond maxEntries', async () => {
    const { cache, page, state } = setup({ maxEntries: 2 });
    cache.set('/a', state(), page('a'));
    cache.set('/b', state(), page('b'));
    await cache.get('/a');
    cache.set('/c', state(), page('c'));
    expect(await cache.get('/b')).toBeUndefined();
    expect((await cache.get('/a'))?.body).toBe('a');
    expect((await cache.get('/c'))?.body).toBe('c');
  });

  it('gives an ETag that changes with the content', () => {
    const { cache, page, state } = setup();
    const one = cache.set('/', state(), page('one'));
    const two = cache.set('/', state(), page('two'));
    expect(one.etag).toMatch(/^"1-[\w-]+"$/);
    expect(one.etag).not.toBe(two.etag);
  });

  it('keeps the body as UTF-8 bytes, encoded once, that a hit sends as they are', async () => {
    const { cache, page, state } = setup();
    const body = 'Café — 5× faster…';
    const stored = cache.set('/', state(), page(body));
    expect(stored.bytes.equals(Buffer.from(body, 'utf8'))).toBe(true);
    const hit = await cache.get('/');
    expect(hit?.bytes).toBe(stored.bytes);
    expect(hit?.bytes.toString('utf8')).toBe(body);
  });

  it('peeks at a current page without I/O, and declines whenever get would read the state first', async () => {
    const { world, cache, page, state } = setup();
    expect(cache.peek('/')).toBeUndefined();
    cache.set('/', state(), page('v1'));
    world.now = 999;
    expect(cache.peek('/')?.body).toBe('v1');
    expect(cache.peek('/other')).toBeUndefined();
    world.now = 1000;
    expect(cache.peek('/')).toBeUndefined();
    expect(world.reads).toBe(0);
    // The read (by get) learns of a post scheduled at 1500.
    world.nextScheduledAt = new Date(1500);
    expect((await cache.get('/'))?.body).toBe('v1');
    expect(cache.peek('/')?.body).toBe('v1');
    world.now = 1500;
    expect(cache.peek('/')).toBeUndefined();

    world.nextScheduledAt = null;
    expect(await cache.get('/')).toBeUndefined();
    cache.set('/', state(), page('v1 later'));
    expect(cache.peek('/')?.body).toBe('v1 later');
    cache.invalidate(2);
    expect(cache.peek('/')).toBeUndefined();
  });
});
