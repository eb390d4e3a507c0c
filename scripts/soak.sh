#!/usr/bin/env bash
# make soak: the Linux guest under a mixed load for SOAK_SECONDS (default
# 600) inside the rig's stock host VM.  Not part of the test command.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/rig/lib.sh
secs=${SOAK_SECONDS:-600}
tests/rig/setup.sh
kver=$(stock_kver)
tests/rig/build-module.sh "/lib/modules/$kver/build" build/mod-stock >/dev/null
make -s launcher payload
tests/rig/build-guest.sh
tests/rig/mkinitramfs.sh build/stock.cpio.gz build/mod-stock/host
say "soak: $secs s in the guest (log: build/rig/soak.console)"
RIG_TIMEOUT=$((secs + 900)) tests/rig/run-vm.sh soak "/boot/vmlinuz-$kver" \
	build/stock.cpio.gz max soak "pvisor.soak=$secs"
