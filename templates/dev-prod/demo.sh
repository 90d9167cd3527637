#!/usr/bin/env bash
# `npm run demo`: builds templates/dev-prod/app.json on this machine, offline, and shows that
# its Vagrant boxes and Docker image are the same machine. What it needs and does not find,
# it makes once and caches in $BOXWRIGHT_CACHE_DIR (default ~/.cache/boxwright):
#   - the Debian 12 base disk (templates/base/build-debian-base.sh, about 3 minutes),
#   - the Docker base image, imported from that disk's files (templates/base/export-rootfs.sh),
#   - the application's packages, from the Debian mirror apt uses (scripts/fetch-packages.sh).
# Outputs go to $BOXWRIGHT_DEMO_DIR (default ./demo). The AWS builds run when AWS credentials
# and a region are set, and are skipped with one line saying so otherwise.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
template="$repo/templates/dev-prod/app.json"
out=$(mkdir -p "${BOXWRIGHT_DEMO_DIR:-$PWD/demo}" && cd "${BOXWRIGHT_DEMO_DIR:-$PWD/demo}" && pwd)
cache=${BOXWRIGHT_CACHE_DIR:-$HOME/.cache/boxwright}
boxwright() { node "$repo/bin/boxwright" "$@"; }
say() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (the base image is made on a loop device; dockerd may be started)" >&2; exit 1; }
sh "$repo/scripts/install-system-deps.sh"

# The cache names match the tests' (test/support/base-image.ts), so either fills it for the other.
# The recipe is the script and the cloud-init files it copies in, hashed as fixtureDigest does.
base_digest=$({
  cat "$repo/templates/base/build-debian-base.sh"
  for f in $(cd "$repo/templates/base/cloud" && LC_ALL=C ls); do
    printf '%s\000' "$f"
    cat "$repo/templates/base/cloud/$f"
  done
} | sha256sum | cut -c1-16)
base="$cache/base-images/debian12-$base_digest.qcow2"
if [ -f "$base" ]; then
  say "Base image: $base (cached)"
else
  say "Base image: building $base once, from the Debian mirror apt uses (about 3 minutes)"
  sh "$repo/templates/base/build-debian-base.sh" "$base"
fi
rootfs_digest=$({ cat "$repo/templates/base/export-rootfs.sh"; printf '%s' "$base_digest"; } | sha256sum | cut -c1-16)
rootfs="$cache/base-images/debian12-rootfs-$rootfs_digest.tar"
[ -f "$rootfs" ] || sh "$repo/templates/base/export-rootfs.sh" "$base" "$rootfs"

packages="$cache/packages/nginx-light"
if [ ! -f "$packages/Packages" ]; then
  say "Packages: fetching nginx-light and its dependencies into $packages"
  sh "$repo/templates/dev-prod/scripts/fetch-packages.sh" "$packages" nginx-light
fi

# Docker: the daemon the environment names, else one of our own on a private socket, its
# images kept in the cache so that a second run finds them.
dockerd_pid=""
runtime=""
stop_dockerd() {
  if [ -n "$dockerd_pid" ]; then
    kill "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
  fi
  if [ -n "$runtime" ]; then
    # dockerd may leave its network namespace mounted under the exec root.
    awk -v dir="$runtime" 'index($2, dir) == 1 { print $2 }' /proc/mounts | xargs -r umount -l 2>/dev/null || true
    rm -rf "$runtime" 2>/dev/null || true
  fi
}
trap stop_dockerd EXIT
if ! docker info >/dev/null 2>&1; then
  runtime=$(mktemp -d /tmp/bw-demo-XXXXXX)
  export DOCKER_HOST="unix://$runtime/docker.sock"
  mkdir -p "$cache/dockerd"
  say "Docker: no daemon answers; starting dockerd on $DOCKER_HOST (images kept in $cache/dockerd)"
  dockerd --host "$DOCKER_HOST" --data-root "$cache/dockerd" --exec-root "$runtime/exec" \
    --pidfile "$runtime/docker.pid" --bridge=none --iptables=false --ip-masq=false >"$runtime/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { tail -n 20 "$runtime/dockerd.log" >&2; echo "demo: dockerd did not start" >&2; exit 1; }
fi
docker_base="boxwright/debian12-base:$rootfs_digest"
if ! docker image inspect "$docker_base" >/dev/null 2>&1; then
  say "Docker base image: importing $docker_base from the base disk's files"
  docker import "$rootfs" "$docker_base" >/dev/null
fi

# The base disk's vagrant user takes Vagrant's well-known insecure key; a password would be a
# secret, and boxwright would hide the word "vagrant" everywhere in the output.
key=$(ls /usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant \
  /opt/vagrant/embedded/gems/gems/vagrant-*/keys/vagrant /opt/vagrant/embedded/gems/vagrant-*/keys/vagrant 2>/dev/null | head -n 1 || true)
[ -n "$key" ] || { echo "demo: Vagrant's insecure private key (keys/vagrant in Vagrant's gem) was not found; install vagrant" >&2; exit 1; }

except=()
region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
if [ -n "${AWS_ACCESS_KEY_ID:-}${AWS_PROFILE:-}" ] && [ -n "$region" ]; then
  say "AWS: building the AMIs in $region too (amazon-import of the disk, amazon-ebs from Debian's AMI)"
else
  say "AWS: skipped — set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and AWS_REGION to build the AMIs too"
  except=(-except=app-ec2,app-ami)
fi

say "Building templates/dev-prod/app.json in $out"
cd "$out"
status=0
boxwright build -force "${except[@]}" -var "base_image=$base" -var "ssh_private_key_file=$key" \
  -var "docker_base=$docker_base" -var "packages=$packages" "$template" || status=$?
[ "$status" -eq 0 ] || { echo "demo: the build failed (exit $status); its output above says why" >&2; exit "$status"; }

say "What was built (in $out)"
show() { [ -e "$2" ] && printf '  %-22s %s\n' "$1" "$2"; return 0; }
show "Vagrant catalog" boxes/boxwright-app.json
for box in boxes/*.box; do show "Vagrant box" "$box"; done
show "VirtualBox appliance" output-app-virtualbox/app.ovf
show "VMware VM" output-app-vmware/app.vmx
show "QEMU disk" output/app/app.qcow2
if docker image inspect boxwright/app:1.0.0 >/dev/null 2>&1; then printf '  %-22s %s\n' "Docker image" boxwright/app:1.0.0; fi
show "Manifest" manifest.json
for print in *.fingerprint.json; do show "Fingerprint" "$print"; done

verdict=0
parity=$(boxwright parity manifest.json) || verdict=$?

elapsed=$(( $(date +%s) - started ))
say "Done in $((elapsed / 60)) min $((elapsed % 60)) s. $(printf '%s\n' "$parity" | tail -n 1)"
echo "Try them:"
for catalog in "$out"/boxes/*.json; do
  [ -f "$catalog" ] && echo "  vagrant box add $catalog"
done
echo "  docker run --rm -p 8080:80 boxwright/app:1.0.0     # then open http://127.0.0.1:8080"
if [ -n "$dockerd_pid" ]; then
  echo "  (that image is in the demo's own Docker data root: start its daemon with"
  echo "   dockerd --data-root $cache/dockerd --bridge=none --iptables=false, or docker save it)"
fi
exit "$verdict"
