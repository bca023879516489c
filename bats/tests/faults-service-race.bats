#!/usr/bin/env bats
# Fault: `svc start` racing `svc delete` and `svc status`. The daemon takes
# its pidfile lock before it writes anything, and `svc start` returns only once
# its daemon holds it, so the next command always sees (and can stop) it.

load '../helpers/common'

setup_file() {
  rdd_isolate
}

teardown_file() {
  rdd_cleanup
}

@test "svc start --timeout=1ms then svc delete at once: the starting daemon is stopped, nothing is re-created" {
  for round in 1 2 3 4 5; do
    run rdd svc start --timeout=1ms
    assert_failure 4
    assert_output --partial 'not ready after'

    run rdd svc delete
    assert_success
    assert_line "rdd service for instance $RDD_INSTANCE deleted"
    # No daemon is left to write anything, and it wrote nothing after the delete.
    run rdd_live_instance_pids "$RDD_INSTANCE"
    assert_output ''
    assert [ ! -e "$(rdd_service_dir)" ]
    assert [ ! -e "$(rdd_short_dir)" ]
  done
}

@test "svc start --wait=false then svc status at once: the starting daemon is running" {
  run rdd svc start --wait=false
  assert_success
  [[ "$output" =~ started\ \(pid\ ([0-9]+)\) ]]
  pid="${BASH_REMATCH[1]}"

  run rdd svc status -o json
  assert_success
  assert_equal "$(jq -r .running <<<"$output")" true
  assert_equal "$(jq -r .pid <<<"$output")" "$pid"
  run rdd svc status
  assert_line --regexp "^daemon: +running \(pid $pid,"

  rdd svc delete
  run rdd_live_instance_pids "$RDD_INSTANCE"
  assert_output ''
}

@test "svc serve for a deleted service fails and creates nothing" {
  run rdd svc serve
  assert_failure 1
  assert_output --partial "rdd service for instance $RDD_INSTANCE does not exist"
  assert [ ! -e "$(rdd_service_dir)" ]
}
