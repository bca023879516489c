#!/usr/bin/env bats
# Fault: `svc delete` with a damaged store and the engine still running (its
# daemon died). The daemon cannot start on the store to stop its engine, so the
# delete stops the engine itself; the advice it gives never needs a daemon.
# See docs/instances.md#what-an-instance-leaves-on-the-host.

bats_require_minimum_version 1.5.0
load '../helpers/common'

setup_file() {
  rdd_isolate
}

teardown_file() {
  rdd_cleanup
}

# process_gone PID: no such process, or a zombie its new parent has not reaped
# yet (the engine's daemon was killed, so it was reparented).
process_gone() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }"
  [[ "${stat:0:1}" == Z ]]
}

@test "svc delete: damaged store, daemon dead, engine running: the engine is stopped and the instance removed" {
  rdd svc start
  rdd set running=true
  local daemon engine
  daemon="$(head -1 "$(rdd_service_dir)/rdd.pid")"
  engine="$(head -1 "$(rdd_short_dir)/docker.pid")"
  kill -0 "$engine"
  kill -KILL "$daemon"
  # The store's header, garbage: a start refuses it as damaged.
  printf 'garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage' |
    dd of="$(rdd_service_dir)/rdd.sqlite3" bs=1 seek=0 conv=notrunc status=none
  rm -f "$(rdd_service_dir)/rdd.sqlite3-wal"

  run --separate-stderr rdd svc delete --timeout 30s
  assert_success
  run process_gone "$engine"
  assert_success
  assert [ ! -e "$(rdd_service_dir)" ]
  assert [ ! -e "$(rdd_short_dir)" ]
}
