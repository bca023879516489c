#!/usr/bin/env bats
# Fault: secrets in a support bundle. People attach bundles to public bug
# reports: no Secret value of any type may be in one, raw or base64, and the
# archive is for its owner only. See docs/support-bundle.md#guarantees.

bats_require_minimum_version 1.5.0
load '../helpers/common'

MARK="leak-$$-$RANDOM$RANDOM"

setup_file() {
  rdd_isolate
  rdd svc start
}

teardown_file() {
  rdd_cleanup
}

# A Secret of each type kubectl can make, each value carrying $MARK.
create_secrets() {
  rdd ctl create secret generic opaque --from-literal=dbpass="hunter2-$MARK" --from-literal=url="postgres://u:pw-$MARK@db/x"
  rdd ctl create secret generic tls --type=kubernetes.io/tls \
    --from-literal=tls.crt="cert-$MARK" --from-literal=tls.key="key-$MARK"
  rdd ctl create secret docker-registry pull --docker-server=registry.invalid \
    --docker-username="user-$MARK" --docker-password="registry-pw-$MARK"
  rdd ctl create secret generic basic --type=kubernetes.io/basic-auth \
    --from-literal=username="admin-$MARK" --from-literal=password="basic-pw-$MARK"
  printf 'not-a-real-private-key-%s\n' "$MARK" >"$BATS_TEST_TMPDIR/id"
  rdd ctl create secret generic ssh --type=kubernetes.io/ssh-auth --from-file=ssh-privatekey="$BATS_TEST_TMPDIR/id"
  # Applied, so that the last-applied annotation carries the values too.
  rdd ctl apply -f - <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: applied
  annotations:
    kubernetes.io/service-account.name: default
type: kubernetes.io/service-account-token
stringData:
  token: sa-token-$MARK
  note: applied-$MARK
EOF
}

# Every Secret value as the server stores it (base64) and decoded, one per line.
secret_values() {
  rdd ctl get secrets -o json | node -e '
    const list = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const s of list.items) for (const v of Object.values(s.data ?? {})) {
      console.log(v);
      console.log(Buffer.from(v, "base64").toString("utf8").trim());
    }'
}

@test "no Secret value of any type is in the bundle, raw or base64; keys are kept; the archive is 0600, its directories 0700" {
  create_secrets
  run --separate-stderr secret_values
  assert_success
  # 6 Secrets, 10 values, each twice.
  assert [ "${#lines[@]}" -ge 20 ]
  local values=("${lines[@]}")

  run rdd support-bundle -o "$BATS_TEST_TMPDIR/out/b.tar.gz"
  assert_success
  run stat -c %a "$BATS_TEST_TMPDIR/out/b.tar.gz"
  assert_output 600
  run stat -c %a "$BATS_TEST_TMPDIR/out"
  assert_output 700
  # Every directory in the archive is 0700 and every file 0600.
  run bash -c "tar tzvf '$BATS_TEST_TMPDIR/out/b.tar.gz' | awk '{ print substr(\$1, 1, 10) }' | sort -u"
  assert_success
  assert_output $'-rw-------\ndrwx------'

  mkdir -p "$BATS_TEST_TMPDIR/x"
  tar xzf "$BATS_TEST_TMPDIR/out/b.tar.gz" -C "$BATS_TEST_TMPDIR/x"
  local dump
  dump="$(echo "$BATS_TEST_TMPDIR"/x/rdd-support-*/api/v1/secrets.json)"
  assert [ -s "$dump" ]

  local value encoded
  for value in "${values[@]}" "$MARK"; do
    encoded="$(printf '%s' "$value" | base64 -w0)"
    run grep -rlF -e "$value" -e "$encoded" "$BATS_TEST_TMPDIR/x"
    assert_failure 1
  done
  # The keys are kept, to show what each Secret holds.
  run jq -r '.items[] | "\(.metadata.name) \(.data | keys | join(","))"' "$dump"
  assert_line 'opaque dbpass,url'
  assert_line 'tls tls.crt,tls.key'
  assert_line 'pull .dockerconfigjson'
  assert_line 'ssh ssh-privatekey'
  run jq -r '[.items[].data[]] | unique | join(" ")' "$dump"
  assert_output '<redacted>'
}
