#!/usr/bin/env bash
# The README's demo.  On a fresh Debian 12 machine: install what is missing,
# build pvisor, the launcher and a Linux guest kernel (guest-pv, from
# Debian's linux-source-6.12) with an ext4 root image, boot the rig's host
# VM (Debian's stock 6.12 kernel under QEMU/TCG), load pvisor there, and
# boot the Linux guest with a virtio disk, network, rng and console.
#
# On a terminal you land in the guest's shell (leave with `poweroff -f`);
# otherwise a short scripted session runs in the guest.  pvisor is never
# loaded into the kernel you run this on.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/rig/lib.sh

tests/rig/setup.sh
kver=$(stock_kver)
say "building pvisor.ko against Debian's $kver headers"
tests/rig/build-module.sh "/lib/modules/$kver/build" build/mod-stock
say "building pvisor-run"
make -s launcher payload
say "building the Linux guest (the first build takes a few minutes)"
tests/rig/build-guest.sh
tests/rig/mkinitramfs.sh build/stock.cpio.gz build/mod-stock/host

if [ -t 0 ] && [ -t 1 ] && [ -z "${PVISOR_DEMO_SCRIPTED:-}" ]; then
	say "booting the host VM: Debian $kver under QEMU (TCG); the guest's shell follows"
	mkdir -p build/rig
	# The terminal is the host VM's serial console; Ctrl-C goes through
	# to the guest.  Results (TAP) go to a file.
	qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1536 \
		-kernel "/boot/vmlinuz-$kver" -initrd build/stock.cpio.gz \
		-append "console=ttyS0 loglevel=4 quiet panic=-1 pvisor.test=demo pvisor.demo=shell" \
		-display none -monitor none -no-reboot \
		-chardev stdio,id=term,signal=off -serial chardev:term \
		-serial file:build/rig/demo.results
	stty sane 2>/dev/null || true
	echo
	if grep -q '^PVISOR-RIG-EXIT 0' build/rig/demo.results; then
		say "demo done: pvisor ran the guest and unloaded cleanly"
	else
		sed -n 's/\r$//; /^not ok/p' build/rig/demo.results
		die "demo failed (results: build/rig/demo.results)"
	fi
	exit 0
fi

say "booting the host VM: Debian $kver under QEMU (TCG), with a scripted guest session"
rc=0
RIG_TIMEOUT=1200 tests/rig/run-vm.sh demo "/boot/vmlinuz-$kver" build/stock.cpio.gz max demo \
	>build/demo.tap || rc=$?
echo
sed -n 's/\r$//; s/^demo: //p' build/rig/demo.results
echo
if [ "$rc" = 0 ]; then
	say "demo passed: pvisor booted a Linux guest with disk, network, rng and console, and unloaded cleanly"
else
	cat build/demo.tap
	die "demo failed (logs: build/rig/demo.console, build/rig/demo.results)"
fi
