#!/usr/bin/env bash
# From a fresh checkout to a running engine, mirrored into rdd's API:
# installs missing apt packages and npm dependencies, builds, then
# `bin/rdd set running=true` (waits until the engine is up and mirrored).
#   RDD_INSTANCE=NAME ./scripts/quickstart.sh   for another instance than "2"
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib/deps.sh
source "$ROOT/scripts/lib/deps.sh"

rdd_install_deps "$ROOT"
echo "building"
npm run --silent build
"$ROOT/bin/rdd" set running=true
socket="$("$ROOT/bin/rdd" svc paths docker_socket)"
cat <<MSG

rdd is up. Try:
  $ROOT/bin/rdd status
  $ROOT/bin/rdd run docker run --rm busybox echo hello     (or: docker --host unix://$socket ps)
  $ROOT/bin/rdd ctl get containers -n rancher-desktop
Stop it with: $ROOT/bin/rdd set running=false
MSG
