# rdd support-bundle (docs/support-bundle.md): written with the daemon down and up, secrets never in it.
load '../helpers/common'

PLANTED="planted-secret-$$-$RANDOM$RANDOM"

setup_file() {
  rdd_isolate support-bundle
}

teardown_file() {
  rdd_cleanup
}

# extract BUNDLE: unpacks into $BATS_TEST_TMPDIR/x and sets BUNDLE_DIR.
extract() {
  mkdir -p "$BATS_TEST_TMPDIR/x"
  tar xzf "$1" -C "$BATS_TEST_TMPDIR/x"
  BUNDLE_DIR="$(echo "$BATS_TEST_TMPDIR"/x/rdd-support-*)"
}

# manifest_field COLLECTOR FIELD
manifest_field() {
  node -e '
    const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const c = m.collectors.find((c) => c.name === process.argv[2]);
    console.log(c ? (c[process.argv[3]] ?? "") : "no such collector");' "$BUNDLE_DIR/manifest.json" "$1" "$2"
}

@test "with the daemon down the bundle is written in the cwd and the manifest says why parts are missing" {
  cd "$BATS_TEST_TMPDIR"
  run rdd support-bundle
  assert_success
  assert_line --regexp "^$BATS_TEST_TMPDIR/rdd-support-$RDD_INSTANCE-[0-9]{8}T[0-9]{6}Z\.tar\.gz$"
  extract "${lines[-1]}"
  run manifest_field api-objects skipped
  assert_output --partial 'daemon is not running'
  run manifest_field diagnostic-report skipped
  assert_output --partial 'daemon is not running'
  run manifest_field engine skipped
  assert_output --partial 'engine is not running'
  assert [ -s "$BUNDLE_DIR/versions.json" ]
  assert [ -s "$BUNDLE_DIR/memory/meminfo.txt" ]
}

@test "with the daemon up: API dump, diagnostic report, process tree, and no planted secret anywhere" {
  MY_SERVICE_TOKEN="$PLANTED" rdd svc start
  local token
  token="$(awk '$1 == "token:" { print $2 }' "$(rdd_service_dir)/kubeconfig")"
  assert [ -n "$token" ]
  echo "request with Authorization: Bearer $PLANTED" >>"$(rdd_log_dir)/rdd.log"

  run rdd support-bundle -o "$BATS_TEST_TMPDIR/out/b.tar.gz"
  assert_success
  assert_line "$BATS_TEST_TMPDIR/out/b.tar.gz"
  extract "$BATS_TEST_TMPDIR/out/b.tar.gz"

  assert [ -s "$BUNDLE_DIR/api/discovery.json" ]
  assert [ -s "$BUNDLE_DIR/api/v1/namespaces.json" ]
  run ls "$BUNDLE_DIR/diagnostics"
  assert_output --regexp '^report\..*\.json$'
  run cat "$BUNDLE_DIR/processes/tree.txt"
  assert_output --partial 'svc serve'
  assert [ -s "$BUNDLE_DIR/processes/open-files.txt" ]
  assert [ -s "$BUNDLE_DIR/logs/rdd.log" ]
  run manifest_field api-objects error
  assert_output ''

  run grep -rlF -e "$PLANTED" -e "$token" "$BUNDLE_DIR"
  assert_failure 1
  assert_output ''
}
