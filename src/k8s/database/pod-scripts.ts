import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QuireConfig } from '../../config/schema.js';
import { PACKAGE_ROOT } from '../../util/package-root.js';

/** Directory of the MariaDB pod scripts and server config files (mounted at SCRIPTS_MOUNT). */
export const POD_SCRIPTS_DIR = join(PACKAGE_ROOT, 'src', 'k8s', 'database', 'scripts');

/** Where the scripts ConfigMap is mounted in every DB container. */
export const SCRIPTS_MOUNT = '/etc/quire';

/** Where each DB pod's data volume is mounted (DATADIR of the scripts). */
export const DATA_DIR = '/var/lib/mysql';

/** Where clone.sh saves a re-cloned node's errant transactions, on its data volume (common.sh's ERRANT_DIR). */
export const ERRANT_DIR = `${DATA_DIR}/.quire-errant`;

/** The scripts and config templates, by file name, in a stable order. */
export function podScriptFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(POD_SCRIPTS_DIR).sort()) {
    files[name] = readFileSync(join(POD_SCRIPTS_DIR, name), 'utf8');
  }
  return files;
}

/** The command that runs one of the scripts in a container. */
export function scriptCommand(script: string, ...args: string[]): string[] {
  return ['bash', `${SCRIPTS_MOUNT}/${script}`, ...args];
}

/** `database.durability`, as configured. */
export type Durability = QuireConfig['database']['durability'];

/**
 * The variables configure.sh turns into each server's replication settings (semi-sync on the
 * primary and its replicas, the ack timeout, what happens without an ack); the StatefulSet and
 * the local runner both give them, so both targets run the same settings.
 */
export function durabilityEnv(durability: Durability): Record<string, string> {
  return {
    DB_REPLICATION: durability.replication,
    DB_ACK_TIMEOUT_MS: String(durability.ackTimeoutMs),
    DB_WHEN_NO_REPLICA_ACKS: durability.whenNoReplicaAcks,
  };
}
