/**
 * The database topology's record on Kubernetes: a ConfigMap (`<db>-topology`) that the failover
 * manager makes and keeps, so that a deploy never resets it. Its keys:
 * - `primary`, `promotedAt`: the recorded primary; the DB pods read it at each start (PRIMARY_NAME);
 * - `request`: a role change a person asked for (`quire switchover`, `quire failover`), as JSON;
 * - `answer`: how the leading manager took the last request, as JSON;
 * - `manager`: the leading manager's status (what it waits for, its last role change), as JSON;
 * - `reclone`: the nodes asked to clone again, one "<pod> <gtid|-> <id>" line each (clone.sh).
 * Every write replaces the ConfigMap at the version it was read at, so that concurrent writers (the
 * manager, a person's CLI) never overwrite each other's keys.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   the Kubernetes client's models are data-only classes; its serializer takes plain objects */
import type { CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import { z } from 'zod';
import type { Handover, ManagerStatus, RoleChange, RoleChangeCommand } from './failover-manager.js';

type Data = Record<string, string>;

const roleChangeCommand = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('switchover'), to: z.string().optional() }),
  z.object({ kind: z.literal('failover'), allowDataLoss: z.boolean() }),
]);

const roleChange = z.object({
  kind: z.enum(['failover', 'switchover']),
  from: z.string(),
  to: z.string(),
  at: z.string(),
  reason: z.string(),
  outageMs: z.number().optional(),
  heldMs: z.number(),
});

const requestSchema = z.object({ id: z.string(), command: roleChangeCommand, requestedAt: z.string() });

const answerSchema = z.object({
  id: z.string(),
  state: z.enum(['running', 'done', 'refused']),
  by: z.string(),
  at: z.string(),
  change: roleChange.optional(),
  error: z.string().optional(),
});

const semiSyncSchema = z.object({
  primaryEnabled: z.boolean(),
  primaryActive: z.boolean(),
  ackingReplicas: z.number(),
  commitsWithoutAck: z.number(),
  replicaEnabled: z.boolean(),
  replicaActive: z.boolean(),
});

const publishedStatusSchema = z.object({
  leader: z.string(),
  since: z.string(),
  handover: z
    .object({ primary: z.string(), semiSync: semiSyncSchema, acking: z.array(z.string()) })
    .optional(),
  primary: z.string(),
  waiting: z.string().optional(),
  lastChange: roleChange.optional(),
  errant: z.array(z.object({ node: z.string(), file: z.string(), at: z.string() })),
});

/** A role change someone asked for, waiting for the leading manager. */
export interface RoleChangeRequest {
  readonly id: string;
  readonly command: RoleChangeCommand;
  readonly requestedAt: string;
}

/** How the leading manager took a request: `running`, then `done` (with the change) or `refused`. */
export interface RoleChangeAnswer {
  readonly id: string;
  readonly state: 'running' | 'done' | 'refused';
  /** The manager's pod. */
  readonly by: string;
  readonly at: string;
  readonly change?: RoleChange;
  readonly error?: string;
}

/** The leading manager's status as it publishes it. */
export interface PublishedManagerStatus extends ManagerStatus {
  /** The manager's pod that holds the Lease. */
  readonly leader: string;
  /** When it began to lead. */
  readonly since: string;
  /** For the next leader: what this one knew of the primary when it last saw it alive. */
  readonly handover?: Handover;
}

/** What the record holds; a value that does not parse is left out (and named in `unreadable`). */
export interface TopologyRecordContents {
  readonly primary?: string;
  readonly promotedAt?: string;
  readonly request?: RoleChangeRequest;
  readonly answer?: RoleChangeAnswer;
  readonly manager?: PublishedManagerStatus;
  /** Keys whose JSON is damaged. */
  readonly unreadable: readonly string[];
}

function parseJson<T>(schema: z.ZodType<T>, text: string | undefined): T | undefined | 'unreadable' {
  if (text === undefined || text === '') return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** The record's keys, parsed. */
export function readTopologyRecord(
  data: Readonly<Record<string, string>> | undefined,
): TopologyRecordContents {
  const unreadable: string[] = [];
  const value = <T>(key: string, schema: z.ZodType<T>): T | undefined => {
    const parsed = parseJson(schema, data?.[key]);
    if (parsed !== 'unreadable') return parsed;
    unreadable.push(key);
    return undefined;
  };
  const request = value('request', requestSchema);
  const answer = value('answer', answerSchema);
  const manager = value('manager', publishedStatusSchema);
  const text = (key: string) => (data?.[key] === undefined || data[key] === '' ? {} : { [key]: data[key] });
  return {
    ...text('primary'),
    ...text('promotedAt'),
    ...(request === undefined ? {} : { request }),
    ...(answer === undefined ? {} : { answer }),
    ...(manager === undefined ? {} : { manager }),
    unreadable,
  };
}

const apiStatus = (error: unknown): number | undefined => (error as { code?: number }).code;

/** Read and write the record's ConfigMap, each write at the version read. */
export class TopologyRecord {
  constructor(
    private readonly core: CoreV1Api,
    readonly namespace: string,
    readonly name: string,
  ) {}

  /** The ConfigMap, or undefined when the manager has not made it yet. */
  async read(): Promise<V1ConfigMap | undefined> {
    try {
      return await this.core.readNamespacedConfigMap({ name: this.name, namespace: this.namespace });
    } catch (error) {
      if (apiStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** Make the record with `data`, or read it if another writer made it first. */
  async create(data: Data): Promise<V1ConfigMap> {
    try {
      return await this.core.createNamespacedConfigMap({
        namespace: this.namespace,
        body: { metadata: { name: this.name, namespace: this.namespace }, data },
      });
    } catch (error) {
      if (apiStatus(error) !== 409) throw error;
      const made = await this.read();
      if (made === undefined) throw error;
      return made;
    }
  }

  /**
   * Change the record's data: `change` gets the current data and returns the new data, or
   * undefined to leave it as it is. Read again and retried when another writer came first.
   * Undefined when there is no record.
   */
  async update(change: (data: Readonly<Data>) => Data | undefined): Promise<V1ConfigMap | undefined> {
    for (;;) {
      const current = await this.read();
      if (current === undefined) return undefined;
      const next = change(current.data ?? {});
      if (next === undefined) return current;
      try {
        return await this.core.replaceNamespacedConfigMap({
          name: this.name,
          namespace: this.namespace,
          body: { ...current, data: next },
        });
      } catch (error) {
        if (apiStatus(error) !== 409) throw error;
      }
    }
  }
}

/** `data` without `key`. */
export function withoutKey(data: Readonly<Data>, key: string): Data {
  return Object.fromEntries(Object.entries(data).filter(([name]) => name !== key));
}
