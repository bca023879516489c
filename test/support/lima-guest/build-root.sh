#!/usr/bin/env bash
# Builds, once per package list, what the real-guest test boots
# (test/integration/engine/vm/lima-guest.test.ts, docs/testing.md):
#   <entry>/root      a Debian bookworm root (debootstrap minbase + systemd, sudo) with
#                     the Lima user, its apt pointed only at the local repository
#   <entry>/repo      a flat apt repository holding the .debs the Lima provisioning
#                     script installs (and their dependencies), for an offline guest
#   <entry>/guest-tool  test/support/lima-guest/guest-tool.go, built with Debian's Go
# <entry> is <cache>/<hash of this script, the tool's source and the package list>, so
# changing any of them builds a new entry; older entries stay until removed by hand.
# Prints <entry> as its last line. Needs root, debootstrap, dpkg-scanpackages, go and
# Debian's apt mirror (read from this host's apt sources).
#   build-root.sh CACHE_DIR PACKAGE...
set -euo pipefail

cache="$1"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
suite=bookworm
include=systemd,systemd-sysv,dbus,sudo,ca-certificates
key="$({ cat "${BASH_SOURCE[0]}" "$here/guest-tool.go"; echo "$suite $include $*"; } | sha256sum | cut -c1-16)"
entry="$cache/$key"
if [[ -f "$entry/done" ]]; then
  echo "$entry"
  exit 0
fi

for tool in debootstrap dpkg-scanpackages go chroot; do
  command -v "$tool" >/dev/null || { echo "build-root.sh: $tool is missing (scripts/lib/deps.sh installs it)" >&2; exit 1; }
done
# The first Debian mirror this host's apt uses (deb822 or one-line sources).
mirror="$(grep -hoE '^(URIs:|deb)[[:space:]]+[^[:space:]]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
  awk '{print $2}' | grep -v -- '-security' | grep -m1 -i debian || true)"
[[ -n "$mirror" ]] || { echo "build-root.sh: no Debian mirror in this host's apt sources" >&2; exit 1; }

mkdir -p "$cache"
work="$(mktemp -d "$cache/.build.XXXXXX")"
cleanup() {
  for m in proc dev; do mountpoint -q "$work/root/$m" && umount -l "$work/root/$m"; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "debootstrap $suite from $mirror (once per package list; minutes)" >&2
debootstrap --variant=minbase --include="$include" "$suite" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }

# Download (not install) the packages and their dependencies inside the root, so apt
# resolves them against exactly what the guest has; then empty its apt state again.
cp /etc/resolv.conf "$work/root/etc/resolv.conf"
echo "deb $mirror $suite main" >"$work/root/etc/apt/sources.list"
mount -t proc proc "$work/root/proc"
# debootstrap leaves the base system's .debs behind: only the packages' own belong in the repository.
rm -f "$work/root/var/cache/apt/archives/"*.deb
chroot "$work/root" apt-get update -qq
chroot "$work/root" apt-get install -qq --download-only --no-install-recommends "$@" >/dev/null
umount "$work/root/proc"
mkdir -p "$work/repo"
mv "$work/root/var/cache/apt/archives/"*.deb "$work/repo/"
(cd "$work/repo" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null)
rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin
# The guest reaches only the read-only repository the test binds at /srv/rdd-repo.
echo 'deb [trusted=yes] file:/srv/rdd-repo ./' >"$work/root/etc/apt/sources.list"

# What cloud-init does on a Lima guest: the Lima user (uid 501, as on a Mac) with sudo.
chroot "$work/root" useradd --create-home --uid 501 --shell /bin/bash lima
echo 'lima ALL=(ALL) NOPASSWD:ALL' >"$work/root/etc/sudoers.d/lima"
# A container has no console to log in on, and no network to wait for.
chroot "$work/root" systemctl mask console-getty.service systemd-networkd-wait-online.service >/dev/null 2>&1 || true
echo rdd-guest >"$work/root/etc/hostname"

CGO_ENABLED=0 GO111MODULE=off GOFLAGS= GOCACHE="$work/gocache" GOPATH="$work/gopath" \
  go build -o "$work/guest-tool" "$here/guest-tool.go"
rm -rf "$work/gocache" "$work/gopath"

touch "$work/done"
rm -rf "$entry"
mv "$work" "$entry"
trap - EXIT
echo "$entry"
