import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/local/mariadb/index.js';
import { startWriteEndpoint, type WriteEndpoint } from '../../../src/local/stack/write-endpoint.js';

/** A server that answers every line with its name and the line. */
async function namedServer(name: string): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => {
    socket.on('data', (data) => socket.write(`${name}:${data.toString()}`));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}

/** Send `line` on a new connection; what comes back first, or how it ended. */
function ask(port: number, line: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = createConnection({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, timeoutMs);
    socket.on('data', (data) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data.toString());
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    socket.on('error', () => undefined);
    socket.write(line);
  });
}

describe('the write endpoint', () => {
  const servers: Server[] = [];
  let endpoint: WriteEndpoint | undefined;
  afterEach(async () => {
    await endpoint?.close();
    for (const server of servers.splice(0)) server.close();
  });

  it('leads to one server, holds connections during a move and lets them through to the new one', async () => {
    const a = await namedServer('a');
    const b = await namedServer('b');
    servers.push(a.server, b.server);
    endpoint = await startWriteEndpoint({ port: await freePort('127.0.0.1'), holdMs: 5000 });
    const { port } = endpoint;
    // Nothing to lead to yet: a connection waits.
    const early = ask(port, 'early');
    endpoint.leadTo(a.port);
    expect(await early).toBe('a:early');
    expect(await ask(port, 'one')).toBe('a:one');

    // A session open on a when the primary moves is ended, not carried over.
    const open = createConnection({ host: '127.0.0.1', port });
    const ended = new Promise<void>((resolve) =>
      open.on('close', () => {
        resolve();
      }),
    );
    open.on('error', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    endpoint.hold();
    await ended;
    expect(endpoint.leadsTo).toBeUndefined();
    const held = ask(port, 'held');
    await new Promise((resolve) => setTimeout(resolve, 200));
    endpoint.leadTo(b.port);
    expect(await held).toBe('b:held');
    expect(await ask(port, 'two')).toBe('b:two');
  });

  it('drops a connection held longer than holdMs (the app answers 503 and tries again)', async () => {
    endpoint = await startWriteEndpoint({ port: await freePort('127.0.0.1'), holdMs: 300 });
    const started = Date.now();
    expect(await ask(endpoint.port, 'x')).toBe('closed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});
