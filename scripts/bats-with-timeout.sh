#!/usr/bin/env bash
# Runs BATS targets under a deadline (docs/testing.md).
#
#   scripts/bats-with-timeout.sh TIMEOUT_SECONDS TARGET...    (0 = no deadline)
#
# TAP goes to stdout. On timeout or failure, for every instance the run used
# (recorded by rdd_isolate in $RDD_RUN_INSTANCES_FILE, plus $RDD_INSTANCE):
#   1. `rdd support-bundle` into $RDD_ARTIFACTS_DIR (default .tmp/artifacts),
#   2. SIGUSR2 to its Node processes for diagnostic reports (copied beside it),
#   3. kills its leaked processes, matched on anchored markers only, by PID
#      (docs/design-rules.md#anchored-process-markers).
# A timeout of 0 disables the deadline, not the capture and cleanup
# (docs/design-rules.md#timeout-zero-keeps-capture).
# Exit status: bats' status, or 124 when the deadline expired.
set -uo pipefail

if (($# < 2)) || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 TIMEOUT_SECONDS TARGET..." >&2
  exit 2
fi
timeout_s="$1"
shift

RDD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export RDD_ROOT
export RDD_ARTIFACTS_DIR="${RDD_ARTIFACTS_DIR:-$RDD_ROOT/.tmp/artifacts}"
# shellcheck source=../bats/helpers/processes.bash
source "$RDD_ROOT/bats/helpers/processes.bash"
mkdir -p "$RDD_ARTIFACTS_DIR"

work="$(mktemp -d /tmp/rdd-bwt.XXXXXX)"
export RDD_RUN_INSTANCES_FILE="$work/instances"
: >"$RDD_RUN_INSTANCES_FILE"
# The caller's own instance is captured and its processes cleaned up, but its HOME is not ours to delete.
if [[ -n "${RDD_INSTANCE:-}" ]]; then printf '%s\t%s\texternal\n' "$RDD_INSTANCE" "$HOME" >>"$RDD_RUN_INSTANCES_FILE"; fi

log() { printf '# bats-with-timeout: %s\n' "$*"; }

# Its own process group, so a timeout can stop the whole bats tree by its PID.
set -m
"$RDD_ROOT/node_modules/bats/bin/bats" --tap "$@" &
bats_pid=$!
set +m

deadline=$((SECONDS + timeout_s))
timed_out=0
while kill -0 "$bats_pid" 2>/dev/null; do
  if ((timeout_s > 0 && SECONDS >= deadline)); then
    timed_out=1
    break
  fi
  sleep 0.5
done

# capture INSTANCE HOME: bundle + diagnostic reports into the artifacts dir.
capture() {
  local instance="$1" home="$2" stamp out service_dir log_dir pids report
  service_dir="$home/.local/share/rancher-desktop-$instance"
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  out="$RDD_ARTIFACTS_DIR/rdd-support-$instance-$stamp.tar.gz"
  if [[ -d "$home" ]]; then
    if HOME="$home" RDD_INSTANCE="$instance" timeout 180 "$RDD_ROOT/bin/rdd" support-bundle -o "$out" >/dev/null; then
      log "support bundle for $instance: $out"
    else
      log "support bundle for $instance failed"
    fi
  else
    log "$home is gone: $instance was cleaned up by its test (rdd_cleanup bundles failures into $RDD_ARTIFACTS_DIR)"
  fi
  log_dir="$service_dir/logs"
  touch "$work/before-report"
  pids="$(rdd_instance_processes report "$instance" | tr '\n' ' ')"
  [[ -n "$pids" ]] || return 0
  log "asked $instance's Node processes for diagnostic reports: $pids"
  local waited=0 count=0
  while ((waited < 100)); do
    count="$(find "$log_dir" -maxdepth 1 -name 'report*.json' -newer "$work/before-report" 2>/dev/null | wc -l)"
    ((count >= $(wc -w <<<"$pids"))) && break
    sleep 0.1
    waited=$((waited + 1))
  done
  while IFS= read -r report; do
    cp "$report" "$RDD_ARTIFACTS_DIR/$instance-$stamp-$(basename "$report")"
    log "diagnostic report: $RDD_ARTIFACTS_DIR/$instance-$stamp-$(basename "$report")"
  done < <(find "$log_dir" -maxdepth 1 -name 'report*.json' -newer "$work/before-report" 2>/dev/null)
}

# cleanup INSTANCE HOME [external]: kill what is left of the instance, then its mounts, bridge and temp HOME.
cleanup() {
  local instance="$1" home="$2" external="${3:-}" killed
  killed="$(rdd_kill_instance_processes "$instance" | tr '\n' ' ')"
  [[ -z "$killed" ]] || log "killed leaked processes of $instance: $killed"
  [[ -z "$external" ]] || return 0
  rdd_remove_leftovers "$home" "$home/.rd$instance"
  # Only the short temp HOMEs that rdd_isolate makes are ours to delete.
  if [[ "$home" == /tmp/rdd.* && -d "$home" ]]; then rm -rf "$home" 2>/dev/null || true; fi
}

status=0
if ((timed_out)); then
  # Freeze the tests first: a teardown racing the capture would kill it (it
  # matches the same instance). Detached daemons and engines keep running.
  kill -STOP -- "-$bats_pid" 2>/dev/null
  log "deadline of ${timeout_s}s expired for: $*"
  printf 'not ok - timeout: %s exceeded %ss\n' "$*" "$timeout_s"
  status=124
else
  wait "$bats_pid"
  status=$?
fi

sort -u "$RDD_RUN_INSTANCES_FILE" >"$work/unique"
if ((status != 0)); then
  while IFS=$'\t' read -r instance home _; do capture "$instance" "$home"; done <"$work/unique"
  if ((timed_out)); then
    kill -TERM -- "-$bats_pid" 2>/dev/null
    kill -CONT -- "-$bats_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$bats_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$bats_pid" 2>/dev/null
    wait "$bats_pid" 2>/dev/null
  fi
  log "artifacts: $RDD_ARTIFACTS_DIR"
fi
# Cleanup runs on success too: a passing file may still have leaked a process.
while IFS=$'\t' read -r instance home external; do cleanup "$instance" "$home" "$external"; done <"$work/unique"
rm -rf "$work"
exit "$status"
