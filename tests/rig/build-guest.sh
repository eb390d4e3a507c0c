#!/usr/bin/env bash
# Build the Linux guest for the rig: the guest-pv kernel (cached, see
# guest-pv/build.sh) copied to build/linux-guest/ with its initramfs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

b=$("$PVISOR_TOP/guest-pv/build.sh")
out=$PVISOR_TOP/build/linux-guest
mkdir -p "$out"
cp "$b/vmlinux" "$b/arch/x86/boot/bzImage" "$out/"
"$PVISOR_TOP/tests/rig/mkguestinitrd.sh" "$out/initrd.cpio.gz" "$out/rootfs.ext4"
