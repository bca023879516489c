import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The tests StrykerJS runs against a module's mutants (stryker.config.mjs):
// RDD_MUTATION_TESTS, comma-separated globs, the module's own tests. Unit
// tests where they cover the module; the in-process API server tests where
// only they do. Never a test that starts a dockerd: an engine per mutant
// would take hours on two cores.
const include = (process.env.RDD_MUTATION_TESTS ?? '').split(',').filter(Boolean);
if (include.length === 0) throw new Error('test/mutation/vitest.config.ts: RDD_MUTATION_TESTS names no test (stryker.config.mjs sets it)');

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
