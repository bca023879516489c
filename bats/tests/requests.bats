#!/usr/bin/env bats
# Request kinds and the action annotation end to end with the built bin/rdd
# and the native driver: a client holding only the kubeconfig creates
# volumes, pulls images and runs containers. See docs/containers-api.md.

bats_require_minimum_version 1.5.0
load '../helpers/common'

NS=rancher-desktop

setup_file() {
  rdd_isolate
  use_offline_registry
  rdd set running=true --timeout=3m
}

teardown_file() {
  rdd_cleanup
}

no_action() { # CID: the action annotation is gone
  [[ -z "$(rdd ctl get -n "$NS" "container/$1" -o 'jsonpath={.metadata.annotations.containers\.rancherdesktop\.io/action}')" ]]
}

apply() { # YAML on stdin
  rdd ctl apply -n "$NS" -f -
}

@test "VolumeCreateRequest and ImagePullRequest complete and link their mirrors" {
  apply <<'YAML'
apiVersion: containers.rancherdesktop.io/v1alpha1
kind: VolumeCreateRequest
metadata: { name: make-data }
spec: { name: data, labels: { team: blue } }
---
apiVersion: containers.rancherdesktop.io/v1alpha1
kind: ImagePullRequest
metadata: { name: pull-busybox }
spec: { repoTag: busybox }
YAML
  rdd ctl wait -n "$NS" volumecreaterequest/make-data imagepullrequest/pull-busybox --for=condition=Complete --timeout=2m
  run -0 rdd ctl get -n "$NS" volume "$(rdd ctl get -n "$NS" volumecreaterequest make-data -o 'jsonpath={.status.result.name}')" -o 'jsonpath={.status.name}'
  assert_output data
  run -0 rdd_docker image inspect --format '{{.Id}}' busybox:latest
  run -0 rdd ctl get -n "$NS" imagepullrequests
  assert_output --regexp 'pull-busybox +busybox +Complete +1/1'
}

@test "ContainerCreateRequest runs a container whose published port answers on 127.0.0.1" {
  apply <<'YAML'
apiVersion: containers.rancherdesktop.io/v1alpha1
kind: ContainerCreateRequest
metadata: { name: run-web }
spec:
  name: web
  image: busybox
  command: [sh, -c]
  args: ['echo hello > /www/index.html && exec httpd -f -p 8080 -h /www']
  ports: [{ containerPort: 8080, hostIP: 127.0.0.1 }]
  mounts: [{ volume: web-data, mountPath: /www }]
YAML
  rdd ctl wait -n "$NS" containercreaterequest/run-web --for=condition=Complete --timeout=2m
  local binding
  binding="$(rdd_docker port web 8080/tcp)"
  run -0 curl -sf --retry 20 --retry-connrefused --retry-delay 1 "http://$binding/index.html"
  assert_output hello
}

@test "the action annotation stops and starts a container, once" {
  local cid
  cid="$(rdd_docker run -d --name act busybox sleep 3600)"
  rdd ctl wait --for=jsonpath='{.status.status}'=running -n "$NS" "container/$cid" --timeout=30s
  for action in stop start; do
    rdd ctl annotate -n "$NS" "container/$cid" "containers.rancherdesktop.io/action=$action"
    rdd ctl wait --for=jsonpath='{.status.lastAction.action}'="$action" -n "$NS" "container/$cid" --timeout=60s
    wait_until 30 no_action "$cid"
    run -0 rdd ctl get -n "$NS" "container/$cid" -o 'jsonpath={.status.lastAction.result}'
    assert_output Succeeded
  done
  run -0 rdd_docker inspect --format '{{.State.Status}}' act
  assert_output running
}

stop_began() { # NAME SINCE: docker sent the container its stop signal
  [[ -n "$(rdd_docker events --since "$2" --until "$(date +%s)" --filter "container=$1" --filter event=kill)" ]]
}

pid_gone() { # PID: gone, or a zombie nobody reaped yet
  ! kill -0 "$1" 2>/dev/null || [[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" == Z ]]
}

action_done() { # CID ACTION: recorded as Succeeded and the annotation removed
  no_action "$1" && [[ "$(rdd ctl get -n "$NS" "container/$1" -o 'jsonpath={.status.lastAction.action}/{.status.lastAction.result}')" == "$2/Succeeded" ]]
}

@test "an action cut short by a daemon kill is carried out once the daemon is back" {
  local cid since pid
  # sleep as PID 1 ignores SIGTERM: the stop waits out its grace period, time enough to kill the daemon mid-action.
  cid="$(rdd_docker run -d --name slow busybox sleep 3600)"
  rdd ctl wait --for=jsonpath='{.status.status}'=running -n "$NS" "container/$cid" --timeout=30s
  since="$(date +%s)"
  rdd ctl annotate -n "$NS" "container/$cid" containers.rancherdesktop.io/action=stop
  wait_until 30 stop_began slow "$since"
  pid="$(rdd svc status -o json | jq -r .pid)"
  kill -KILL "$pid"
  wait_until 10 pid_gone "$pid"
  run -0 rdd svc start
  wait_until 120 action_done "$cid" stop
  run -0 rdd_docker inspect --format '{{.State.Status}}' slow
  assert_output exited
}
