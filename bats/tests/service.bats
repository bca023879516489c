#!/usr/bin/env bats
# rdd svc: daemon lifecycle, one daemon per instance, stale pidfiles, paths.

bats_require_minimum_version 1.5.0
load '../helpers/common'

setup_file() {
  rdd_isolate
  export OTHER_INSTANCE="${RDD_INSTANCE}-b"
}

teardown_file() {
  rdd --instance "$OTHER_INSTANCE" svc delete || true
  rdd --instance "${RDD_INSTANCE}-log" svc delete || true
  rdd --instance "${RDD_INSTANCE}-dmg" svc delete || true
  rdd_cleanup
}

daemon_pid() {
  rdd svc status -o json | jq -r '.pid // empty'
}

daemon_ready() {
  [[ "$(rdd svc status -o json | jq -r .ready)" == true ]]
}

# Gone, or a zombie nobody reaped yet (the daemon is detached from its starter).
pid_gone() {
  local state
  kill -0 "$1" 2>/dev/null || return 0
  # Reaped between the two looks: gone too.
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
  [[ -z "$state" || "$state" == Z ]]
}

@test "svc paths: keys, a single key, json and shell exports to source" {
  run rdd svc paths
  assert_success
  assert_line "docker_socket: $HOME/.rd$RDD_INSTANCE/docker.sock"
  assert_line "short_dir: $HOME/.rd$RDD_INSTANCE"
  assert_line --regexp "^dir: .*/rancher-desktop-$RDD_INSTANCE$"
  for key in dir short_dir log_dir lima_home kubeconfig docker_socket config tls_dir; do
    assert_line --regexp "^$key: /"
  done

  run rdd svc paths docker_socket
  assert_success
  assert_output "$HOME/.rd$RDD_INSTANCE/docker.sock"

  run rdd svc paths -o json
  assert_success
  assert_equal "$(jq -r .docker_socket <<<"$output")" "$HOME/.rd$RDD_INSTANCE/docker.sock"

  run rdd svc paths -o shell
  assert_success
  assert_line "export RDD_DOCKER_SOCKET='$HOME/.rd$RDD_INSTANCE/docker.sock'"
  # Sourced, the paths are exported: a child process sees them.
  source <(rdd svc paths --output=shell)
  assert_equal "$(bash -c 'echo "$RDD_DOCKER_SOCKET"')" "$HOME/.rd$RDD_INSTANCE/docker.sock"
  assert_equal "$RDD_SHORT_DIR" "$HOME/.rd$RDD_INSTANCE"
  assert_equal "$RDD_TLS_DIR" "$(rdd svc paths dir)/tls"
}

@test "svc paths: an unknown key is a usage error listing the valid keys" {
  run rdd svc paths nope
  assert_failure 2
  assert_output --partial 'unknown path key "nope"'
  assert_output --partial 'docker_socket'
}

@test "a bad instance name is a usage error" {
  run rdd --instance 'Bad_Name' svc status
  assert_failure 2
  assert_output --partial 'invalid instance name "Bad_Name"'
}

@test "svc start: a bad --timeout is a usage error" {
  run rdd svc start --timeout soon
  assert_failure 2
  assert_output --partial 'invalid duration "soon"'
}

@test "a HOME too long for the engine socket fails with a clear message" {
  long_home="/tmp/$(printf 'x%.0s' {1..100})"
  HOME="$long_home" run rdd svc create
  assert_failure 1
  assert_output --partial "over the 107-byte limit for Unix sockets"
  assert [ ! -e "$long_home" ]
}

@test "svc stop with no daemon succeeds and says so" {
  run rdd svc stop
  assert_success
  assert_output --partial "is not running"
}

@test "svc delete of an instance that never existed says there was nothing to delete" {
  run rdd --instance "${RDD_INSTANCE}-never" svc delete
  assert_success
  assert_output "rdd service for instance ${RDD_INSTANCE}-never does not exist; nothing to delete"
}

# daemon_args INSTANCE: the running daemon's command line.
daemon_args() {
  local pid
  pid="$(rdd --instance "$1" svc status -o json | jq -r .pid)"
  tr '\0' ' ' <"/proc/$pid/cmdline"
}

@test "svc create keeps the log level and format for later starts; a flag or env var still wins" {
  local i="${RDD_INSTANCE}-log"
  run rdd --instance "$i" --log-level debug --log-format json svc create
  assert_success
  assert_output --partial 'created in'
  assert_output --partial 'the daemon logs at debug, json from its next start'
  local config
  config="$(rdd --instance "$i" svc paths config)"
  assert_equal "$(jq -r '.logLevel + " " + .logFormat' "$config")" 'debug json'

  rdd --instance "$i" svc start
  [[ "$(daemon_args "$i")" == *'--log-level debug --log-format json svc serve'* ]]
  rdd --instance "$i" svc stop
  RDD_LOG_LEVEL=warn rdd --instance "$i" svc start
  [[ "$(daemon_args "$i")" == *'--log-level warn --log-format json svc serve'* ]]
  rdd --instance "$i" svc stop
  rdd --instance "$i" --log-format text svc start
  [[ "$(daemon_args "$i")" == *'--log-level debug --log-format text svc serve'* ]]
  # Per-command settings are not kept.
  assert_equal "$(jq -r '.logLevel + " " + .logFormat' "$config")" 'debug json'
  rdd --instance "$i" svc stop
  # svc create on purpose replaces the kept level of an existing service.
  run rdd --instance "$i" --log-level info svc create
  assert_output --partial 'already exists'
  assert_equal "$(jq -r '.logLevel + " " + .logFormat' "$config")" 'info json'
  rdd --instance "$i" svc delete
}

@test "the first svc start keeps its log level; later ones do not change it" {
  local i="${RDD_INSTANCE}-log"
  rdd --instance "$i" --log-level warn svc start
  local config
  config="$(rdd --instance "$i" svc paths config)"
  assert_equal "$(jq -r .logLevel "$config")" warn
  rdd --instance "$i" svc stop
  rdd --instance "$i" --log-level error svc start
  assert_equal "$(jq -r .logLevel "$config")" warn
  rdd --instance "$i" svc delete
}

@test "svc start/status/stop/delete round trip" {
  run rdd svc start
  assert_success
  assert_output --regexp "rdd daemon for instance $RDD_INSTANCE started \(pid [0-9]+\), API at https://127\.0\.0\.1:[0-9]+"

  run rdd svc status
  assert_success
  assert_line --regexp "^daemon: +running \(pid [0-9]+, up "
  assert_line --regexp "^api: +https://127\.0\.0\.1:[0-9]+ \(ready\)$"

  run rdd svc status -o json
  assert_success
  assert_equal "$(jq -r .running <<<"$output")" true
  assert_equal "$(jq -r .ready <<<"$output")" true

  kubeconfig=$(rdd svc paths kubeconfig)
  assert_equal "$(stat -c %a "$kubeconfig")" 600
  run rdd svc log
  assert_success
  assert_output --partial 'rdd daemon ready'

  pid=$(daemon_pid)
  # SIGUSR2: a Node diagnostic report in the log dir (the support bundle asks for one).
  kill -USR2 "$pid"
  wait_until 30 compgen -G "$(rdd svc paths log_dir)/report.*.json"

  run rdd svc stop
  assert_success
  assert_line "rdd daemon for instance $RDD_INSTANCE stopped (pid $pid)"
  pid_gone "$pid"
  assert [ ! -e "$(rdd svc paths pid_file)" ]
  run rdd svc status -o json
  assert_equal "$(jq -r .running <<<"$output")" false

  # Started again, it reuses what create made (and does not claim to create it).
  run rdd svc start
  assert_success
  refute_output --partial 'creating the rdd service'
  dir=$(rdd svc paths dir)
  short_dir=$(rdd svc paths short_dir)
  pid=$(daemon_pid)
  run rdd svc delete
  assert_success
  assert_line "rdd service for instance $RDD_INSTANCE deleted"
  pid_gone "$pid"
  assert [ ! -e "$dir" ]
  assert [ ! -e "$short_dir" ]
}

@test "svc stop and svc delete past their --timeout exit 4; delete then keeps the instance" {
  rdd svc start
  pid=$(daemon_pid)
  run rdd svc stop --timeout=1ms
  assert_failure 4
  assert_output --partial "rdd daemon for instance $RDD_INSTANCE (pid $pid) did not stop within 1ms"
  pid_gone "$pid"

  rdd svc start
  pid=$(daemon_pid)
  dir=$(rdd svc paths dir)
  short_dir=$(rdd svc paths short_dir)
  run rdd svc delete --timeout=1ms
  assert_failure 4
  assert_output --partial "did not stop within 1ms"
  assert_output --partial "not deleting $dir"
  pid_gone "$pid"
  assert [ -e "$(rdd svc paths config)" ]
  assert [ -d "$short_dir" ]
  run rdd svc status -o json
  assert_equal "$(jq -r .created <<<"$output")" true

  run rdd svc delete
  assert_success
  assert [ ! -e "$dir" ]
}

@test "a second svc start reports the running daemon instead of starting another" {
  rdd svc start
  pid=$(daemon_pid)
  run rdd svc start
  assert_success
  assert_output --partial "rdd daemon for instance $RDD_INSTANCE already running (pid $pid)"
  assert_equal "$(daemon_pid)" "$pid"
  # A second `serve` loses the pidfile lock and says why.
  run rdd svc serve
  assert_failure 1
  assert_output --partial "already running (pid $pid)"
  assert_equal "$(daemon_pid)" "$pid"
  rdd svc stop
}

@test "two instances run side by side" {
  rdd svc start
  rdd --instance "$OTHER_INSTANCE" svc start
  a=$(rdd svc status -o json)
  b=$(rdd --instance "$OTHER_INSTANCE" svc status -o json)
  assert_equal "$(jq -r .ready <<<"$a")" true
  assert_equal "$(jq -r .ready <<<"$b")" true
  refute [ "$(jq -r .pid <<<"$a")" = "$(jq -r .pid <<<"$b")" ]
  refute [ "$(jq -r .url <<<"$a")" = "$(jq -r .url <<<"$b")" ]

  rdd --instance "$OTHER_INSTANCE" svc stop
  run rdd svc status -o json
  assert_equal "$(jq -r .ready <<<"$output")" true
  rdd svc stop
}

@test "a stale pidfile left by a SIGKILLed daemon is replaced" {
  rdd svc start
  pid=$(daemon_pid)
  pid_file=$(rdd svc paths pid_file)
  kill -KILL "$pid"
  wait_until 10 pid_gone "$pid"
  assert [ -e "$pid_file" ]

  run rdd svc status -o json
  assert_equal "$(jq -r .running <<<"$output")" false

  run rdd svc start
  assert_success
  assert_output --partial 'started (pid'
  new_pid=$(daemon_pid)
  refute [ "$new_pid" = "$pid" ]
  assert_equal "$(head -n1 "$pid_file")" "$new_pid"
  rdd svc stop
}

@test "svc start --timeout expiry exits 4 and names the log" {
  run rdd svc start --timeout 10ms
  assert_failure 4
  assert_output --partial "not ready after"
  assert_output --partial "$(rdd svc paths log_dir)/rdd.log"
  # The daemon it spawned keeps starting; once it is up, stop ends it.
  wait_until 120 daemon_ready
  rdd svc stop
}

@test "a daemon that dies before it is ready: svc start prints its reason and hint, not only the log's path" {
  local i="${RDD_INSTANCE}-dmg"
  rdd --instance "$i" svc create
  local database
  database="$(rdd --instance "$i" svc paths database)"
  head -c 8192 /dev/urandom >"$database"
  run -1 --separate-stderr rdd --instance "$i" svc start
  # Progress lines come first; the error is the last word.
  assert_regex "${stderr_lines[-2]}" "^rdd: rdd daemon for instance $i exited with code 1 before its API was ready: the object store $database is damaged "
  assert_regex "${stderr_lines[-1]}" "^hint: .*mv '$database' '$database\.damaged-[0-9T]+'.*; see $(rdd --instance "$i" svc paths log_dir)/rdd\.log$"
  rdd --instance "$i" svc delete
}

@test "svc log -f follows the daemon log until interrupted" {
  rdd svc start
  log_out="$BATS_TEST_TMPDIR/follow.out"
  # The binary itself, not the `rdd` function: a backgrounded function is a
  # subshell that would take the SIGINT meant for the follower.
  "$RDD_ROOT/bin/rdd" svc log -f >"$log_out" 2>&1 &
  follower=$!
  wait_until 10 grep -q 'rdd daemon ready' "$log_out"
  rdd svc stop
  # Lines appended after it started reach it too.
  wait_until 10 grep -q 'rdd daemon stopped' "$log_out"
  kill -INT "$follower"
  wait "$follower"
}
