# Installs what rdd needs on a Debian-like machine; sourced by quickstart.sh and test-all.sh.
# Idempotent: apt runs only when a package is missing, npm ci only when node_modules
# is missing or older than package-lock.json (RDD_FORCE_NPM_CI=1 forces it).

# What rdd itself runs with (quickstart.sh installs these only).
RDD_APT_PACKAGES=(docker.io busybox-static docker-registry iproute2)
# What only the test suite needs (test-all.sh adds these): python3-kubernetes is a
# conformance client; debootstrap, systemd-container (systemd-nspawn), golang-go and
# dpkg-dev (dpkg-scanpackages) build and boot the real-guest test's Debian root
# (test/integration/engine/vm/lima-guest.test.ts).
RDD_TEST_APT_PACKAGES=(python3-kubernetes debootstrap systemd-container golang-go dpkg-dev)

rdd_missing_apt_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || printf '%s ' "$pkg"
  done
}

# rdd_install_apt_packages PKG...: installs those of PKG that are missing.
rdd_install_apt_packages() {
  local missing sudo=()
  missing="$(rdd_missing_apt_packages "$@")"
  [[ -n "$missing" ]] || return 0
  ((EUID == 0)) || sudo=(sudo)
  echo "installing apt packages: $missing"
  # shellcheck disable=SC2086 # the package list is meant to split
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends $missing </dev/null
}

# better-sqlite3 compiles against Node's headers; node-gyp would download them,
# which fails offline. Node installs ship them beside the binary: use those.
rdd_use_local_node_headers() {
  local prefix
  prefix="$(dirname "$(dirname "$(command -v node)")")"
  if [[ -z "${npm_config_nodedir:-}" && -f "$prefix/include/node/node_version.h" ]]; then
    export npm_config_nodedir="$prefix"
  fi
}

rdd_install_npm_packages() {
  local root="$1"
  rdd_use_local_node_headers
  # npm writes node_modules/.package-lock.json on install: a lockfile newer than it (a pull that changed dependencies) installs again.
  if [[ ! -f "$root/node_modules/.package-lock.json" || "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" || -n "${RDD_FORCE_NPM_CI:-}" ]]; then
    echo "installing npm packages (npm ci)"
    (cd "$root" && npm ci --no-audit --no-fund </dev/null) || return 1
  fi
  # A native module built for another Node ABI fails only when loaded: check now.
  if ! (cd "$root" && node -e "new (require('better-sqlite3'))(':memory:').close()") 2>/dev/null; then
    echo "rebuilding better-sqlite3 for $(node --version)"
    (cd "$root" && npm rebuild better-sqlite3 </dev/null) || return 1
    (cd "$root" && node -e "new (require('better-sqlite3'))(':memory:').close()") || return 1
  fi
}

rdd_check_node() {
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || {
    echo "node is not installed: install Node.js 20 or newer" >&2
    return 1
  }
  ((major >= 20)) || {
    echo "Node.js $major is too old: rdd needs 20 or newer" >&2
    return 1
  }
}

# rdd_install_deps ROOT [PKG...]: what rdd needs to build and run (and the apt packages PKG), in order.
rdd_install_deps() {
  rdd_check_node && rdd_install_apt_packages "${RDD_APT_PACKAGES[@]}" "${@:2}" && rdd_install_npm_packages "$1"
}

# rdd_install_test_deps ROOT: rdd_install_deps, plus what only the test suite needs.
rdd_install_test_deps() {
  rdd_install_deps "$1" "${RDD_TEST_APT_PACKAGES[@]}"
}
