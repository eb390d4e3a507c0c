#!/usr/bin/env bash
# `make bench`: boot the rig's stock host VM (QEMU/TCG) with PTI off and on,
# and in each run the native baselines and the pvisor guest benchmarks
# (tests/rig/vm/bench.sh).  Prints ns per operation, ratios to native in the
# same boot, and host exits per operation, and the same programs in
# User-Mode Linux built from the same source; then a Linux guest's virtio disk
# and network against the host VM's own I/O (tests/rig/vm/bench-devices.sh).
# Also the launcher's device-model benchmark, in userspace.
#
# BENCH_LINUX_OPS=configure,archive (any of getpid, touch, fork, exec,
# shell, configure, archive): only the Linux guest's two boots, PTI off
# and on, with only those operations.  BENCH_DEVICES_ONLY=1: only the
# devices boot and the device model.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/rig/lib.sh

tests/rig/setup.sh >/dev/null
kver=$(stock_kver)
tests/rig/build-module.sh "/lib/modules/$kver/build" build/mod-stock
make -s launcher payload
tests/rig/build-guest.sh
# User-Mode Linux from the same source, for the guest/UML ratios.
uml=$(tests/rig/build-uml.sh) || { echo "bench: UML did not build; its column stays empty" >&2; uml=; }
RIG_UML=$uml tests/rig/mkinitramfs.sh build/bench.cpio.gz build/mod-stock/host
ops=${BENCH_LINUX_OPS:-}
legs=("bench-pti-off max" "bench-pti-on qemu64,+fsgsbase,+smep,+smap pti=on")
[ -z "${BENCH_DEVICES_ONLY:-}" ] || legs=()
for leg in "${legs[@]}"; do
	set -- $leg
	if [ -z "$ops" ]; then
		say "$1 (cpu $2${3:+, $3})"
		tests/rig/run-vm.sh "$1" "/boot/vmlinuz-$kver" build/bench.cpio.gz "$2" bench "${3:-}" >/dev/null ||
			die "benchmark VM failed; see build/rig/$1.console"
		sed -n 's/\r$//; /^\(bench\|ratio\)/p' "build/rig/$1.results"
	fi
	say "$1: a Linux guest against the same programs natively${ops:+ ($ops)}"
	RIG_TIMEOUT=2400 tests/rig/run-vm.sh "$1-linux" "/boot/vmlinuz-$kver" build/bench.cpio.gz "$2" \
		bench-linux "${3:-}${ops:+ pvbench.ops=$ops}" >/dev/null ||
		die "Linux benchmark VM failed; see build/rig/$1-linux.console and .results"
	sed -n 's/\r$//; /^\(bench\|ratio\)/p' "build/rig/$1-linux.results"
done
[ -z "$ops" ] || exit 0
say "devices in a Linux guest: virtio disk and network against the host VM (cpu max)"
RIG_TIMEOUT=1500 tests/rig/run-vm.sh bench-devices "/boot/vmlinuz-$kver" build/bench.cpio.gz max bench-devices >/dev/null ||
	die "device benchmark VM failed; see build/rig/bench-devices.console and .results"
sed -n 's/\r$//; /^\(bench\|ratio\)/p' build/rig/bench-devices.results
say "launcher device model (userspace)"
make -s -C launcher/virtio bench
