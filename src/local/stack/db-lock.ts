/**
 * A lock held while DB nodes are opened or started, so that `quire up`, `quire local status` and
 * the supervisor never start one node twice or overwrite each other's record of its processes.
 * A directory made with mkdir (atomic), holding the owner's pid; a lock whose owner died is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStackError } from './errors.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function ownerAlive(dir: string): boolean {
  try {
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 1) return false;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Run `work` holding the lock, waiting up to `timeoutMs` for another holder. */
export async function withDbLock<T>(
  dir: string,
  work: () => Promise<T>,
  timeoutMs = 15 * 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(join(dir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A holder that died leaves the directory (one that has not written its pid yet gets a moment).
      if (!ownerAlive(dir)) {
        await sleep(500);
        if (!ownerAlive(dir)) {
          rmSync(dir, { recursive: true, force: true });
          continue;
        }
      }
      await sleep(200);
      if (Date.now() > deadline) {
        throw new LocalStackError(
          'LOCAL_STACK_STATE',
          `the database nodes are busy (${dir} is held by another quire process); try again when it ends`,
        );
      }
    }
  }
  try {
    return await work();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
