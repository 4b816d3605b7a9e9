import { defineConfig } from 'vitest/config';

/** End-to-end tests on the single-node cluster of test/e2e/cluster: one file at a time, long waits. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 20 * 60_000,
    hookTimeout: 45 * 60_000,
  },
});
