/** Finding the binaries the pod scripts run, before any of them is started. */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { MissingToolError } from './errors.js';
import { installCommand, requiredTools } from './node-spec.js';

/** Whether an executable `name` is in one of the PATH's directories. */
export function onPath(name: string, path: string): boolean {
  return path
    .split(':')
    .filter((dir) => dir !== '')
    .some((dir) => {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** Fail with MissingToolError, naming every missing tool and the apt command, unless all are there. */
export function assertTools(path: string, asRoot: boolean): void {
  const missing = requiredTools(asRoot).filter((tool) => !onPath(tool, path));
  if (missing.length > 0) throw new MissingToolError(missing, installCommand(missing, asRoot), path);
}
