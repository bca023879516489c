#!/usr/bin/env bash
# The whole suite, as CI runs it (.ci/run calls this):
#   deps → lint → typecheck → build → vitest (unit + integration) → every BATS file
# through scripts/bats-with-timeout.sh. Prints `N passed, N failed` as its last
# line and exits non-zero when anything failed. Needs root (native dockerd).
#
#   scripts/test-all.sh                 everything
#   RDD_BATS_TIMEOUT=600                per-file BATS deadline in seconds (0 = none)
#   RDD_SKIP_DEPS=1                     do not touch apt/npm
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
export RDD_ROOT="$ROOT"
export RDD_ARTIFACTS_DIR="${RDD_ARTIFACTS_DIR:-$ROOT/.tmp/artifacts}"
results="$ROOT/.tmp/test-results"
rm -rf "$results"
mkdir -p "$results" "$RDD_ARTIFACTS_DIR"
run_started="$(date +%s)"
touch "$results/.started"

passed=0
failed=0
failures=()

section() { printf '\n=== %s (%ss)\n' "$*" "$(($(date +%s) - run_started))"; }
pass() { passed=$((passed + ${2:-1})); }
fail() {
  failed=$((failed + ${2:-1}))
  failures+=("$1")
}

# step NAME CMD...: one pass/fail unit with its output kept in the results dir.
step() {
  local name="$1"
  shift
  section "$name"
  if "$@" >"$results/$name.log" 2>&1; then
    pass "$name"
    echo "ok: $name"
  else
    fail "$name"
    tail -n 40 "$results/$name.log"
    echo "FAILED: $name (full log: $results/$name.log)"
  fi
}

if [[ -z "${RDD_SKIP_DEPS:-}" ]]; then
  # shellcheck source=lib/deps.sh
  source "$ROOT/scripts/lib/deps.sh"
  step deps rdd_install_deps "$ROOT"
fi
step lint npm run --silent lint
step typecheck npm run --silent typecheck
step build npm run --silent build

section vitest
vitest_json="$results/vitest.json"
NO_COLOR=1 npx vitest run --reporter=default --reporter=json --outputFile.json="$vitest_json" </dev/null >"$results/vitest.log" 2>&1
# Failed tests are named on stderr; the counts come back on stdout.
if [[ -s "$vitest_json" ]] && read -r vp vf < <(node scripts/lib/vitest-summary.mjs "$vitest_json"); then
  pass vitest "$vp"
  ((vf == 0)) || fail "vitest ($vf)" "$vf"
  echo "vitest: $vp passed, $vf failed"
else
  fail "vitest (no report: see $results/vitest.log)"
fi

section bats
if [[ -z "${RDD_TEST_REGISTRY:-}" ]]; then
  if eval "$(node "$ROOT/scripts/offline-registry.mjs" start)"; then
    trap 'node "$ROOT/scripts/offline-registry.mjs" stop "$RDD_TEST_REGISTRY_DIR"' EXIT
  else
    fail "offline registry"
  fi
fi
for file in "$ROOT"/bats/tests/*.bats; do
  [[ -e "$file" ]] || continue
  name="$(basename "$file" .bats)"
  section "bats $name"
  tap="$results/bats-$name.tap"
  scripts/bats-with-timeout.sh "${RDD_BATS_TIMEOUT:-600}" "$file" </dev/null 2>"$results/bats-$name.stderr" | tee "$tap"
  code="${PIPESTATUS[0]}"
  ok="$(grep -cE '^ok ' "$tap")"
  not_ok="$(grep -cE '^not ok ' "$tap")"
  pass "bats $name" "$ok"
  ((not_ok == 0)) || fail "bats $name ($not_ok)" "$not_ok"
  # A file that died without reporting a failed test (syntax error, crashed setup) still counts.
  if ((code != 0 && not_ok == 0)); then fail "bats $name (exit $code)"; fi
  if ((code != 0)) && [[ -s "$results/bats-$name.stderr" ]]; then tail -n 20 "$results/bats-$name.stderr"; fi
done

section summary
if ((failed > 0)); then
  printf 'failed: %s\n' "${failures[@]}"
  echo "logs: $results"
  while IFS= read -r bundle; do echo "support bundle: $bundle"; done < <(find "$RDD_ARTIFACTS_DIR" -maxdepth 1 -name 'rdd-support-*.tar.gz' -newer "$results/.started" 2>/dev/null)
fi
echo "took $(($(date +%s) - run_started))s"
echo "$passed passed, $failed failed"
((failed == 0))
