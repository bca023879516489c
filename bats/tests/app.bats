#!/usr/bin/env bats
# The App lifecycle end to end with the built bin/rdd and the native driver:
# rdd set / start / stop, the wait on Settled, exit codes, two instances.

bats_require_minimum_version 1.5.0
load '../helpers/common'

setup_file() {
  rdd_isolate
  use_offline_registry
  export OTHER_INSTANCE="${RDD_INSTANCE:0:26}-b"
}

teardown_file() {
  RDD_INSTANCE="$OTHER_INSTANCE" rdd svc delete >/dev/null 2>&1 || true
  rdd_kill_instance_processes "$OTHER_INSTANCE" >/dev/null 2>&1 || true
  rdd_cleanup
}

app_field() {
  rdd ctl get app app -o "jsonpath=$1"
}

# What a rejected or dry-run `rdd set` must leave alone: the spec and its generation.
# (Not the resourceVersion: the controllers keep writing status meanwhile.)
app_intent() {
  app_field '{.metadata.generation} {.spec}'
}

condition() {
  app_field "{.status.conditions[?(@.type==\"$1\")].$2}"
}

now_ms() {
  echo $(($(date +%s%N) / 1000000))
}

@test "rdd svc delete; rdd set running=true works from nothing" {
  # Something to delete: a created service with its daemon running.
  rdd svc start
  local dir short_dir
  dir="$(rdd svc paths dir)"
  short_dir="$(rdd svc paths short_dir)"
  run rdd svc delete
  assert_success
  assert_line "rdd service for instance $RDD_INSTANCE deleted"
  assert [ ! -e "$dir" ]
  assert [ ! -e "$short_dir" ]
  # svc delete removed the short dir, and with it daemon.json.
  use_offline_registry
  run -0 rdd set running=true --timeout=3m
  assert_output --partial 'settled'
  run -0 condition Settled status
  assert_output True
  run -0 condition Settled observedGeneration
  assert_output "$(app_field '{.metadata.generation}')"
  run -0 condition Running reason
  assert_output Started
  run -0 rdd_docker version --format '{{.Server.Version}}'
}

@test "docker run works against <short dir>/docker.sock" {
  run -0 docker --host "unix://$(rdd_short_dir)/docker.sock" run --rm busybox echo hello-from-rdd
  assert_output --partial hello-from-rdd
}

@test "an unknown property exits 2, lists the valid ones and changes nothing" {
  local before
  before="$(app_intent)"
  run -2 rdd set no.such=1
  assert_output --partial 'unknown App property "no.such"'
  assert_output --partial 'containerEngine.name (moby|containerd)'
  run -2 rdd set running
  assert_equal "$(app_intent)" "$before"
}

@test "a bad value exits 2 (wrong type or not in the enum) or 3 (the server's message) and changes nothing" {
  local before
  before="$(app_intent)"
  run -2 rdd set containerEngine.name=podman
  assert_output --partial 'expected one of moby, containerd'
  run -2 rdd set vm.cpus=lots
  assert_output --partial 'expected an integer'
  run -2 rdd set running=maybe
  run -3 rdd set vm.cpus=0
  assert_output --partial 'spec.vm.cpus'
  run -3 rdd set vm.memory=0
  # One bad value rejects the whole request: the good one is not persisted either.
  run -3 rdd set vm.memory=6 vm.cpus=0
  assert_equal "$(app_intent)" "$before"
  assert_equal "$(app_field '{.spec.vm.memory}')" 4
}

@test "--dry-run validates on the server and persists nothing" {
  local before
  before="$(app_intent)"
  run -0 rdd set --dry-run vm.cpus=7
  assert_output --partial 'dry run'
  run -3 rdd set --dry-run vm.cpus=0
  assert_equal "$(app_intent)" "$before"
  assert_equal "$(app_field '{.spec.vm.cpus}')" 2
}

@test "--timeout expiry exits 4 and says what it waited for" {
  run -4 rdd set running=false --timeout=1ms
  assert_output --partial 'timed out after'
  assert_output --partial 'to settle at generation'
  # The change itself went through; waiting again settles it.
  run -0 rdd set running=false --timeout=2m
  run -0 condition Running reason
  assert_output Stopped
  run -1 rdd_docker version
}

@test "set running=false when already stopped returns at once" {
  local start
  start="$(now_ms)"
  run -0 rdd set running=false
  (($(now_ms) - start < 15000))
  run -0 rdd stop
}

@test "--wait=false returns right after the patch" {
  run -0 rdd set --wait=false running=true
  assert_output --partial 'patched'
  run -0 rdd start --timeout=3m
  run -0 rdd_docker version --format '{{.Server.Version}}'
}

@test "two instances run side by side without touching each other's engine" {
  run -0 rdd start --timeout=3m
  RDD_INSTANCE="$OTHER_INSTANCE" run -0 rdd start --timeout=3m
  local other_sock="$HOME/.rd$OTHER_INSTANCE/docker.sock"
  run -0 rdd_docker create --name only-in-a busybox true
  run -0 docker --host "unix://$other_sock" ps -a --format '{{.Names}}'
  refute_output --partial only-in-a
  RDD_INSTANCE="$OTHER_INSTANCE" run -0 rdd stop --timeout=2m
  run -1 docker --host "unix://$other_sock" version
  run -0 rdd_docker ps -a --format '{{.Names}}'
  assert_output --partial only-in-a
}

@test "stop with no App succeeds without creating one" {
  RDD_INSTANCE="$OTHER_INSTANCE" rdd ctl delete app app --wait=true
  RDD_INSTANCE="$OTHER_INSTANCE" run -0 rdd stop
  assert_output --partial 'nothing to stop'
  RDD_INSTANCE="$OTHER_INSTANCE" run -1 rdd ctl get app app
}

@test "set running=false on a missing App creates it with defaults, stopped" {
  RDD_INSTANCE="$OTHER_INSTANCE" rdd ctl delete app app --ignore-not-found --wait=true
  RDD_INSTANCE="$OTHER_INSTANCE" run -0 rdd set --wait=false running=false
  assert_output --partial 'created'
  RDD_INSTANCE="$OTHER_INSTANCE" run -0 rdd ctl get app app -o 'jsonpath={.spec.running} {.spec.containerEngine.name} {.spec.vm.driver}'
  assert_output 'false moby auto'
}
