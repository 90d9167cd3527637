#!/bin/sh
# Writes the root file system of a disk made by build-debian-base.sh as a tar that
# `docker import` takes, so a container starts from the very files the VMs boot:
#   export-rootfs.sh DISK.qcow2 OUTPUT.tar
# The kernel, its modules and firmware stay out (a container runs on the host's kernel);
# dpkg still lists their packages, so the container's package list is the disk's.
# Needs root (it mounts a loop device read-only), qemu-img, losetup and tar.
set -eu

disk=${1:?usage: export-rootfs.sh DISK.qcow2 OUTPUT.tar}
out=${2:?usage: export-rootfs.sh DISK.qcow2 OUTPUT.tar}
[ "$(id -u)" -eq 0 ] || { echo "export-rootfs.sh: run as root (it mounts a loop device)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/boxwright-rootfs-XXXXXX")
loop=""
cleanup() {
  mountpoint -q "$work/mnt" 2>/dev/null && umount "$work/mnt"
  [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

qemu-img convert -O raw "$disk" "$work/disk.raw"
# build-debian-base.sh makes one partition starting at sector 2048.
offset=$((2048 * 512))
bytes=$(stat -c %s "$work/disk.raw")
loop=$(losetup --find --show --read-only --offset "$offset" --sizelimit $((bytes - offset)) "$work/disk.raw")
mkdir "$work/mnt"
mount -o ro "$loop" "$work/mnt"
mkdir -p "$(dirname "$out")"
tar --numeric-owner --xattrs -C "$work/mnt" \
  --exclude=./boot --exclude=./usr/lib/modules --exclude=./usr/lib/firmware --exclude=./lost+found \
  -cf "$out.partial" .
mv "$out.partial" "$out"
echo "==> Wrote $out"
