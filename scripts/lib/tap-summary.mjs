#!/usr/bin/env node
// Counts one BATS file's TAP output for the suite summary.
//
//   node scripts/lib/tap-summary.mjs OUTPUT.tap DECLARED EXIT_STATUS
//
// DECLARED is what `bats --count` said the file holds. Prints "PASSED FAILED
// SKIPPED" on stdout and names every failure on stderr. `ok N ... # skip` is
// skipped, never passed. Declared tests that never reported (a failed
// setup_file reports one failure and drops the rest) count as failed, and so
// does a non-zero exit with no failure in the TAP (a crash after the last test),
// and a file that declares no test at all.
import { readFileSync } from 'node:fs';

const [tapPath, declaredArg, statusArg] = process.argv.slice(2);
const declared = Number(declaredArg);
const status = Number(statusArg);
if (!tapPath || !Number.isInteger(declared) || statusArg === undefined || !Number.isInteger(status)) {
  process.stderr.write('usage: tap-summary.mjs OUTPUT.tap DECLARED EXIT_STATUS\n');
  process.exit(2);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const fail = (why, n = 1) => {
  process.stderr.write(`FAIL ${why}\n`);
  failed += n;
};

let tap = '';
try {
  tap = readFileSync(tapPath, 'utf8');
} catch (error) {
  fail(`no TAP output (${error.message})`);
}
for (const line of tap.split('\n')) {
  if (/^ok /.test(line)) {
    if (/ # skip\b/i.test(line)) skipped += 1;
    else passed += 1;
  } else if (/^not ok /.test(line)) fail(line.slice('not ok '.length));
}
if (declared === 0 && passed + failed + skipped === 0) fail('the file declares no test');
const missing = declared - (passed + failed + skipped);
if (missing > 0) fail(`${missing} of ${declared} declared tests never reported a result`, missing);
if (status !== 0 && failed === 0) fail(`bats exited ${status} although no test failed`);
process.stdout.write(`${passed} ${failed} ${skipped}\n`);
