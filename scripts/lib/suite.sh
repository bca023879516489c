# How scripts/test-all.sh runs and counts: each test layer under a deadline,
# counted into OUT_DIR/NAME.counts ("PASSED FAILED SKIPPED"), then added up;
# gates (deps, lint, ...) fail the run but are not tests. Sourced by
# test-all.sh and by bats/tests/count.bats, which runs it on planted fixtures.
# Needs RDD_ROOT.

RDD_PASSED=0
RDD_FAILED=0
RDD_SKIPPED=0
RDD_FAILURES=()
RDD_FAILED_GATES=()

# rdd_gate OUT_DIR NAME CMD...: a pass/fail step, its output in OUT_DIR/NAME.log.
rdd_gate() {
  local out="$1" name="$2"
  shift 2
  if "$@" >"$out/$name.log" 2>&1; then
    echo "ok: $name"
  else
    RDD_FAILED_GATES+=("$name")
    tail -n 40 "$out/$name.log"
    echo "GATE FAILED: $name (full log: $out/$name.log)"
  fi
}

# rdd_count LABEL COUNTS_FILE: adds one layer's "PASSED FAILED SKIPPED" to the totals.
rdd_count() {
  local p f s
  if ! read -r p f s <"$2" 2>/dev/null || ! [[ "$p $f $s" =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]]; then
    p=0 f=1 s=0
    echo "FAILED: $1 could not be counted ($2)"
  fi
  RDD_PASSED=$((RDD_PASSED + p))
  RDD_FAILED=$((RDD_FAILED + f))
  RDD_SKIPPED=$((RDD_SKIPPED + s))
  ((f == 0)) || RDD_FAILURES+=("$1 ($f)")
  echo "$1: $p passed, $f failed, $s skipped"
}

# rdd_summary OUT_DIR STARTED_EPOCH: what failed, then the counts as the very
# last line. Fails when a test or a gate failed.
rdd_summary() {
  local out="$1" started="$2" bundle
  if ((RDD_FAILED > 0 || ${#RDD_FAILED_GATES[@]} > 0)); then
    ((RDD_FAILED == 0)) || printf 'failed: %s\n' "${RDD_FAILURES[@]}"
    ((${#RDD_FAILED_GATES[@]} == 0)) || printf 'GATE FAILED: %s\n' "${RDD_FAILED_GATES[@]}"
    echo "logs: $out"
    while IFS= read -r bundle; do echo "support bundle: $bundle"; done < <(find "$RDD_ARTIFACTS_DIR" -maxdepth 1 -name 'rdd-support-*.tar.gz' -newer "$out/.started" 2>/dev/null)
  fi
  echo "took $(($(date +%s) - started))s"
  echo "$RDD_PASSED passed, $RDD_FAILED failed, $RDD_SKIPPED skipped"
  ((RDD_FAILED == 0 && ${#RDD_FAILED_GATES[@]} == 0))
}

# rdd_wait_deadline PID TIMEOUT_S: waits for PID (0 = no deadline); 124 when
# the deadline expired and PID still runs, else PID's exit status.
rdd_wait_deadline() {
  local pid="$1" timeout_s="$2" deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    if ((timeout_s > 0 && SECONDS >= deadline)); then return 124; fi
    sleep 0.5
  done
  wait "$pid"
}

# rdd_diagnose_vitest PGID OUT_DIR: asks the hung run's Node processes for
# diagnostic reports (they run with --report-on-signal), then stops the group.
# Only Node processes get SIGUSR2: it would terminate anything else (dockerd).
rdd_diagnose_vitest() {
  local pgid="$1" out="$2" reports="$2/vitest-reports" pids waited=0
  pids="$(ps -eo pid=,pgid=,comm= | awk -v g="$pgid" '$2 == g && $3 == "node" { print $1 }')"
  echo "vitest: asked its Node processes for diagnostic reports: $(tr '\n' ' ' <<<"$pids")" >&2
  # shellcheck disable=SC2086 # one PID per word
  [[ -z "$pids" ]] || kill -USR2 $pids 2>/dev/null
  while ((waited < 50)) && (($(find "$reports" -name '*.json' 2>/dev/null | wc -l) < $(wc -w <<<"$pids"))); do
    sleep 0.1
    waited=$((waited + 1))
  done
  find "$reports" -name '*.json' -printf 'vitest: diagnostic report: %p\n' >&2 2>/dev/null
  echo "vitest: last lines of $out/vitest.log:" >&2
  tail -n 30 "$out/vitest.log" >&2
  kill -TERM -- "-$pgid" 2>/dev/null
  for _ in $(seq 50); do rdd_group_running "$pgid" || break; sleep 0.1; done
  kill -KILL -- "-$pgid" 2>/dev/null
  wait "$pgid" 2>/dev/null
}

# rdd_group_running PGID: true while a process of the group runs (zombies do not).
rdd_group_running() {
  ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# rdd_run_vitest OUT_DIR TIMEOUT_S [VITEST_ARG...]: one vitest run, counted
# from its JSON report and its exit status into OUT_DIR/vitest.counts.
rdd_run_vitest() {
  local out="$1" timeout_s="$2" pid status
  shift 2
  rm -rf "${out:?}/vitest.json" "${out:?}/vitest-reports"
  mkdir -p "$out/vitest-reports"
  # Its own process group, so a timeout stops the whole tree by its PID.
  set -m
  NO_COLOR=1 NODE_OPTIONS="${NODE_OPTIONS:-} --report-on-signal --report-signal=SIGUSR2 --report-directory=$out/vitest-reports" \
    "$RDD_ROOT/node_modules/.bin/vitest" run --reporter=default --reporter=json \
    --outputFile.json="$out/vitest.json" "$@" </dev/null >"$out/vitest.log" 2>&1 &
  pid=$!
  set +m
  rdd_wait_deadline "$pid" "$timeout_s"
  status=$?
  if ((status == 124)); then
    echo "vitest: deadline of ${timeout_s}s expired" >&2
    rdd_diagnose_vitest "$pid" "$out"
  fi
  # Failed tests are named on stderr.
  node "$RDD_ROOT/scripts/lib/vitest-summary.mjs" "$out/vitest.json" "$status" ${RDD_VITEST_PROJECTS:+"$RDD_VITEST_PROJECTS"} >"$out/vitest.counts"
}

# rdd_run_vitest_projects OUT_DIR TIMEOUT_S ROOT CONFIG: every project of
# CONFIG, counted as rdd_run_vitest counts, and checked against what should
# have run (scripts/lib/vitest-projects.mjs): a project that finds no test
# file or runs no test, a file of a project that did not run, and a test file
# under ROOT/test that no project runs each count as a failure.
rdd_run_vitest_projects() {
  local out="$1" timeout_s="$2" root="$3" config="$4"
  if ! node "$RDD_ROOT/scripts/lib/vitest-projects.mjs" "$root" "$config" >"$out/vitest-projects.json" 2>"$out/vitest-projects.log"; then
    echo "vitest: could not list the projects of $config: $(tail -n 5 "$out/vitest-projects.log")" >&2
    : >"$out/vitest-projects.json"
  fi
  RDD_VITEST_PROJECTS="$out/vitest-projects.json" rdd_run_vitest "$out" "$timeout_s" --root "$root" --config "$config"
}

# rdd_check_bats_files LIST DIR OUT_DIR: the BATS files in DIR against LIST
# (one file name a line), counted into OUT_DIR/bats-files.counts: a listed
# file that is missing, or a file that is not listed, is one failure each, so
# a deleted file fails the run instead of running fewer tests.
rdd_check_bats_files() {
  local list="$1" dir="$2" out="$3" name failed=0 found=0
  local -A listed=()
  while IFS= read -r name; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    listed["$name"]=1
    [[ -f "$dir/$name" ]] || { echo "FAILED: $name is listed in $list but missing from $dir"; failed=$((failed + 1)); }
  done <"$list"
  for name in "$dir"/*.bats; do
    [[ -e "$name" ]] || continue
    found=$((found + 1))
    [[ -n "${listed[$(basename "$name")]:-}" ]] || { echo "FAILED: $(basename "$name") is not listed in $list"; failed=$((failed + 1)); }
  done
  # The check counts failures only: say what passed, or its count line's "0 passed" reads as nothing run.
  ((failed > 0)) || echo "ok: $found BATS files, each listed in $list"
  echo "0 $failed 0" >"$out/bats-files.counts"
}

# rdd_run_bats_file FILE OUT_DIR TIMEOUT_S: one BATS file under
# scripts/bats-with-timeout.sh, its TAP on stdout and into OUT_DIR/bats-NAME.tap,
# counted against what the file declares into OUT_DIR/bats-NAME.counts.
rdd_run_bats_file() {
  local file="$1" out="$2" timeout_s="$3" name declared status
  name="$(basename "$file" .bats)"
  # A file bats cannot even count declares nothing; its exit status still fails it.
  declared="$("$RDD_ROOT/node_modules/bats/bin/bats" --count "$file" 2>/dev/null)" || declared=0
  "$RDD_ROOT/scripts/bats-with-timeout.sh" "$timeout_s" "$file" </dev/null 2>"$out/bats-$name.stderr" | tee "$out/bats-$name.tap"
  status="${PIPESTATUS[0]}"
  if ((status != 0)) && [[ -s "$out/bats-$name.stderr" ]]; then tail -n 20 "$out/bats-$name.stderr"; fi
  node "$RDD_ROOT/scripts/lib/tap-summary.mjs" "$out/bats-$name.tap" "$declared" "$status" >"$out/bats-$name.counts"
}
