# Every bench in bench/ still runs (docs/performance.md): once each, at a
# size small enough for CI. Their figures are not judged here (a loaded CI
# machine says nothing about speed); each must finish and print its verdict
# or summary line.
bats_require_minimum_version 1.5.0
load '../helpers/common'

setup_file() {
  cd "$RDD_ROOT" || return 1
  # Compile once; each test then runs its bench with RDD_BENCH_PREBUILT=1.
  npx tsc -p tsconfig.json --outDir .tmp/bench
  export RDD_BENCH_PREBUILT=1
}

bench() {
  run --separate-stderr "$RDD_ROOT/scripts/bench.sh" "$@"
  if [[ "$status" -ne 0 ]]; then
    echo "bench $1 exited $status; stderr:" >&2
    echo "$stderr" >&2
  fi
  assert_success
}

@test "write-path bench writes its mirrors and reports the CPU per mirror" {
  bench write-path --objects 30
  # One write per new mirror: its create carries the status (docs/performance.md, round 4).
  assert_line --regexp '^write-path bench: 63 mirrors \(63 writes\) in [0-9]+ ms, [0-9]+ ms CPU'
}

@test "mirror bench syncs two scales and prints a verdict with the flatness and latency checks" {
  bench mirror --scale 10,20 --samples 3
  assert_line --regexp '^mirror bench 10: full sync of 10/2/10 '
  assert_line --regexp '^mirror bench 20: full sync of 20/2/20 '
  assert_line --regexp '^mirror bench verdict: time/object .*(PASS|FAIL).*event→mirror p99 .*(PASS|FAIL)'
}

@test "apiserver bench lists, watches and pages" {
  bench apiserver --objects 50 --watchers 3 --samples 2 --paging 100 --events 50
  assert_line --regexp '^apiserver: list 50 objects p50 .* (PASS|FAIL)$'
}

@test "faults bench recovers from an engine kill" {
  bench faults --kills 1 --containers 1
  assert_line --regexp '^(PASS|FAIL) faults: engine SIGKILL x1 -> Connected p50 [0-9]+ ms'
}

@test "streams bench reads a log and runs execs" {
  bench streams --mb 1 --runs 1 --samples 3
  assert_line --regexp '^(PASS|FAIL) logs 1 MB: passthrough [0-9.]+ MB/s vs docker logs'
}

@test "cli bench times version, ctl and status against their baselines" {
  # Runs bin/rdd: CI built it before the suite (npm run build).
  bench cli --samples 2
  assert_line --regexp '^(PASS|FAIL) cli: version p50 [0-9.]+ ms = [0-9.]+x node -e 0 .*status p50 [0-9.]+ ms'
}

@test "start bench times a cold and a warm rdd set running=true" {
  # Runs bin/rdd with the native driver: CI built it before the suite.
  bench start --runs 1
  assert_line --regexp '^start: cold p50 [0-9.]+ ms \(≤2000 (PASS|FAIL)\); warm p50 [0-9.]+ ms \(≤1000 (PASS|FAIL)\)'
}

@test "idle bench measures an idle daemon with and without the engine" {
  # Runs bin/rdd with the native driver: CI built it before the suite.
  bench idle --seconds 3 --objects 5 --settle 1
  assert_line --regexp '^idle: (PASS|FAIL) engine \+ [0-9]+ mirrors: RSS [0-9.]+ MB .*API server only: RSS [0-9.]+ MB'
}
