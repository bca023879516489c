#!/usr/bin/env bats
# rdd ctl: kubectl against the instance's control plane, with a throwaway CRD
# (bats/fixtures/crds, served through the RDD_EXTRA_CRD_DIR test hook).

load '../helpers/common'

setup_file() {
  rdd_isolate
  export RDD_EXTRA_CRD_DIR="$RDD_ROOT/bats/fixtures/crds"
  export FIXTURES="$RDD_ROOT/bats/fixtures"
  rdd svc start
}

teardown_file() {
  rdd_cleanup
}

widget() { # widget NAME [SPEC-YAML-LINES...]: a Widget manifest on stdout
  local name="$1"
  shift
  printf 'apiVersion: bats.rancherdesktop.io/v1\nkind: Widget\nmetadata:\n  name: %s\n  namespace: default\nspec:\n' "$name"
  printf '  %s\n' "$@"
}

@test "api-resources lists the CRD's kind" {
  run rdd ctl api-resources --api-group=bats.rancherdesktop.io
  assert_success
  assert_line --regexp '^widgets +wd +bats\.rancherdesktop\.io/v1 +true +Widget$'
}

@test "explain shows the schema's descriptions" {
  run rdd ctl explain widgets.spec.color
  assert_success
  assert_output --partial "The widget's colour."
  run rdd ctl explain widget
  assert_success
  assert_output --partial 'A Widget exists only to exercise kubectl against rdd.'
}

@test "apply -f creates, a second apply is unchanged, get shows printer columns and defaults" {
  run rdd ctl apply -f "$FIXTURES/widgets.yaml"
  assert_success
  assert_line 'widget.bats.rancherdesktop.io/w1 created'
  assert_line 'widget.bats.rancherdesktop.io/w2 created'
  run rdd ctl apply -f "$FIXTURES/widgets.yaml"
  assert_success
  assert_line 'widget.bats.rancherdesktop.io/w1 unchanged'

  run rdd ctl get widgets
  assert_success
  assert_line --index 0 --regexp '^NAME +COLOR +SIZE +PHASE +AGE$'
  assert_line --regexp '^w1 +blue +3 +([^ ]+ +)?[0-9]+[smh]$'
  # color defaulted by the schema
  assert_line --regexp '^w2 +red +1 '
}

@test "get -o jsonpath and -o name --field-selector" {
  run rdd ctl get widget w1 -o jsonpath='{.spec.size}'
  assert_success
  assert_output '3'
  run rdd ctl get widgets -o name --field-selector spec.color=blue
  assert_success
  assert_output 'widget.bats.rancherdesktop.io/w1'
  run rdd ctl get widgets -o name --field-selector metadata.name=w2
  assert_success
  assert_output 'widget.bats.rancherdesktop.io/w2'
}

@test "apply --server-side, conflicts and --force-conflicts" {
  run rdd ctl apply --server-side -f - <<<"$(widget ssa 'size: 2')"
  assert_success
  assert_output 'widget.bats.rancherdesktop.io/ssa serverside-applied'

  run rdd ctl apply --server-side --field-manager=other -f - <<<"$(widget ssa 'size: 4')"
  assert_failure 1
  assert_output --partial 'conflict with "kubectl"'
  assert_output --partial '.spec.size'

  run rdd ctl apply --server-side --field-manager=other --force-conflicts -f - <<<"$(widget ssa 'size: 4')"
  assert_success
  run rdd ctl get widget ssa -o jsonpath='{.spec.size}'
  assert_output '4'
}

@test "patch --type=merge; patch without --type is refused for a custom resource" {
  run rdd ctl patch widget w2 --type=merge -p '{"spec":{"size":7}}'
  assert_success
  assert_output 'widget.bats.rancherdesktop.io/w2 patched'
  run rdd ctl get widget w2 -o jsonpath='{.spec.size} {.metadata.generation}'
  assert_output '7 2'

  run rdd ctl patch widget w2 -p '{"spec":{"size":8}}'
  assert_failure 1
  assert_output --partial 'application/strategic-merge-patch+json is not supported'
  assert_output --partial 'application/merge-patch+json'
}

@test "wait --for=jsonpath and --for=condition" {
  run rdd ctl wait widget/w2 --for=jsonpath='{.spec.size}'=7 --timeout=30s
  assert_success
  assert_output 'widget.bats.rancherdesktop.io/w2 condition met'

  rdd ctl patch widget w2 --subresource=status --type=merge \
    -p '{"status":{"phase":"Ready","conditions":[{"type":"Ready","status":"True","reason":"Test","message":"set by bats","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}'
  run rdd ctl wait widget/w2 --for=condition=Ready --timeout=30s
  assert_success
  assert_output 'widget.bats.rancherdesktop.io/w2 condition met'

  # A condition that never holds: kubectl's own timeout, exit code passed through.
  run rdd ctl wait widget/w2 --for=condition=Broken --timeout=1s
  assert_failure 1
  assert_output --partial 'timed out waiting for the condition'
}

@test "wait --for=create sees an object created after it started" {
  # kubectl polls for the object; -v=6 logs each answer, so the object is
  # created only once kubectl has looked for it and found nothing.
  rdd ctl -v=6 wait --for=create widget/late --timeout=60s >"$BATS_TEST_TMPDIR/wait.out" 2>&1 &
  waiter=$!
  wait_until 30 grep -q 'widgets/late 404 Not Found' "$BATS_TEST_TMPDIR/wait.out"
  rdd ctl apply -f - <<<"$(widget late 'size: 1')"
  wait "$waiter" || fail "$(cat "$BATS_TEST_TMPDIR/wait.out")"
  run grep -v '^I[0-9]' "$BATS_TEST_TMPDIR/wait.out"
  assert_output 'widget.bats.rancherdesktop.io/late condition met'
  # kubectl fails at once when a selector matches nothing yet, so poll that form.
  rdd ctl apply -f - <<<"$(widget later 'color: green')" &
  wait_until 30 rdd ctl wait --for=create widgets --field-selector spec.color=green --timeout=5s
  wait
}

@test "delete --wait=false on an object with a finalizer leaves it Terminating; wait --for=delete" {
  rdd ctl apply -f - <<'EOF'
apiVersion: bats.rancherdesktop.io/v1
kind: Widget
metadata:
  name: held
  namespace: default
  finalizers: [bats.rancherdesktop.io/hold]
spec:
  size: 1
EOF
  run rdd ctl delete widget held --wait=false
  assert_success
  assert_output 'widget.bats.rancherdesktop.io "held" deleted'
  run rdd ctl get widget held -o jsonpath='{.metadata.deletionTimestamp}'
  assert_success
  assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'

  rdd ctl wait widget/held --for=delete --timeout=30s >"$BATS_TEST_TMPDIR/wait.out" 2>&1 &
  waiter=$!
  rdd ctl patch widget held --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'
  wait "$waiter" || fail "$(cat "$BATS_TEST_TMPDIR/wait.out")"
  run rdd ctl get widget held
  assert_failure 1
  assert_output --partial 'widgets.bats.rancherdesktop.io "held" not found'
}

@test "bad input gives kubectl's readable errors" {
  run rdd ctl apply -f - <<<"$(widget bad 'bogus: 1')"
  assert_failure 1
  assert_output --partial 'unknown field "spec.bogus"'

  run rdd ctl apply -f - <<<"$(widget bad 'color: purple')"
  assert_failure 1
  assert_output --partial 'The Widget "bad" is invalid'
  assert_output --partial 'spec.color: Unsupported value: "purple"'

  run rdd ctl apply -f - <<<"$(widget bad 'size: 0')"
  assert_failure 1
  assert_output --partial 'spec.size'

  run rdd ctl get widget nope
  assert_failure 1
  assert_output --partial 'Error from server (NotFound): widgets.bats.rancherdesktop.io "nope" not found'

  run rdd ctl get widgets --field-selector spec.size=1
  assert_failure 1
  assert_output --partial 'spec.size'

  run rdd ctl get nosuchkind
  assert_failure 1
  assert_output --partial "the server doesn't have a resource type \"nosuchkind\""
}

@test "arguments pass through untouched: -n, -o, and everything after --" {
  run rdd ctl get -n default widgets -o custom-columns=N:.metadata.name --sort-by=.metadata.name
  assert_success
  assert_line --index 0 'N'
  assert_line 'w1'
  run rdd ctl -- get -n default widget w1 -o name
  assert_success
  assert_output 'widget.bats.rancherdesktop.io/w1'
}

@test "a service that was never created: clear message and a hint" {
  run rdd --instance "${RDD_INSTANCE}-none" ctl get widgets
  assert_failure 1
  assert_output --partial 'the service was never created'
  assert_output --partial 'hint: run `rdd svc start`'
}

@test "kubectl's help works before the service exists" {
  run rdd --instance "${RDD_INSTANCE}-none" ctl get --help
  assert_success
  assert_output --partial 'Display one or many resources'
  refute_output --partial 'never created'
}

@test "kubectl missing: clear message, exit 1" {
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  ln -s "$(command -v node)" "$BATS_TEST_TMPDIR/bin/node"
  PATH="$BATS_TEST_TMPDIR/bin" run rdd ctl get widgets
  assert_failure 1
  assert_output --partial 'kubectl not found on PATH'
}
