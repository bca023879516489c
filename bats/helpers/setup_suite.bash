# Run-wide fixtures: the loopback registry serving busybox:latest (docs/testing.md),
# started once per bats run unless the caller (scripts/test-all.sh) already did.
# bats/tests/setup_suite.bash sources this file.

setup_suite() {
  RDD_ROOT="${RDD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
  export RDD_ROOT
  if [[ ! -f "$RDD_ROOT/dist/bundle/main.js" ]]; then
    echo "setup_suite: $RDD_ROOT/dist/bundle/main.js is missing: run 'npm run build' first" >&2
    return 1
  fi
  if [[ -z "${RDD_TEST_REGISTRY:-}" ]]; then
    # fd 3 closed: bats waits for every holder of it, and the detached registry would be one.
    eval "$(node "$RDD_ROOT/scripts/offline-registry.mjs" start 3>&-)" || return 1
    export RDD_TEST_REGISTRY_OWNED=1
  fi
}

teardown_suite() {
  if [[ -n "${RDD_TEST_REGISTRY_OWNED:-}" ]]; then
    node "$RDD_ROOT/scripts/offline-registry.mjs" stop "$RDD_TEST_REGISTRY_DIR"
  fi
}
