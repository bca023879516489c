#!/usr/bin/env node
// Where a .cpuprofile's self time went: top functions, and totals per package
// or source directory. Usage: node scripts/profile-summary.mjs FILE [TOP]
import { readFileSync } from 'node:fs';

const [file, top = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/profile-summary.mjs FILE.cpuprofile [TOP]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const place = (url) => {
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  const s = url.match(/\/(src|bench|test)\/(.*)\/[^/]+$/) ?? url.match(/\/(src|bench|test)\/()[^/]+$/);
  if (s) return `${s[1]}/${s[2]}`;
  return url.startsWith('node:') ? 'node:' + url.slice(5).split('/')[0] : url || '(native)';
};
const fns = new Map();
const areas = new Map();
for (const [id, us] of selfUs) {
  const { callFrame } = byId.get(id);
  const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.split('/').slice(-2).join('/')}:${callFrame.lineNumber + 1}`;
  fns.set(name, (fns.get(name) ?? 0) + us);
  const area = place(callFrame.url);
  areas.set(area, (areas.get(area) ?? 0) + us);
}
const show = (title, map, n) => {
  console.log(`${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
  }
};
show('by area', areas, 20);
console.log();
show('by function', fns, Number(top));
