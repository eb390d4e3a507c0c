#!/usr/bin/env bash
# mkguestinitrd.sh OUT: pack the pvisor Linux guest's initramfs: busybox,
# tests/rig/guest/init and the in-guest tests (a static C program and a
# shell script).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$1
bb=/bin/busybox
[ -x "$bb" ] || die "$bb missing: run tests/rig/setup.sh (package busybox-static)"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,root,tests}
cp "$bb" "$stage/bin/busybox"
cp "$PVISOR_TOP/tests/rig/guest/init" "$stage/init"
chmod +x "$stage/init"
cp -r "$PVISOR_TOP"/tests/rig/guest/tests/. "$stage/tests/"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread \
	-o "$stage/tests/pvtest" "$PVISOR_TOP/tests/rig/guest/pvtest.c"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
