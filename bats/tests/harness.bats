# The test harness itself: anchored process matching, capture with timeout 0
# (docs/design-rules.md#anchored-process-markers, #timeout-zero-keeps-capture),
# and a hung test under scripts/bats-with-timeout.sh.
load '../helpers/common'

WRAPPER="$RDD_ROOT/scripts/bats-with-timeout.sh"

setup_file() {
  rdd_isolate harness
  export FIXTURES="$BATS_FILE_TMPDIR/fixtures"
  mkdir -p "$FIXTURES"
  # A failing test that leaks a process of its instance and never cleans up.
  cat >"$FIXTURES/leaky.bats" <<EOF
load '$RDD_ROOT/bats/helpers/common'
setup_file() { rdd_isolate harness-leaky; mkdir -p "\$(rdd_log_dir)"; echo "fixture log line" >"\$(rdd_log_dir)/rdd.log"; }
@test "leaks a process, then fails" {
  sleep 300 >/dev/null 2>&1 3>&- &
  echo \$! >"$BATS_FILE_TMPDIR/leaked.pid"
  false
}
EOF
  # A test that hangs with the daemon of its instance running.
  cat >"$FIXTURES/hung.bats" <<EOF
load '$RDD_ROOT/bats/helpers/common'
setup_file() { rdd_isolate harness-hung; rdd svc start >&2; }
@test "hangs" {
  echo started >"$BATS_FILE_TMPDIR/hung.started"
  sleep 600
}
EOF
}

teardown_file() {
  rdd_cleanup
}

# Dummy processes carrying instance markers in env or argv; prints "PID NAME" lines.
# `tail -f /dev/null PATH` keeps running with a marker path in its argv.
start_marked() {
  local h="$BATS_TEST_TMPDIR" name
  env RDD_INSTANCE=bats sleep 300 >/dev/null 2>&1 3>&- &
  echo "$! env-bats"
  env RDD_INSTANCE=bats-app sleep 300 >/dev/null 2>&1 3>&- &
  echo "$! env-bats-app"
  env NOTE=RDD_INSTANCE=bats sleep 300 >/dev/null 2>&1 3>&- &
  echo "$! env-substring"
  for name in .rdbats .rdbats-app rancher-desktop-bats rancher-desktop-bats-app; do
    tail -f /dev/null "$h/$name/x" >/dev/null 2>&1 3>&- &
    echo "$! path-$name"
  done
}

# True once every PID runs its final program (not bats' forked shell any more).
all_execed() {
  local p
  for p in "$@"; do
    tr '\0' ' ' <"/proc/$p/cmdline" | grep -qE '^(sleep|tail) ' || return 1
  done
}

alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

@test "instance bats matches its own processes and never those of bats-app" {
  local -A pid
  while read -r p name; do pid[$name]=$p; done < <(start_marked)
  wait_until 10 all_execed "${pid[@]}"

  run node "$RDD_ROOT/scripts/instance-processes.mjs" list bats
  assert_success
  for name in env-bats path-.rdbats path-rancher-desktop-bats; do
    assert_line --regexp "^${pid[$name]}	"
  done
  for name in env-bats-app env-substring path-.rdbats-app path-rancher-desktop-bats-app; do
    refute_line --regexp "^${pid[$name]}	"
  done

  RDD_KILL_GRACE_MS=2000 run node "$RDD_ROOT/scripts/instance-processes.mjs" kill bats
  assert_success
  for name in env-bats path-.rdbats path-rancher-desktop-bats; do
    run alive "${pid[$name]}"
    assert_failure
  done
  for name in env-bats-app env-substring path-.rdbats-app path-rancher-desktop-bats-app; do
    alive "${pid[$name]}"
    kill "${pid[$name]}"
  done
}

@test "timeout 0 still captures a bundle and kills leaked processes of the instance" {
  local artifacts="$BATS_TEST_TMPDIR/artifacts"
  RDD_ARTIFACTS_DIR="$artifacts" run env -u RDD_INSTANCE "$WRAPPER" 0 "$FIXTURES/leaky.bats"
  assert_failure 1
  assert_line --partial 'not ok 1 leaks a process, then fails'
  assert_line --regexp "support bundle for bats-harness-leaky: $artifacts/rdd-support-bats-harness-leaky-.*\.tar\.gz"
  assert_line --regexp 'killed leaked processes of bats-harness-leaky: [0-9]+'
  run alive "$(cat "$BATS_FILE_TMPDIR/leaked.pid")"
  assert_failure
  run tar tzf "$(ls "$artifacts"/rdd-support-bats-harness-leaky-*.tar.gz)"
  assert_success
  assert_line --regexp '/manifest\.json$'
  assert_line --regexp '/processes/tree\.txt$'
}

@test "a hung test under the wrapper yields a full bundle and leaves nothing of its instance behind" {
  local artifacts="$BATS_TEST_TMPDIR/artifacts" bundle
  RDD_ARTIFACTS_DIR="$artifacts" run env -u RDD_INSTANCE "$WRAPPER" 30 "$FIXTURES/hung.bats"
  assert_equal "$status" 124
  assert_line --partial 'not ok - timeout'
  assert [ -f "$BATS_FILE_TMPDIR/hung.started" ]
  assert_line --regexp 'diagnostic report: '

  bundle="$(ls "$artifacts"/rdd-support-bats-harness-hung-*.tar.gz)"
  run tar tzf "$bundle"
  assert_success
  assert_line --regexp '/logs/rdd\.log$'
  assert_line --regexp '/api/discovery\.json$'
  assert_line --regexp '/api/v1/namespaces\.json$'
  assert_line --regexp '/processes/tree\.txt$'
  assert_line --regexp '/diagnostics/report\..*\.json$'
  run bash -c "tar xzf '$bundle' -O --wildcards '*/processes/tree.txt'"
  assert_output --partial 'svc serve'

  run node "$RDD_ROOT/scripts/instance-processes.mjs" list bats-harness-hung
  assert_success
  assert_output ''
}
