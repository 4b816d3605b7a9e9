/**
 * A TCP forwarder on a loopback port, leading to one server and switched to another while it runs:
 * the write endpoint of a failover (a Service, quire's local forwarder) in a test. On a switch the
 * connections open stay with the old server, as a Service's established connections do, or are
 * closed, as a forwarder that drops them does. `breakOpen` makes the open connections fail only
 * when next used, as when their server vanished without closing them. Given several servers, it
 * leads each new connection to the next one, as a Service in front of several pods does.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface ForwardTarget {
  readonly host: string;
  readonly port: number;
}

export class TcpForwarder {
  private readonly server: Server;
  private readonly links = new Set<Link>();
  private targets: readonly ForwardTarget[];
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(targets: readonly ForwardTarget[]) {
    this.targets = targets;
    this.server = createServer((client) => {
      const target = this.targets[this.accepted++ % this.targets.length] as ForwardTarget;
      const link = new Link(client, connect(target.port, target.host), () => {
        this.links.delete(link);
      });
      this.links.add(link);
    });
  }

  static async start(...targets: readonly [ForwardTarget, ...ForwardTarget[]]): Promise<TcpForwarder> {
    const forwarder = new TcpForwarder(targets);
    await new Promise<void>((resolve, reject) => {
      forwarder.server.once('error', reject);
      forwarder.server.listen(0, '127.0.0.1', resolve);
    });
    return forwarder;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Lead new connections to `target`; `closeOpen` closes those open now. */
  switchTo(target: ForwardTarget, { closeOpen }: { readonly closeOpen: boolean }): void {
    this.targets = [target];
    if (closeOpen) for (const link of [...this.links]) link.close();
  }

  /** Drop the server side of every open connection; the client's next bytes get a reset. */
  breakOpen(): void {
    for (const link of [...this.links]) link.break();
  }

  async close(): Promise<void> {
    for (const link of [...this.links]) link.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

/** A client's connection and the one opened for it to the server. */
class Link {
  private ended = false;

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly onEnd: () => void,
  ) {
    for (const socket of [client, upstream]) {
      socket
        .on('error', () => {
          this.close();
        })
        .on('close', () => {
          this.close();
        });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  close(): void {
    if (this.end()) return;
    this.client.destroy();
    this.upstream.destroy();
  }

  break(): void {
    if (this.end()) return;
    this.client.unpipe(this.upstream);
    this.upstream.unpipe(this.client);
    this.upstream.destroy();
    this.client.once('data', () => this.client.resetAndDestroy());
    // Unpiped, it was paused: resumed, its next bytes are read.
    this.client.resume();
  }

  /** Mark it ended; whether it was already. */
  private end(): boolean {
    if (this.ended) return true;
    this.ended = true;
    this.onEnd();
    return false;
  }
}
