#!/usr/bin/env bash
# boot-native.sh: "one kernel, both worlds".  Boots the very guest kernel
# pvisor runs (its bzImage) natively under QEMU, with the same initramfs
# and in-guest tests, and prints one TAP line.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

g=$PVISOR_TOP/build/linux-guest
log=$PVISOR_TOP/build/rig/native-guest.console
mkdir -p "$(dirname "$log")"
timeout --foreground 600 qemu-system-x86_64 -accel tcg -cpu max -m 256 \
	-kernel "$g/bzImage" -initrd "$g/initrd.cpio.gz" \
	-append "console=ttyS0 pvtest pvreboot" -display none -monitor none \
	-no-reboot -serial "file:$log" </dev/null >/dev/null 2>&1
if grep -q 'guest-tests: PASS' "$log" && grep -q 'reboot: Restarting system' "$log" &&
   ! grep -q 'Booting paravirtualized kernel on pvisor' "$log"; then
	echo "ok - linux: the same guest kernel boots natively (QEMU, no pvisor) and passes the in-guest tests"
else
	echo "not ok - linux: the guest kernel boots natively (log: $log)"
	grep -E 'not ok|panic|Oops|BUG|WARNING' "$log" | head -n 20 | sed 's/^/#   /'
	tail -n 15 "$log" | sed 's/^/#   /'
fi
