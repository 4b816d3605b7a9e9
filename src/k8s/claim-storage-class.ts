import type { QuireConfig } from '../config/schema.js';

/**
 * The StorageClass of a claim Quire makes: the configured one, else the NFS class when Quire
 * installs it, else none, which leaves the choice to the cluster's default class.
 */
export function claimStorageClass(config: QuireConfig, configured: string | null): string | undefined {
  if (configured !== null) return configured;
  return config.storage.nfs.enabled ? config.storage.nfs.storageClassName : undefined;
}
