/**
 * TLS termination for the local stack, as the Ingress does in the cluster: an HTTPS server with
 * the configured host's certificate, passing each request to the next ready web worker (round
 * robin, X-Forwarded-* set), and an HTTP server that redirects every request to HTTPS.
 */
import {
  createServer as createHttpServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';

export interface TlsProxyOptions {
  readonly host: string;
  readonly httpsPort: number;
  readonly httpPort: number;
  /** Address both listen on. @default '127.0.0.1' */
  readonly bindAddress?: string;
  readonly certificate: string;
  readonly privateKey: string;
  /** Ports of the workers ready now (asked per request). */
  readonly upstreams: () => readonly number[];
  readonly log: (line: string) => void;
}

export interface TlsProxy {
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
}

export async function startTlsProxy(options: TlsProxyOptions): Promise<TlsProxy> {
  const bind = options.bindAddress ?? '127.0.0.1';
  const origin = `https://${options.host}${options.httpsPort === 443 ? '' : `:${options.httpsPort}`}`;
  let next = 0;
  const sockets = new Set<Socket>();

  const forward = (incoming: IncomingMessage, reply: ServerResponse): void => {
    const upstreams = options.upstreams();
    if (upstreams.length === 0) {
      reply.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '2' });
      reply.end('No web worker is ready yet; try again in a moment (quire local status shows them).\n');
      return;
    }
    const port = upstreams[next++ % upstreams.length] ?? upstreams[0];
    const remote = incoming.socket.remoteAddress ?? '';
    const forwardedFor = [incoming.headers['x-forwarded-for'], remote].filter(Boolean).join(', ');
    const upstream = request(
      {
        host: '127.0.0.1',
        port,
        method: incoming.method,
        path: incoming.url,
        headers: {
          ...incoming.headers,
          'x-forwarded-for': forwardedFor,
          'x-forwarded-proto': 'https',
          'x-forwarded-host': incoming.headers.host ?? options.host,
        },
      },
      (response) => {
        reply.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(reply);
      },
    );
    upstream.on('error', (error) => {
      options.log(`proxy: worker on port ${port} failed: ${error.message}`);
      if (!reply.headersSent) {
        reply.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        reply.end('The web worker did not answer; it is being restarted.\n');
      } else reply.destroy();
    });
    incoming.pipe(upstream);
  };

  const https = createHttpsServer({ cert: options.certificate, key: options.privateKey }, forward);
  const http = createHttpServer((incoming, reply) => {
    reply.writeHead(301, { location: `${origin}${incoming.url ?? '/'}` });
    reply.end();
  });
  for (const server of [https, http]) {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  }
  await listen(https, options.httpsPort, bind);
  try {
    await listen(http, options.httpPort, bind);
  } catch (error) {
    https.close();
    throw error;
  }
  return {
    async close(): Promise<void> {
      const closed = Promise.all(
        [https, http].map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => {
                resolve();
              });
            }),
        ),
      );
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
