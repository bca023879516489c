# How CI counts (scripts/lib/suite.sh), proven on planted test files: a
# number in the summary line must never hide a failure, a skip, or a test
# that did not run.
load '../helpers/common'

setup_file() {
  # shellcheck source=../../scripts/lib/suite.sh
  source "$RDD_ROOT/scripts/lib/suite.sh"
  export FIXTURES="$BATS_FILE_TMPDIR/fixtures"
  mkdir -p "$FIXTURES/vitest" "$FIXTURES/bats"
  echo 'export default { test: { include: ["*.test.mjs"] } };' >"$FIXTURES/vitest/vitest.config.mjs"
  cat >"$FIXTURES/vitest/leak.test.mjs" <<'EOF_'
import { expect, test } from 'vitest';
test('passes but leaks an unhandled rejection', () => {
  void Promise.reject(new Error('leaked by a passing test'));
  expect(1).toBe(1);
});
EOF_
  cat >"$FIXTURES/vitest/skip.test.mjs" <<'EOF_'
import { expect, test } from 'vitest';
test('passes', () => expect(1).toBe(1));
test.skip('is skipped', () => expect(1).toBe(2));
test.todo('is to do');
EOF_
  cat >"$FIXTURES/vitest/hang.test.mjs" <<'EOF_'
import { test } from 'vitest';
test('hangs', () => new Promise(() => setInterval(() => {}, 1000)), 600_000);
EOF_
  cat >"$FIXTURES/bats/skip.bats" <<'EOF_'
@test "is skipped" { skip "planted"; }
@test "passes" { true; }
EOF_
  # Projects over a test/ tree: both, one planted with no file, one whose glob matches nothing.
  mkdir -p "$FIXTURES/projects/test/unit" "$FIXTURES/projects/test/integration"
  for file in unit/a integration/b; do
    echo 'import { expect, test } from "vitest"; test("passes", () => expect(1).toBe(1));' >"$FIXTURES/projects/test/$file.test.mjs"
  done
  local unit='{ test: { name: "unit", include: ["test/unit/**/*.test.mjs"] } }'
  local integration='{ test: { name: "integration", include: ["test/integration/**/*.test.mjs"] } }'
  echo "export default { test: { projects: [$unit, $integration] } };" >"$FIXTURES/projects/both.config.mjs"
  echo "export default { test: { projects: [$unit, $integration, { test: { name: \"planted\", include: [\"test/planted/**/*.test.mjs\"] } }] } };" >"$FIXTURES/projects/planted.config.mjs"
  echo "export default { test: { projects: [$unit, { test: { name: \"integration\", include: [\"test/integ/**/*.test.mjs\"] } }] } };" >"$FIXTURES/projects/no-match.config.mjs"
  echo '# declares no test' >"$FIXTURES/bats/empty.bats"
  cat >"$FIXTURES/bats/setup-file-fails.bats" <<'EOF_'
setup_file() { false; }
@test "first" { true; }
@test "second" { true; }
@test "third" { true; }
EOF_
}

setup() {
  # shellcheck source=../../scripts/lib/suite.sh
  source "$RDD_ROOT/scripts/lib/suite.sh"
  OUT="$BATS_TEST_TMPDIR/out"
  mkdir -p "$OUT"
}

# vitest_fixture FILTER...: runs the planted vitest files matching FILTER.
vitest_fixture() {
  rdd_run_vitest "$OUT" "${VITEST_TIMEOUT:-120}" --root "$FIXTURES/vitest" --config "$FIXTURES/vitest/vitest.config.mjs" "$@"
}

@test "a passing vitest test that leaks an unhandled rejection is a failure" {
  run vitest_fixture leak
  assert_output --partial 'vitest exited 1 although no test failed'
  assert_equal "$(cat "$OUT/vitest.counts")" '1 1 0'
}

@test "a vitest run with no test is a failure, not an empty layer" {
  run vitest_fixture no-such-file
  assert_output --partial 'FAIL vitest ran no test'
  assert_equal "$(cat "$OUT/vitest.counts")" '0 1 0'
}

@test "skipped and todo vitest tests are counted apart, never as passed" {
  run vitest_fixture skip
  assert_equal "$(cat "$OUT/vitest.counts")" '1 0 2'
}

@test "a hung vitest run fails at its deadline with diagnostic reports" {
  VITEST_TIMEOUT=5 run vitest_fixture hang
  assert_output --partial 'vitest: deadline of 5s expired'
  assert_line --regexp "^vitest: diagnostic report: $OUT/vitest-reports/report\..*\.json$"
  assert_output --partial 'FAIL vitest exceeded its deadline'
  assert_equal "$(cat "$OUT/vitest.counts")" '0 1 0'
  # Nothing of the run survives its deadline.
  run pgrep -f -- "--root $FIXTURES/vitest"
  assert_failure
}

# projects_fixture CONFIG: every project of a planted config, checked against the disk.
projects_fixture() {
  rdd_run_vitest_projects "$OUT" 120 "$FIXTURES/projects" "$FIXTURES/projects/$1.config.mjs"
}

@test "a vitest run of every project that runs each of their files counts them, nothing more" {
  run projects_fixture both
  refute_output --partial 'FAIL'
  assert_equal "$(cat "$OUT/vitest.counts")" '2 0 0'
}

@test "a planted vitest project with no test file fails the run" {
  run projects_fixture planted
  assert_output --partial 'FAIL vitest project planted has no test file: its include globs match nothing'
  assert_equal "$(cat "$OUT/vitest.counts")" '2 1 0'
}

@test "a vitest project glob that matches nothing fails the run, and names the files left out" {
  run projects_fixture no-match
  assert_output --partial 'FAIL vitest project integration has no test file'
  assert_output --regexp 'FAIL [^ ]*test/integration/b\.test\.mjs is a test file that no vitest project runs'
  assert_equal "$(cat "$OUT/vitest.counts")" '1 2 0'
}

@test "a vitest config that cannot be read fails the run" {
  echo 'export default {' >"$BATS_TEST_TMPDIR/broken.config.mjs"
  run rdd_run_vitest_projects "$OUT" 120 "$FIXTURES/projects" "$BATS_TEST_TMPDIR/broken.config.mjs"
  assert_output --partial 'FAIL the vitest projects could not be listed'
  assert_output --partial 'FAIL vitest wrote no readable report'
  assert_equal "$(cat "$OUT/vitest.counts")" '0 2 0'
}

@test "a BATS file that declares no test is a failure, not an empty file" {
  run rdd_run_bats_file "$FIXTURES/bats/empty.bats" "$OUT" 0
  assert_output --partial 'FAIL the file declares no test'
  assert_equal "$(cat "$OUT/bats-empty.counts")" '0 1 0'
}

@test "a deleted BATS file fails the run, and so does one that is not listed" {
  mkdir -p "$BATS_TEST_TMPDIR/tests"
  touch "$BATS_TEST_TMPDIR/tests/kept.bats" "$BATS_TEST_TMPDIR/tests/new.bats"
  printf '# a comment\nkept.bats\ndeleted.bats\n' >"$BATS_TEST_TMPDIR/suite.list"
  run rdd_check_bats_files "$BATS_TEST_TMPDIR/suite.list" "$BATS_TEST_TMPDIR/tests" "$OUT"
  assert_line "FAILED: deleted.bats is listed in $BATS_TEST_TMPDIR/suite.list but missing from $BATS_TEST_TMPDIR/tests"
  assert_line "FAILED: new.bats is not listed in $BATS_TEST_TMPDIR/suite.list"
  refute_line --partial 'ok:'
  assert_equal "$(cat "$OUT/bats-files.counts")" '0 2 0'
}

@test "the real BATS files match bats/suite.list" {
  run rdd_check_bats_files "$RDD_ROOT/bats/suite.list" "$RDD_ROOT/bats/tests" "$OUT"
  assert_output "ok: $(find "$RDD_ROOT/bats/tests" -maxdepth 1 -name '*.bats' | wc -l) BATS files, each listed in $RDD_ROOT/bats/suite.list"
  assert_equal "$(cat "$OUT/bats-files.counts")" '0 0 0'
}

@test "bats exiting non-zero although every test passed is a failure: bats' own status counts, not tee's" {
  # A root whose wrapper prints a complete, passing TAP and then exits 3, as bats does when it crashes after its last test.
  local fake="$BATS_TEST_TMPDIR/root"
  mkdir -p "$fake/scripts"
  ln -s "$RDD_ROOT/node_modules" "$fake/node_modules"
  ln -s "$RDD_ROOT/scripts/lib" "$fake/scripts/lib"
  printf '#!/usr/bin/env bash\necho 1..1\necho "ok 1 passes"\nexit 3\n' >"$fake/scripts/bats-with-timeout.sh"
  chmod +x "$fake/scripts/bats-with-timeout.sh"
  echo '@test "passes" { true; }' >"$BATS_TEST_TMPDIR/one.bats"
  RDD_ROOT="$fake" run rdd_run_bats_file "$BATS_TEST_TMPDIR/one.bats" "$OUT" 0
  assert_line 'ok 1 passes'
  assert_output --partial 'FAIL bats exited 3 although no test failed'
  assert_equal "$(cat "$OUT/bats-one.counts")" '1 1 0'
}

@test "a skipped BATS test is counted apart, never as passed" {
  run rdd_run_bats_file "$FIXTURES/bats/skip.bats" "$OUT" 0
  assert_line 'ok 1 is skipped # skip planted'
  assert_equal "$(cat "$OUT/bats-skip.counts")" '1 0 1'
}

@test "a failing setup_file fails every test its file declared" {
  run rdd_run_bats_file "$FIXTURES/bats/setup-file-fails.bats" "$OUT" 0
  assert_line 'not ok 1 setup_file failed'
  assert_output --partial 'FAIL 2 of 3 declared tests never reported a result'
  assert_equal "$(cat "$OUT/bats-setup-file-fails.counts")" '0 3 0'
}

@test "gates fail the run without being counted as tests, and the counts stay the last line" {
  mkdir -p "$OUT/layer"
  echo '4 0 1' >"$OUT/layer/a.counts"
  echo '2 1 0' >"$OUT/layer/b.counts"
  touch "$OUT/.started"
  run bash -c '
    source "$RDD_ROOT/scripts/lib/suite.sh"
    rdd_gate "$1" lint false
    rdd_gate "$1" build true
    rdd_count vitest "$1/layer/a.counts"
    rdd_count "bats x" "$1/layer/b.counts"
    rdd_count "bats unreadable" "$1/layer/missing.counts"
    rdd_summary "$1" "$(date +%s)"' _ "$OUT"
  assert_failure
  assert_line "GATE FAILED: lint (full log: $OUT/lint.log)"
  assert_line 'GATE FAILED: lint'
  refute_line --partial 'GATE FAILED: build'
  assert_line 'failed: bats x (1)'
  assert_line 'failed: bats unreadable (1)'
  assert_equal "${lines[-1]}" '6 passed, 2 failed, 1 skipped'
}

@test "a failed gate alone still fails the run" {
  touch "$OUT/.started"
  run bash -c '
    source "$RDD_ROOT/scripts/lib/suite.sh"
    rdd_gate "$1" typecheck false
    echo "3 0 0" >"$1/v.counts"
    rdd_count vitest "$1/v.counts"
    rdd_summary "$1" "$(date +%s)"' _ "$OUT"
  assert_failure
  assert_line 'GATE FAILED: typecheck'
  assert_equal "${lines[-1]}" '3 passed, 0 failed, 0 skipped'
}
