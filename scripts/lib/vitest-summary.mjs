#!/usr/bin/env node
// Counts one vitest run for the suite summary.
//
//   node scripts/lib/vitest-summary.mjs REPORT.json EXIT_STATUS
//
// Prints "PASSED FAILED SKIPPED" on stdout and names every failure on stderr.
// The JSON report alone can say "success" while vitest exits 1 (an unhandled
// rejection leaked by a passing test), so vitest's exit status is counted too:
// a non-zero exit with no failed test in the report is one failure, as are a
// missing or unreadable report, a file that failed to load, and a run with no
// tests at all (a filter or config mistake must not make the layer vanish).
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [reportPath, statusArg] = process.argv.slice(2);
const status = Number(statusArg);
if (!reportPath || statusArg === undefined || !Number.isInteger(status)) {
  process.stderr.write('usage: vitest-summary.mjs REPORT.json EXIT_STATUS\n');
  process.exit(2);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const fail = (why) => {
  process.stderr.write(`FAIL ${why}\n`);
  failed += 1;
};

let report;
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch (error) {
  if (status === 124) fail('vitest exceeded its deadline and wrote no report');
  else fail(`vitest wrote no readable report (${error.message})`);
}
if (report) {
  for (const file of report.testResults) {
    const name = path.relative(process.cwd(), file.name);
    for (const a of file.assertionResults) {
      if (a.status === 'passed') passed += 1;
      else if (a.status === 'failed') fail(`${name} > ${a.fullName}`);
      else skipped += 1; // skipped, pending, todo: not run, so never passed
    }
    if (file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed')) {
      fail(`${name}: ${(file.message ?? '').split('\n')[0]}`);
    }
  }
  if (passed + failed === 0) fail('vitest ran no test');
  if (status === 124) fail('vitest exceeded its deadline');
  else if (status !== 0 && failed === 0) {
    fail(`vitest exited ${status} although no test failed: an unhandled error (see its log)`);
  }
}
process.stdout.write(`${passed} ${failed} ${skipped}\n`);
