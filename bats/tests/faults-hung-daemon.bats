#!/usr/bin/env bats
# Fault: a daemon that runs but does not answer (SIGSTOP). Every CLI call that
# talks to it ends within its deadline with exit 4 and a message that says the
# process is stopped and how to resume it. See docs/cli.md#exit-codes.

bats_require_minimum_version 1.5.0
load '../helpers/common'

setup_file() {
  rdd_isolate
  rdd svc start
  DAEMON_PID="$(rdd svc status -o json | jq -r .pid)"
  export DAEMON_PID
}

teardown_file() {
  [[ -n "${DAEMON_PID:-}" ]] && kill -CONT "$DAEMON_PID" 2>/dev/null
  rdd_cleanup
}

setup() {
  kill -STOP "$DAEMON_PID"
}

teardown() {
  kill -CONT "$DAEMON_PID"
}

# elapsed_ms COMMAND...: runs it with `run`, sets ELAPSED_MS.
timed_run() {
  local started
  started=$(date +%s%N)
  run --separate-stderr "$@"
  ELAPSED_MS=$((($(date +%s%N) - started) / 1000000))
}

assert_stopped_message() {
  assert_equal "$status" 4
  [[ "$stderr" == *"rdd daemon of instance $RDD_INSTANCE (pid $DAEMON_PID) did not answer"* ]] || fail "stderr: $stderr"
  [[ "$stderr" == *"the process is stopped"* ]] || fail "stderr: $stderr"
  [[ "$stderr" == *"kill -CONT $DAEMON_PID"* ]] || fail "stderr: $stderr"
}

@test "rdd status --timeout 3s: exit 4 within the deadline, saying the daemon is stopped" {
  timed_run timeout 60 "$RDD_ROOT/bin/rdd" status --timeout 3s
  assert_stopped_message
  assert [ "$ELAPSED_MS" -lt 8000 ]
}

@test "rdd status has a deadline by default (10 s)" {
  timed_run timeout 60 "$RDD_ROOT/bin/rdd" status -o json
  assert_stopped_message
  assert [ "$ELAPSED_MS" -lt 15000 ]
}

@test "rdd svc status: prints what it knows, then exit 4" {
  timed_run timeout 60 "$RDD_ROOT/bin/rdd" svc status
  assert_stopped_message
  [[ "$output" == *"(not ready)"* ]] || fail "stdout: $output"
  assert [ "$ELAPSED_MS" -lt 8000 ]
}

@test "rdd ctl: the readiness probe ends in exit 4 instead of kubectl waiting for ever" {
  timed_run timeout 60 "$RDD_ROOT/bin/rdd" ctl get namespaces
  assert_stopped_message
  assert [ "$ELAPSED_MS" -lt 10000 ]
}

@test "once resumed, the same calls answer" {
  kill -CONT "$DAEMON_PID"
  run rdd status
  assert_success
  run rdd ctl get namespaces -o name
  assert_success
  assert_line namespace/default
}
