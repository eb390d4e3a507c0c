#!/usr/bin/env bash
# mkguestinitrd.sh OUT [ROOTFS]: pack the pvisor Linux guest's initramfs:
# busybox, tests/rig/guest/init and the in-guest tests (static C programs
# and shell scripts), and the benchmark's scripts in tests/bench/.  With ROOTFS, also write the same tree as an ext4
# image there (mke2fs -d: no root needed), for root=/dev/vda.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$1 rootfs=${2:-}
bb=/bin/busybox
[ -x "$bb" ] || die "$bb missing: run tests/rig/setup.sh (package busybox-static)"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,root,tests}
cp "$bb" "$stage/bin/busybox"
cp "$PVISOR_TOP/tests/rig/guest/init" "$stage/init"
chmod +x "$stage/init"
cp -r "$PVISOR_TOP"/tests/rig/guest/tests/. "$stage/tests/"
cp -r "$PVISOR_TOP/tests/rig/guest/bench" "$stage/tests/bench"
for prog in pvtest vsock_echo pvbench pvdisk; do
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread \
		-o "$stage/tests/$prog" "$PVISOR_TOP/tests/rig/guest/$prog.c"
done
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
# The benchmarks also run natively in the host VM (bench-linux.sh,
# bench-devices.sh), and so does pvtest, for the fidelity report (linux.sh).
cp "$stage/tests/pvbench" "$stage/tests/pvdisk" "$stage/tests/pvtest" "$(dirname "$out")/"
if [ -n "$rootfs" ]; then
	command -v mke2fs >/dev/null ||
		die "mke2fs missing: run tests/rig/setup.sh (package e2fsprogs)"
	mkdir -p "$stage/mnt" "$stage/data"
	rm -f "$rootfs"
	mke2fs -q -F -t ext4 -L pvroot -d "$stage" -E root_owner=0:0 "$rootfs" 64M >/dev/null
fi
