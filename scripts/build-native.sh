#!/bin/sh
# Builds boxwright's libdeflate addon (dist/native/deflate.node), which packs Vagrant boxes
# about three times faster than Node's zlib. Part of `npm run build`. It never fails the
# build: without libdeflate's headers or a C compiler, boxwright compresses with zlib and
# says so, and this prints what to install.
set -u
cd "$(dirname "$0")/.."
src=native/deflate.c
out=dist/native/deflate.node
[ -f "$out" ] && [ "$out" -nt "$src" ] && exit 0

skip() {
  echo "boxwright: the libdeflate addon is not built ($1); boxes will be compressed with Node's zlib, about 3 times slower." >&2
  echo "boxwright: install libdeflate-dev and a C compiler (scripts/install-system-deps.sh does), then run npm run build." >&2
  rm -f "$out"
  exit 0
}

cc="${CC:-cc}"
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler ($cc)"
headers="$(node -p "require('path').resolve(process.execPath, '../../include/node')")"
[ -f "$headers/node_api.h" ] || headers="$(npm config get nodedir 2>/dev/null)/include/node"
[ -f "$headers/node_api.h" ] || skip "Node's headers (node_api.h) are not in $headers"

case "$(uname -s)" in
  Darwin) link="-bundle -undefined dynamic_lookup" ;;
  *) link="-shared" ;;
esac
mkdir -p "$(dirname "$out")"
# shellcheck disable=SC2086 # $link is several flags
if ! errors="$("$cc" -O2 -fPIC -std=c11 -Wall -DNODE_GYP_MODULE_NAME=deflate -I"$headers" $link \
  -o "$out.partial" "$src" -ldeflate 2>&1)"; then
  case "$errors" in
    *libdeflate.h*|*-ldeflate*) skip "libdeflate-dev is not installed" ;;
    *) echo "$errors" >&2; skip "$cc could not compile $src" ;;
  esac
fi
mv "$out.partial" "$out"
