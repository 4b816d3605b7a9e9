/**
 * How a person runs this `quire` from where they are, for the hints commands print. A clone has
 * no `quire` on PATH (and `npx quire` is slow: npm 11 copies the project into its npx cache
 * before running its own bin, ~17 s the first time and ~3 s on every later call), so unless
 * PATH leads to this very program, the hint names bin/quire.js by its path.
 */
import { realpathSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../util/package-root.js';

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

export function quireCommand(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = env.INIT_CWD ?? process.cwd(),
): string {
  const bin = join(PACKAGE_ROOT, 'bin', 'quire.js');
  const ours = realpathOrUndefined(bin);
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => ours !== undefined && realpathOrUndefined(join(dir, 'quire')) === ours);
  if (onPath) return 'quire';
  const path = relative(cwd, bin);
  return isAbsolute(path) || path.startsWith('.') ? path : `./${path}`;
}
