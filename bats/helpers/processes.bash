# Process and host cleanup for one instance, shared by common.bash and
# scripts/bats-with-timeout.sh. Matching uses anchored markers only
# (docs/design-rules.md#anchored-process-markers),
# implemented once in src/engine/support/processes.ts (needs `npm run build`).

RDD_ROOT="${RDD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

rdd_instance_processes() {
  node "$RDD_ROOT/scripts/instance-processes.mjs" "$@"
}

# rdd_kill_instance_processes INSTANCE: TERM then KILL, by PID; prints the PIDs.
rdd_kill_instance_processes() {
  rdd_instance_processes kill "$1"
}

# rdd_remove_leftovers HOME SHORT_DIR: unmounts what a killed engine left under
# HOME and deletes the engine's bridge and its iptables rules (bridge.ts).
rdd_remove_leftovers() {
  local home="$1" short_dir="$2" mount
  while read -r mount; do
    umount -l "$mount" 2>/dev/null || true
  done < <(awk -v prefix="$home/" 'index($5, prefix) == 1 { print $5 }' /proc/self/mountinfo 2>/dev/null | sort -r)
  node --input-type=module -e 'const { removeBridge } = await import(process.argv[1]); await removeBridge(process.argv[2]);' \
    "$RDD_ROOT/dist/engine/vm/native/bridge.js" "$short_dir" 2>/dev/null || true
}

# rdd_live_instance_pids INSTANCE: its live processes, one PID per line. An
# exited daemon nobody reaped yet (it is detached from its starter) is a
# zombie and does not count.
rdd_live_instance_pids() {
  local pid
  while read -r pid _; do
    [[ -n "$pid" && "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" =~ ^[^Z]$ ]] && printf '%s\n' "$pid"
  done < <(rdd_instance_processes list "$1")
  return 0
}
