#!/usr/bin/env bash
# The README's demo.  On a fresh Debian 12 machine: install what is missing,
# build pvisor, boot the rig's host VM (Debian's stock 6.12 kernel under
# QEMU/TCG), load pvisor there, ask it for its version and capabilities,
# run a test guest and a hostile one, and unload it.  pvisor is never
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
tests/rig/mkinitramfs.sh build/stock.cpio.gz build/mod-stock/host
say "booting the host VM: Debian $kver under QEMU (TCG), 5-level paging"
rc=0
tests/rig/run-vm.sh demo "/boot/vmlinuz-$kver" build/stock.cpio.gz max demo \
	>build/demo.tap || rc=$?
echo
sed -n 's/\r$//; s/^demo: //p' build/rig/demo.results
echo
if [ "$rc" = 0 ]; then
	say "demo passed: pvisor loaded, ran its guests and unloaded cleanly"
else
	cat build/demo.tap
	die "demo failed (logs: build/rig/demo.console, build/rig/demo.results)"
fi
