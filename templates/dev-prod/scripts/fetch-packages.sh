#!/bin/sh
# Makes a flat APT repository of packages and everything they depend on, from the Debian
# mirror the host's apt already uses, so that builds install them with no network:
#   fetch-packages.sh OUTPUT_DIR PACKAGE...
# The template uploads the folder and points apt at it. Needs apt-get and dpkg-scanpackages (dpkg-dev).
set -eu
out=${1:?usage: fetch-packages.sh OUTPUT_DIR PACKAGE...}
shift
[ $# -gt 0 ] || { echo "fetch-packages.sh: name at least one package" >&2; exit 1; }
mkdir -p "$out.partial"
cd "$out.partial"
# Every real package in the dependency closure (virtual ones print as <name> and are skipped).
names=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances "$@" | grep '^[a-z0-9]' | sort -u)
# shellcheck disable=SC2086
apt-get download -q $names 2>&1 | grep -v 'unsandboxed as root' || true
ls ./*.deb >/dev/null
dpkg-scanpackages --multiversion . 2>/dev/null > Packages
cd - >/dev/null
rm -rf "$out"
mv "$out.partial" "$out"
echo "==> $(ls "$out"/*.deb | wc -l) packages in $out"
