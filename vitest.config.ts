import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Integration suites share one dockerd per file and bind real ports;
          // running files in parallel on 2 cores makes them slower, not faster.
          fileParallelism: false,
        },
      },
    ],
  },
});
