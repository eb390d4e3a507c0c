#!/usr/bin/env bash
# build-module.sh KDIR OUTDIR [EXTRA_CFLAGS]: build pvisor.ko (and, where
# KDIR has KUnit, pvisor_kunit.ko) against the kernel tree KDIR, in a copy
# of the sources under OUTDIR, so builds for several kernels can coexist.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=$1 out=$2 extra=${3:-}
[ -f "$kdir/Makefile" ] || die "no kernel build tree at $kdir"
rm -rf "$out" && mkdir -p "$out" && out=$(cd "$out" && pwd)
cp -r "$PVISOR_TOP/Kbuild" "$PVISOR_TOP/host" "$PVISOR_TOP/include" "$out/"
make -s -C "$kdir" M="$out" EXTRA_CFLAGS="$extra" modules >"$out/build.log" 2>&1 || {
	cat "$out/build.log" >&2
	die "module build against $kdir failed"
}
# Any compiler warning is an error (-Werror), but say so if one slipped by;
# the assembler says "Warning:".
if grep -qi 'warning:' "$out/build.log"; then
	cat "$out/build.log" >&2
	die "module build against $kdir printed warnings"
fi
