#!/usr/bin/env node
// Converts the CRD manifests in templates/crds (YAML, as people write and
// review them) to dist/crds/<name>.json, one array of documents per file, for
// the built daemon and CLI (src/base/assets.ts crdDir): parsing them as YAML
// took ~0.2–0.4 s of every cold daemon start, JSON takes well under 1 ms
// (docs/performance.md, "Cold and warm start"). `npm run build` runs this.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const from = path.join(root, 'templates', 'crds');
const to = path.join(root, 'dist', 'crds');
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from).filter((n) => /\.ya?ml$/.test(n))) {
  const file = path.join(from, name);
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`, { cause: doc.errors[0] });
    return doc.toJS();
  });
  writeFileSync(path.join(to, name.replace(/\.ya?ml$/, '.json')), JSON.stringify(docs));
}
