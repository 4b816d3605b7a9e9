/**
 * Loopback ports: finding free ones, checking that one is free (and naming the process that holds
 * it when not), and seeing whether something listens without connecting (a connection to a clone
 * port would start a backup).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { PortInUseError } from './errors.js';

/** Ports below this are left to well-known services (3306, 8080, 9090, ...). */
const LOWEST_CHOSEN_PORT = 10_000;
/**
 * Kubernetes' default NodePort range starts here. On a node, kube-proxy takes NodePorts on
 * loopback at the firewall: a connection to one goes to a Service, and a bind check cannot see it.
 */
const NODE_PORT_RANGE_START = 30_000;

/** The kernel's ephemeral range: outgoing connections take their local port from it. */
export function ephemeralPortRange(): readonly [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    if (Number(low) > 0 && Number(high) >= Number(low)) return [Number(low), Number(high)];
  } catch {
    // not Linux, or no /proc
  }
  return [32_768, 60_999];
}

/**
 * A free port on `host` (and on every address, where the backup port listens), other than those in
 * `exclude`. It is taken below the ephemeral range: a port in that range can be taken at any time
 * as the local port of an outgoing connection, even one to itself (a replica reconnecting to its
 * stopped primary on loopback can connect to its own socket and hold the primary's port). It is
 * also taken below Kubernetes' NodePort range, for a stack started on a Kubernetes node.
 */
export async function freePort(host: string, exclude: ReadonlySet<number> = new Set()): Promise<number> {
  const [ephemeralLow] = ephemeralPortRange();
  const span = Math.min(ephemeralLow, NODE_PORT_RANGE_START) - LOWEST_CHOSEN_PORT;
  if (span > 1000) {
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = LOWEST_CHOSEN_PORT + Math.floor(Math.random() * span);
      if (exclude.has(port)) continue;
      if ((await bindAndRelease('0.0.0.0', port)) === port && (await bindAndRelease(host, port)) === port) {
        return port;
      }
    }
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await bindAndRelease(host, 0);
    if (typeof port === 'number' && !exclude.has(port)) return port;
  }
  throw new Error(`no free port found on ${host}`);
}

/** Bind a listening socket and close it: the port bound, or the error code (EADDRINUSE, EACCES). */
function bindAndRelease(host: string, port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code ?? 'error');
    });
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        resolve(address === null || typeof address === 'string' ? 'error' : address.port);
      });
    });
  });
}

/** Fail with PortInUseError (naming the holder when it can be found) unless `port` is free on `host`. */
export async function assertPortFree(port: number, host: string, purpose: string): Promise<void> {
  const result = await bindAndRelease(host, port);
  if (result === 'EADDRINUSE') throw new PortInUseError(port, purpose, portOwner(port));
  if (typeof result === 'string') {
    throw new PortInUseError(port, `${purpose}; binding it failed with ${result}`, portOwner(port));
  }
}

interface SocketRow {
  readonly port: number;
  readonly listening: boolean;
  readonly inode: string;
}

function socketRows(): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let table: string;
    try {
      table = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (local === undefined) continue;
      rows.push({
        port: Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16),
        listening: fields[3] === '0A',
        inode: fields[9] ?? '',
      });
    }
  }
  return rows;
}

/** Whether a socket listens on `port` (any address), read from /proc/net/tcp{,6}. */
export function isListening(port: number): boolean {
  return socketRows().some((row) => row.port === port && row.listening);
}

/**
 * The process holding `port`, as "pid 123 (mariadbd)", when /proc shows it (always as root; an
 * ordinary user sees only its own processes): the one listening on it, else one whose connection
 * uses it as its local port. Undefined when it cannot be told.
 */
export function portOwner(port: number): string | undefined {
  const rows = socketRows().filter((row) => row.port === port && row.inode !== '0');
  const listening = ownerOf(
    new Set(rows.filter((row) => row.listening).map((row) => `socket:[${row.inode}]`)),
  );
  if (listening !== undefined) return listening;
  const connected = ownerOf(new Set(rows.map((row) => `socket:[${row.inode}]`)));
  return connected === undefined ? undefined : `${connected}, a connection using it as its local port`;
}

function ownerOf(sockets: ReadonlySet<string>): string | undefined {
  if (sockets.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      if (sockets.has(target)) {
        let name = '?';
        try {
          name = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
        } catch {
          // gone meanwhile
        }
        return `pid ${entry} (${name})`;
      }
    }
  }
  return undefined;
}
