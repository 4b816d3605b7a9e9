/**
 * `quire switchover` and `quire failover` on Kubernetes: the request goes into the topology record
 * (src/topology/topology-record.ts), where the leading failover manager takes it within a second
 * and answers; this waits for the answer and shows how it goes. Nothing here touches a database
 * pod: only the manager changes roles, so that a person and the manager never act at once.
 */
import { randomUUID } from 'node:crypto';
import type { QuireConfig } from '../config/schema.js';
import { EXIT_FAILURE, UserError } from '../config/errors.js';
import { quireNames, selectorLabels } from '../k8s/names.js';
import type { RoleChange, RoleChangeCommand } from '../topology/failover-manager.js';
import {
  readTopologyRecord,
  TopologyRecord,
  withoutKey,
  type RoleChangeRequest,
} from '../topology/topology-record.js';
import type { ClusterConnection } from './connection.js';

export interface RoleChangeWaits {
  /** How long a manager has to take the request. @default 20 s */
  readonly takeMs?: number;
  /** How long the change may take once taken. @default 120 s */
  readonly finishMs?: number;
  /** @default 500 */
  readonly pollMs?: number;
}

/** Ask the leading failover manager for a switchover or failover; the role change it made. */
export async function requestRoleChange(
  connection: ClusterConnection,
  config: QuireConfig,
  command: RoleChangeCommand,
  progress: (line: string) => void,
  waits: RoleChangeWaits = {},
): Promise<RoleChange> {
  const { takeMs = 20_000, finishMs = 120_000, pollMs = 500 } = waits;
  const names = quireNames(config);
  const managers = Object.entries(selectorLabels(config, 'failover'))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const listManagers = `kubectl -n ${config.namespace} get pods -l ${managers}`;
  const nodes = Array.from({ length: config.database.replicas }, (_, ordinal) => `${names.db}-${ordinal}`);
  if (command.kind === 'switchover' && command.to !== undefined && !nodes.includes(command.to)) {
    throw new UserError(
      'CONFIG_INVALID',
      `--to ${command.to}: no such DB pod; the DB pods are ${nodes.join(', ')}`,
    );
  }
  const record = new TopologyRecord(connection.core, config.namespace, names.dbTopology);
  const request: RoleChangeRequest = { id: randomUUID(), command, requestedAt: new Date().toISOString() };
  const written = await record.update((data) => {
    const pending = readTopologyRecord(data);
    if (pending.request !== undefined && pending.answer?.id !== pending.request.id) {
      throw new UserError(
        'ROLE_CHANGE_REFUSED',
        `a ${pending.request.command.kind} asked for at ${pending.request.requestedAt} waits for the failover manager already; wait for it, or see why no manager takes it (quire doctor)`,
        EXIT_FAILURE,
      );
    }
    return { ...data, request: JSON.stringify(request) };
  });
  if (written === undefined) {
    throw new UserError(
      'ROLE_CHANGE_UNANSWERED',
      `there is no failover manager's record ${names.dbTopology} in namespace ${config.namespace}: the stack is not deployed there, or its manager never started (${listManagers})`,
      EXIT_FAILURE,
    );
  }
  progress(`asked the failover manager for a ${command.kind} (request ${request.id})`);
  const askedAt = Date.now();
  let takenAt: number | undefined;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const { answer } = readTopologyRecord((await record.read())?.data);
    if (answer?.id === request.id) {
      if (answer.state === 'done' && answer.change !== undefined) return answer.change;
      if (answer.state === 'refused') {
        throw new UserError(
          'ROLE_CHANGE_REFUSED',
          `the failover manager (${answer.by}) refused the ${command.kind}: ${answer.error ?? 'no reason given'}`,
          EXIT_FAILURE,
        );
      }
      if (takenAt === undefined) {
        takenAt = Date.now();
        progress(`${answer.by} took it at ${answer.at}`);
      }
    }
    if (takenAt === undefined && Date.now() - askedAt > takeMs) {
      await record.update((data) =>
        readTopologyRecord(data).request?.id === request.id ? withoutKey(data, 'request') : undefined,
      );
      throw new UserError(
        'ROLE_CHANGE_UNANSWERED',
        `no failover manager took the ${command.kind} within ${takeMs / 1000} s, so it was withdrawn: is one running and leading? (${listManagers}; quire doctor)`,
        EXIT_FAILURE,
      );
    }
    if (takenAt !== undefined && Date.now() - takenAt > finishMs) {
      throw new UserError(
        'ROLE_CHANGE_UNANSWERED',
        `the failover manager took the ${command.kind} but did not finish it within ${finishMs / 1000} s; its log says why (kubectl -n ${config.namespace} logs -l ${managers}), quire status shows the roles now`,
        EXIT_FAILURE,
      );
    }
  }
}
