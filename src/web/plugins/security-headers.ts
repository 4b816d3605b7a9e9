/**
 * The usual security headers (a strict Content-Security-Policy, HSTS on https, nosniff, frame and
 * referrer policies), as `helmet` decides them. None depends on the request (no nonces, no
 * directive functions), so helmet runs once at start, on a response that is never sent, and every
 * response gets the result: @fastify/helmet rebuilt and ran helmet's middleware per request, a
 * fifth of the CPU time of a cached page. The page cache's front sends the same headers.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';

/** The headers helmet sets with these options, by lowercase name (helmet sets them synchronously). */
export function helmetHeaders(options: { https: boolean }): Readonly<Record<string, string>> {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'https:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        scriptSrc: ["'none'"],
        // Fetches from the page's own origin only: no script of the page may run, but tools that
        // inject one (Lighthouse's robots.txt audit) fetch the site's own files, and 'none' made
        // that audit fail. Narrower, a source with a path (/robots.txt), must name the host, and
        // the site answers under more than one (the Ingress's, each worker's own address).
        connectSrc: ["'self'"],
      },
    },
    strictTransportSecurity: options.https,
  })(request, response, () => undefined);
  return Object.fromEntries(
    Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]),
  );
}

/** Every response gets `headers` (from `helmetHeaders`). */
export const securityHeaders = fp(
  (
    app: FastifyInstance,
    { headers }: { headers: Readonly<Record<string, string>> },
    done: (error?: Error) => void,
  ) => {
    app.addHook('onRequest', (_request, reply, next) => {
      reply.headers(headers);
      next();
    });
    done();
  },
  { name: 'quire-security-headers' },
);
