/**
 * The local stack's write endpoint: a TCP forwarder on a fixed loopback port that leads to the
 * current primary, as the write Service does on Kubernetes. The web workers connect to it, so a
 * failover moves their writes without restarting them. While the failover manager moves the
 * primary it holds new connections (up to `holdMs`, then drops them: the app answers 503) and ends
 * the open ones, so that no session keeps writing to the old primary.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface WriteEndpoint {
  readonly port: number;
  /** Keep new connections waiting; end the open ones. */
  hold(): void;
  /** Lead to the server on `port` (loopback); held connections go there now. */
  leadTo(port: number): void;
  /** The port it leads to, or undefined while it holds. */
  readonly leadsTo: number | undefined;
  close(): Promise<void>;
}

export async function startWriteEndpoint(options: {
  readonly port: number;
  /** @default 5000 */
  readonly holdMs?: number;
}): Promise<WriteEndpoint> {
  const holdMs = options.holdMs ?? 5000;
  let upstream: number | undefined;
  const open = new Set<Socket>();
  const held = new Set<{ socket: Socket; timer: NodeJS.Timeout }>();

  const forward = (client: Socket, port: number): void => {
    const server = createConnection({ host: '127.0.0.1', port });
    open.add(client);
    open.add(server);
    const end = (): void => {
      client.destroy();
      server.destroy();
      open.delete(client);
      open.delete(server);
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
    client.pipe(server);
    server.pipe(client);
    client.resume();
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    client.on('error', () => client.destroy());
    if (upstream !== undefined) {
      forward(client, upstream);
      return;
    }
    const entry = {
      socket: client,
      timer: setTimeout(() => {
        held.delete(entry);
        client.destroy();
      }, holdMs),
    };
    held.add(entry);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    port: options.port,
    get leadsTo() {
      return upstream;
    },
    hold() {
      upstream = undefined;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    leadTo(port) {
      if (upstream !== port) {
        for (const socket of open) socket.destroy();
        open.clear();
      }
      upstream = port;
      for (const entry of held) {
        clearTimeout(entry.timer);
        if (!entry.socket.destroyed) forward(entry.socket, port);
      }
      held.clear();
    },
    async close() {
      for (const entry of held) {
        clearTimeout(entry.timer);
        entry.socket.destroy();
      }
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
