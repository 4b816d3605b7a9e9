/** The failover manager's role changes and status in words, as both targets' commands print them. */
import type { ManagerStatus, RoleChange } from './failover-manager.js';

/** A switchover or failover, as `quire switchover` / `quire failover` print it. */
export function describeRoleChange(change: RoleChange): string {
  return (
    `${change.kind}: ${change.from} → ${change.to}; writes held ${change.heldMs} ms` +
    (change.outageMs === undefined ? '' : `, down ${change.outageMs} ms`) +
    `\n${change.reason}\n`
  );
}

/**
 * What the manager waits for, its last role change and the errant writes it kept, one indented
 * line each; `forceCommand` is how a person fails over anyway on this target.
 */
export function describeManagerStatus(status: ManagerStatus, forceCommand: string): string[] {
  const change = status.lastChange;
  return [
    ...(status.waiting === undefined
      ? []
      : [`  failover: WAITING, ${status.waiting} (${forceCommand} promotes anyway)`]),
    ...(change === undefined
      ? []
      : [
          `  last ${change.kind}: ${change.from} → ${change.to} at ${change.at}, writes held ${change.heldMs} ms${change.outageMs === undefined ? '' : `, down ${change.outageMs} ms`}`,
        ]),
    ...status.errant.map(
      (saved) => `  ${saved.node} was cloned again at ${saved.at}; its errant writes: ${saved.file}`,
    ),
  ];
}
