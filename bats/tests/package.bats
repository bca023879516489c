#!/usr/bin/env bats
# rdd as users install it (README "Install"): `npm pack`, then `npm install -g`
# of the tarball into a temporary prefix, run from outside the repository with
# a fresh HOME against the native engine; an upgrade to a newer build with the
# daemon still running (the skew warning, `svc restart`, the state kept); then
# `svc delete`, `npm uninstall -g`, and nothing of rdd left.
#
# Both packages are built from a copy of the sources, which is no git
# checkout: their commit is "unknown", and they differ in version only. The
# first install compiles better-sqlite3 (against Node's own headers, as
# scripts/lib/deps.sh does); the upgrade takes that binary as its prebuilt one.

bats_require_minimum_version 1.5.0
load '../helpers/common'

setup_file() {
  # npm's cache from before the fresh HOME: packages `npm ci` fetched already come from it.
  export npm_config_cache="${npm_config_cache:-$HOME/.npm}"
  rdd_isolate package
  use_offline_registry
  export npm_config_prefer_offline=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
  # shellcheck source=../../scripts/lib/deps.sh
  source "$RDD_ROOT/scripts/lib/deps.sh"
  rdd_use_local_node_headers
  export PREFIX="$BATS_FILE_TMPDIR/prefix" WORK="$BATS_FILE_TMPDIR/work" SRC="$BATS_FILE_TMPDIR/src"
  export PATH="$PREFIX/bin:$PATH"
  mkdir -p "$WORK" "$SRC"
  pack_old_and_new
}

teardown_file() {
  rdd_cleanup
}

# The installed rdd, found on PATH (not the repository's bin/rdd, which `rdd` runs).
installed_rdd() {
  command rdd "$@"
}

# Timed, as a TAP comment: what the README says installs cost.
timed() {
  local started=$SECONDS
  "$@"
  local status=$?
  printf '# %ss: %s\n' "$((SECONDS - started))" "${*:1:3}" >&3
  return "$status"
}

# OLD: the sources' version, packed by `npm pack` (its prepack builds); NEW: the
# same one patch version up, re-bundled with that version and packed as built.
pack_old_and_new() {
  tar -C "$RDD_ROOT" --exclude=./node_modules --exclude=./dist --exclude=./.tmp --exclude=./.git -cf - . | tar -C "$SRC" -xf -
  ln -s "$RDD_ROOT/node_modules" "$SRC/node_modules"
  cd "$SRC" || return 1
  OLD_TGZ="$BATS_FILE_TMPDIR/$(timed npm pack --silent --pack-destination "$BATS_FILE_TMPDIR")" || return 1
  OLD_VERSION="$(node -p 'require("./package.json").version')"
  npm version patch --no-git-tag-version >/dev/null || return 1
  NEW_VERSION="$(node -p 'require("./package.json").version')"
  rm -rf dist/bundle
  node scripts/bundle.mjs || return 1
  NEW_TGZ="$BATS_FILE_TMPDIR/$(npm pack --silent --ignore-scripts --pack-destination "$BATS_FILE_TMPDIR")" || return 1
  export OLD_TGZ OLD_VERSION NEW_TGZ NEW_VERSION
}

# prebuild-install (better-sqlite3's install) takes a prebuilt binary from a local dir
# before it tries to download one: offer it the one the first install compiled, so the
# upgrade installs like a user's online one does, without a second compile.
offer_compiled_sqlite_as_prebuilt() {
  local module="$PREFIX/lib/node_modules/rdd/node_modules/better-sqlite3" name
  name="$(node -p '`better-sqlite3-v${require(process.argv[1]).version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`' "$module/package.json")"
  mkdir -p "$BATS_FILE_TMPDIR/prebuilds"
  tar -czf "$BATS_FILE_TMPDIR/prebuilds/$name" -C "$module" build/Release/better_sqlite3.node
  export npm_config_better_sqlite3_local_prebuilds="$BATS_FILE_TMPDIR/prebuilds"
}

json_field() {
  installed_rdd status -o json 2>/dev/null | jq -r "$1"
}

@test "npm pack builds first and ships the bundle, CRDs, Lima template, README, LICENSE and CHANGELOG only" {
  run -0 tar -tzf "$OLD_TGZ"
  assert_line package/bin/rdd
  assert_line package/dist/bundle/launch.cjs
  assert_line package/dist/bundle/main.js
  assert_line package/dist/crds/crds.json
  assert_line package/templates/lima/rd.yaml
  for file in package.json README.md LICENSE CHANGELOG.md; do assert_line "package/$file"; done
  refute_output --regexp '^package/(src|test|bats|bench|scripts|docs|node_modules|templates/crds)/'
  refute_output --regexp '\.(map|ts)$'
  refute_output --regexp '^package/dist/(engine|commands)/'
  printf '# %s: %s bytes, %s files\n' "$(basename "$OLD_TGZ")" "$(stat -c %s "$OLD_TGZ")" "${#lines[@]}" >&3
  # Everything but better-sqlite3 and yaml is in the bundle: nothing else to install, nothing else to compile.
  run -0 tar -xzOf "$OLD_TGZ" package/package.json
  assert_equal "$(jq -c '.dependencies | keys' <<<"$output")" '["better-sqlite3","yaml"]'
  assert_equal "$(jq -r '.license, has("private")' <<<"$output" | paste -sd ' ')" 'Apache-2.0 false'
}

@test "installed from the tarball, rdd runs the engine from any directory" {
  cd "$WORK"
  timed npm install -g --prefix "$PREFIX" "$OLD_TGZ"
  assert_equal "$(type -P rdd)" "$PREFIX/bin/rdd"
  # One native module, compiled: better-sqlite3 (no ssh2, no cpu-features: dockerode is in the bundle without its SSH transport).
  run -0 find "$PREFIX/lib/node_modules/rdd/node_modules" -name binding.gyp
  assert_output "$PREFIX/lib/node_modules/rdd/node_modules/better-sqlite3/binding.gyp"
  assert [ -s "$PREFIX/lib/node_modules/rdd/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ]

  run -0 installed_rdd version
  assert_output --regexp "^rdd $OLD_VERSION \(commit unknown, node v[0-9.]+\)$"
  run -0 installed_rdd set running=true
  rdd_docker run -d --name kept busybox sleep 600
  wait_until 30 test "$(installed_rdd ctl get containers -n rancher-desktop --field-selector status.name=kept -o name)" != ''
  run -0 installed_rdd ctl annotate app app rdd.test/kept=yes
  run -0 installed_rdd support-bundle
  assert [ -s "${lines[-1]}" ]
  assert_equal "$(dirname "${lines[-1]}")" "$WORK"
  # It names the CLI's build and the daemon's.
  assert_equal "$(tar -xzOf "${lines[-1]}" --wildcards '*/versions.json' | jq -r '.rdd | "\(.version) \(.commit)"')" "$OLD_VERSION unknown"
  assert_equal "$(tar -xzOf "${lines[-1]}" --wildcards '*/api/version.json' | jq -r .rdd.version)" "$OLD_VERSION"
  # The daemon says which build it is.
  run -0 installed_rdd ctl get --raw /version
  assert_equal "$(jq -r '.rdd.version' <<<"$output")" "$OLD_VERSION"
}

@test "after an upgrade the CLI warns about the running daemon, svc restart moves it to the new build, and the state is kept" {
  cd "$WORK"
  offer_compiled_sqlite_as_prebuilt
  timed npm install -g --prefix "$PREFIX" "$NEW_TGZ"
  run -0 installed_rdd version
  assert_output --regexp "^rdd $NEW_VERSION "
  local warning="rdd: warning: the rdd daemon for instance $RDD_INSTANCE runs rdd $OLD_VERSION (commit unknown), this CLI is rdd $NEW_VERSION (commit unknown); run \`rdd --instance $RDD_INSTANCE svc restart\`"

  run -0 --separate-stderr installed_rdd status
  assert_output --partial 'App:       running'
  output="$stderr" assert_output --partial "$warning"
  run -0 --separate-stderr installed_rdd svc start
  output="$stderr" assert_output --partial "$warning"
  run -0 installed_rdd set running=true
  assert_output --partial "$warning"

  run -0 installed_rdd svc restart
  assert_line --regexp "^rdd daemon for instance $RDD_INSTANCE stopped \(pid [0-9]+\)$"
  assert_line --regexp "^rdd daemon for instance $RDD_INSTANCE started \(pid [0-9]+\), API at https://"
  run -0 installed_rdd set running=true
  refute_output --partial 'warning'
  assert_equal "$(json_field .daemon.version)" "$NEW_VERSION"
  # The App, its annotation (the store) and the engine's container (its data-root) outlived the upgrade.
  assert_equal "$(installed_rdd ctl get app app -o 'jsonpath={.metadata.annotations.rdd\.test/kept}')" yes
  wait_until 30 test "$(installed_rdd ctl get containers -n rancher-desktop --field-selector status.name=kept -o name)" != ''
}

@test "svc delete and npm uninstall -g leave nothing of rdd behind" {
  cd "$WORK"
  run -0 installed_rdd set running=false
  run -0 installed_rdd svc delete
  run -0 npm uninstall -g --prefix "$PREFIX" rdd
  assert [ ! -e "$PREFIX/bin/rdd" ]
  assert [ ! -e "$PREFIX/lib/node_modules/rdd" ]
  run -0 rdd_live_instance_pids "$RDD_INSTANCE"
  assert_output ''
  # README "Install": the Docker CLI's config dir (rdd's context in it is gone) and the XDG data dir stay.
  run -0 bash -c 'cd "$HOME" && find . -mindepth 1 | sort'
  assert_output "$(printf '%s\n' ./.docker ./.docker/config.json ./.docker/contexts ./.docker/contexts/meta ./.local ./.local/share)"
  assert_equal "$(jq -c . "$HOME/.docker/config.json")" '{}'
}
