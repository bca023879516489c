#!/usr/bin/env node
// Counts one vitest run for the suite summary.
//
//   node scripts/lib/vitest-summary.mjs REPORT.json EXIT_STATUS [PROJECTS.json]
//
// Prints "PASSED FAILED SKIPPED" on stdout and names every failure on stderr.
// The JSON report alone can say "success" while vitest exits 1 (an unhandled
// rejection leaked by a passing test), so vitest's exit status is counted too:
// a non-zero exit with no failed test in the report is one failure, as are a
// missing or unreadable report, a file that failed to load, and a run with no
// tests at all (a filter or config mistake must not make the layer vanish).
// With PROJECTS.json (scripts/lib/vitest-projects.mjs: what the config and
// the disk say should run), a whole run is also checked against it, one
// failure each: a project whose globs find no test file, a project file that
// did not run, a project that ran no test, a test file on disk that no
// project runs, and a PROJECTS.json that could not be read.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [reportPath, statusArg, projectsPath] = process.argv.slice(2);
const status = Number(statusArg);
if (!reportPath || statusArg === undefined || !Number.isInteger(status)) {
  process.stderr.write('usage: vitest-summary.mjs REPORT.json EXIT_STATUS [PROJECTS.json]\n');
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
if (projectsPath) checkProjects(report);
process.stdout.write(`${passed} ${failed} ${skipped}\n`);

/** The run (if it reported) against what its config and the disk say it should have run. */
function checkProjects(run) {
  let expected;
  try {
    expected = JSON.parse(readFileSync(projectsPath, 'utf8'));
  } catch (error) {
    fail(`the vitest projects could not be listed (${error.message})`);
    return;
  }
  if (!run) return;
  const ran = new Map(run.testResults.map((f) => [path.resolve(f.name), f.assertionResults.filter((a) => a.status === 'passed' || a.status === 'failed').length]));
  const rel = (f) => path.relative(process.cwd(), f);
  for (const [project, files] of Object.entries(expected.projects)) {
    if (files.length === 0) {
      fail(`vitest project ${project} has no test file: its include globs match nothing`);
      continue;
    }
    const notRun = files.filter((f) => !ran.has(f));
    if (notRun.length > 0) fail(`vitest project ${project}: ${notRun.length} of its ${files.length} test files did not run: ${notRun.map(rel).join(', ')}`);
    else if (files.every((f) => ran.get(f) === 0)) fail(`vitest project ${project} ran no test`);
  }
  for (const f of expected.unclaimed) fail(`${rel(f)} is a test file that no vitest project runs`);
}
