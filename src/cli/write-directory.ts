import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../config/errors.js';

/**
 * Replace directory `out` by exactly `files` (relative path → content): everything is written to
 * a sibling temporary directory first, so a failure leaves the old output untouched.
 * Files listed in `privateFiles` get mode 0600.
 */
export async function writeDirectory(
  out: string,
  files: Record<string, string>,
  privateFiles: ReadonlySet<string> = new Set(),
): Promise<void> {
  const target = resolve(out);
  const staging = `${target}.tmp-${process.pid}`;
  try {
    await rm(staging, { recursive: true, force: true });
    for (const [path, content] of Object.entries(files)) {
      const file = join(staging, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content, { mode: privateFiles.has(path) ? 0o600 : 0o644 });
      if (privateFiles.has(path)) await chmod(file, 0o600);
    }
    await rm(target, { recursive: true, force: true });
    await mkdir(dirname(target), { recursive: true });
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UserError(
      'OUTPUT_UNWRITABLE',
      `cannot write ${out} (${code}); choose another directory with --out`,
      1,
    );
  }
}
