/**
 * Room on the disk for a node's data directory: checked before MariaDB writes one (a primary's
 * first start, a clone), and a full disk recognised in the output of a step that failed, so that
 * the error names the filesystem, the space needed and the fix instead of InnoDB's "error 28".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_USAGE, LocalMariaDbError } from './errors.js';

/**
 * What a newly initialised data directory takes: the redo log (innodb_log_file_size, 96 MiB by
 * default), ibdata1 and ibtmp1 (12 MiB each) and the system tables.
 */
export const INITIAL_DATA_BYTES = 128 * 2 ** 20;

/** Binary and relay logs (log_bin and relay_log of the pod config): mariadb-backup does not copy them. */
const NOT_CLONED = /^(mariadb-bin|relay-bin)\.(\d+|index)$/;

export interface Filesystem {
  readonly mountPoint: string;
  readonly type: string;
  readonly freeBytes: number;
}

/** The filesystem holding `path` and the bytes an unprivileged user may still write there. */
export function filesystemOf(path: string): Filesystem {
  const result = spawnSync('df', ['-B1', '--output=avail,fstype,target', path], { encoding: 'utf8' });
  const [free, type, ...target] = result.stdout.trim().split('\n')[1]?.trim().split(/\s+/) ?? [];
  if (result.status !== 0 || free === undefined || type === undefined || target.length === 0) {
    throw new Error(`df cannot tell the filesystem of ${path}: ${result.stderr.trim() || result.stdout}`);
  }
  return { mountPoint: target.join(' '), type, freeBytes: Number(free) };
}

/** A node's data directory does not fit, or no longer fits, on its filesystem. */
export class DiskFullError extends LocalMariaDbError {
  override readonly name = 'DiskFullError';
  constructor(
    readonly path: string,
    readonly filesystem: Filesystem,
    need: string,
    readonly logTail?: string,
  ) {
    super(
      'LOCAL_DB_DISK_FULL',
      `not enough disk space for ${path}: ${need}, but its filesystem (${filesystem.type} on ` +
        `${filesystem.mountPoint}) has ${mebibytes(filesystem.freeBytes)} free; free space on ` +
        `${filesystem.mountPoint}, or put the state directory on a larger filesystem (quire up --state-dir)` +
        (logTail === undefined ? '' : `\n${logTail}`),
      EXIT_USAGE,
    );
  }
}

/**
 * The files of a data directory that a clone of it holds too once its server runs: all but the
 * binary and relay logs (a replica starts its own).
 */
export function footprintFiles(dataDir: string): string[] {
  return readdirSync(dataDir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dataDir, entry.name);
    if (entry.isDirectory()) return footprintFiles(path);
    return entry.isFile() && !NOT_CLONED.test(entry.name) ? [path] : [];
  });
}

/** Bytes of footprintFiles: what a clone of the data directory takes on disk. */
export function footprintBytes(dataDir: string): number {
  return footprintFiles(dataDir).reduce((sum, file) => sum + statSync(file).size, 0);
}

/** Throws DiskFullError when `dir`'s filesystem has less than `neededBytes` free for `purpose`. */
export function assertSpace(dir: string, neededBytes: number, purpose: string): void {
  const filesystem = filesystemOf(dir);
  if (filesystem.freeBytes < neededBytes) {
    throw new DiskFullError(dir, filesystem, `${purpose} needs about ${mebibytes(neededBytes)}`);
  }
}

/**
 * A DiskFullError for `dir` if a failed step's `output` says the disk is full; `shown` is the part
 * of the output the error shows (all of it by default).
 */
export function diskFullError(
  dir: string,
  what: string,
  output: string,
  shown = output,
): DiskFullError | undefined {
  if (!reportsNoSpace(output)) return undefined;
  return new DiskFullError(dir, filesystemOf(dir), `${what} ran out of space`, shown);
}

/** Whether a failed step's output says the disk is full (ENOSPC, as the OS, InnoDB or mbstream word it). */
export function reportsNoSpace(text: string): boolean {
  return /No space left on device|\berror 28\b|errcode: 28\b|errno:? 28\b/i.test(text);
}

export function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB`;
}
