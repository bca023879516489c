#!/usr/bin/env bash
# The whole suite, as CI runs it (.ci/run calls this):
#   gates: deps → lint → typecheck → build (pass/fail, never counted as tests)
#   tests: vitest (unit + integration; every project must run every test file it
#          has, and every test file on disk must belong to a project) → every BATS
#          file through scripts/bats-with-timeout.sh (bats/suite.list must name each)
# Prints `N passed, N failed, N skipped` (tests only) as its last line and exits
# non-zero when a test or a gate failed. Needs root (native dockerd).
# How each layer is counted: scripts/lib/suite.sh.
#
#   scripts/test-all.sh                 everything
#   RDD_VITEST_TIMEOUT=2100             vitest deadline in seconds (0 = none); a cold cache
#                                       of the real-guest test adds a debootstrap (minutes)
#   RDD_BATS_TIMEOUT=600                per-file BATS deadline in seconds (0 = none)
#   RDD_SKIP_DEPS=1                     do not touch apt/npm
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
export RDD_ROOT="$ROOT"
export RDD_ARTIFACTS_DIR="${RDD_ARTIFACTS_DIR:-$ROOT/.tmp/artifacts}"
# shellcheck source=lib/suite.sh
source "$ROOT/scripts/lib/suite.sh"
results="$ROOT/.tmp/test-results"
rm -rf "$results"
mkdir -p "$results" "$RDD_ARTIFACTS_DIR"
run_started="$(date +%s)"
touch "$results/.started"

section() { printf '\n=== %s (%ss)\n' "$*" "$(($(date +%s) - run_started))"; }

if [[ -z "${RDD_SKIP_DEPS:-}" ]]; then
  # shellcheck source=lib/deps.sh
  source "$ROOT/scripts/lib/deps.sh"
  section deps
  rdd_gate "$results" deps rdd_install_test_deps "$ROOT"
fi
section lint
rdd_gate "$results" lint npm run --silent lint
section typecheck
rdd_gate "$results" typecheck npm run --silent typecheck
section build
rdd_gate "$results" build npm run --silent build

section vitest
rdd_run_vitest_projects "$results" "${RDD_VITEST_TIMEOUT:-2100}" "$ROOT" "$ROOT/vitest.config.ts"
rdd_count vitest "$results/vitest.counts"

section bats
if [[ -z "${RDD_TEST_REGISTRY:-}" ]]; then
  if eval "$(node "$ROOT/scripts/offline-registry.mjs" start)"; then
    trap 'node "$ROOT/scripts/offline-registry.mjs" stop "$RDD_TEST_REGISTRY_DIR"' EXIT
  else
    RDD_FAILED_GATES+=("offline registry")
  fi
fi
rdd_check_bats_files "$ROOT/bats/suite.list" "$ROOT/bats/tests" "$results"
rdd_count "bats files" "$results/bats-files.counts"
for file in "$ROOT"/bats/tests/*.bats; do
  [[ -e "$file" ]] || continue
  name="$(basename "$file" .bats)"
  section "bats $name"
  rdd_run_bats_file "$file" "$results" "${RDD_BATS_TIMEOUT:-600}"
  rdd_count "bats $name" "$results/bats-$name.counts"
done
# Stopped here rather than on EXIT, so nothing can print after the summary line.
if [[ -n "${RDD_TEST_REGISTRY_DIR:-}" ]] && trap -p EXIT | grep -q offline-registry; then
  node "$ROOT/scripts/offline-registry.mjs" stop "$RDD_TEST_REGISTRY_DIR"
  trap - EXIT
fi

section summary
rdd_summary "$results" "$run_started"
