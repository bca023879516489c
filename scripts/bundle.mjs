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
// import single modules from it. The package (`npm pack`) ships the bundle
// only: its one run-time dependency to install is better-sqlite3 (and yaml,
// for RDD_EXTRA_CRD_DIR's YAML manifests); everything else is in here.
//
// Both get the build's version and commit (src/engine/base/build-info.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { UNUSED_TRANSPORTS } from '../dist/engine/vm/dockerode.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The commit of `root` when it is the top of a git checkout, `-dirty` with uncommitted changes; else `unknown`. */
function commitOf(dir) {
  const git = (...args) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    // A package unpacked inside someone else's checkout is not built from that checkout's commit.
    if (path.resolve(git('rev-parse', '--show-toplevel')) !== dir) return 'unknown';
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return git('rev-parse', '--short=12', 'HEAD') + (dirty ? '-dirty' : '');
  } catch {
    return 'unknown'; // no git, or not a checkout (a tarball's sources)
  }
}

const buildInfo = { version: JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version, commit: commitOf(root) };

/** dockerode's unused transports (src/engine/vm/dockerode.ts) built in as stand-ins that throw when used. */
const leaveOutUnusedTransports = {
  name: 'leave-out-unused-transports',
  setup(b) {
    const ids = new RegExp(`^(${UNUSED_TRANSPORTS.map((id) => id.replace(/[/.]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter: ids }, (args) => ({ path: args.path, namespace: 'unused-module' }));
    b.onLoad({ filter: /.*/, namespace: 'unused-module' }, (args) => ({
      contents: `module.exports = require('./src/engine/vm/unused-module.ts').unusedModule(${JSON.stringify(args.path)});`,
      resolveDir: root,
      loader: 'js',
    }));
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  define: { RDD_BUILD: JSON.stringify(buildInfo) },
};

// src/engine/base/assets.ts finds templates/ and package.json by looking upwards
// from its own module URL, so the bundle's depth need not match dist/engine/base/.
await build({
  ...common,
  entryPoints: ['src/main.ts'],
  outdir: 'dist/bundle',
  splitting: true,
  format: 'esm',
  // A native addon cannot be bundled.
  external: ['better-sqlite3'],
  plugins: [leaveOutUnusedTransports],
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
  define: { ...common.define, 'import.meta.url': '__rddModuleUrl' },
  banner: { js: "const __rddModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
