#!/bin/sh
# Installs the Debian/Ubuntu packages boxwright's tests and builds use, when missing.
# Runs before `npm test` (the pretest script); safe to run again: it installs only what is absent.
set -eu

need=""
have() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }
have /usr/sbin/sshd || need="$need openssh-server"
have ssh-keygen || need="$need openssh-client"
have qemu-system-x86_64 || need="$need qemu-system-x86"
have qemu-img || need="$need qemu-utils"
have mmdebstrap || need="$need mmdebstrap"
have extlinux || need="$need extlinux"
have /usr/lib/syslinux/mbr/mbr.bin || need="$need syslinux-common"
have mkfs.ext4 || need="$need e2fsprogs"
have sfdisk || need="$need fdisk"
have vagrant || need="$need vagrant"
have xorriso || need="$need xorriso"
have dockerd || need="$need docker.io"
have docker-registry || need="$need docker-registry"
have /bin/busybox || need="$need busybox-static"
have /usr/lib/ISOLINUX/isolinux.bin || need="$need isolinux"
have mformat || need="$need mtools"
have /usr/share/OVMF/OVMF_CODE_4M.fd || need="$need ovmf"
have dpkg-scanpackages || need="$need dpkg-dev"
have xz || need="$need xz-utils"
# zstd compresses the running machine a QEMU checkpoint keeps.
have zstd || need="$need zstd"
# Ansible for the ansible and ansible-local provisioners' tests; sshpass for Ansible's password logins.
have ansible-playbook || need="$need ansible-core"
have sshpass || need="$need sshpass"
# libdeflate and a C compiler for the gzip addon that packs boxes (scripts/build-native.sh).
have /usr/include/libdeflate.h || need="$need libdeflate-dev"
have cc || need="$need gcc libc6-dev"
# Packer 1.6.6 (Debian bookworm), which the verdict comparison and the benchmarks run beside boxwright.
have packer || need="$need packer"

[ -z "$need" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "boxwright needs these Debian packages:$need" >&2
  echo "Install them as root: apt-get install -y$need" >&2
  exit 1
fi

echo "Installing Debian packages:$need"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need
