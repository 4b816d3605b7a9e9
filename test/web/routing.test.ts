/**
 * Routing and input checks that answer before any query, on an app whose database is not
 * reachable at all (a closed port): validation errors, paths whose slug or id cannot be one (the
 * not-found page, also before the login check), CSRF refusals, the login redirect, probes, assets, the security headers, and
 * the 503 page a page needing the database gets.
 */
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/db/index.js';
import { buildApp } from '../../src/web/app.js';
import type { Tables } from '../../src/web/tables.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('routing without a database', () => {
  let db: Database<Tables>;
  let app: FastifyInstance;
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    db = await Database.connect<Tables>({
      primary: { host: '127.0.0.1', port: await closedPort() },
      database: 'quire',
      user: 'quire',
      password: 'unused',
      connectTimeoutMs: 500,
      healthCheckIntervalMs: 3_600_000,
    });
    app = await buildApp({
      db,
      metrics: new Registry(),
      logger: {
        level: 'info',
        stream: {
          write: (line: string) => {
            logLines.push(JSON.parse(line) as Record<string, unknown>);
          },
        },
      },
      settings: {
        publicUrl: new URL('https://blog.example.com'),
        sessionSecret: 'routing test session secret, 32 characters+',
        mediaDir: '/tmp/quire-routing-test-media',
        maxUploadBytes: 1024,
        postsPerPage: 10,
        trustProxy: false,
        pageCache: { enabled: true, maxEntries: 10, versionCheckIntervalMs: 1000 },
      },
    });
  });

  afterAll(async () => {
    await app.close();
    await db.close();
  });

  it('logs one access line per request', async () => {
    const response = await app.inject({ url: '/healthz?probe=1' });
    expect(response.statusCode).toBe(200);
    // Fastify's own request lines would name the URL too (under req.url).
    const lines = logLines.filter((line) => JSON.stringify(line).includes('/healthz?probe=1'));
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'request completed',
        method: 'GET',
        url: '/healthz?probe=1',
        statusCode: 200,
      }),
    ]);
  });

  it.each([
    ['/?page=0', 'page: Too small'],
    ['/?page=two', 'page: Invalid input'],
    ['/?unknown=1', 'querystring: Unrecognized key'],
    ['/tag/news?page=abc', 'page: Invalid input'],
    ['/author/owner?page=0', 'page: Too small'],
  ])('GET %s is a 400 page naming the field', async (url, field) => {
    const response = await app.inject({ url });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain(field);
  });

  // No query runs for them: the database is unreachable here, so a query would give a 503.
  it.each([
    ['GET', '/anything.html'],
    ['GET', '/Some_Upper'],
    ['GET', '/Not_A_Slug'],
    ['GET', `/${'a'.repeat(192)}`],
    ['GET', `/tag/${'A'.repeat(150)}`],
    ['GET', '/tag/a%20b'],
    ['GET', '/tag/Bad_Tag?page=2'],
    ['GET', '/author/first.last'],
    ['GET', '/Some_Upper/comment'],
    ['GET', '/a/b.html'],
    ['HEAD', '/anything.html'],
    ['POST', '/Some_Upper/comment'],
    ['GET', '/admin/posts/abc'],
    ['GET', '/admin/posts/0'],
    ['GET', `/admin/posts/${2 ** 31 + 1}`],
    ['POST', '/admin/posts/abc'],
    ['POST', '/admin/posts/1.5/delete'],
    ['POST', '/admin/comments/abc'],
  ] as const)('%s %s, whose slug or id cannot be one, is the not-found page', async (method, url) => {
    const response = await app.inject({
      method,
      url,
      ...(method === 'POST' && {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'name=x&body=y',
      }),
    });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    if (method !== 'HEAD') expect(response.body).toContain('There is nothing at this address.');
  });

  it('serves a favicon: linked from every page, immutable, and /favicon.ico leads to it', async () => {
    const page = await app.inject({ url: '/anything.html' });
    const href = /<link rel="icon" type="image\/svg\+xml" href="([^"]+)"/.exec(page.body)?.[1] ?? '';
    expect(href).toMatch(/^\/assets\/favicon\.[0-9a-f]{12}\.svg$/);
    const icon = await app.inject({ url: href });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(icon.body).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const ico = await app.inject({ url: '/favicon.ico' });
    expect(ico.statusCode).toBe(302);
    expect(ico.headers.location).toBe(href);
    expect(ico.headers['cache-control']).toBe('public, max-age=86400');
  });

  it('sends a Content-Security-Policy that forbids scripts and allows fetches from the site itself', async () => {
    const response = await app.inject({ url: '/healthz' });
    expect(response.headers['content-security-policy']).toBe(
      "default-src 'none';style-src 'self';img-src 'self' https:;form-action 'self';frame-ancestors 'none';" +
        "base-uri 'none';script-src 'none';connect-src 'self'",
    );
  });

  it.each(['/admin/login', '/admin/settings', '/admin/comments/1', '/some-post/comment', '/admin/posts'])(
    'POST %s without a CSRF token is refused with 403',
    async (url) => {
      const response = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'title=x',
      });
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain('missing its security token');
    },
  );

  it('sends visitors of the admin area to the login page', async () => {
    for (const url of ['/admin', '/admin/posts/new', '/admin/comments', '/admin/settings']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(303);
      expect(response.headers.location).toBe('/admin/login');
    }
  });

  it('answers the probes; not ready without the primary', async () => {
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ ready: false, primary: expect.stringMatching(/^down: /) as string });
  });

  it('gives a 503 page with Retry-After when a page needs the unreachable database', async () => {
    const response = await app.inject({ url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toContain('The database cannot be reached; please try again shortly.');
  });

  it('serves robots.txt, 404 pages, HSTS over https, and metrics only to direct requests', async () => {
    const robots = await app.inject({ url: '/robots.txt' });
    expect(robots.body).toBe(
      'User-agent: *\nDisallow: /admin\nDisallow: /search\nSitemap: https://blog.example.com/sitemap.xml\n',
    );
    expect(robots.headers['strict-transport-security']).toContain('max-age=');
    expect((await app.inject({ url: '/a/b/c' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
    const forwarded = await app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '198.51.100.1' } });
    expect(forwarded.statusCode).toBe(404);
  });
});
