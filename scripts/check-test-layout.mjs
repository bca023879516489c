#!/usr/bin/env node
// Unit tests mirror src/: test/unit/X/Y.test.ts tests src/X/Y.ts, and
// test/unit/X/Y.<aspect>.test.ts one aspect of it (docs/architecture.md).
// Fails, naming each, when a unit test names no source file that exists —
// a test left behind by a move, or one filed under the wrong folder.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const unitDir = path.join(root, 'test', 'unit');

function* testFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* testFiles(full);
    else if (entry.name.endsWith('.test.ts')) yield full;
  }
}

/** The source files a unit test's name may stand for: Y.test.ts → Y.ts; Y.aspect.test.ts → Y.aspect.ts or Y.ts. */
function sourceCandidates(relTest) {
  const stem = relTest.replace(/\.test\.ts$/, '');
  const candidates = [`${stem}.ts`];
  const dot = path.basename(stem).indexOf('.');
  if (dot > 0) candidates.push(path.join(path.dirname(stem), `${path.basename(stem).slice(0, dot)}.ts`));
  return candidates.map((c) => path.join('src', c));
}

const orphans = [];
for (const file of testFiles(unitDir)) {
  const rel = path.relative(unitDir, file);
  if (!sourceCandidates(rel).some((c) => existsSync(path.join(root, c)))) orphans.push(rel);
}
if (orphans.length > 0) {
  for (const rel of orphans) console.error(`test/unit/${rel}: names no source file (expected ${sourceCandidates(rel).join(' or ')})`);
  process.exit(1);
}
