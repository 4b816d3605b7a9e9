import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  cachedResponse,
  COMPRESS_THRESHOLD_BYTES,
  etagMatches,
  readyResponse,
} from '../../src/web/page-sender.js';
import { PageCache } from '../../src/web/services/page-cache.js';

function cachedPage(body: string, headers?: Record<string, string>) {
  const cache = new PageCache({
    maxEntries: 1,
    checkIntervalMs: 1000,
    readState: () => Promise.resolve({ version: 1, nextScheduledAt: null }),
  });
  return cache.set(
    '/',
    { version: 1, nextScheduledAt: null },
    {
      route: '/',
      statusCode: 200,
      contentType: 'text/html; charset=utf-8',
      body,
      headers,
    },
  );
}

describe('cachedResponse', () => {
  const body = '<p>Quire sends every read to a replica.</p>'.repeat(100);

  it('sends the coding the client prefers, compressed once per page and coding', async () => {
    const page = cachedPage(body);
    const brotli = await cachedResponse(page, 'gzip, deflate, br');
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(brotli.body).toString('utf8')).toBe(body);
    expect(brotli.headers['content-length']).toBe(String(brotli.body.length));
    expect(cachedResponse(page, 'br, gzip')).toBe(brotli);

    const gzip = await cachedResponse(page, 'gzip;q=0.5, br;q=0');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString('utf8')).toBe(body);
    expect(cachedResponse(page, 'gzip')).toBe(gzip);

    for (const identity of [cachedResponse(page, undefined), cachedResponse(page, 'deflate')]) {
      if (identity instanceof Promise) throw new Error('the identity response waited');
      expect(identity.body).toBe(page.bytes);
      expect(identity.etag).toBe(page.etag);
      expect(identity.headers['content-encoding']).toBeUndefined();
      expect(identity.headers.vary).toBe('accept-encoding');
    }
    expect(page.responses.size).toBe(3);
    // One strong ETag per representation.
    expect(brotli.etag).toBe(`${page.etag.slice(0, -1)}-br"`);
    expect(gzip.etag).toBe(`${page.etag.slice(0, -1)}-gzip"`);
    expect(brotli.headers.etag).toBe(brotli.etag);
  });

  it('compresses at the first request, once for the requests that come meanwhile; ready when done', async () => {
    const page = cachedPage(body);
    expect(readyResponse(page, 'br')).toBeUndefined();
    const first = cachedResponse(page, 'br');
    const second = cachedResponse(page, 'br');
    expect(first).toBeInstanceOf(Promise);
    expect(second).toBe(first);
    expect(readyResponse(page, 'br')).toBeUndefined();
    const brotli = await first;
    expect(readyResponse(page, 'br')).toBe(brotli);
    expect(page.compressions.size).toBe(0);
    // Identity needs no work: ready at once.
    expect(readyResponse(page, 'identity')?.body).toBe(page.bytes);
  });

  it('sends a small page as it is, whatever the client accepts', () => {
    const page = cachedPage('<p>short</p>');
    expect(page.bytes.length).toBeLessThan(COMPRESS_THRESHOLD_BYTES);
    const response = readyResponse(page, 'br');
    expect(response?.body).toBe(page.bytes);
    expect(response?.etag).toBe(page.etag);
    expect(response?.headers).toEqual({
      'content-type': 'text/html; charset=utf-8',
      etag: page.etag,
      'last-modified': page.lastModified.toUTCString(),
      'cache-control': 'public, max-age=0, must-revalidate',
      'content-length': String(page.bytes.length),
    });
  });

  it("sends a page's own headers in every coding", async () => {
    const page = cachedPage(body, { 'access-control-allow-origin': '*' });
    for (const coding of ['br', 'gzip', 'identity']) {
      expect((await cachedResponse(page, coding)).headers['access-control-allow-origin'], coding).toBe('*');
    }
    expect(cachedPage(body).headers).toEqual({});
  });
});

describe('etagMatches', () => {
  it('compares one strong or weak validator, as @fastify/etag does', () => {
    expect(etagMatches('"1-abc"', '"1-abc"')).toBe(true);
    expect(etagMatches('W/"1-abc"', '"1-abc"')).toBe(true);
    expect(etagMatches('"1-abd"', '"1-abc"')).toBe(false);
    expect(etagMatches(undefined, '"1-abc"')).toBe(false);
  });
});
