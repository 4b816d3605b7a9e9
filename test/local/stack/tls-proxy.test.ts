/**
 * The TLS proxy on its own: HTTPS with the given certificate for the host, requests spread over
 * the ready workers with X-Forwarded-* set, 503 while none is ready, 502 when one does not answer,
 * and the HTTP port redirecting to HTTPS with the path kept.
 */
import { createServer, get, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/local/mariadb/index.js';
import { startTlsProxy, type TlsProxy } from '../../../src/local/stack/tls-proxy.js';
import { selfSignedCertificate } from '../../../src/secrets/self-signed-certificate.js';
import { HttpsVisitor } from './https-visitor.js';

const HOST = 'proxy.quire.test';

describe('startTlsProxy', () => {
  const tls = selfSignedCertificate(HOST);
  const workers: Server[] = [];
  const workerPorts: number[] = [];
  let ready: number[] = [];
  let proxy: TlsProxy;
  let httpsPort: number;
  let httpPort: number;

  beforeAll(async () => {
    for (const name of ['a', 'b']) {
      const server = createServer((request, response) => {
        response.end(
          JSON.stringify({
            name,
            url: request.url,
            proto: request.headers['x-forwarded-proto'],
            host: request.headers['x-forwarded-host'],
            for: request.headers['x-forwarded-for'],
          }),
        );
      });
      const port = await freePort('127.0.0.1', new Set(workerPorts));
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      workers.push(server);
      workerPorts.push(port);
    }
    httpsPort = await freePort('127.0.0.1', new Set(workerPorts));
    httpPort = await freePort('127.0.0.1', new Set([...workerPorts, httpsPort]));
    proxy = await startTlsProxy({
      host: HOST,
      httpsPort,
      httpPort,
      certificate: tls.certificate,
      privateKey: tls.privateKey,
      upstreams: () => ready,
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await proxy.close();
    for (const server of workers) server.close();
  });

  const visitor = (): HttpsVisitor => new HttpsVisitor(HOST, httpsPort, tls.certificate);

  it('answers 503 while no worker is ready', async () => {
    ready = [];
    const page = await visitor().get('/');
    expect(page.status).toBe(503);
    expect(page.body).toContain('No web worker is ready');
  });

  it('spreads requests over the ready workers, with the X-Forwarded headers', async () => {
    ready = workerPorts;
    const seen = new Set<string>();
    for (let index = 0; index < 4; index++) {
      const page = await visitor().get('/posts?page=2');
      expect(page.status).toBe(200);
      const body = JSON.parse(page.body) as Record<string, string>;
      expect(body).toMatchObject({ url: '/posts?page=2', proto: 'https', host: `${HOST}:${httpsPort}` });
      expect(body.for).toContain('127.0.0.1');
      seen.add(body.name ?? '');
    }
    expect([...seen].sort()).toEqual(['a', 'b']);
  });

  it('answers 502 when the worker does not answer', async () => {
    const gone = await freePort('127.0.0.1', new Set([...workerPorts, httpsPort, httpPort]));
    ready = [gone];
    expect((await visitor().get('/')).status).toBe(502);
  });

  it('redirects HTTP to HTTPS on the configured host, keeping the path', async () => {
    const response = await new Promise<{ status?: number; location?: string }>((resolve, reject) => {
      get({ host: '127.0.0.1', port: httpPort, path: '/a/b?c=1' }, (reply) => {
        reply.resume();
        resolve({ status: reply.statusCode, location: reply.headers.location });
      }).on('error', reject);
    });
    expect(response).toEqual({ status: 301, location: `https://${HOST}:${httpsPort}/a/b?c=1` });
  });
});
