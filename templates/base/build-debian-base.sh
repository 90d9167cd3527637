#!/bin/sh
# Makes a bootable Debian 12 disk offline, from the Debian mirror that apt already uses:
#   build-debian-base.sh OUTPUT.qcow2 [SIZE]
# The disk boots on its own (extlinux), on virtio, AHCI/IDE, LSI/PVSCSI and NVMe disks
# (generic kernel, initramfs MODULES=most), takes DHCP on any ethernet (systemd-networkd),
# runs sshd, and has a "vagrant" user (password "vagrant", Vagrant's insecure public key,
# passwordless sudo). It also boots on EC2 (NVMe, ENA, serial console): cloud-init gives the
# instance's key pair to vagrant, grows the root partition, and closes Vagrant's well-known
# key and password there. Where no cloud datasource is found (a laptop, a local build) cloud-init
# switches itself off at boot and costs nothing.
# Needs root, mmdebstrap, extlinux, e2fsprogs, fdisk and qemu-img.
set -eu

out=${1:?usage: build-debian-base.sh OUTPUT.qcow2 [SIZE]}
size=${2:-3G}
sources=/etc/apt/sources.list.d/debian.sources
[ -f "$sources" ] || sources=/etc/apt/sources.list
[ "$(id -u)" -eq 0 ] || { echo "build-debian-base.sh: run as root (it mounts a loop device)" >&2; exit 1; }
for tool in mmdebstrap extlinux mkfs.ext4 sfdisk losetup qemu-img; do
  command -v "$tool" >/dev/null || { echo "build-debian-base.sh: $tool is missing" >&2; exit 1; }
done

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/boxwright-base-XXXXXX")
loop=""
cleanup() {
  mountpoint -q "$work/mnt" 2>/dev/null && umount "$work/mnt"
  [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

vagrant_key='ssh-rsa AAAAB3NzaC1yc2EAAAABIwAAAQEA6NF8iallvQVp22WDkTkyrtvp9eWW6A8YVr+kz4TjGYe7gHzIw+niNltGEFHzD8+v1I2YJ6oXevct1YeS0o9HZyN1Q9qgCgzUFtdOKLv6IedplqoPkcmF0aYet2PkEDo3MlTBckFXPITAMzF8dJSIFo9D8HfdOV0IAdx4O7PtixWKn5y2hMNG0zQPyUecp4pzC6kivAIhyfHilFR61RGL+GPXQ2MWZWFYbAGjyiYJnAmCP3NOTd0jMZEnDkbUvxhMmBYSdETk1rRgm+R4LOzFUGaHqHDLKLX+FIPKcF96hrucXzcWyLbIbEgE98OHlnVYCzRdK8jlqm8tehUc9c9WhQ== vagrant insecure public key'
uuid=$(cat /proc/sys/kernel/random/uuid)

echo "==> Bootstrapping Debian 12 (bookworm) from the configured mirror"
# The host's sources file names the mirror, so no mirror is written here.
mmdebstrap --variant=apt --mode=root \
  --include=linux-image-amd64,systemd-sysv,dbus,udev,kmod,openssh-server,sudo,ca-certificates,iproute2,initramfs-tools,cloud-init,cloud-guest-utils,e2fsprogs \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="echo boxwright-debian > \"\$1/etc/hostname\"" \
  --customize-hook="printf '127.0.0.1 localhost\n127.0.1.1 boxwright-debian\n' > \"\$1/etc/hosts\"" \
  --customize-hook="printf 'UUID=$uuid / ext4 errors=remount-ro 0 1\n' > \"\$1/etc/fstab\"" \
  --customize-hook="printf '[Match]\nType=ether\n\n[Network]\nDHCP=yes\n' > \"\$1/etc/systemd/network/80-dhcp.network\"" \
  --customize-hook='chroot "$1" systemctl enable systemd-networkd ssh' \
  --customize-hook='chroot "$1" useradd --create-home --shell /bin/bash vagrant' \
  --customize-hook='echo vagrant:vagrant | chroot "$1" chpasswd' \
  --customize-hook='chroot "$1" passwd --lock root' \
  --customize-hook='echo "vagrant ALL=(ALL) NOPASSWD: ALL" > "$1/etc/sudoers.d/vagrant" && chmod 0440 "$1/etc/sudoers.d/vagrant"' \
  --customize-hook="mkdir -p \"\$1/home/vagrant/.ssh\" && echo '$vagrant_key' > \"\$1/home/vagrant/.ssh/authorized_keys\"" \
  --customize-hook='chmod 700 "$1/home/vagrant/.ssh" && chmod 600 "$1/home/vagrant/.ssh/authorized_keys" && chroot "$1" chown -R vagrant:vagrant /home/vagrant/.ssh' \
  --customize-hook='echo "UseDNS no" > "$1/etc/ssh/sshd_config.d/boxwright.conf"' \
  --customize-hook='echo MODULES=most > "$1/etc/initramfs-tools/conf.d/boxwright" && chroot "$1" update-initramfs -u -k all' \
  --customize-hook="cp '$here/cloud/90-boxwright.cfg' \"\$1/etc/cloud/cloud.cfg.d/\"" \
  --customize-hook="install -m 0755 '$here/cloud/boxwright-cloud-lockdown' \"\$1/usr/local/sbin/\"" \
  --customize-hook='chroot "$1" apt-get clean' \
  bookworm "$work/rootfs" "$sources"

echo "==> Making a $size disk with one ext4 partition"
truncate -s "$size" "$work/disk.raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk --quiet "$work/disk.raw"
offset=$((2048 * 512))
bytes=$(stat -c %s "$work/disk.raw")
# Partition devices (loopNp1) do not appear here, so the partition is attached by offset.
loop=$(losetup --find --show --offset "$offset" --sizelimit $((bytes - offset)) "$work/disk.raw")
# syslinux 6.04 cannot read ext4 with the 64bit feature.
mkfs.ext4 -q -O ^64bit,^metadata_csum -L root -U "$uuid" "$loop"
mkdir "$work/mnt"
mount "$loop" "$work/mnt"
cp -a "$work/rootfs/." "$work/mnt/"

echo "==> Installing extlinux"
kernel=$(cd "$work/mnt/boot" && ls vmlinuz-* | sort -V | tail -n 1)
initrd=initrd.img-${kernel#vmlinuz-}
mkdir -p "$work/mnt/boot/extlinux"
cat > "$work/mnt/boot/extlinux/extlinux.conf" <<CONF
DEFAULT debian
TIMEOUT 1
PROMPT 0
LABEL debian
  KERNEL /boot/$kernel
  INITRD /boot/$initrd
  APPEND root=UUID=$uuid ro console=tty0 console=ttyS0,115200n8 net.ifnames=0
CONF
extlinux --install "$work/mnt/boot/extlinux" >/dev/null
sync
umount "$work/mnt"
losetup -d "$loop"
loop=""
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$work/disk.raw" bs=440 count=1 conv=notrunc status=none

echo "==> Converting to qcow2"
mkdir -p "$(dirname "$out")"
qemu-img convert -O qcow2 "$work/disk.raw" "$out.partial"
mv "$out.partial" "$out"
echo "==> Wrote $out"
