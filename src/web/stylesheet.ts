/** The default theme's stylesheet, named by its content hash so that browsers may keep it for a year. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../util/package-root.js';

export interface Stylesheet {
  /** `/assets/quire.<hash>.css` */
  readonly url: string;
  readonly css: string;
}

export function loadStylesheet(): Stylesheet {
  const css = readFileSync(join(PACKAGE_ROOT, 'src', 'web', 'assets', 'quire.css'), 'utf8');
  const hash = createHash('sha256').update(css).digest('hex').slice(0, 12);
  return { url: `/assets/quire.${hash}.css`, css };
}
