#!/usr/bin/env node
// The CLI bundle bin/rdd runs (`npm run build` calls this after tsc), in
// dist/bundle/ (docs/performance.md, "CLI"):
//
//   launch.cjs  src/launch.ts as CommonJS, which Node starts sooner than an ES
//               module: answers `rdd version`, imports main.js for the rest;
//   main.js     src/main.ts and the dependencies it reaches, as ES modules with
//               the lazily imported parts (the daemon, the drivers, support
//               bundles) in chunks of their own. The daemon runs from it too
//               (src/engine/service/spawn-daemon.ts).
//
// Node then reads a handful of files per command instead of dozens. The tsc
// output in dist/ stays: BATS helpers and scripts/instance-processes.mjs
// import single modules from it.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const common = {
  absWorkingDir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};

// src/engine/base/assets.ts finds templates/ and package.json by looking upwards
// from its own module URL, so the bundle's depth need not match dist/engine/base/.
await build({
  ...common,
  entryPoints: ['src/main.ts'],
  outdir: 'dist/bundle',
  splitting: true,
  format: 'esm',
  // Native addons cannot be bundled: better-sqlite3, and dockerode through ssh2 and cpu-features.
  external: ['better-sqlite3', 'dockerode'],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __rddCreateRequire } from 'node:module'; const require = __rddCreateRequire(import.meta.url);" },
});

await build({
  ...common,
  entryPoints: ['src/launch.ts'],
  outfile: 'dist/bundle/launch.cjs',
  format: 'cjs',
  // The ES module bundle above, loaded at run time.
  external: ['./main.js'],
  // CommonJS has no import.meta: the module URL comes from __filename.
  define: { 'import.meta.url': '__rddModuleUrl' },
  banner: { js: "const __rddModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
