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
  assert_output --regexp '^rdd [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]+(-dirty)?|unknown), node v[0-9.]+\)$'
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
  RDD_LOG_FORMAT=json run -2 --separate-stderr rdd set nosuch=1
  run -0 node -e 'if (JSON.parse(process.argv[1]).exitCode !== 2) process.exit(1)' "$stderr"
  assert [ ! -e "$(rdd_service_dir)" ]
}

@test "a value of the wrong type or outside the enum exits 2 before anything is created" {
  run -2 --separate-stderr rdd set vm.cpus=abc
  assert_equal "$stderr" 'rdd: invalid value "abc" for App property vm.cpus: expected an integer'
  run -2 --separate-stderr rdd set running=true containerEngine.name=podman
  assert_equal "$stderr" 'rdd: invalid value "podman" for App property containerEngine.name: expected one of moby, containerd'
  run -2 --separate-stderr rdd set vm.rosetta=maybe
  assert_equal "$stderr" 'rdd: invalid value "maybe" for App property vm.rosetta: expected true or false'
  assert [ ! -e "$(rdd_service_dir)" ]
}

@test "rdd set --help lists the settable properties from the App CRD" {
  run -0 rdd set --help
  assert_line --regexp '^  PROPERTY +VALUES +DEFAULT$'
  assert_line --regexp '^  running +true\|false +false$'
  assert_line --regexp '^  containerEngine\.name +moby\|containerd +moby$'
  assert_line --regexp '^  vm\.driver +auto\|lima\|native +auto$'
  assert_line --regexp '^  vm\.cpus +integer \(>= 1\) +2$'
  assert_line --regexp '^  namespace +string \(at most 63 chars\) +rancher-desktop$'
}

@test "a bad RDD_LOG_LEVEL or RDD_LOG_FORMAT is a usage error naming the variable" {
  RDD_LOG_LEVEL=loud run -2 --separate-stderr rdd svc status
  assert_equal "$stderr" 'rdd: invalid RDD_LOG_LEVEL "loud": use one of trace, debug, info, warn, warning, error'
  RDD_LOG_FORMAT=yaml run -2 --separate-stderr rdd status
  assert_equal "$stderr" 'rdd: invalid RDD_LOG_FORMAT "yaml": use one of text, json'
  # The flag wins over the variable, so a good flag makes a bad variable harmless.
  RDD_LOG_LEVEL=loud run -0 rdd --log-level info svc status
  assert [ ! -e "$(rdd_service_dir)" ]
}

@test "--log-level and RDD_LOG_LEVEL take warning (warn) and trace (debug, the most verbose)" {
  local i="${RDD_INSTANCE}-lvl"
  run -0 rdd --instance "$i" --log-level warning svc create
  assert_output --partial 'the daemon logs at warn from its next start'
  run -0 rdd --instance "$i" --log-level trace svc create
  assert_output --partial 'the daemon logs at debug from its next start'
  RDD_LOG_LEVEL=WARNING run -0 rdd --instance "$i" svc create
  assert_output --partial 'the daemon logs at warn from its next start'
  assert_equal "$(jq -r .logLevel "$(rdd --instance "$i" svc paths config)")" warn
  rdd --instance "$i" svc delete
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
  run -0 rdd run -- sh -c 'test "$DOCKER_HOST" = "unix://$0" && test "$DOCKER_CONTEXT" = "$1"' "$(rdd_short_dir)/docker.sock" "$(context_name)"
  run -127 rdd run sh -c 'exit 127'
}

@test "rdd run docker uses the instance's Docker context, whatever DOCKER_HOST and DOCKER_CONTEXT say" {
  DOCKER_HOST=unix:///nowhere.sock DOCKER_CONTEXT=default run -0 rdd run docker context show
  assert_output "$(context_name)"
  DOCKER_HOST=unix:///nowhere.sock run -0 rdd run docker ps -a --format '{{.Names}}'
  assert_output --partial made-by-bats
  # A Docker config without the instance's context: docker is aimed at the socket instead.
  local elsewhere="$BATS_TEST_TMPDIR/docker-config"
  mkdir -p "$elsewhere"
  DOCKER_CONFIG="$elsewhere" run -0 rdd run docker context show
  assert_output default
  DOCKER_CONFIG="$elsewhere" run -0 rdd run docker ps -a --format '{{.Names}}'
  assert_output --partial made-by-bats
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
  # Piped: plain text, no colour codes.
  refute_output --partial $'\e['
  assert_output --regexp $'\nRunning +True +Started '
  assert_output --partial 'Running'
  assert_output --partial 'Settled'
  assert_output --partial 'Mirrors in namespace rancher-desktop'
  run -0 rdd status -o json
  run -0 node -e 'const r = JSON.parse(process.argv[1]); if (r.app.spec.running !== true || typeof r.mirrors.containers !== "number") process.exit(1)' "$output"
}

@test "rdd ctl get all lists the App; the rancher-desktop category holds it too" {
  run -0 rdd ctl get all -o name
  assert_line app.app.rancherdesktop.io/app
  run -0 rdd ctl get rancher-desktop -o name
  assert_line app.app.rancherdesktop.io/app
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

# complete_line LINE: runs the bash completion function as bash would for LINE
# with the cursor at its end; compopt only works inside a real completion, so it
# is recorded instead.
complete_line() {
  COMP_LINE="$1"
  COMP_POINT=${#1}
  read -ra COMP_WORDS <<<"$1"
  COMP_CWORD=${#COMP_WORDS[@]}
  COMPREPLY=()
  NOSPACE=
  compopt() { NOSPACE=1; }
  _rdd_complete
}

@test "bash completion: subcommands, flags, properties, values and instances" {
  source <(rdd completion bash)
  complete_line 'rdd s'
  assert_equal "${COMPREPLY[*]}" 'svc set start stop status support-bundle'
  complete_line 'rdd svc start --wa'
  assert_equal "${COMPREPLY[*]}" '--wait'
  complete_line 'rdd set vm.'
  assert_equal "${COMPREPLY[*]}" 'vm.driver= vm.cpus= vm.memory= vm.rosetta= vm.mounts.home= vm.mounts.type='
  complete_line 'rdd set containerEngine.'
  assert_equal "${COMPREPLY[*]}" 'containerEngine.name='
  assert_equal "$NOSPACE" 1
  # bash splits words at '=': it gets the value only.
  complete_line 'rdd set running=true vm.driver='
  assert_equal "${COMPREPLY[*]}" 'auto lima native'
  complete_line 'rdd set vm.rosetta=f'
  assert_equal "${COMPREPLY[*]}" 'false'
  complete_line 'rdd --log-level=w'
  assert_equal "${COMPREPLY[*]}" 'warn warning'
  complete_line 'rdd --log-level=t'
  assert_equal "${COMPREPLY[*]}" 'trace'
  # This file's instance has a service dir by now; an instance with none is not offered.
  complete_line "rdd --instance ${RDD_INSTANCE:0:10}"
  assert_equal "${COMPREPLY[*]}" "$RDD_INSTANCE"
  complete_line 'rdd ctl get '
  assert_equal "${#COMPREPLY[@]}" 0
}

@test "zsh and fish completion scripts call back into rdd" {
  run -0 rdd completion zsh
  assert_line '#compdef rdd'
  assert_output --partial '__complete zsh --'
  run -0 rdd completion fish
  assert_output --partial '__complete fish --'
  run -2 rdd completion tcsh
}
