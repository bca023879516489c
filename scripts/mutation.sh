#!/usr/bin/env bash
# Mutation testing (StrykerJS) of the risky modules, one module per Stryker run:
#   scripts/mutation.sh                  every module in stryker.config.mjs
#   scripts/mutation.sh paging gc        those modules
#   RDD_MUTATION_CONCURRENCY=1           processes per run (default 2: one checker, one test runner)
# Not part of CI: a module takes minutes on two cores. Each module's report
# goes to .tmp/mutation/MODULE/ (mutation.json, run.log); the summary (score
# per module, surviving mutants) is printed last, as docs/mutation.md records it.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
if (($# == 0)); then
  mapfile -t modules < <(node -e 'process.env.RDD_MUTATION_MODULE = "store"; import("./stryker.config.mjs").then((m) => console.log(Object.keys(m.MODULES).join("\n")))')
else
  modules=("$@")
fi
status=0
for module in "${modules[@]}"; do
  mkdir -p ".tmp/mutation/$module"
  echo "=== mutation: $module (log: .tmp/mutation/$module/run.log)"
  if ! RDD_MUTATION_MODULE="$module" node_modules/.bin/stryker run stryker.config.mjs >".tmp/mutation/$module/run.log" 2>&1; then
    tail -n 20 ".tmp/mutation/$module/run.log"
    status=1
  fi
done
node scripts/lib/mutation-summary.mjs "${modules[@]/#/.tmp/mutation/}" || status=1
exit "$status"
