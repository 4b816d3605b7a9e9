import { fileURLToPath } from 'node:url';

/**
 * The directory holding package.json. Files shipped beside the code (the DB pod scripts, chart
 * assets) are found from here, whether Quire runs compiled (lib/) or from source (src/).
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
