# Shared helpers for rdd's BATS suites. Load with: load '../helpers/common'
#
#   setup_file()    { rdd_isolate; use_offline_registry; }   # one instance per file
#   teardown_file() { rdd_cleanup; }
#
# rdd_isolate gives the file its own short HOME and RDD_INSTANCE=bats-<file>,
# so nothing touches the user's instances or Docker config. rdd_cleanup
# captures a support bundle first when a test of the file failed.

RDD_ROOT="${RDD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export RDD_ROOT
export RDD_ARTIFACTS_DIR="${RDD_ARTIFACTS_DIR:-$RDD_ROOT/.tmp/artifacts}"

load "$RDD_ROOT/node_modules/bats-support/load"
load "$RDD_ROOT/node_modules/bats-assert/load"
load "$RDD_ROOT/bats/helpers/processes"

# The built CLI (npm run build first).
rdd() {
  "$RDD_ROOT/bin/rdd" "$@"
}

# rdd_isolate [NAME]: short temp HOME, RDD_INSTANCE=bats-NAME (default: the file's name).
rdd_isolate() {
  local name="${1:-$(basename "${BATS_TEST_FILENAME:-bats}" .bats)}"
  name="$(printf '%s' "$name" | tr 'A-Z_. ' 'a-z---' | tr -cd 'a-z0-9-')"
  RDD_TEST_HOME="$(mktemp -d /tmp/rdd.XXXXXX)"
  export RDD_TEST_HOME
  export HOME="$RDD_TEST_HOME"
  export RDD_INSTANCE="bats-${name:0:27}"
  export DOCKER_CONFIG="$HOME/.docker"
  unset XDG_DATA_HOME RDD_LOGS_DIR DOCKER_HOST DOCKER_CONTEXT KUBECONFIG
  # Lets scripts/bats-with-timeout.sh capture and clean up this instance after a hang.
  if [[ -n "${RDD_RUN_INSTANCES_FILE:-}" ]]; then
    printf '%s\t%s\n' "$RDD_INSTANCE" "$HOME" >>"$RDD_RUN_INSTANCES_FILE"
  fi
}

# Paths of the isolated instance (docs/instances.md; pure, like src/engine/base/paths.ts).
rdd_short_dir() { printf '%s/.rd%s' "$HOME" "$RDD_INSTANCE"; }
rdd_service_dir() { printf '%s/.local/share/rancher-desktop-%s' "$HOME" "$RDD_INSTANCE"; }
rdd_log_dir() { printf '%s/logs' "$(rdd_service_dir)"; }

# docker aimed at this instance's engine socket.
rdd_docker() {
  docker --host "unix://$(rdd_short_dir)/docker.sock" "$@"
}

# True when a test of this file (or the current test, from teardown) failed.
rdd_test_failed() {
  if [[ -n "${BATS_TEST_NAME:-}" ]]; then
    [[ -z "${BATS_TEST_COMPLETED:-}" ]]
  else
    # bats-exec-file's own status, visible in teardown_file (bats 1.x).
    [[ "${bats_exec_file_status:-0}" != 0 ]]
  fi
}

# rdd_capture_bundle [LABEL]: writes a support bundle of this instance into
# $RDD_ARTIFACTS_DIR and prints its path as a TAP comment.
rdd_capture_bundle() {
  local label="${1:-$RDD_INSTANCE}" out
  mkdir -p "$RDD_ARTIFACTS_DIR"
  out="$RDD_ARTIFACTS_DIR/rdd-support-${label}-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
  if rdd support-bundle -o "$out" >/dev/null 2>&1; then
    printf '# support bundle: %s\n' "$out" >&3
  else
    printf '# support bundle for %s failed\n' "$RDD_INSTANCE" >&3
  fi
}

# rdd_cleanup: bundle on failure, svc delete, kill leftovers of this instance,
# remove mounts, the engine bridge and the temp HOME. Safe to call twice.
rdd_cleanup() {
  [[ -n "${RDD_TEST_HOME:-}" && -d "$RDD_TEST_HOME" ]] || return 0
  if rdd_test_failed; then rdd_capture_bundle; fi
  rdd svc delete >/dev/null 2>&1 || true
  rdd_kill_instance_processes "$RDD_INSTANCE" >/dev/null 2>&1 || true
  rdd_remove_leftovers "$RDD_TEST_HOME" "$(rdd_short_dir)"
  rm -rf "$RDD_TEST_HOME" 2>/dev/null || true
}

# use_offline_registry: engine daemon.json with a registry mirror serving
# busybox:latest (started once per run by setup_suite.bash or the wrapper).
use_offline_registry() {
  if [[ -z "${RDD_TEST_REGISTRY:-}" ]]; then
    fail "RDD_TEST_REGISTRY is not set: run through bats/tests (setup_suite.bash starts it) or: eval \"\$(node scripts/offline-registry.mjs start)\""
    return 1
  fi
  mkdir -p "$(rdd_short_dir)"
  printf '{"registry-mirrors":["http://%s"]}\n' "$RDD_TEST_REGISTRY" >"$(rdd_short_dir)/daemon.json"
}

# wait_until TIMEOUT_S CMD...: polls CMD until it succeeds or the deadline passes.
wait_until() {
  local timeout="$1" deadline
  shift
  deadline=$((SECONDS + timeout))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      printf 'wait_until: "%s" still failing after %ss\n' "$*" "$timeout" >&2
      return 1
    fi
    sleep 0.2
  done
}
