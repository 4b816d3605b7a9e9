/**
 * Before any end-to-end test file: build the test images that are missing or stale (Debian
 * packages, test/e2e/images) and start the single-node cluster, which imports them. Both are
 * cached, so a warm run spends seconds here; a cold one builds everything (see the READMEs).
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCluster } from './cluster/cluster.js';

const imagesDir = join(dirname(fileURLToPath(import.meta.url)), 'images');

function buildImages(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(imagesDir, 'build-all.sh')], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`test/e2e/images/build-all.sh failed (${signal ?? `exit ${String(code)}`})`));
    });
  });
}

export default async function setup(): Promise<void> {
  const started = Date.now();
  await buildImages();
  await ensureCluster();
  process.stderr.write(
    `e2e setup: images and cluster ready in ${Math.round((Date.now() - started) / 1000)}s\n`,
  );
}
