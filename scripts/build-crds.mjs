#!/usr/bin/env node
// Converts the CRD manifests in templates/crds (YAML, as people write and
// review them) to one JSON array, dist/crds/crds.json, for the built daemon
// and CLI (src/engine/base/assets.ts crdDir): parsing them as YAML took ~0.2–0.4 s
// of every cold daemon start, JSON takes well under 1 ms
// (docs/performance.md, "Cold and warm start"). `npm run build` runs this
// after tsc, whose reader (dist/engine/kube/crd-files.js) it uses.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCrdFiles } from '../dist/engine/kube/crd-files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const to = path.join(root, 'dist', 'crds');
mkdirSync(to, { recursive: true });
writeFileSync(path.join(to, 'crds.json'), JSON.stringify(readCrdFiles(path.join(root, 'templates', 'crds'))));
