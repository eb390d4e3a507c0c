#!/usr/bin/env bash
# mkinitramfs.sh OUT MODDIR: pack the rig's host-VM initramfs: busybox, the
# rig's /init and VM-side scripts, the modules found in MODDIR (pvisor.ko,
# and pvisor_kunit.ko where built), the launcher and the test payloads.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$1 moddir=$2
bb=/bin/busybox
[ -x "$bb" ] || die "$bb missing: run tests/rig/setup.sh (package busybox-static)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,pvisor/vm}
cp "$bb" "$stage/bin/busybox"
cp "$PVISOR_TOP/tests/rig/vm/init" "$stage/init"
cp "$PVISOR_TOP"/tests/rig/vm/*.sh "$stage/pvisor/vm/"
for ko in pvisor.ko pvisor_kunit.ko; do
	[ -f "$moddir/$ko" ] && cp "$moddir/$ko" "$stage/pvisor/"
done
[ -f "$stage/pvisor/pvisor.ko" ] || die "no pvisor.ko in $moddir"
cp "$PVISOR_TOP/launcher/pvisor-run" "$PVISOR_TOP/build/payload/ioctl_test" \
	"$PVISOR_TOP/build/payload/bench_native" "$PVISOR_TOP/build/payload/vsock_client" \
	"$stage/pvisor/"
if ls "$PVISOR_TOP"/build/guests/*.elf >/dev/null 2>&1; then
	mkdir -p "$stage/pvisor/guests"
	cp "$PVISOR_TOP"/build/guests/*.elf "$stage/pvisor/guests/"
fi
if [ -f "$PVISOR_TOP/build/linux-guest/vmlinux" ]; then
	mkdir -p "$stage/pvisor/linux"
	cp "$PVISOR_TOP"/build/linux-guest/{vmlinux,initrd.cpio.gz} "$stage/pvisor/linux/"
	# pvbench, pvdisk and pvtest natively, pvbench's scripts beside it as
	# in the guest.
	[ -f "$PVISOR_TOP/build/linux-guest/pvbench" ] &&
		cp "$PVISOR_TOP"/build/linux-guest/{pvbench,pvdisk,pvtest} "$stage/pvisor/" &&
		cp -r "$PVISOR_TOP/tests/rig/guest/bench" "$stage/pvisor/bench"
	[ -f "$PVISOR_TOP/build/linux-guest/rootfs.ext4" ] &&
		cp "$PVISOR_TOP/build/linux-guest/rootfs.ext4" "$stage/pvisor/linux/"
fi
# The stock kernel's tun module (TUN is built into the debug kernel), for
# the tap backend test.
tun=/lib/modules/$(stock_kver)/kernel/drivers/net/tun.ko.xz
[ -f "$tun" ] && xz -dc "$tun" >"$stage/pvisor/tun.ko"
# Its ext4 (which also mounts ext2, and wants crc32c) and loop modules,
# for the native runs of the Linux benchmark's disk workloads
# (vm/bench-linux.sh).
for ko in crypto/crc32c_generic lib/crc16 fs/mbcache fs/jbd2/jbd2 fs/ext4/ext4 drivers/block/loop; do
	f=/lib/modules/$(stock_kver)/kernel/$ko.ko.xz
	[ -f "$f" ] || continue
	mkdir -p "$stage/pvisor/kmod"
	xz -dc "$f" >"$stage/pvisor/kmod/${ko##*/}.ko"
done
# User-Mode Linux for the benchmark's UML column (scripts/bench.sh sets it).
[ -n "${RIG_UML:-}" ] && cp "$RIG_UML" "$stage/pvisor/uml"
[ -f "$PVISOR_TOP/build/adhoc.sh" ] && cp "$PVISOR_TOP/build/adhoc.sh" "$stage/pvisor/"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
