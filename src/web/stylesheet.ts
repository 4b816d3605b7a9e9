/**
 * The default theme's assets, the stylesheet and the site's icon, each named by its content hash
 * so that browsers may keep it for a year.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../util/package-root.js';

export interface Stylesheet {
  /** `/assets/quire.<hash>.css` */
  readonly url: string;
  readonly css: string;
}

export interface Favicon {
  /** `/assets/favicon.<hash>.svg` */
  readonly url: string;
  readonly svg: string;
}

/** A file of src/web/assets and its URL: `/assets/<name>.<hash>.<extension>`. */
function loadAsset(name: string, extension: string): { url: string; text: string } {
  const text = readFileSync(join(PACKAGE_ROOT, 'src', 'web', 'assets', `${name}.${extension}`), 'utf8');
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return { url: `/assets/${name}.${hash}.${extension}`, text };
}

export function loadStylesheet(): Stylesheet {
  const { url, text } = loadAsset('quire', 'css');
  return { url, css: text };
}

export function loadFavicon(): Favicon {
  const { url, text } = loadAsset('favicon', 'svg');
  return { url, svg: text };
}
