/**
 * The stack's DB nodes: the one LocalMariaDbCluster, opened the same way by `quire up`,
 * `quire down`, `quire local status` and the supervisor.
 */
import type { Durability } from '../../k8s/database/pod-scripts.js';
import { defaultToolPath, LocalMariaDbCluster } from '../mariadb/index.js';
import type { StackPasswords } from './stack-passwords.js';
import type { StackPaths } from './stack-paths.js';

/**
 * PATH the MariaDB tools are looked up in: QUIRE_LOCAL_PATH when set (exactly that), else the
 * process's PATH with the sbin directories added (where Debian puts mariadbd).
 */
export function stackToolPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.QUIRE_LOCAL_PATH ?? defaultToolPath(env.PATH);
}

/**
 * Open (start nothing) the stack's `nodes` DB nodes, ordinal 0 the primary. `durability` is the
 * configuration's, for the callers that start nodes (quire up, the supervisor).
 */
export function openStackCluster(
  paths: StackPaths,
  nodes: number,
  name: string,
  passwords: StackPasswords,
  durability?: Durability,
): Promise<LocalMariaDbCluster> {
  return LocalMariaDbCluster.open({
    baseDir: paths.dbDir,
    replicas: nodes - 1,
    passwords,
    name,
    path: stackToolPath(),
    ...(durability === undefined ? {} : { durability }),
  });
}
