/**
 * The failover manager's decisions, as pure functions of what it observed: which replica may take
 * over from a dead primary without losing an acknowledged write, and what a node that does not
 * follow the primary must do. No I/O: `failover-manager.ts` observes and acts.
 *
 * Why a replica holds every acknowledged write: with semi-sync (AFTER_SYNC) the primary
 * acknowledges a commit only once one replica has it in its relay log. So if the primary was
 * waiting for acks when last seen, every acknowledged write is on at least one of the replicas
 * that were acking, and the one that received the most has them all, provided every one of those
 * can be asked now.
 */
import { gtidCovers, parseGtidList, type Gtid } from '../db/gtid.js';
import { writeProtection, type NodeReport } from './node-report.js';

/** A replica as the manager saw it: now (undefined: it does not answer) and while the primary lived. */
export interface ReplicaCandidate {
  readonly name: string;
  readonly now: NodeReport | undefined;
  /** It was connected to the primary and acking when the primary was last seen. */
  readonly wasAcking: boolean;
}

export type PromotionDecision =
  | { readonly kind: 'promote'; readonly name: string; readonly reason: string }
  | { readonly kind: 'wait'; readonly reason: string };

/** Everything a replica has received from its primary: applied, or in its relay log. */
export function receivedPosition(report: NodeReport): Gtid[] {
  const applied = parseGtidList(report.gtidCurrentPos);
  const io = report.replication?.gtidIoPos ?? '';
  if (io === '') return applied;
  const received = parseGtidList(io);
  return gtidCovers(received, applied) ? received : applied;
}

/**
 * The replica to promote when the primary is dead. `primaryLastSeen` is the primary's last report
 * (undefined when the manager never saw it alive). Without `allowDataLoss` it promotes only when
 * the primary was protecting its writes (semi-sync in effect) and every replica that was acking
 * answers; it then takes the one that received the most (ties: the first in the list). With
 * `allowDataLoss` it takes the reachable replica that received the most, whatever it may lack.
 */
export function choosePromotion(input: {
  readonly primary: string;
  readonly primaryLastSeen: Pick<NodeReport, 'semiSync'> | undefined;
  readonly replicas: readonly ReplicaCandidate[];
  readonly allowDataLoss: boolean;
}): PromotionDecision {
  const reachable = input.replicas.filter(
    (replica): replica is ReplicaCandidate & { now: NodeReport } => replica.now !== undefined,
  );
  if (reachable.length === 0) return { kind: 'wait', reason: 'no replica answers' };
  const mostReceived = (candidates: readonly (ReplicaCandidate & { now: NodeReport })[]) =>
    candidates.reduce((best, candidate) =>
      gtidCovers(receivedPosition(best.now), receivedPosition(candidate.now)) ? best : candidate,
    );
  if (input.allowDataLoss) {
    const chosen = mostReceived(reachable);
    return {
      kind: 'promote',
      name: chosen.name,
      reason: `asked to fail over even if writes are lost: ${chosen.name} received the most (${chosen.now.gtidCurrentPos || 'nothing'})`,
    };
  }
  const lastSeen = input.primaryLastSeen;
  if (lastSeen === undefined) {
    return {
      kind: 'wait',
      reason: `${input.primary} was never seen alive: no replica is known to hold its writes`,
    };
  }
  const protection = writeProtection(lastSeen.semiSync);
  if (protection !== 'semi-sync') {
    return {
      kind: 'wait',
      reason:
        protection === 'async'
          ? `replication is async (database.durability.replication): no replica is known to hold every write ${input.primary} acknowledged`
          : `${input.primary} had fallen back to async (no replica acked in time): its last acknowledged writes may be on it alone`,
    };
  }
  const acking = input.replicas.filter((replica) => replica.wasAcking);
  if (acking.length === 0) {
    return { kind: 'wait', reason: `no replica was acking ${input.primary}'s writes when it was last seen` };
  }
  const silent = acking.filter((replica) => replica.now === undefined);
  if (silent.length > 0) {
    return {
      kind: 'wait',
      reason: `${silent.map((replica) => replica.name).join(', ')} acked ${input.primary}'s writes and does not answer: it may hold writes the others lack`,
    };
  }
  const chosen = mostReceived(reachable.filter((replica) => replica.wasAcking));
  // A replica that was not acking may still have received more (it acked earlier, then lagged):
  // the chosen one must hold everything any answering replica received.
  const ahead = reachable.find(
    (replica) => !gtidCovers(receivedPosition(chosen.now), receivedPosition(replica.now)),
  );
  const winner = ahead === undefined ? chosen : mostReceived(reachable);
  return {
    kind: 'promote',
    name: winner.name,
    reason: `${winner.name} holds every write ${input.primary} acknowledged (received ${formatPosition(winner.now)})`,
  };
}

function formatPosition(report: NodeReport): string {
  const position = receivedPosition(report);
  return position.length === 0
    ? 'nothing'
    : position.map((gtid) => `${gtid.domain}-${gtid.serverId}-${gtid.seq}`).join(',');
}

export type RejoinDecision =
  | { readonly kind: 'in-place' }
  | { readonly kind: 'fence'; readonly reason: string }
  | { readonly kind: 'follow'; readonly reason: string }
  | { readonly kind: 'reclone'; readonly reason: string; readonly errantFrom: string };

/**
 * What a node that is not the primary must do: nothing (it replicates from the primary, or is a
 * fresh clone whose sidecar is about to start replicating), fence
 * (it takes writes: make it read-only at once), follow the primary (its transactions are all on
 * the primary: re-point it) or be cloned again (it holds transactions the primary has not: errant
 * writes of a primary that died before a replica had them; they are saved, from `errantFrom`).
 * `promotedAt` is the primary's position when it was promoted (undefined: it was never moved).
 */
export function rejoinDecision(input: {
  readonly node: NodeReport;
  readonly primary: { readonly host: string; readonly port: number };
  readonly promotedAt: string | undefined;
}): RejoinDecision {
  const { node, primary } = input;
  if (!node.readOnly) return { kind: 'fence', reason: 'it takes writes but is not the primary' };
  const replication = node.replication;
  // A fresh clone (a backup holds no binary log) knows its position only from the backup's files:
  // its sidecar starts replication.
  if (replication === undefined && node.gtidBinlogPos === '') return { kind: 'in-place' };
  const follows =
    replication !== undefined &&
    replication.masterHost === primary.host &&
    replication.masterPort === primary.port;
  // 1236: the primary's binary log lacks this node's last transaction (strict GTID mode): errant.
  if (follows && replication.lastIoErrno !== 1236) return { kind: 'in-place' };
  const promotedAt = input.promotedAt;
  const beyond =
    promotedAt !== undefined && !gtidCovers(parseGtidList(promotedAt), parseGtidList(node.gtidCurrentPos));
  if (follows || beyond) {
    return {
      kind: 'reclone',
      reason: follows
        ? `the primary refuses its position (${replication.lastIoError || 'error 1236'})`
        : `it holds transactions beyond ${promotedAt ?? ''}, where the primary took over (${node.gtidCurrentPos}): writes no other node has`,
      errantFrom: promotedAt ?? '',
    };
  }
  return {
    kind: 'follow',
    reason:
      replication === undefined
        ? 'it replicates from no one (a primary that was failed over)'
        : `it replicates from ${replication.masterHost}:${replication.masterPort}, not the primary`,
  };
}
