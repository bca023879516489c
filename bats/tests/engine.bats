#!/usr/bin/env bats
# The engine mirror end to end with the built bin/rdd and the native driver:
# what `docker` does shows up as Container/Image/Volume resources, deleting
# or patching those drives the engine, ContainerEngineReady tells scripts
# when the mirror is in sync. See docs/containers-api.md.

load '../helpers/common'

NS=rancher-desktop

setup_file() {
  rdd_isolate
  use_offline_registry
  rdd set running=true --timeout=3m
  rdd_docker pull busybox
}

teardown_file() {
  rdd_cleanup
}

mirror_field() { # KIND NAME JSONPATH
  rdd ctl get "$1" "$2" -n "$NS" -o "jsonpath=$3"
}

image_mirror() { # REPO:TAG -> image/<name>
  rdd ctl get images -n "$NS" --field-selector "status.repoTag=$1" -o name
}

volume_mirror() { # DOCKER-NAME -> volume/<name>
  rdd ctl get volumes -n "$NS" --field-selector "status.name=$1" -o name
}

has_output() { # CMD... succeeds with non-empty output
  local out
  out="$("$@" 2>/dev/null)" && [[ -n "$out" ]]
}

@test "ContainerEngineReady is True/Connected and a script can wait for it" {
  run -0 rdd ctl wait --for=condition=ContainerEngineReady app/app --timeout=60s
  run -0 rdd ctl get app app -o 'jsonpath={.status.conditions[?(@.type=="ContainerEngineReady")].reason}'
  assert_output Connected
  run -0 rdd ctl get containernamespace moby -n "$NS" -o name
  assert_output containernamespace.containers.rancherdesktop.io/moby
}

@test "docker run / pause / stop / rm show up on the Container mirror" {
  local cid
  cid="$(rdd_docker run -d --name web busybox sleep 3600)"
  rdd ctl wait --for=jsonpath='{.status.status}'=running -n "$NS" "container/$cid" --timeout=30s
  run -0 rdd ctl get containers -n "$NS" --field-selector status.name=web -o name
  assert_output "container.containers.rancherdesktop.io/$cid"
  run -0 rdd ctl get containers -n "$NS"
  assert_output --partial NAMES
  assert_output --partial web

  rdd_docker pause web
  rdd ctl wait --for=condition=Paused -n "$NS" "container/$cid" --timeout=30s
  rdd_docker unpause web
  rdd_docker stop -t 0 web
  rdd ctl wait --for=jsonpath='{.status.status}'=exited -n "$NS" "container/$cid" --timeout=30s
  rdd_docker rm web
  rdd ctl wait --for=delete -n "$NS" "container/$cid" --timeout=30s
}

@test "pull, tag and untag: one Image mirror per tag" {
  run -0 image_mirror busybox:latest
  assert_output --partial image.containers.rancherdesktop.io/
  rdd_docker tag busybox bats:extra
  wait_until 30 has_output image_mirror bats:extra
  run -0 rdd ctl get images -n "$NS"
  assert_output --partial REPO-TAG
  assert_output --partial bats:extra
  rdd_docker rmi bats:extra
  wait_until 30 bash -c "[[ -z \"\$(\"$RDD_ROOT/bin/rdd\" ctl get images -n $NS --field-selector status.repoTag=bats:extra -o name)\" ]]"
}

@test "a volume named My_Vol_Ume is mirrored and deleting the mirror removes it" {
  rdd_docker volume create My_Vol_Ume
  wait_until 30 has_output volume_mirror My_Vol_Ume
  run -0 volume_mirror My_Vol_Ume
  assert_output --regexp '^volume.containers.rancherdesktop.io/vol-[0-9a-f]{64}$'
  rdd ctl delete -n "$NS" "$output" --timeout=30s
  run -1 rdd_docker volume inspect My_Vol_Ume
}

@test "deleting a Container mirror force-removes the container" {
  local cid
  cid="$(rdd_docker run -d --name doomed busybox sleep 3600)"
  rdd ctl wait --for=create -n "$NS" "container/$cid" --timeout=30s
  rdd ctl delete -n "$NS" "container/$cid" --timeout=30s
  run -1 rdd_docker inspect doomed
}

@test "deleting an in-use Image mirror keeps it Terminating until the container is gone" {
  local helper cid ref
  helper="$(rdd_docker create busybox true)"
  rdd_docker commit "$helper" bats-inuse:1
  rdd_docker rm "$helper"
  cid="$(rdd_docker run -d --name inuse bats-inuse:1 sleep 3600)"
  wait_until 30 has_output image_mirror bats-inuse:1
  ref="$(image_mirror bats-inuse:1)"
  rdd ctl delete -n "$NS" "$ref" --wait=false
  run -0 rdd ctl get -n "$NS" "$ref" -o 'jsonpath={.metadata.deletionTimestamp}'
  assert_output
  run -0 rdd ctl get -n "$NS" "$ref" -o 'jsonpath={.metadata.finalizers[0]}'
  assert_output engine.rancherdesktop.io/docker-mirror
  run -0 rdd_docker image inspect bats-inuse:1
  rdd_docker rm -f "$cid"
  rdd ctl wait --for=delete -n "$NS" "$ref" --timeout=60s
  run -1 rdd_docker image inspect bats-inuse:1
}

@test "spec.state drives the container: created, running, paused, then running again" {
  local cid
  cid="$(rdd_docker run -d --name st busybox sleep 3600)"
  rdd ctl wait --for=jsonpath='{.status.status}'=running -n "$NS" "container/$cid" --timeout=30s
  for state in created running paused created running; do
    rdd ctl patch -n "$NS" "container/$cid" --type=merge -p "{\"spec\":{\"state\":\"$state\"}}"
    rdd ctl wait --for=jsonpath='{.status.lastAction.state}'="$state" -n "$NS" "container/$cid" --timeout=30s
    run -0 mirror_field container "$cid" '{.status.lastAction.result}'
    assert_output Succeeded
  done
  run -0 rdd_docker inspect --format '{{.State.Status}}' st
  assert_output running
}

@test "only spec.state may change, and only to a listed value" {
  local cid
  cid="$(rdd_docker ps -q --no-trunc --filter name=^st$)"
  run -1 rdd ctl patch -n "$NS" "container/$cid" --type=merge -p '{"spec":{"state":"exploded"}}'
  assert_output --partial exploded
}

@test "a deleted moby ContainerNamespace comes back" {
  rdd ctl delete containernamespace moby -n "$NS" --timeout=30s
  wait_until 30 rdd ctl get containernamespace moby -n "$NS"
}

@test "rdd set running=false removes every mirror; containerd reports NotApplicable" {
  rdd set running=false --timeout=3m
  run -0 rdd ctl get containers,images,volumes,containernamespaces -n "$NS" -o name
  refute_output
  rdd set running=true containerEngine.name=containerd --timeout=3m
  run -0 rdd ctl get app app -o 'jsonpath={.status.conditions[?(@.type=="ContainerEngineReady")].reason}'
  assert_output NotApplicable
  run -0 rdd ctl get containers,images,volumes,containernamespaces -n "$NS" -o name
  refute_output
  rdd set running=false --timeout=3m
}
