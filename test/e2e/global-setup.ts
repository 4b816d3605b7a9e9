/**
 * Before any end-to-end test file: build the test images that are missing or stale (Debian
 * packages, test/e2e/images) and start the single-node cluster, which imports them. Both are
 * cached, so a warm run spends seconds here; a cold one builds everything (see the READMEs).
 * Then make the run's work directory (a `quire-e2e-*` one in the temporary directory), where every
 * stack keeps its config and state (generated passwords, the TLS key): it is removed when the run
 * ends, passed or failed (QUIRE_KEEP_TEST_DIRS=1 keeps it to look at).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ensureCluster } from './cluster/cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's work directory, for test/e2e/support/stack.ts (see `setup`); none without this setup. */
    e2eWorkRoot?: string;
  }
}

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

export default async function setup(project: TestProject): Promise<() => void> {
  const started = Date.now();
  await buildImages();
  await ensureCluster();
  process.stderr.write(
    `e2e setup: images and cluster ready in ${Math.round((Date.now() - started) / 1000)}s\n`,
  );
  const workRoot = mkdtempSync(join(tmpdir(), 'quire-e2e-'));
  project.provide('e2eWorkRoot', workRoot);
  const removeWorkRoot = () => {
    if (process.env.QUIRE_KEEP_TEST_DIRS === undefined) rmSync(workRoot, { recursive: true, force: true });
  };
  // Also when vitest exits without tearing down (interrupted): rmSync is synchronous, as 'exit' needs.
  process.once('exit', removeWorkRoot);
  return removeWorkRoot;
}
