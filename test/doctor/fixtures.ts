/**
 * Recorded cluster states for the doctor's unit tests. Each fixture is a snapshot taken by
 * `takeSnapshot` on the real test cluster with a fault injected (test/e2e/doctor.test.ts records
 * them when QUIRE_RECORD_DOCTOR_FIXTURES=1), never written by hand.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { fileURLToPath } from 'node:url';
import { connect } from '../../src/cluster/connection.js';
import { loadConfig } from '../../src/config/load.js';
import { takeSnapshot, type ClusterSnapshot } from '../../src/doctor/index.js';

const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function loadFixture(name: string): ClusterSnapshot {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, `${name}.json`), 'utf8')) as ClusterSnapshot;
}

/** Whether this run records fixtures (an e2e run with QUIRE_RECORD_DOCTOR_FIXTURES=1). */
export const RECORDING = process.env.QUIRE_RECORD_DOCTOR_FIXTURES === '1';

/**
 * The snapshot of `namespace` as `quire doctor --config <configFile>` sees it, written to
 * fixtures/<name>.json when recording.
 */
export async function recordSnapshot(
  name: string,
  options: { kubeconfig: string; configFile: string; namespace: string },
): Promise<ClusterSnapshot> {
  const config = await loadConfig(options.configFile, true);
  const snapshot = await takeSnapshot(connect({ kubeconfig: options.kubeconfig }), {
    ...config,
    namespace: options.namespace,
  });
  if (RECORDING) {
    mkdirSync(FIXTURES_DIR, { recursive: true });
    // Formatted as the linter checks it (prettier), so that a recording lands as it is written.
    const file = join(FIXTURES_DIR, `${name}.json`);
    writeFileSync(
      file,
      await format(JSON.stringify(snapshot, null, 2), { ...(await resolveConfig(file)), filepath: file }),
    );
  }
  return snapshot;
}
