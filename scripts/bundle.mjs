#!/usr/bin/env node
// The CLI bundle bin/rdd runs (`npm run build` calls this after tsc): src/main.ts
// and the dependencies it reaches in one ESM file, dist/bundle/main.js, plus the
// chunks of what it imports lazily (the daemon, the drivers, support bundles).
// Node then reads one file per step instead of dozens (docs/performance.md#cli).
// The tsc output in dist/ stays: the daemon (`svc serve`), the bridge and
// scripts run from it.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
  absWorkingDir: root,
  entryPoints: ['src/main.ts'],
  // Two levels below the root, like dist/base/assets.js: src/base/assets.ts finds
  // templates/ and package.json from import.meta.url.
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native addons cannot be bundled: better-sqlite3, and dockerode through ssh2 and cpu-features.
  external: ['better-sqlite3', 'dockerode'],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __rddCreateRequire } from 'node:module'; const require = __rddCreateRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
});
