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
