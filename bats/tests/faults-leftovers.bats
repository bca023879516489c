#!/usr/bin/env bats
# Fault: leftovers. Stopping the engine removes the instance bridge and the
# iptables rules dockerd made for it; `svc delete` leaves no process, mount,
# bridge or rule of the instance; an engine start clears the rules of rdd
# bridges that no longer exist. See docs/instances.md#what-an-instance-leaves-on-the-host.

bats_require_minimum_version 1.5.0
load '../helpers/common'

setup_file() {
  rdd_isolate
  use_offline_registry
  # Named like src/engine/vm/native/bridge.ts names them.
  BRIDGE="rdd$(printf '%s' "$(rdd_short_dir)" | sha256sum | cut -c1-10)"
  GHOST="rdd$(printf '%s' "$RDD_TEST_HOME/ghost" | sha256sum | cut -c1-10)"
  export BRIDGE GHOST
}

teardown_file() {
  iptables -D FORWARD -o "${GHOST}x" -j ACCEPT 2>/dev/null || true
  rdd_cleanup
}

# Rules naming interface $1 exactly (-i/-o, negated or not; never a prefix).
rules_naming() {
  iptables-save | grep -E -- "(^| )-[io] $1( |$)" || true
}

# Rules with an -s/-d address inside the /24 $1 (a.b.c.0/24).
rules_inside() {
  iptables-save | grep -E -- " -[sd] ${1%.0/24}\.[0-9]+/" || true
}

# The bridge's /24 as the rules write it (bridge.ts gives it a.b.c.1/24).
bridge_subnet() {
  local address
  address=$(ip -j addr show dev "$BRIDGE" | jq -r '.[0].addr_info[] | select(.family == "inet") | .local')
  printf '%s.0/24' "${address%.*}"
}

# Nothing of the instance's bridge is left: the link, the rules naming it, the rules inside its /24 $1.
assert_no_bridge_left() {
  run ip link show "$BRIDGE"
  assert_failure
  run rules_naming "$BRIDGE"
  assert_output ''
  run rules_inside "$1"
  assert_output ''
}

@test "an engine start clears the rules of rdd bridges that are gone, and only those" {
  run ip link show "$GHOST"
  assert_failure
  iptables -t nat -A POSTROUTING -s 10.199.77.0/24 ! -o "$GHOST" -j MASQUERADE
  iptables -A FORWARD -o "$GHOST" -j ACCEPT
  # Not an rdd bridge name: a longer name that merely starts like one.
  iptables -A FORWARD -o "${GHOST}x" -j ACCEPT

  rdd set running=true --timeout=3m

  run rules_naming "$GHOST"
  assert_output ''
  run rules_naming "${GHOST}x"
  assert_output "-A FORWARD -o ${GHOST}x -j ACCEPT"
  iptables -D FORWARD -o "${GHOST}x" -j ACCEPT
}

@test "stopping the engine removes its bridge and iptables rules; starting makes them again" {
  run -0 ip link show "$BRIDGE"
  subnet=$(bridge_subnet)
  run rules_naming "$BRIDGE"
  assert_line "-A POSTROUTING -s $subnet ! -o $BRIDGE -j MASQUERADE"
  assert_line --partial "-A FORWARD -o $BRIDGE "

  rdd set running=false --timeout=2m

  assert_no_bridge_left "$subnet"

  rdd set running=true --timeout=3m
  run -0 ip link show "$BRIDGE"
  run rules_naming "$BRIDGE"
  assert_line --regexp "^-A POSTROUTING -s [0-9.]+/24 ! -o $BRIDGE -j MASQUERADE$"
}

@test "svc delete with the engine running leaves no process, mount, bridge or rule of the instance" {
  subnet=$(bridge_subnet)
  run -0 rdd_docker info --format '{{.Name}}'

  run rdd svc delete
  assert_success

  run rdd_live_instance_pids "$RDD_INSTANCE"
  assert_output ''
  run grep -F " $RDD_TEST_HOME/" /proc/self/mountinfo
  assert_output ''
  assert_no_bridge_left "$subnet"
}
