#!/usr/bin/env bash
# make soak: the Linux guest under a mixed load for SOAK_SECONDS (default
# 600) inside the rig's host VM.  Not part of the test command.
# SOAK_HOST=debug runs it on the debug host kernel (KASAN, lockdep,
# kmemleak; tests/rig/build-debug-kernel.sh), whose kernel log the rig
# checks after the run, as in every leg; the default is Debian's stock one.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/rig/lib.sh
secs=${SOAK_SECONDS:-600}
tests/rig/setup.sh
make -s launcher payload
tests/rig/build-guest.sh
case ${SOAK_HOST:-stock} in
stock)
	kver=$(stock_kver)
	kernel=/boot/vmlinuz-$kver
	tests/rig/build-module.sh "/lib/modules/$kver/build" build/mod-stock >/dev/null
	tests/rig/mkinitramfs.sh build/stock.cpio.gz build/mod-stock/host
	initrd=build/stock.cpio.gz name=soak ;;
debug)
	kdir=$(tests/rig/build-debug-kernel.sh)
	kernel=$kdir/arch/x86/boot/bzImage
	tests/rig/build-module.sh "$kdir" build/mod-debug >/dev/null
	tests/rig/mkinitramfs.sh build/debug.cpio.gz build/mod-debug/host
	initrd=build/debug.cpio.gz name=soak-debug ;;
*)
	die "SOAK_HOST=${SOAK_HOST}: say stock or debug" ;;
esac
say "soak: $secs s in the guest on the ${SOAK_HOST:-stock} host (log: build/rig/$name.console)"
RIG_TIMEOUT=$((secs + 1500)) tests/rig/run-vm.sh "$name" "$kernel" "$initrd" max soak \
	"pvisor.soak=$secs"
