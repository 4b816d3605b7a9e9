export * from './errors.js';
export { DiskFullError, type Filesystem } from './disk-space.js';
export * from './local-mariadb-cluster.js';
export * from '../../topology/node-report.js';
export * from './node-spec.js';
export { ephemeralPortRange, freePort, isListening, portOwner } from './ports.js';
export type { ScriptResult } from './process-group.js';
export type { RunUser } from './run-user.js';
