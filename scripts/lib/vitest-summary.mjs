#!/usr/bin/env node
// Reads vitest's JSON report: names each failed test on stderr, prints "PASSED FAILED" on stdout.
// A file that failed to load has no test results but still counts as one failure.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let failed = 0;
for (const file of report.testResults) {
  const name = path.relative(process.cwd(), file.name);
  const failures = file.assertionResults.filter((a) => a.status === 'failed');
  for (const a of failures) process.stderr.write(`FAIL ${name} > ${a.fullName}\n`);
  failed += failures.length;
  if (file.status === 'failed' && failures.length === 0) {
    process.stderr.write(`FAIL ${name}: ${(file.message ?? '').split('\n')[0]}\n`);
    failed += 1;
  }
}
process.stdout.write(`${report.numPassedTests} ${failed}\n`);
