#!/usr/bin/env node
// The summary of StrykerJS runs, as docs/mutation.md records it: the score
// per module and every mutant that survived or ran no test.
//
//   node scripts/lib/mutation-summary.mjs .tmp/mutation/MODULE...
//
// Reads each MODULE/mutation.json (Stryker's JSON report). The score is
// Stryker's: detected (killed + timed out) over valid mutants; mutants that
// do not compile are not valid, mutants a `Stryker disable` comment ignores
// are listed apart with the comment's reason.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  process.stderr.write('usage: mutation-summary.mjs .tmp/mutation/MODULE...\n');
  process.exit(2);
}
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const rows = ['| module | mutants | killed | timed out | survived | no coverage | ignored | score |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
const details = [];
let missing = 0;
for (const dir of dirs) {
  const module = path.basename(dir);
  const file = path.join(dir, 'mutation.json');
  if (!existsSync(file)) {
    rows.push(`| ${module} | not run | | | | | | |`);
    missing += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const n = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0 };
  const listed = [];
  for (const [name, { source, mutants }] of Object.entries(report.files)) {
    const lines = source.split('\n');
    for (const m of mutants) {
      if (m.status in n) n[m.status] += 1;
      if (!UNDETECTED.has(m.status) && m.status !== 'Ignored') continue;
      const at = `${name}:${m.location.start.line}`;
      const original = lines[m.location.start.line - 1].trim();
      const why = m.status === 'Ignored' ? ` — ${m.statusReason ?? 'no reason given'}` : '';
      listed.push(`- ${m.status}: \`${at}\` ${m.mutatorName} → \`${(m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80)}\` in \`${original.slice(0, 100)}\`${why}`);
    }
  }
  const valid = n.Killed + n.Timeout + n.Survived + n.NoCoverage;
  const detected = [...DETECTED].reduce((sum, s) => sum + n[s], 0);
  const score = valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)} %`;
  rows.push(`| ${module} | ${valid} | ${n.Killed} | ${n.Timeout} | ${n.Survived} | ${n.NoCoverage} | ${n.Ignored} | ${score} |`);
  if (listed.length) details.push(`\n### ${module}\n`, ...listed);
}
process.stdout.write(`${rows.join('\n')}\n${details.join('\n')}\n`);
process.exit(missing > 0 ? 1 : 0);
