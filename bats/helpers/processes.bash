# Process and host cleanup for one instance, shared by common.bash and
# scripts/bats-with-timeout.sh. Matching uses anchored markers only
# (docs/design-rules.md#anchored-process-markers),
# implemented once in src/support/processes.ts (needs `npm run build`).

RDD_ROOT="${RDD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

rdd_instance_processes() {
  node "$RDD_ROOT/scripts/instance-processes.mjs" "$@"
}

# rdd_kill_instance_processes INSTANCE: TERM then KILL, by PID; prints the PIDs.
rdd_kill_instance_processes() {
  rdd_instance_processes kill "$1"
}

# rdd_remove_leftovers HOME SHORT_DIR: unmounts what a killed engine left under
# HOME and deletes the engine's bridge (named like bridge.ts does).
rdd_remove_leftovers() {
  local home="$1" short_dir="$2" mount bridge
  while read -r mount; do
    umount -l "$mount" 2>/dev/null || true
  done < <(awk -v prefix="$home/" 'index($5, prefix) == 1 { print $5 }' /proc/self/mountinfo 2>/dev/null | sort -r)
  bridge="rdd$(printf '%s' "$short_dir" | sha256sum | cut -c1-10)"
  if ip link show "$bridge" >/dev/null 2>&1; then ip link delete "$bridge" 2>/dev/null || true; fi
}
