#!/usr/bin/env bats
# rdd run, rdd status and the Docker CLI context, end to end with bin/rdd.

bats_require_minimum_version 1.5.0
load '../helpers/common'

setup_file() {
  rdd_isolate
  use_offline_registry
}

teardown_file() {
  if [[ -n "${FAKE_ENGINE_PID:-}" ]]; then kill "$FAKE_ENGINE_PID" 2>/dev/null || true; fi
  rdd_cleanup
}

context_name() {
  echo "rancher-desktop-$RDD_INSTANCE"
}

@test "rdd --version says what rdd version says" {
  run -0 rdd --version
  assert_output --regexp '^rdd [0-9]+\.[0-9]+\.[0-9]+ \(node v[0-9.]+\)$'
  assert_output "$(rdd version)"
}

@test "usage errors exit 2 with one rdd: line" {
  run -2 --separate-stderr rdd set
  assert_equal "$stderr" "rdd: missing required argument 'assignments'"
  run -2 --separate-stderr rdd bogus
  [[ "$stderr" == "rdd: unknown command 'bogus'"* ]]
}

@test "an unknown property or --log-format json error exits 2 before anything is created" {
  run -2 --separate-stderr rdd set nosuch=1
  assert_equal "${stderr%%$'\n'*}" 'rdd: unknown App property "nosuch"'
  run -2 --separate-stderr rdd --log-format json set nosuch=1
  run -0 node -e 'const e = JSON.parse(process.argv[1]); if (e.level !== "error" || e.exitCode !== 2 || !e.hint) process.exit(1)' "$stderr"
  assert [ ! -e "$(rdd_service_dir)" ]
}

@test "rdd status says clearly when the service is not running" {
  run -1 rdd status
  assert_output --partial 'is not running'
  run -1 --separate-stderr rdd status -o json
  [[ "$stderr" == *'is not running'* ]]
  run -0 node -e 'const r = JSON.parse(process.argv[1]); if (r.service !== "stopped" || r.instance !== process.argv[2]) process.exit(1)' "$output" "$RDD_INSTANCE"
}

@test "rdd run docker ps reaches this instance's engine" {
  run -0 rdd start --timeout=3m
  run -0 rdd_docker create --name made-by-bats busybox true
  run -0 rdd run docker ps -a --format '{{.Names}}'
  assert_output --partial made-by-bats
}

@test "rdd run passes the command's exit code through" {
  run -7 rdd run docker run --rm busybox sh -c 'exit 7'
  run -0 rdd run -- sh -c 'test "$DOCKER_HOST" = "unix://$0" && test -z "${DOCKER_CONTEXT:-}"' "$(rdd_short_dir)/docker.sock"
  run -127 rdd run sh -c 'exit 127'
}

@test "rdd run on a settled App prints only the command's output; a missing command exits 127" {
  run -0 --separate-stderr rdd run echo hello
  assert_output hello
  [ -z "$stderr" ]
  run -127 --separate-stderr rdd run no-such-command-rdd
  [[ "$stderr" == *"no-such-command-rdd: command not found"* ]]
}

@test "rdd status shows the conditions and mirror counts" {
  run -0 rdd status
  assert_output --partial 'Running'
  assert_output --partial 'Settled'
  assert_output --partial 'Mirrors in namespace rancher-desktop'
  run -0 rdd status -o json
  run -0 node -e 'const r = JSON.parse(process.argv[1]); if (r.app.spec.running !== true || typeof r.mirrors.containers !== "number") process.exit(1)' "$output"
}

@test "the Docker context exists and is current when no other context works" {
  run -0 docker context show
  assert_output "$(context_name)"
  run -0 docker ps -a --format '{{.Names}}'
  assert_output --partial made-by-bats
}

@test "rdd stop removes the Docker context" {
  run -0 rdd stop --timeout=2m
  run -0 docker context ls --format '{{.Name}}'
  refute_output --partial "$(context_name)"
  run -0 docker context show
  assert_output default
}

@test "an existing working Docker context is not replaced" {
  local sock="$HOME/fake-engine.sock"
  node -e 'require("http").createServer((q, r) => r.end("OK")).listen(process.argv[1])' "$sock" 3>&- &
  FAKE_ENGINE_PID=$!
  export FAKE_ENGINE_PID
  wait_until 10 test -S "$sock"
  run -0 docker context create mine --docker "host=unix://$sock"
  run -0 docker context use mine
  run -0 rdd start --timeout=3m
  wait_until 20 bash -c "docker context ls --format '{{.Name}}' | grep -qx '$(context_name)'"
  run -0 docker context show
  assert_output mine
  kill "$FAKE_ENGINE_PID"
  unset FAKE_ENGINE_PID
}

@test "a broken current Docker context is replaced" {
  run -0 rdd stop --timeout=2m
  run -0 docker context create broken --docker "host=unix://$HOME/nothing-here.sock"
  run -0 docker context use broken
  run -0 rdd start --timeout=3m
  wait_until 20 bash -c "[[ \$(docker context show) == '$(context_name)' ]]"
}
