/**
 * What the failover manager says to a MariaDB server, over SQL: observe it (the fields of
 * report.sh), promote it, make it follow a primary, fence it. Each takes one open connection of
 * the manager's own account (FAILOVER_DB_USER), which may change replication and read_only and
 * nothing else.
 */
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import {
  NODE_REPORT_QUERIES,
  nodeReportFromFields,
  SLAVE_STATUS_FIELDS,
  type NodeReport,
} from './node-report.js';

/** The failover manager's account on every server (made by run-server.sh, privileges in accounts.sh). */
export const FAILOVER_DB_USER = 'failover';

/** Where a server is, and how the manager logs in. */
export interface NodeLogin {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** A connection for the manager: short timeouts, so that a frozen server is noticed in time. */
export async function connectNode(login: NodeLogin, timeoutMs: number): Promise<Connection> {
  const connection = await createConnection({
    host: login.host,
    port: login.port,
    user: login.user,
    password: login.password,
    connectTimeout: timeoutMs,
    multipleStatements: false,
  });
  connection.on('error', () => undefined);
  return connection;
}

async function query(connection: Connection, sql: string, timeoutMs: number, values: unknown[] = []) {
  const [rows] = await connection.query<RowDataPacket[]>({ sql, timeout: timeoutMs, values });
  return rows;
}

/** A column's value as report.sh prints it ('' for NULL). */
function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${value}`;
  return JSON.stringify(value);
}

/** The server's report (as report.sh prints it), within `timeoutMs` per statement. */
export async function observeNode(connection: Connection, timeoutMs: number): Promise<NodeReport> {
  const fields: Record<string, string> = {};
  for (const sql of NODE_REPORT_QUERIES) {
    const [rows] = await connection.query<RowDataPacket[]>({ sql, timeout: timeoutMs, rowsAsArray: true });
    for (const row of rows as unknown as unknown[][]) fields[text(row[0])] = text(row[1]);
  }
  const [status] = await query(connection, 'SHOW SLAVE STATUS', timeoutMs);
  if (status !== undefined) {
    for (const field of SLAVE_STATUS_FIELDS) {
      fields[field] = text(status[field]);
    }
  }
  return nodeReportFromFields(fields);
}

/**
 * Make a replica the primary: stop receiving, apply everything it received (the acknowledged writes
 * are in its relay log), forget its primary, wait for acks itself when semi-sync is on, and take
 * writes. Returns its GTID position when it took over (`promotedAt`).
 */
export async function promoteNode(
  connection: Connection,
  options: { readonly semiSync: boolean; readonly applyTimeoutMs: number },
): Promise<string> {
  await query(connection, 'STOP SLAVE IO_THREAD', options.applyTimeoutMs);
  const [status] = await query(connection, 'SHOW SLAVE STATUS', options.applyTimeoutMs);
  const received = typeof status?.Gtid_IO_Pos === 'string' ? status.Gtid_IO_Pos : '';
  if (received !== '') {
    const seconds = Math.max(1, Math.round(options.applyTimeoutMs / 1000));
    const [waited] = await query(
      connection,
      'SELECT MASTER_GTID_WAIT(?, ?) AS waited',
      options.applyTimeoutMs + 1000,
      [received, seconds],
    );
    if (Number(waited?.waited) !== 0) {
      throw new Error(`it did not apply what it received (${received}) within ${seconds} s`);
    }
  }
  await query(connection, 'STOP SLAVE', options.applyTimeoutMs);
  await query(connection, 'RESET SLAVE ALL', options.applyTimeoutMs);
  await query(
    connection,
    `SET GLOBAL rpl_semi_sync_master_enabled = ${options.semiSync ? 'ON' : 'OFF'}`,
    options.applyTimeoutMs,
  );
  await query(connection, 'SET GLOBAL read_only = OFF', options.applyTimeoutMs);
  const [position] = await query(connection, 'SELECT @@gtid_current_pos AS position', options.applyTimeoutMs);
  return String(position?.position ?? '');
}

/**
 * Make a server read-only and end its clients' sessions, so that nothing more commits on it (a
 * primary being switched over, or a node that takes writes and is not the primary).
 */
export async function fenceNode(connection: Connection, timeoutMs: number): Promise<void> {
  await query(connection, 'SET GLOBAL read_only = ON', timeoutMs);
  const rows = await query(
    connection,
    `SELECT ID FROM information_schema.PROCESSLIST
     WHERE ID <> CONNECTION_ID() AND USER NOT IN ('system user', 'event_scheduler', 'replicator')`,
    timeoutMs,
  );
  for (const row of rows) {
    await query(connection, 'KILL CONNECTION ?', timeoutMs, [row.ID]).catch(() => undefined);
  }
}

/**
 * Make a server replicate from `primary` from where it is (its own transactions included: a
 * primary that was failed over), read-only and not waiting for acks itself.
 */
export async function followPrimary(
  connection: Connection,
  primary: { readonly host: string; readonly port: number },
  options: { readonly replicationPassword: string; readonly timeoutMs: number },
): Promise<void> {
  const { timeoutMs } = options;
  await query(connection, 'SET GLOBAL read_only = ON', timeoutMs);
  await query(connection, 'SET GLOBAL rpl_semi_sync_master_enabled = OFF', timeoutMs);
  await query(connection, 'STOP SLAVE', timeoutMs);
  await query(connection, 'SET GLOBAL gtid_slave_pos = @@gtid_current_pos', timeoutMs);
  await query(
    connection,
    `CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = 'replicator', MASTER_PASSWORD = ?,
       MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1`,
    timeoutMs,
    [primary.host, primary.port, options.replicationPassword],
  );
  await query(connection, 'START SLAVE', timeoutMs);
}
