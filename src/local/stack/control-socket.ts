/**
 * The supervisor's control socket: how `quire local switchover` and `quire local failover` reach
 * the failover manager. HTTP on a Unix socket in the state directory that only the stack's owner
 * can reach (mode 0600): POST /switchover?to=NODE, POST /failover?allowDataLoss=true; the answer is
 * the role change as JSON, or { error } with status 409.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { FailoverManager, RoleChange, RoleChangeCommand } from '../../topology/failover-manager.js';
import { LocalStackError } from './errors.js';

/**
 * The manager's commands for `quire local switchover` and `quire local failover`: HTTP on a Unix
 * socket that only the stack's owner can reach (mode 0600). POST /switchover?to=NODE,
 * POST /failover?allowDataLoss=true; the answer is the role change as JSON, or { error }.
 */
export async function startControlServer(
  socket: string,
  manager: FailoverManager,
  log: (line: string) => void,
): Promise<Server> {
  rmSync(socket, { force: true });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://control');
    const answer = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const to = url.searchParams.get('to');
    const command: RoleChangeCommand | undefined =
      request.method !== 'POST'
        ? undefined
        : url.pathname === '/switchover'
          ? { kind: 'switchover', ...(to === null ? {} : { to }) }
          : url.pathname === '/failover'
            ? { kind: 'failover', allowDataLoss: url.searchParams.get('allowDataLoss') === 'true' }
            : undefined;
    if (command === undefined) {
      answer(404, { error: 'POST /switchover or /failover' });
      return;
    }
    log(`control: ${url.pathname}${url.search}`);
    manager.perform(command).then(
      (change) => {
        answer(200, change);
      },
      (error: unknown) => {
        answer(409, { error: error instanceof Error ? error.message : String(error) });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socket, 0o600);
  return server;
}

/** Ask the running supervisor's manager to switch over or fail over; its role change. */
export async function requestRoleChange(socket: string, command: RoleChangeCommand): Promise<RoleChange> {
  if (!existsSync(socket)) {
    throw new LocalStackError(
      'LOCAL_STACK_NOT_RUNNING',
      `no local stack is running (no ${socket}); start it with quire up`,
      2,
    );
  }
  const query =
    command.kind === 'switchover'
      ? command.to === undefined
        ? ''
        : `?to=${encodeURIComponent(command.to)}`
      : `?allowDataLoss=${String(command.allowDataLoss)}`;
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const sent = request(
      { socketPath: socket, method: 'POST', path: `/${command.kind}${query}` },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body: text });
        });
      },
    );
    sent.on('error', reject);
    sent.end();
  });
  const answer = JSON.parse(body) as RoleChange & { error?: string };
  if (status !== 200) {
    throw new LocalStackError(
      'LOCAL_STACK_ROLE_CHANGE_REFUSED',
      `${command.kind} refused: ${answer.error ?? body}`,
      1,
    );
  }
  return answer;
}
