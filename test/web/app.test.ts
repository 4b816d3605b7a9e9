/**
 * The web app on a real MariaDB primary and replica: pages read from the replica, writes go to
 * the primary, an author sees their post at once while the replica applies nothing
 * (read-your-writes), comments wait for moderation and lose their scripts, forms without a CSRF
 * token are refused, the page cache is invalidated across processes, a stopped replica leaves the
 * read pool, a primary turned read-only (demoted in a failover, still behind the write endpoint)
 * and a killed primary give a 503 page until a writable primary is back (the app staying ready:
 * the replica serves the pages), with no restart of the app.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, migrateToLatest, type DatabaseOptions } from '../../src/db/index.js';
import { buildApp } from '../../src/web/app.js';
import { WEB_MIGRATIONS } from '../../src/web/migrations.js';
import { ensureOwner, type CreatedOwner } from '../../src/web/services/owner-account.js';
import type { PostStatus, Tables } from '../../src/web/tables.js';
import type { WebAppSettings } from '../../src/web/web-app-settings.js';
import { httpRequest, type HttpAnswer } from '../support/http.js';
import { eventually, rootQuery, startTestCluster, type TestCluster } from '../support/local-mariadb.js';
import { csrfToken, InjectSession, logIn, TINY_PNG } from './support/browser-session.js';

interface Process {
  readonly app: FastifyInstance;
  readonly db: Database<Tables>;
  readonly registry: Registry;
}

function omit<T extends object>(headers: T, names: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name))) as Partial<T>;
}

async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const found = registry.getSingleMetric(name);
  if (found === undefined) return 0;
  const { values } = await found.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}

describe('the web app on a real primary and replica', () => {
  let test: TestCluster;
  let mediaDir: string;
  let options: DatabaseOptions;
  /**
   * Two app processes over the same database, each with its own page cache. The first checks its
   * replica once only, so that it keeps reading from it while its SQL thread is stopped (the
   * read-your-writes test); the second every 200 ms (the read pool tests).
   */
  let first: Process;
  let second: Process;
  let owner: CreatedOwner;
  let author: InjectSession;

  const settings = (versionCheckIntervalMs: number): WebAppSettings => ({
    publicUrl: new URL('http://blog.test'),
    sessionSecret: 'a test session secret of more than 32 characters',
    mediaDir,
    maxUploadBytes: 64 * 1024,
    // One post per page, so that two posts make two pages.
    postsPerPage: 1,
    trustProxy: false,
    pageCache: { enabled: true, maxEntries: 100, versionCheckIntervalMs },
  });

  const startProcess = async (
    healthCheckIntervalMs: number,
    versionCheckIntervalMs = 200,
  ): Promise<Process> => {
    const registry = new Registry();
    const db = await Database.connect<Tables>({
      ...options,
      metrics: registry,
      healthCheckIntervalMs,
      maxReplicaLagSeconds: 2,
      readYourWritesTimeoutMs: 300,
    });
    const app = await buildApp({
      db,
      metrics: registry,
      settings: settings(versionCheckIntervalMs),
      logger: false,
    });
    return { app, db, registry };
  };

  const onReplica = (query: string): Promise<unknown[]> => rootQuery(test.cluster, 1, query);

  /**
   * Publish a post through the editor form (multipart, with a cover image): at once, or at
   * `publishedAt` when scheduled. Returns the editor's address.
   */
  const publish = async (
    session: InjectSession,
    title: string,
    markdown: string,
    {
      tags = '',
      status = 'published',
      publishedAt = '',
    }: { tags?: string; status?: PostStatus; publishedAt?: string } = {},
  ): Promise<string> => {
    const editor = await session.get('/admin/posts/new');
    expect(editor.statusCode).toBe(200);
    const form = new FormData();
    form.set('title', title);
    form.set('slug', '');
    form.set('markdown', markdown);
    form.set('excerpt', '');
    form.set('tags', tags);
    form.set('kind', 'post');
    form.set('status', status);
    form.set('publishedAt', publishedAt);
    form.set('cover', new Blob([TINY_PNG], { type: 'image/png' }), 'cover.png');
    const response = await session.request({
      method: 'POST',
      url: `/admin/posts?_csrf=${encodeURIComponent(csrfToken(editor.body))}`,
      payload: form,
    });
    expect(response.statusCode, response.body).toBe(303);
    expect(response.headers.location).toMatch(/^\/admin\/posts\/\d+\?saved=1$/);
    return response.headers.location as string;
  };

  /** Save the site's title and description as the owner, through the settings form. */
  const saveSiteSettings = async (title: string, description: string) => {
    const form = await author.get('/admin/settings');
    return author.post('/admin/settings', { _csrf: csrfToken(form.body), title, description });
  };

  beforeAll(async () => {
    test = await startTestCluster('web', { replicas: 1 });
    mediaDir = mkdtempSync(join(tmpdir(), 'quire-media-'));
    const node = test.cluster.node(1);
    options = {
      primary: { host: test.app.host, port: test.app.port, name: 'primary' },
      replicas: [{ host: node.host, port: node.port, name: 'replica-1' }],
      database: test.app.database,
      user: test.app.user,
      password: test.app.password,
    };
    first = await startProcess(3_600_000);
    await migrateToLatest(first.db, { migrations: WEB_MIGRATIONS });
    const created = await ensureOwner(first.db, 'owner@blog.test');
    if (created === undefined) throw new Error('the owner was not created on an empty database');
    owner = created;
    expect(await ensureOwner(first.db, 'owner@blog.test')).toBeUndefined();
    second = await startProcess(200);
    await eventually('the schema on the replica', async () => {
      const rows = (await onReplica(`SELECT COUNT(*) AS n FROM quire_app.user`)) as { n: number }[];
      return Number(rows[0]?.n) === 1;
    });
    author = await logIn(first.app, owner);
  });

  afterAll(async () => {
    for (const process of [first, second]) {
      await process.app.close();
      await process.db.close();
    }
    await test.dispose();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  it('serves pages from the replica, with probes, metrics and security headers', async () => {
    const before = await metric(second.registry, 'quire_db_reads_total', { pool: 'primary' });
    const home = await second.app.inject({ url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.body).toMatch(/<link rel="canonical" href="http:\/\/blog.test\/" ?\/?>/);
    expect(home.headers['content-security-policy']).toContain("script-src 'none'");
    expect(home.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(home.headers['x-content-type-options']).toBe('nosniff');
    expect(await metric(second.registry, 'quire_db_reads_total', { pool: 'replica-1' })).toBeGreaterThan(0);
    expect(await metric(second.registry, 'quire_db_reads_total', { pool: 'primary' })).toBe(before);

    const stylesheet = /<link rel="stylesheet" href="([^"]+)"/.exec(home.body)?.[1] ?? '';
    const css = await second.app.inject({ url: stylesheet });
    expect(css.statusCode).toBe(200);
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    expect((await second.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await second.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ ready: true, pendingMigrations: [] });
    const metrics = await second.app.inject({ url: '/metrics' });
    expect(metrics.body).toContain(
      'quire_http_request_duration_seconds_bucket{le="0.005",route="/",method="GET",status="200"}',
    );
    expect(metrics.body).toContain('quire_page_cache_requests_total');
    expect((await second.app.inject({ url: '/robots.txt' })).body).toContain(
      'Sitemap: http://blog.test/sitemap.xml',
    );
    expect((await second.app.inject({ url: '/no/such/page' })).statusCode).toBe(404);
    // A path whose slug cannot be one is no page: the not-found page, never cached.
    const cacheRequests = () => metric(second.registry, 'quire_page_cache_requests_total');
    const cacheRequestsBefore = await cacheRequests();
    for (const url of ['/Bad_Slug', '/Bad_Slug', '/favicon.png', '/tag/Bad_Slug']) {
      const missing = await second.app.inject({ url });
      expect(missing.statusCode, url).toBe(404);
      expect(missing.headers['cache-control']).toBe('no-store');
      expect(missing.body).toContain('There is nothing at this address.');
    }
    expect(await cacheRequests()).toBe(cacheRequestsBefore);
    const icon = /<link rel="icon" type="image\/svg\+xml" href="([^"]+)"/.exec(home.body)?.[1] ?? '';
    expect((await second.app.inject({ url: icon })).statusCode).toBe(200);
  });

  it('an author sees their new post at once while the replica applies nothing (read-your-writes)', async () => {
    await onReplica('STOP SLAVE SQL_THREAD');
    try {
      const location = await publish(
        author,
        'Hello from the primary',
        '# Hello\n\nSome **Markdown**. <script>alert("post")</script>\n\n[bad](javascript:alert(1))',
        { tags: 'News, Replication' },
      );
      const edited = await author.get(location);
      expect(edited.statusCode).toBe(200);
      expect(edited.body).toContain('Saved.');
      const own = await author.get('/');
      expect(own.body).toContain('Hello from the primary');
      expect(own.headers['cache-control']).toBe('private, no-store');
      // A visitor without the write's token reads the replica, which has not applied it yet.
      expect((await new InjectSession(first.app, '203.0.113.20').get('/')).body).not.toContain(
        'Hello from the primary',
      );
      expect(
        await metric(first.registry, 'quire_db_read_fallbacks_total', { reason: 'gtid_wait_timeout' }),
      ).toBeGreaterThan(0);
    } finally {
      await onReplica('START SLAVE SQL_THREAD');
    }
    await eventually('visitors to see the post', async () =>
      (await first.app.inject({ url: '/' })).body.includes('Hello from the primary'),
    );
    const post = await first.app.inject({ url: '/hello-from-the-primary' });
    expect(post.statusCode).toBe(200);
    expect(post.body).toContain('<strong>Markdown</strong>');
    expect(post.body).not.toContain('<script>alert');
    expect(post.body).not.toContain('javascript:');
    expect(post.body).toMatch(/<meta property="og:type" content="article" ?\/?>/);
    expect(post.body).toContain('href="/tag/replication"');
    const cover = /<img class="cover" src="([^"]+)"/.exec(post.body)?.[1] ?? '';
    expect(cover).toMatch(/^\/media\/[0-9a-f]{32}\.png$/);
    const image = await first.app.inject({ url: cover });
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['cache-control']).toContain('immutable');

    expect((await first.app.inject({ url: '/tag/replication' })).body).toContain('Hello from the primary');
    expect((await first.app.inject({ url: '/author/owner' })).body).toContain('Hello from the primary');
    expect((await first.app.inject({ url: '/search?q=markdown' })).body).toContain('Hello from the primary');
    expect((await first.app.inject({ url: '/search?q=nothingmatches' })).body).toContain('0 results');
    const feed = await first.app.inject({ url: '/rss.xml' });
    expect(feed.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(feed.body).toContain('<link>http://blog.test/hello-from-the-primary</link>');
    expect((await first.app.inject({ url: '/sitemap.xml' })).body).toContain(
      '<loc>http://blog.test/hello-from-the-primary</loc>',
    );
  });

  it('refuses uploads that are not images', async () => {
    const page = await author.get('/admin/media');
    const form = new FormData();
    form.set('image', new Blob(['<svg onload="alert(1)"></svg>'], { type: 'image/png' }), 'x.png');
    const response = await author.request({
      method: 'POST',
      url: `/admin/media?_csrf=${encodeURIComponent(csrfToken(page.body))}`,
      payload: form,
    });
    expect(response.statusCode).toBe(415);
    expect(response.body).toContain('upload a PNG, JPEG, GIF, WebP or AVIF image');
    const large = new FormData();
    large.set('image', new Blob([TINY_PNG, Buffer.alloc(65 * 1024)], { type: 'image/png' }), 'large.png');
    const tooLarge = await author.request({
      method: 'POST',
      url: `/admin/media?_csrf=${encodeURIComponent(csrfToken(page.body))}`,
      payload: large,
    });
    expect(tooLarge.statusCode).toBe(413);
    const good = new FormData();
    good.set('image', new Blob([TINY_PNG], { type: 'image/png' }), 'dot.png');
    const stored = await author.request({
      method: 'POST',
      url: `/admin/media?_csrf=${encodeURIComponent(csrfToken(page.body))}`,
      payload: good,
    });
    expect(stored.statusCode).toBe(201);
    expect(stored.body).toMatch(/!\[description\]\(\/media\/[0-9a-f]{32}\.png\)/);
  });

  it('comments: refused without a CSRF token, pending until approved, without scripts, throttled per address', async () => {
    const visitor = new InjectSession(second.app, '198.51.100.7');
    const form = await visitor.get('/hello-from-the-primary/comment');
    expect(form.statusCode).toBe(200);
    expect(form.headers['cache-control']).not.toContain('public');
    const body = 'Nice post! <script>alert("comment")</script> **bold**';
    const forged = await visitor.post('/hello-from-the-primary/comment', { name: 'Mallory', body });
    expect(forged.statusCode).toBe(403);
    const sent = await visitor.post('/hello-from-the-primary/comment', {
      _csrf: csrfToken(form.body),
      name: 'Ana',
      body,
    });
    expect(sent.statusCode).toBe(201);
    expect(sent.body).toContain('waits for moderation');
    expect((await first.app.inject({ url: '/hello-from-the-primary' })).body).not.toContain('Nice post!');

    const moderation = await author.get('/admin/comments');
    const id = /action="\/admin\/comments\/(\d+)"/.exec(moderation.body)?.[1];
    expect(moderation.body).toContain('Ana');
    const approved = await author.post(`/admin/comments/${id ?? ''}`, {
      _csrf: csrfToken(moderation.body),
      status: 'approved',
    });
    expect(approved.statusCode).toBe(303);
    // The other process drops its cached page within its check interval.
    await eventually('the approved comment on the post page', async () =>
      (await second.app.inject({ url: '/hello-from-the-primary' })).body.includes('Nice post!'),
    );
    const page = (await second.app.inject({ url: '/hello-from-the-primary' })).body;
    expect(page).toContain('<strong>bold</strong>');
    expect(page).not.toContain('<script>alert');

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const token = csrfToken((await visitor.get('/hello-from-the-primary/comment')).body);
      statuses.push(
        (
          await visitor.post('/hello-from-the-primary/comment', {
            _csrf: token,
            name: 'Ana',
            body: `again ${i}`,
          })
        ).statusCode,
      );
    }
    expect(statuses.slice(0, 3)).toEqual([201, 201, 201]);
    expect(statuses.at(-1)).toBe(429);
  });

  it('caches anonymous pages, revalidates with ETags, and drops them when another process writes', async () => {
    const hits = () => metric(second.registry, 'quire_page_cache_requests_total', { result: 'hit' });
    await second.app.inject({ url: '/' });
    const before = await hits();
    const cached = await second.app.inject({ url: '/' });
    expect(await hits()).toBe(before + 1);
    expect(cached.headers.etag).toMatch(/^"\d+-/);
    expect(cached.headers['last-modified']).toBeDefined();
    const revalidated = await second.app.inject({
      url: '/',
      headers: { 'if-none-match': String(cached.headers.etag) },
    });
    expect(revalidated.statusCode).toBe(304);
    // A hit is sent in the client's preferred coding, compressed once and kept with the page.
    for (const [accept, coding, decode] of [
      ['gzip', 'gzip', gunzipSync],
      ['gzip, deflate, br', 'br', brotliDecompressSync],
      ['gzip;q=0.5, br;q=0', 'gzip', gunzipSync],
    ] as const) {
      const hitsBefore = await hits();
      const compressed = await second.app.inject({ url: '/', headers: { 'accept-encoding': accept } });
      expect(await hits()).toBe(hitsBefore + 1);
      expect(compressed.headers['content-encoding']).toBe(coding);
      expect(compressed.headers.vary).toContain('accept-encoding');
      expect(decode(compressed.rawPayload).toString('utf8')).toBe(cached.body);
    }

    expect((await saveSiteSettings('The Replicated Times', 'News from the primary.')).statusCode).toBe(200);
    await eventually('the other process to show the new title', async () =>
      (await second.app.inject({ url: '/' })).body.includes('The Replicated Times'),
    );
  });

  it("answers page cache hits before Fastify, with the bytes and headers Fastify sends, and sees other processes' writes", async () => {
    // The content state is read at most every 3 s: within that, every anonymous GET of `/` is a hit.
    const served = await startProcess(200, 3000);
    // Requests over HTTP that reached Fastify (inject, below, goes to Fastify directly).
    let fastifyRequests = 0;
    served.app.addHook('onRequest', (request, _reply, done) => {
      if (request.headers['x-test-client'] === 'http') fastifyRequests++;
      done();
    });
    await served.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = served.app.server.address() as AddressInfo;
    const get = (headers: Record<string, string> = {}, method = 'GET') =>
      httpRequest(port, '/', { method, headers: { 'x-test-client': 'http', ...headers } });
    const hits = () => metric(served.registry, 'quire_page_cache_requests_total', { result: 'hit' });
    /** Requests for `/` in the duration histogram, by status. */
    const timed = async (status: number) => {
      const line = new RegExp(
        `^quire_http_request_duration_seconds_count\\{route="/",method="GET",status="${status}"\\} (\\d+)$`,
        'm',
      );
      return Number(line.exec(await served.registry.metrics())?.[1] ?? 0);
    };
    const perConnection = ['date', 'connection', 'keep-alive'];
    /**
     * A hit through the front, never seen by Fastify, and the same request answered by Fastify
     * itself (inject does not go through the server): the same status, bytes and headers.
     */
    const answeredAsFastifyWould = async (headers: Record<string, string>): Promise<HttpAnswer> => {
      const fastify = await served.app.inject({ url: '/', headers });
      const [hitsBefore, timed200, timed304] = [await hits(), await timed(200), await timed(304)];
      const reachedFastify = fastifyRequests;
      const front = await get(headers);
      expect(fastifyRequests, 'a hit reached Fastify').toBe(reachedFastify);
      expect(await hits()).toBe(hitsBefore + 1);
      const timedAfter = [await timed(200), await timed(304)];
      expect(timedAfter).toEqual(
        front.statusCode === 200 ? [timed200 + 1, timed304] : [timed200, timed304 + 1],
      );
      expect(front.statusCode).toBe(fastify.statusCode);
      expect(front.body.equals(fastify.rawPayload)).toBe(true);
      expect(omit(front.headers, perConnection)).toEqual(omit(fastify.headers, perConnection));
      return front;
    };
    try {
      expect((await get()).statusCode).toBe(200);
      expect(fastifyRequests).toBe(1);
      // The first request for a coding goes to Fastify, which compresses it (off the event loop)
      // while the front answers the codings that are ready; then the front sends it too.
      const firstGzip = await get({ 'accept-encoding': 'gzip' });
      expect(firstGzip.headers['content-encoding']).toBe('gzip');
      expect(fastifyRequests).toBe(2);
      expect((await get({ 'accept-encoding': 'gzip' })).body.equals(firstGzip.body)).toBe(true);
      expect(fastifyRequests).toBe(2);
      for (const acceptEncoding of ['', 'gzip', 'gzip, deflate, br']) {
        expect((await answeredAsFastifyWould({ 'accept-encoding': acceptEncoding })).statusCode).toBe(200);
      }
      const home = await answeredAsFastifyWould({});
      const notModified = await answeredAsFastifyWould({ 'if-none-match': String(home.headers.etag) });
      expect(notModified.statusCode).toBe(304);
      expect(notModified.body.length).toBe(0);
      // RFC 9110 allows only the 200's length on a 304 (Fastify alone would say 0).
      expect(notModified.headers['content-length']).toBe(home.headers['content-length']);
      expect(notModified.headers.etag).toBe(home.headers.etag);
      const brotli = await answeredAsFastifyWould({ 'accept-encoding': 'br' });
      expect(brotli.headers.etag).not.toBe(home.headers.etag);
      const brotliEtag = String(brotli.headers.etag);
      expect(
        (await answeredAsFastifyWould({ 'accept-encoding': 'br', 'if-none-match': brotliEtag })).statusCode,
      ).toBe(304);
      expect(
        (
          await answeredAsFastifyWould({
            'accept-encoding': 'br',
            'if-none-match': String(home.headers.etag),
          })
        ).statusCode,
      ).toBe(200);

      // A viewer who may be signed in, or has just written, and HEAD go to Fastify.
      await get({ cookie: 'theme=dark; quire_session=not-a-session' });
      await get({ cookie: 'quire_rw=not-a-token' });
      await get({}, 'HEAD');
      expect(fastifyRequests).toBe(5);

      // Another process's write: the front leaves the due read of the content state to Fastify.
      expect((await saveSiteSettings('The Replicated Times', 'Seen through the front.')).statusCode).toBe(
        200,
      );
      await eventually('the front to serve the new description', async () =>
        (await get()).body.toString('utf8').includes('Seen through the front.'),
      );

      // A path that is no page reaches Fastify every time, and is never cached.
      const reachedFastify = fastifyRequests;
      for (let i = 0; i < 2; i++) {
        const missing = await httpRequest(port, '/Bad_Slug', { headers: { 'x-test-client': 'http' } });
        expect(missing.statusCode).toBe(404);
        expect(missing.headers['cache-control']).toBe('no-store');
        expect(missing.headers['content-security-policy']).toBe(home.headers['content-security-policy']);
      }
      expect(fastifyRequests).toBe(reachedFastify + 2);
    } finally {
      await served.app.close();
      await served.db.close();
    }
  });

  it('a stopped replica leaves the read pool and rejoins; pages are read from the primary meanwhile', async () => {
    await onReplica('STOP SLAVE');
    try {
      await eventually('the replica to leave', async () => {
        const ready = (await second.app.inject({ url: '/readyz' })).json<{
          replicas: { healthy: boolean }[];
        }>();
        return ready.replicas[0]?.healthy === false;
      });
      const before = await metric(second.registry, 'quire_db_reads_total', { pool: 'primary' });
      expect((await second.app.inject({ url: '/search?q=primary' })).statusCode).toBe(200);
      expect(await metric(second.registry, 'quire_db_reads_total', { pool: 'primary' })).toBeGreaterThan(
        before,
      );
    } finally {
      await onReplica('START SLAVE');
    }
    await eventually('the replica to rejoin', async () => {
      const ready = (await second.app.inject({ url: '/readyz' })).json<{
        replicas: { healthy: boolean }[];
      }>();
      return ready.replicas[0]?.healthy === true;
    });
    const before = await metric(second.registry, 'quire_db_reads_total', { pool: 'replica-1' });
    await second.app.inject({ url: '/search?q=primary' });
    expect(await metric(second.registry, 'quire_db_reads_total', { pool: 'replica-1' })).toBeGreaterThan(
      before,
    );
  });

  it('roles: the owner adds an author, who may write but not moderate; a scheduled post appears at its time', async () => {
    const usersPage = await author.get('/admin/users');
    const created = await author.post('/admin/users', {
      _csrf: csrfToken(usersPage.body),
      name: 'Bea Writer',
      email: 'bea@blog.test',
      role: 'author',
    });
    expect(created.statusCode).toBe(200);
    const password = /shown only now\): <code>([^<]+)<\/code>/.exec(created.body)?.[1] ?? '';
    expect(password).toMatch(/^[\w-]{20}$/);
    expect((await author.get('/admin/users')).body).not.toContain(password);

    const bea = new InjectSession(first.app, '203.0.113.30');
    const form = await bea.get('/admin/login');
    const wrong = await bea.post('/admin/login', {
      _csrf: csrfToken(form.body),
      email: 'bea@blog.test',
      password: 'wrong',
    });
    expect(wrong.statusCode).toBe(401);
    const login = await bea.post('/admin/login', {
      _csrf: csrfToken(wrong.body),
      email: 'bea@blog.test',
      password,
    });
    expect(login.statusCode).toBe(303);
    const account = await bea.get('/admin/account');
    const refused = await bea.post('/admin/account', {
      _csrf: csrfToken(account.body),
      current: 'not it',
      password: 'a brand new password',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('The current password is wrong');
    const changed = await bea.post('/admin/account', {
      _csrf: csrfToken(refused.body),
      current: password,
      password: 'a brand new password',
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toContain('Password changed');
    const again = new InjectSession(first.app, '203.0.113.31');
    const loginForm = await again.get('/admin/login');
    const oldPassword = await again.post('/admin/login', {
      _csrf: csrfToken(loginForm.body),
      email: 'bea@blog.test',
      password,
    });
    expect(oldPassword.statusCode).toBe(401);
    const newPassword = await again.post('/admin/login', {
      _csrf: csrfToken(oldPassword.body),
      email: 'bea@blog.test',
      password: 'a brand new password',
    });
    expect(newPassword.statusCode).toBe(303);
    expect((await bea.get('/admin/comments')).statusCode).toBe(403);
    expect((await bea.get('/admin/settings')).statusCode).toBe(403);
    // The owner's post is not hers to edit.
    const ownersPost = /href="\/admin\/posts\/(\d+)"/.exec((await author.get('/admin')).body)?.[1] ?? '';
    expect((await bea.get(`/admin/posts/${ownersPost}`)).statusCode).toBe(404);

    const at = new Date(Date.now() + 3000);
    await publish(bea, 'Scheduled for later', 'Not yet.', {
      status: 'scheduled',
      publishedAt: at.toISOString().slice(0, 19),
    });
    const visitor = () => second.app.inject({ url: '/' });
    expect((await visitor()).body).not.toContain('Scheduled for later');
    expect((await second.app.inject({ url: '/scheduled-for-later' })).statusCode).toBe(404);
    await eventually('the scheduled post to appear at its time', async () =>
      (await visitor()).body.includes('Scheduled for later'),
    );
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime() - 1000);
    expect((await second.app.inject({ url: '/author/bea-writer' })).body).toContain('Scheduled for later');
    const pageOne = (await second.app.inject({ url: '/' })).body;
    expect(pageOne).toContain('Page 1 of 2');
    expect(pageOne).toMatch(/href="\/\?page=2" rel="next"/);
    expect(pageOne).not.toContain('Hello from the primary');
    const pageTwo = await second.app.inject({ url: '/?page=2' });
    expect(pageTwo.body).toContain('Hello from the primary');
    expect(pageTwo.body).toMatch(/<link rel="canonical" href="http:\/\/blog.test\/\?page=2"/);
    expect((await second.app.inject({ url: '/?page=3' })).statusCode).toBe(404);

    // Bea deletes her post; the pages drop it.
    const list = await bea.get('/admin');
    const id = /href="\/admin\/posts\/(\d+)">Scheduled for later/.exec(list.body)?.[1] ?? '';
    expect(list.body).not.toContain('Hello from the primary');
    const deleted = await bea.post(`/admin/posts/${id}/delete`, { _csrf: csrfToken(list.body) });
    expect(deleted.statusCode).toBe(303);
    await eventually(
      'the deleted post to leave the pages',
      async () => (await second.app.inject({ url: '/scheduled-for-later' })).statusCode === 404,
    );
  });

  it('a primary turned read-only (a demoted one still behind the write endpoint): writes get a 503 page, pages and readiness stay, writes resume when it is writable', async () => {
    const settingsPage = await author.get('/admin/settings');
    const token = csrfToken(settingsPage.body);
    await rootQuery(test.cluster, 0, 'SET GLOBAL read_only = 1');
    try {
      const refused = await author.post('/admin/settings', {
        _csrf: token,
        title: 'While demoted',
        description: '',
      });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(refused.headers['cache-control']).toBe('no-store');
      expect(refused.body).toContain('Saving is paused');
      expect(refused.body).toContain('nothing was saved');
      // Nothing of the database's error reaches the visitor.
      expect(refused.body).not.toMatch(/read-only|ER_OPTION|1290|Error|at .*\.js/);
      expect((await author.get('/admin/settings')).statusCode).toBe(200);
      expect((await second.app.inject({ url: '/hello-from-the-primary' })).statusCode).toBe(200);
      const ready = await second.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ ready: true });
    } finally {
      await rootQuery(test.cluster, 0, 'SET GLOBAL read_only = 0');
    }
    const saved = await author.post('/admin/settings', {
      _csrf: token,
      title: 'Writable again',
      description: '',
    });
    expect(saved.statusCode).toBe(200);
    expect((await author.get('/')).body).toContain('Writable again');
  });

  it('a killed primary: writes get a 503 page, pages still come from the replica, and writes resume when it is back', async () => {
    const settingsPage = await author.get('/admin/settings');
    const token = csrfToken(settingsPage.body);
    // `second` checks the nodes every 200 ms (`first` only once an hour).
    expect((await second.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    await test.cluster.killNode(0, 'SIGKILL');
    try {
      const refused = await author.post('/admin/settings', {
        _csrf: token,
        title: 'During the outage',
        description: '',
      });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.body).toContain('nothing was saved');
      expect((await second.app.inject({ url: '/hello-from-the-primary' })).statusCode).toBe(200);
      // Still ready: the replica serves the pages, so the pod must stay in its Service.
      const ready = await second.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      const readiness = ready.json<{ ready: boolean; primary: string }>();
      expect(readiness.ready).toBe(true);
      expect(readiness.primary).toMatch(/^down: /);
      // With the replica out of the read pool as well, no node serves the pages: not ready.
      await onReplica('STOP SLAVE SQL_THREAD');
      try {
        await eventually(
          'the pod to stop being ready',
          async () => (await second.app.inject({ url: '/readyz' })).statusCode === 503,
        );
      } finally {
        await onReplica('START SLAVE SQL_THREAD');
      }
    } finally {
      await test.cluster.startNode(0);
    }
    const saved = await author.post('/admin/settings', {
      _csrf: token,
      title: 'Back again',
      description: '',
    });
    expect(saved.statusCode).toBe(200);
    expect((await author.get('/')).body).toContain('Back again');
  });
});
