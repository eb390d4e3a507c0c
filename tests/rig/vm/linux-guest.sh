#!/bin/sh
# linux-guest.sh DISK ROLE APPEND [PVISOR-RUN OPTIONS...]
#
# The Linux guest that the device tests and benchmarks boot, from /pvisor:
# 128 MiB (PVISOR_GUEST_MEM overrides), root read-write on DISK (the first
# virtio disk), its console on hvc0, the role ROLE for the guest half,
# tests/rig/guest/tests/devices.sh (pvdev=ROLE; none if ROLE is empty),
# and APPEND added to its command line.  The options come before the
# command line, in the order given.  It execs pvisor-run, so a caller's $!
# and timeout(1) see pvisor-run itself.
disk=$1 role=$2 append=$3
shift 3
[ -n "$role" ] && append="pvdev=$role $append"
exec ./pvisor-run --kernel linux/vmlinux --mem "${PVISOR_GUEST_MEM:-128M}" \
	--disk "$disk" "$@" \
	--append "console=hvc0 root=/dev/vda rw init=/init $append"
