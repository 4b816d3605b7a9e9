/**
 * The failover manager: it watches every MariaDB node over SQL a few times a second and keeps one
 * writable primary behind the write endpoint.
 *
 * - A primary that does not answer for `detectionMs` is failed over: the write endpoint holds new
 *   connections, the old primary is fenced (the target makes sure it takes no more writes, even if
 *   it is only frozen), the replica that holds every acknowledged write is recorded and promoted
 *   (`choosePromotion`), the other replicas follow it, and the endpoint leads to it. When no replica
 *   is known to hold every acknowledged write it waits and says why; `failover({ allowDataLoss })`
 *   is the explicit way out.
 * - A node that does not follow the primary is re-pointed, fenced or cloned again (`rejoinDecision`).
 * - `switchover` moves the primary on purpose, losing nothing: fence, wait for the new one to have
 *   every transaction, promote, re-point.
 *
 * The same manager runs on every target; a FailoverTarget does what differs (how to fence a node,
 * where the primary is recorded, what the write endpoint is).
 */
import type { Connection } from 'mysql2/promise';
import { formatGtidList, gtidCovers } from '../db/gtid.js';
import { choosePromotion, receivedPosition, rejoinDecision } from './failover-decision.js';
import type { NodeReport, SemiSyncReport } from './node-report.js';
import {
  connectNode,
  fenceNode,
  followPrimary,
  observeNode,
  promoteNode,
  type NodeLogin,
} from './node-sql.js';

export interface ManagedNode {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** What differs between targets. */
export interface FailoverTarget {
  /** Every node, in order. */
  readonly nodes: readonly ManagedNode[];
  /** The recorded primary, and its GTID position when it was promoted (undefined: never moved). */
  recorded(): { readonly primary: string; readonly promotedAt: string | undefined };
  /** Record a new primary (before it takes writes: a node that starts from now on takes its role from it). */
  recordPrimary(name: string, promotedAt: string): Promise<void>;
  /** Make sure a node takes no more writes, even if it is frozen or cut off (e.g. kill its server). */
  fence(name: string): Promise<void>;
  /** Clone a node again from the others, its transactions after `errantFrom` saved first; the file's path. */
  reclone(name: string, errantFrom: string): Promise<string>;
  /** The write endpoint: `hold` keeps new connections from the primary and ends the open ones; `leadTo` opens it. */
  readonly writeEndpoint: {
    hold(): void | Promise<void>;
    leadTo(node: ManagedNode): void | Promise<void>;
  };
  /** Called on every watch while the primary is well (e.g. to label a pod made again). */
  maintain?(): Promise<void>;
  log(line: string): void;
}

export interface FailoverSettings {
  /** An account that may change replication and read_only on every node. */
  readonly user: string;
  readonly password: string;
  /** The `replicator` account's password, for re-pointing replicas. */
  readonly replicationPassword: string;
  /** database.durability.replication is semi-sync: a promoted node waits for acks. */
  readonly semiSync: boolean;
  /** @default 200 */
  readonly probeIntervalMs?: number;
  /** A primary silent this long is failed over. @default 1000 */
  readonly detectionMs?: number;
  /** Per connection attempt and statement. @default 500 */
  readonly timeoutMs?: number;
  /** The previous leader's knowledge of the primary (used when it names the recorded primary). */
  readonly handover?: Handover;
}

/** What a person asks of the manager (`quire switchover`, `quire failover --allow-data-loss`). */
export type RoleChangeCommand =
  | { readonly kind: 'switchover'; readonly to?: string }
  | { readonly kind: 'failover'; readonly allowDataLoss: boolean };

/**
 * What a leader knew of the primary when it last saw it alive, handed to the next leader (on
 * Kubernetes through the topology record): whether its writes were protected, and which replicas
 * were acking. Without it a new leader that never saw the primary alive could not fail it over.
 */
export interface Handover {
  readonly primary: string;
  readonly semiSync: SemiSyncReport;
  readonly acking: readonly string[];
}

/** One failover or switchover, as it went. */
export interface RoleChange {
  readonly kind: 'failover' | 'switchover';
  readonly from: string;
  readonly to: string;
  readonly at: string;
  readonly reason: string;
  /** Failover: ms from the primary's last answer to the new primary taking writes. */
  readonly outageMs?: number;
  /** Ms the write endpoint held connections. */
  readonly heldMs: number;
}

export interface ManagerStatus {
  readonly primary: string;
  /** Why it does not fail over although the primary is down. */
  readonly waiting?: string;
  readonly lastChange?: RoleChange;
  /** Nodes cloned again, with the file that keeps their errant transactions. */
  readonly errant: readonly { readonly node: string; readonly file: string; readonly at: string }[];
}

interface NodeWatch {
  readonly node: ManagedNode;
  connection?: Connection;
  report?: NodeReport;
  lastOkAt: number;
  failures: number;
  /** It acked the primary's writes when the primary was last seen. */
  wasAcking: boolean;
  /** A reclone runs. */
  busy: boolean;
}

export class FailoverManager {
  private readonly watches: NodeWatch[];
  private readonly probeIntervalMs: number;
  private readonly detectionMs: number;
  private readonly timeoutMs: number;
  private primaryLastSeen: Pick<NodeReport, 'semiSync'> | undefined;
  private waiting: string | undefined;
  private lastChange: RoleChange | undefined;
  private readonly errant: { node: string; file: string; at: string }[] = [];
  private leading: string | undefined;
  /** Serialises ticks, switchovers and forced failovers. */
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly target: FailoverTarget,
    private readonly settings: FailoverSettings,
  ) {
    this.probeIntervalMs = settings.probeIntervalMs ?? 200;
    this.detectionMs = settings.detectionMs ?? 1000;
    this.timeoutMs = settings.timeoutMs ?? 500;
    const now = Date.now();
    const handover = settings.handover?.primary === target.recorded().primary ? settings.handover : undefined;
    this.primaryLastSeen = handover === undefined ? undefined : { semiSync: handover.semiSync };
    this.watches = target.nodes.map((node) => ({
      node,
      lastOkAt: now,
      failures: 0,
      wasAcking: handover?.acking.includes(node.name) ?? false,
      busy: false,
    }));
  }

  /** What the next leader needs to know of the primary, once this one saw it alive. */
  handover(): Handover | undefined {
    if (this.primaryLastSeen === undefined) return undefined;
    return {
      primary: this.target.recorded().primary,
      semiSync: this.primaryLastSeen.semiSync,
      acking: this.watches.filter((watch) => watch.wasAcking).map((watch) => watch.node.name),
    };
  }

  /** Watch until `stop`. */
  async run(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      try {
        await this.exclusive(() => this.tick());
      } catch (error) {
        this.target.log(`failover manager: ${message(error)}`);
      }
      await sleep(Math.max(0, this.probeIntervalMs - (Date.now() - started)));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue.catch(() => undefined);
    const open = this.watches.flatMap((watch) => (watch.connection === undefined ? [] : [watch.connection]));
    await Promise.all(open.map((connection) => connection.end().catch(() => undefined)));
  }

  status(): ManagerStatus {
    return {
      primary: this.target.recorded().primary,
      ...(this.waiting === undefined ? {} : { waiting: this.waiting }),
      ...(this.lastChange === undefined ? {} : { lastChange: this.lastChange }),
      errant: [...this.errant],
    };
  }

  /** Whether the recorded primary may simply be restarted: it is down and no replica may take over. */
  get primaryMayRestart(): boolean {
    return this.waiting !== undefined;
  }

  /** Do what a person asked: a switchover, or a failover. */
  perform(command: RoleChangeCommand): Promise<RoleChange> {
    return command.kind === 'switchover'
      ? this.switchover(command.to)
      : this.failover({ allowDataLoss: command.allowDataLoss });
  }

  /** Fail over now, also when a replica may lack acknowledged writes (`quire failover --allow-data-loss`). */
  failover(options: { readonly allowDataLoss: boolean }): Promise<RoleChange> {
    return this.exclusive(async () => {
      await this.observeAll();
      const change = await this.failOver(options.allowDataLoss, 'asked');
      if (change === undefined) throw new Error(this.waiting ?? 'no failover was possible');
      return change;
    });
  }

  /** Move the primary to `to` (default: the replica that received the most), losing no write. */
  switchover(to?: string): Promise<RoleChange> {
    return this.exclusive(() => this.switchOver(to));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private watch(name: string): NodeWatch {
    const watch = this.watches.find((candidate) => candidate.node.name === name);
    if (watch === undefined)
      throw new Error(`no node ${name}: the nodes are ${this.watches.map((w) => w.node.name).join(', ')}`);
    return watch;
  }

  private login(node: ManagedNode): NodeLogin {
    return { host: node.host, port: node.port, user: this.settings.user, password: this.settings.password };
  }

  private async observe(watch: NodeWatch): Promise<void> {
    try {
      watch.connection ??= await connectNode(this.login(watch.node), this.timeoutMs);
      watch.report = await observeNode(watch.connection, this.timeoutMs);
      watch.lastOkAt = Date.now();
      watch.failures = 0;
    } catch {
      watch.report = undefined;
      watch.failures++;
      const connection = watch.connection;
      watch.connection = undefined;
      connection?.destroy();
    }
  }

  private async observeAll(): Promise<void> {
    await Promise.all(this.watches.map((watch) => this.observe(watch)));
  }

  private connection(watch: NodeWatch): Connection {
    if (watch.connection === undefined) throw new Error(`${watch.node.name} does not answer`);
    return watch.connection;
  }

  private async tick(): Promise<void> {
    await this.observeAll();
    const recorded = this.target.recorded();
    const primary = this.watch(recorded.primary);
    const report = primary.report;
    if (report === undefined) {
      const silentMs = Date.now() - primary.lastOkAt;
      if (silentMs >= this.detectionMs && primary.failures >= 2)
        await this.failOver(false, `silent for ${silentMs} ms`);
      return;
    }
    if (report.readOnly) {
      // Recorded but not yet promoted: a failover that was cut short.
      this.target.log(`${primary.node.name} is the recorded primary but read-only: promoting it`);
      await promoteNode(this.connection(primary), {
        semiSync: this.settings.semiSync,
        applyTimeoutMs: 30_000,
      });
      return;
    }
    this.waiting = undefined;
    this.primaryLastSeen = report;
    if (this.leading !== primary.node.name) await this.lead(primary.node);
    await this.target.maintain?.();
    for (const watch of this.watches) {
      if (watch === primary) continue;
      const replication = watch.report?.replication;
      watch.wasAcking =
        watch.report !== undefined &&
        watch.report.semiSync.replicaActive &&
        replication?.ioRunning === 'Yes' &&
        replication.masterHost === primary.node.host &&
        replication.masterPort === primary.node.port;
    }
    await this.reconcile(primary, recorded.promotedAt);
  }

  /** Fence, re-point or re-clone every answering node that does not follow the primary. */
  private async reconcile(primary: NodeWatch, promotedAt: string | undefined): Promise<void> {
    for (const watch of this.watches) {
      if (watch === primary || watch.report === undefined || watch.busy) continue;
      const decision = rejoinDecision({ node: watch.report, primary: primary.node, promotedAt });
      const name = watch.node.name;
      try {
        switch (decision.kind) {
          case 'in-place':
            break;
          case 'fence':
            this.target.log(`${name}: ${decision.reason}; making it read-only`);
            await fenceNode(this.connection(watch), this.timeoutMs * 4);
            break;
          case 'follow':
            this.target.log(`${name}: ${decision.reason}; it follows ${primary.node.name} now`);
            await followPrimary(this.connection(watch), primary.node, {
              replicationPassword: this.settings.replicationPassword,
              timeoutMs: this.timeoutMs * 4,
            });
            break;
          case 'reclone':
            this.target.log(`${name}: ${decision.reason}; cloning it again from ${primary.node.name}`);
            watch.busy = true;
            void this.target
              .reclone(name, decision.errantFrom)
              .then((file) => {
                this.errant.push({ node: name, file, at: new Date().toISOString() });
                this.target.log(`${name} cloned again; its errant transactions are in ${file}`);
              })
              .catch((error: unknown) => {
                this.target.log(`${name}: cloning it again failed: ${message(error)}`);
              })
              .finally(() => {
                watch.busy = false;
              });
            break;
        }
      } catch (error) {
        this.target.log(`${name}: ${decision.kind} failed: ${message(error)}`);
      }
    }
  }

  private async lead(node: ManagedNode): Promise<void> {
    await this.target.writeEndpoint.leadTo(node);
    this.leading = node.name;
  }

  private async failOver(allowDataLoss: boolean, why: string): Promise<RoleChange | undefined> {
    const recorded = this.target.recorded();
    const old = this.watch(recorded.primary);
    const decision = choosePromotion({
      primary: old.node.name,
      primaryLastSeen: this.primaryLastSeen,
      replicas: this.watches
        .filter((watch) => watch !== old)
        .map((watch) => ({ name: watch.node.name, now: watch.report, wasAcking: watch.wasAcking })),
      allowDataLoss,
    });
    if (decision.kind === 'wait') {
      if (this.waiting !== decision.reason) {
        this.target.log(`${old.node.name} is down (${why}) and no replica takes over: ${decision.reason}`);
      }
      this.waiting = decision.reason;
      return undefined;
    }
    const held = Date.now();
    await this.target.writeEndpoint.hold();
    this.leading = undefined;
    const chosen = this.watch(decision.name);
    const chosenReport = chosen.report;
    if (chosenReport === undefined) throw new Error(`${chosen.node.name} stopped answering`);
    // Recorded before the old primary is fenced: once it comes back it reads that it is not the primary.
    await this.target.recordPrimary(chosen.node.name, formatGtidList(receivedPosition(chosenReport)));
    await this.target.fence(old.node.name);
    const promotedAt = await promoteNode(this.connection(chosen), {
      semiSync: this.settings.semiSync,
      applyTimeoutMs: 30_000,
    });
    await this.target.recordPrimary(chosen.node.name, promotedAt);
    // The others follow before writes resume, so that the first writes are acked already.
    await this.reconcile(chosen, promotedAt);
    await this.lead(chosen.node);
    this.waiting = undefined;
    this.primaryLastSeen = undefined;
    const change: RoleChange = {
      kind: 'failover',
      from: old.node.name,
      to: chosen.node.name,
      at: new Date().toISOString(),
      reason: `${old.node.name} ${why}; ${decision.reason}`,
      outageMs: Date.now() - old.lastOkAt,
      heldMs: Date.now() - held,
    };
    this.lastChange = change;
    this.target.log(
      `failed over from ${change.from} to ${change.to} (${change.reason}); writes were down ${change.outageMs} ms`,
    );
    return change;
  }

  private async switchOver(to: string | undefined): Promise<RoleChange> {
    const old = this.watch(this.target.recorded().primary);
    if (to !== undefined && this.watch(to) === old) throw new Error(`${to} is the primary already`);
    // A node that was just made again may not answer yet (on Kubernetes its name resolves to its
    // new address only once the DNS cache lets go of the old one): look again for a while before
    // refusing; a switchover is planned, it may wait.
    let target: NodeWatch | undefined;
    const deadline = Date.now() + SWITCHOVER_PATIENCE_MS;
    for (;;) {
      await this.observeAll();
      if (old.report === undefined || old.report.readOnly) {
        throw new Error(
          `the primary ${old.node.name} does not take writes now: a switchover needs it (a failover does not)`,
        );
      }
      const followers = this.watches.filter(
        (watch) => watch !== old && notFollowing(watch, old) === undefined,
      );
      target =
        to === undefined
          ? followers.reduce<NodeWatch | undefined>(
              (best, watch) => (best === undefined || !covers(best, watch) ? watch : best),
              undefined,
            )
          : followers.find((watch) => watch.node.name === to);
      if (target !== undefined) break;
      if (Date.now() > deadline) {
        throw new Error(
          to === undefined
            ? `no replica follows the primary ${old.node.name}: nothing to switch over to (${this.watches
                .filter((watch) => watch !== old)
                .map((watch) => `${watch.node.name} ${notFollowing(watch, old) ?? 'follows'}`)
                .join('; ')})`
            : `${to} ${notFollowing(this.watch(to), old) ?? 'follows'}: it cannot take over without loss`,
        );
      }
      await sleep(SWITCHOVER_LOOK_MS);
    }
    const held = Date.now();
    await this.target.writeEndpoint.hold();
    this.leading = undefined;
    try {
      await fenceNode(this.connection(old), this.timeoutMs * 4);
      const final = await observeNode(this.connection(old), this.timeoutMs);
      const position = final.gtidBinlogPos;
      await this.target.recordPrimary(target.node.name, position);
      const promotedAt = await promoteNode(this.connection(target), {
        semiSync: this.settings.semiSync,
        applyTimeoutMs: 10_000,
      });
      await this.target.recordPrimary(target.node.name, promotedAt);
      await this.observeAll();
      await this.reconcile(target, promotedAt);
    } catch (error) {
      // Give the writes back to the old primary if the new one did not take over.
      const recorded = this.target.recorded();
      if (recorded.primary !== old.node.name || this.watch(target.node.name).report?.readOnly !== false) {
        await this.target.recordPrimary(old.node.name, recorded.promotedAt ?? '').catch(() => undefined);
        await this.connection(old)
          .query('SET GLOBAL read_only = OFF')
          .catch(() => undefined);
      }
      await this.lead(this.watch(this.target.recorded().primary).node);
      throw error;
    }
    await this.lead(target.node);
    this.primaryLastSeen = undefined;
    const change: RoleChange = {
      kind: 'switchover',
      from: old.node.name,
      to: target.node.name,
      at: new Date().toISOString(),
      reason: 'asked',
      heldMs: Date.now() - held,
    };
    this.lastChange = change;
    this.target.log(`switched over from ${change.from} to ${change.to}; writes held ${change.heldMs} ms`);
    return change;
  }
}

/** How long a switchover looks for a follower before it refuses (longer than a DNS cache's 30 s). */
const SWITCHOVER_PATIENCE_MS = 40_000;
const SWITCHOVER_LOOK_MS = 1000;

/** Why `watch` does not follow `primary` (its SQL thread applying what the primary sends), or undefined. */
function notFollowing(watch: NodeWatch, primary: NodeWatch): string | undefined {
  const replication = watch.report?.replication;
  if (watch.report === undefined) return 'does not answer';
  if (replication === undefined) return 'does not replicate';
  if (replication.masterHost !== primary.node.host || replication.masterPort !== primary.node.port)
    return `replicates from ${replication.masterHost}:${replication.masterPort}, not from ${primary.node.name}`;
  if (replication.sqlRunning !== 'Yes')
    return `does not apply what ${primary.node.name} sends (its SQL thread is not running)`;
  return undefined;
}

/** Whether `a` received everything `b` did (a node that does not answer received nothing). */
function covers(a: NodeWatch, b: NodeWatch): boolean {
  if (b.report === undefined) return true;
  return a.report !== undefined && gtidCovers(receivedPosition(a.report), receivedPosition(b.report));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
