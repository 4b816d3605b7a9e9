/**
 * Writing the generated cluster directory (the only part of src/provision that touches disk).
 * A new directory is staged beside its target and renamed into place. An existing one holds
 * state that must survive a regeneration (the VMs' `.vagrant/`, the cluster key in `.quire/`), so
 * with `force` the new files are staged inside it and each is renamed over the old one; files an
 * earlier generation wrote and this one does not are removed. A failure while staging leaves the
 * directory as it was.
 */
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { UserError } from '../config/errors.js';

/** The list of files the last generation wrote, relative to the output directory. */
export const GENERATED_LIST_FILE = '.quire/generated-files';

export interface WriteOptions {
  /** Replace the generated files of an existing, non-empty directory. */
  readonly force: boolean;
  /** Files written with mode 0755. */
  readonly executables: ReadonlySet<string>;
}

async function existing(path: string): Promise<'missing' | 'directory' | 'other'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}

async function stage(dir: string, files: Record<string, string>, options: WriteOptions): Promise<void> {
  const all = { ...files, [GENERATED_LIST_FILE]: `${Object.keys(files).sort().join('\n')}\n` };
  for (const [path, content] of Object.entries(all)) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    const mode = options.executables.has(path) ? 0o755 : 0o644;
    await writeFile(file, content, { mode });
    await chmod(file, mode);
  }
  // The Vagrantfile keeps the cluster's private key there.
  await chmod(join(dir, dirname(GENERATED_LIST_FILE)), 0o700);
}

async function previousFiles(target: string): Promise<string[]> {
  try {
    return (await readFile(join(target, GENERATED_LIST_FILE), 'utf8')).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Remove a staging directory; a failure to clean up must not hide the error being reported. */
async function removeQuietly(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true }).catch(() => undefined);
}

function unwritable(out: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return new UserError(
    'OUTPUT_UNWRITABLE',
    `cannot write ${out} (${code}); choose another directory with --out`,
    1,
  );
}

/** Write `files` (relative path → content) to directory `out`. */
export async function writeClusterDirectory(
  out: string,
  files: Record<string, string>,
  options: WriteOptions,
): Promise<void> {
  const target = resolve(out);
  const kind = await existing(target);
  if (kind === 'other') {
    throw new UserError('OUTPUT_EXISTS', `${out} exists and is not a directory; choose another --out`);
  }
  if (kind === 'missing') {
    const staging = `${target}.tmp-${process.pid}`;
    try {
      await rm(staging, { recursive: true, force: true });
      await stage(staging, files, options);
      await mkdir(dirname(target), { recursive: true });
      await rename(staging, target);
    } catch (error) {
      await removeQuietly(staging);
      throw unwritable(out, error);
    }
    return;
  }
  const entries = await readdir(target);
  if (entries.length > 0 && !options.force) {
    throw new UserError(
      'OUTPUT_EXISTS',
      `${out} already exists; pass --force to regenerate its files (the VMs' state in .vagrant/ and the cluster key in .quire/ are kept), or choose another --out`,
    );
  }
  const staging = join(target, `.quire-staging-${process.pid}`);
  try {
    await rm(staging, { recursive: true, force: true });
    await stage(staging, files, options);
  } catch (error) {
    await removeQuietly(staging);
    throw unwritable(out, error);
  }
  try {
    const stale = (await previousFiles(target)).filter((path) => !(path in files));
    for (const path of [...Object.keys(files), GENERATED_LIST_FILE]) {
      await mkdir(dirname(join(target, path)), { recursive: true });
      await rename(join(staging, path), join(target, path));
    }
    for (const path of stale) {
      const file = resolve(target, path);
      if (file.startsWith(`${target}${sep}`)) await rm(file, { force: true });
    }
    await chmod(join(target, dirname(GENERATED_LIST_FILE)), 0o700);
  } catch (error) {
    throw unwritable(out, error);
  } finally {
    await removeQuietly(staging);
  }
}
