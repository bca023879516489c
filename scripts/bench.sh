#!/usr/bin/env bash
# Runs one benchmark from bench/ (docs/performance.md), compiled to .tmp/bench:
#   scripts/bench.sh faults --kills 10
#   scripts/bench.sh mirror --containers 1000
# Benchmarks that start engines need root, like the test suite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
name="${1:?usage: scripts/bench.sh NAME [ARGS...] (NAME is a file in bench/ without .ts)}"
shift
[[ -f "bench/$name.ts" ]] || { echo "no such benchmark: bench/$name.ts" >&2; exit 2; }
out="$ROOT/.tmp/bench"
# RDD_BENCH_PREBUILT=1: the caller compiled already (bats/tests/bench.bats runs several benches).
[[ "${RDD_BENCH_PREBUILT:-}" == 1 ]] || npx tsc -p tsconfig.json --outDir "$out"
# Test support imports the offline registry's plain .mjs, which tsc does not copy;
# src/engine/base/assets.ts finds templates/ and package.json two levels above itself.
mkdir -p "$out/scripts"
cp scripts/*.mjs "$out/scripts/"
ln -sfn "$ROOT/templates" "$out/templates"
ln -sfn "$ROOT/package.json" "$out/package.json"
exec node "$out/bench/$name.js" "$@"
