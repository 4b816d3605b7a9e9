import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ephemeralPortRange, freePort, isListening, portOwner } from '../../../src/local/mariadb/ports.js';

describe('loopback ports', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  const listen = async (): Promise<number> => {
    const server = createServer((socket) => sockets.push(socket));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  };

  it("chooses free ports below the ephemeral range and Kubernetes' NodePorts, never an excluded one", async () => {
    const [low] = ephemeralPortRange();
    const taken = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const port = await freePort('127.0.0.1', taken);
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(Math.min(low, 30_000));
      expect(taken.has(port)).toBe(false);
      taken.add(port);
    }
  });

  it('names the process listening on a port, or holding it as the local port of a connection', async () => {
    const port = await listen();
    expect(isListening(port)).toBe(true);
    expect(portOwner(port)).toMatch(new RegExp(`^pid ${process.pid} \\(`));
    const client = createConnection({ host: '127.0.0.1', port });
    sockets.push(client);
    await new Promise((resolve) => client.once('connect', resolve));
    const local = client.localPort;
    if (local === undefined) throw new Error('no local port');
    expect(isListening(local)).toBe(false);
    expect(portOwner(local)).toMatch(
      new RegExp(`^pid ${process.pid} \\(.*\\), a connection using it as its local port$`),
    );
    expect(portOwner(await freePort('127.0.0.1'))).toBeUndefined();
  });
});
