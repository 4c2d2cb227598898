import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration suites share one Docker engine and a 2-core machine: run files one after another.
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: '.swe-forge/test-results/vitest.json' },
  },
});
