#!/usr/bin/env node
// What a vitest run should run, from the config and from the disk, for
// scripts/lib/vitest-summary.mjs to check the run against.
//
//   node scripts/lib/vitest-projects.mjs ROOT CONFIG > projects.json
//
// Prints {"projects": {NAME: [test file...]}, "unclaimed": [test file...]}:
// each project's test files as its own globs find them, and the test files
// on disk (ROOT/test/**/*.test.{ts,mjs,js}) that no project's globs find.
// Paths are absolute.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createVitest } from 'vitest/node';

const [rootArg, config] = process.argv.slice(2);
if (!rootArg || !config) {
  process.stderr.write('usage: vitest-projects.mjs ROOT CONFIG\n');
  process.exit(2);
}
const root = path.resolve(rootArg);

function* onDisk(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') yield* onDisk(full);
    else if (/\.test\.(ts|mjs|js)$/.test(entry.name)) yield full;
  }
}

const vitest = await createVitest('test', { root, config: path.resolve(config), watch: false });
const projects = {};
try {
  for (const project of vitest.projects) {
    const { testFiles } = await project.globTestFiles();
    projects[project.name || 'default'] = testFiles.map((f) => path.resolve(f)).sort();
  }
} finally {
  await vitest.close();
}
const claimed = new Set(Object.values(projects).flat());
const unclaimed = [...onDisk(path.join(root, 'test'))].filter((f) => !claimed.has(f)).sort();
process.stdout.write(`${JSON.stringify({ projects, unclaimed })}\n`);
