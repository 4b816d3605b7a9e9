/**
 * How the direct-SQL writer classifies what happens to an INSERT, on the real mysql2 client
 * against fake servers (mysql2's server side) that answer as each case needs: a failure to connect
 * and an error the server returns are `failed`; a dropped connection, a timeout and the errors
 * that can end a committing statement are `unknown`. After any error it reconnects, to wherever
 * the write endpoint is then.
 */
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import mysql, { type Connection as ServerSideConnection } from 'mysql2';
import { insertErrorOutcome, sqlWriter, type Endpoint, type HistoryWriter } from './index.js';

const login = { user: 'quire', password: 'secret', database: 'quire_app' };

type Answer = 'ok' | 'drop' | 'silence' | { readonly errno: number };

interface FakeServer {
  readonly endpoint: Endpoint;
  /** Every statement received, in order. */
  readonly statements: string[];
  close(): Promise<void>;
}

const servers: { close(): Promise<void> }[] = [];
const writers: HistoryWriter[] = [];

afterEach(async () => {
  await Promise.all(writers.splice(0).map((writer) => writer.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function listening(server: TcpServer): Promise<Endpoint> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the fake server has no port');
  return { host: '127.0.0.1', port: address.port };
}

/** A server speaking the MySQL protocol: `SET` is answered OK, an INSERT as `answer` says. */
async function fakeServer(answer: (sql: string) => Answer): Promise<FakeServer> {
  const statements: string[] = [];
  const connections: ServerSideConnection[] = [];
  const server = mysql.createServer((connection) => {
    connections.push(connection);
    connection.on('error', () => undefined);
    // mysql2's server side keeps counting packets across commands; each command starts at 0.
    connection.serverHandshake({
      protocolVersion: 10,
      serverVersion: '10.11.0-fake',
      connectionId: connections.length,
      statusFlags: 2,
      characterSet: 8,
      capabilityFlags: 0xffffff,
      authCallback: (_: unknown, done: (error: null) => void) => {
        done(null);
        connection.sequenceId = 0;
      },
    });
    const respond = (sql: string): void => {
      statements.push(sql);
      const reply = sql.startsWith('SET ') ? 'ok' : answer(sql);
      if (reply === 'ok') connection.writeOk({ affectedRows: 1 });
      else if (reply === 'drop') connection.destroy();
      else if (reply !== 'silence')
        connection.writeError({ code: reply.errno, message: `error ${reply.errno}` });
      connection.sequenceId = 0;
    };
    // mysql2's server side gives SET statements to 'stmt_prepare' listeners.
    connection.on('query', respond);
    connection.on('stmt_prepare', respond);
  });
  // mysql2's Server does not tell its address; its net.Server does.
  const tcp = (server as unknown as { _server: TcpServer })._server;
  const endpoint = await listening(tcp);
  const fake = {
    endpoint,
    statements,
    close: async (): Promise<void> => {
      for (const connection of connections) connection.destroy();
      await new Promise((resolve) => tcp.close(resolve));
    },
  };
  servers.push(fake);
  return fake;
}

function writer(write: () => Endpoint, queryTimeoutMs = 2000): HistoryWriter {
  const created = sqlWriter({ name: 'w', write, login, connectTimeoutMs: 300, queryTimeoutMs });
  writers.push(created);
  return created;
}

describe('the direct-SQL writer', () => {
  it('acknowledges an INSERT the server answers OK, in autocommit, on one connection', async () => {
    const server = await fakeServer(() => 'ok');
    const sql = writer(() => server.endpoint);
    expect(await sql.attempt('r.w.1')).toEqual({ outcome: 'ok' });
    expect(await sql.attempt('r.w.2')).toEqual({ outcome: 'ok' });
    expect(server.statements).toEqual([
      'SET SESSION autocommit = 1',
      "INSERT INTO `quire_history` (id) VALUES ('r.w.1')",
      "INSERT INTO `quire_history` (id) VALUES ('r.w.2')",
    ]);
  });

  it('nothing listening: failed (the INSERT was never sent)', async () => {
    const closed = createTcpServer();
    const endpoint = await listening(closed);
    await new Promise((resolve) => closed.close(resolve));
    const result = await writer(() => endpoint).attempt('r.w.1');
    expect(result).toEqual({ outcome: 'failed', error: expect.stringMatching(/^ECONNREFUSED/) as string });
  });

  it('a server that accepts but never greets: failed after the connect timeout', async () => {
    const mute = createTcpServer(() => undefined);
    servers.push({
      close: () =>
        new Promise((resolve) =>
          mute.close(() => {
            resolve();
          }),
        ),
    });
    const endpoint = await listening(mute);
    const started = Date.now();
    const result = await writer(() => endpoint).attempt('r.w.1');
    expect(result).toEqual({ outcome: 'failed', error: 'ETIMEDOUT: connect ETIMEDOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('an error the server returns (1290 read-only): failed; the next attempt reconnects to the moved endpoint', async () => {
    const demoted = await fakeServer(() => ({ errno: 1290 }));
    const promoted = await fakeServer(() => 'ok');
    let endpoint = demoted.endpoint;
    const sql = writer(() => endpoint);
    expect(await sql.attempt('r.w.1')).toEqual({
      outcome: 'failed',
      error: 'ER_OPTION_PREVENTS_STATEMENT (1290): error 1290',
    });
    endpoint = promoted.endpoint;
    expect(await sql.attempt('r.w.2')).toEqual({ outcome: 'ok' });
    expect(promoted.statements.at(-1)).toBe("INSERT INTO `quire_history` (id) VALUES ('r.w.2')");
  });

  it.each([
    [1053, 'ER_SERVER_SHUTDOWN'],
    [1927, 'server error'],
    [1317, 'ER_QUERY_INTERRUPTED'],
    [1180, 'ER_ERROR_DURING_COMMIT'],
    [1969, 'server error'],
  ])('a server error that can end a committing statement (%i): unknown', async (errno, code) => {
    const server = await fakeServer(() => ({ errno }));
    expect(await writer(() => server.endpoint).attempt('r.w.1')).toEqual({
      outcome: 'unknown',
      error: `${code} (${errno}): error ${errno}`,
    });
  });

  it('the connection dropped while the INSERT is in flight: unknown; the next attempt connects again', async () => {
    let drop = true;
    const server = await fakeServer(() => (drop ? 'drop' : 'ok'));
    const sql = writer(() => server.endpoint);
    expect(await sql.attempt('r.w.1')).toEqual({
      outcome: 'unknown',
      error: 'PROTOCOL_CONNECTION_LOST: Connection lost: The server closed the connection.',
    });
    drop = false;
    expect(await sql.attempt('r.w.2')).toEqual({ outcome: 'ok' });
    expect(server.statements.filter((sql) => sql.startsWith('SET '))).toHaveLength(2);
  });

  it('no answer within the query timeout: unknown', async () => {
    const server = await fakeServer(() => 'silence');
    const started = Date.now();
    expect(await writer(() => server.endpoint, 300).attempt('r.w.1')).toEqual({
      outcome: 'unknown',
      error: 'PROTOCOL_SEQUENCE_TIMEOUT: Query inactivity timeout',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('an error of the client, not the server (no SQL state): unknown', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), {
      code: 'ECONNRESET',
      errno: -104,
      syscall: 'read',
    });
    expect(insertErrorOutcome(reset)).toBe('unknown');
    expect(insertErrorOutcome(new Error("Can't add new command when connection is in closed state"))).toBe(
      'unknown',
    );
  });
});
