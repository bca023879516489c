// StrykerJS over the modules whose mistakes cost users most, one module per
// run: RDD_MUTATION_MODULE names it (scripts/mutation.sh sets it). How to run
// it and the last scores: docs/testing.md#mutation-testing.
import { readFileSync } from 'node:fs';

/** The lines of FILE from the first line matching START to the first line after it that is exactly END: "file:from-to". */
function block(file, start, end) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const from = lines.findIndex((l) => start.test(l));
  const to = lines.findIndex((l, i) => i > from && l === end);
  if (from < 0 || to < 0) throw new Error(`stryker.config.mjs: no block ${start} … ${JSON.stringify(end)} in ${file}`);
  return `${file}:${from + 1}-${to + 1}`;
}

const MIRROR = 'src/engine/controllers/mirror';
const UNIT = 'test/unit/engine';
const API = 'test/integration/engine/apiserver';
/**
 * Module → the code mutated and the tests run against it. Authentication is
 * two blocks of the server plus the token parsing.
 */
export const MODULES = {
  store: {
    mutate: () => ['src/engine/apiserver/store/store.ts', 'src/engine/apiserver/store/watch-hub.ts'],
    // Lists and pages read the store's snapshots as the paging tests (and the API's own) read them; the store on a
    // full disk (a tmpfs: root) reaches its commit-failure paths.
    tests: [
      `${UNIT}/apiserver/store/*.test.ts`,
      `${UNIT}/apiserver/endpoints/paging*.test.ts`,
      `${API}/paging.test.ts`,
      'test/integration/faults/store-disk-full.test.ts',
    ],
  },
  paging: { mutate: () => ['src/engine/apiserver/endpoints/paging.ts'], tests: [`${UNIT}/apiserver/endpoints/paging*.test.ts`] },
  watch: {
    mutate: () => ['src/engine/apiserver/endpoints/handlers/watch.ts'],
    tests: [`${UNIT}/apiserver/endpoints/handlers/watch*.test.ts`, `${API}/watch*.test.ts`, `${API}/query-params.test.ts`, `${API}/local-client.test.ts`],
  },
  gc: { mutate: () => ['src/engine/apiserver/lifecycle/gc.ts'], tests: [`${API}/gc*.test.ts`] },
  deletion: {
    mutate: () => ['src/engine/apiserver/lifecycle/deletion.ts', 'src/engine/apiserver/endpoints/handlers/delete.ts'],
    tests: [`${API}/gc*.test.ts`, `${API}/lifecycle*.test.ts`],
  },
  admission: {
    mutate: () => ['src/engine/apiserver/admission/admit.ts'],
    tests: [
      `${API}/admission.*.test.ts`,
      `${API}/validation.test.ts`,
      `${API}/crud.test.ts`,
      `${API}/lifecycle.test.ts`,
      `${API}/query-params.test.ts`,
      `${API}/scale.test.ts`,
      `${API}/conformance.test.ts`,
    ],
  },
  'metadata-validation': {
    mutate: () => ['src/engine/apiserver/admission/metadata-validation.ts', 'src/engine/apiserver/admission/duplicate-fields.ts'],
    tests: [`${UNIT}/apiserver/admission/*.test.ts`, `${API}/validation.test.ts`],
  },
  selectors: { mutate: () => ['src/engine/apiserver/selectors/*.ts'], tests: [`${UNIT}/apiserver/selectors/*.test.ts`] },
  authentication: {
    mutate: () => [
      block('src/engine/apiserver/server.ts', /^function authorized\(/, '}'),
      block('src/engine/apiserver/server.ts', /server\.on\('upgrade'/, '  });'),
      block('src/engine/kube/passthrough.ts', /^export function bearerToken\(/, '}'),
    ],
    tests: [`${API}/authentication.test.ts`],
  },
  'work-queue': { mutate: () => ['src/engine/controllers/work-queue.ts'], tests: [`${UNIT}/controllers/work-queue*.test.ts`] },
  // The mirror handlers are proven against a real dockerd by integration tests, which a mutation run cannot
  // afford; these run their unit tests: the in-process API server and a plain-data Docker stand-in.
  'full-sync': { mutate: () => [`${MIRROR}/full-sync.ts`], tests: [`${UNIT}/controllers/mirror/*.test.ts`] },
  finalizers: { mutate: () => [`${MIRROR}/finalizers.ts`], tests: [`${UNIT}/controllers/mirror/*.test.ts`] },
  'spec-state': { mutate: () => [`${MIRROR}/spec-state.ts`], tests: [`${UNIT}/controllers/mirror/*.test.ts`] },
  'mirror-admission': { mutate: () => [`${MIRROR}/mirror-admission.ts`], tests: [`${UNIT}/controllers/mirror/*.test.ts`, `${UNIT}/kube/admission.test.ts`] },
};

const name = process.env.RDD_MUTATION_MODULE ?? '';
if (!(name in MODULES)) throw new Error(`RDD_MUTATION_MODULE must be one of: ${Object.keys(MODULES).join(' ')} (got ${JSON.stringify(name)})`);
const out = `.tmp/mutation/${name}`;
// Read by test/mutation/vitest.config.ts, in Stryker's test runner processes.
process.env.RDD_MUTATION_TESTS = MODULES[name].tests.join(',');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'test/mutation/vitest.config.ts', related: true },
  // The TypeScript checker drops mutants that do not compile (they would not ship). On a loaded
  // 2-core machine it is the bottleneck (it re-checks every dependent of the mutated file);
  // RDD_MUTATION_CHECKER=off runs without it: a mutant that does not compile then runs as plain
  // JavaScript, and is killed or survives on its behaviour.
  checkers: process.env.RDD_MUTATION_CHECKER === 'off' ? [] : ['typescript'],
  // The checker type-checks src/ only: the whole project (tests, benches) made it the bottleneck.
  tsconfigFile: 'tsconfig.build.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  mutate: MODULES[name].mutate(),
  // Mutants in module-level constants run every test; their tests are the unit ones that read them.
  ignoreStatic: true,
  // Two cores shared with other work.
  concurrency: Number(process.env.RDD_MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 5_000,
  timeoutFactor: 2.5,
  reporters: ['clear-text', 'json', 'progress'],
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  jsonReporter: { fileName: `${out}/mutation.json` },
  incremental: true,
  incrementalFile: `${out}/incremental.json`,
  // One sandbox folder per module, so two modules can run at once.
  tempDirName: `.tmp/stryker/${name}`,
  ignorePatterns: ['dist', '.tmp', 'docs', 'bats', 'bench', 'coverage', 'lima'],
  thresholds: { high: 90, low: 80, break: null },
};
