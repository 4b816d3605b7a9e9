export * from './database.js';
export * from './db-metrics.js';
export type { DbEndpoint } from './db-pool.js';
export * from './db-reader.js';
export * from './db-writer.js';
export * from './errors.js';
export * from './gtid.js';
export * from './migrate.js';
export * from './replica-health.js';
