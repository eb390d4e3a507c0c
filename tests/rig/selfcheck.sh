#!/usr/bin/env bash
# Prove that the rig notices failure: build the module with a planted fault,
# run a VM leg with it, and check that the leg fails for that reason.
#   1. a WARN in module init           (stock host)
#   2. a module that fails to load     (stock host)
#   3. a failing KUnit case            (debug host, if built)
# Prints one TAP line per fault.  The legs' own output goes to build/rig/.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PVISOR_TOP"

kver=$(stock_kver)
stock_kdir=/lib/modules/$kver/build
debug_kdir=${PVISOR_DEBUG_KDIR:-}
failed=0

# planted NAME KDIR KERNEL PLANT EVIDENCE-FILE EVIDENCE-REGEX
planted() {
	local name=$1 kdir=$2 kernel=$3 plant=$4 where=$5 regex=$6
	local mod=build/mod-$name initrd=build/$name.cpio.gz out=build/rig/$name.tap
	mkdir -p build/rig
	if ! tests/rig/build-module.sh "$kdir" "$mod" "-DPVISOR_RIG_PLANT=$plant" >/dev/null 2>&1 ||
		! tests/rig/mkinitramfs.sh "$initrd" "$mod/host"; then
		echo "not ok - rig self-check $name: could not build the planted module"
		failed=1
		return
	fi
	if tests/rig/run-vm.sh "$name" "$kernel" "$initrd" max modtest >"$out" 2>&1; then
		echo "not ok - rig self-check $name: the leg passed despite the planted fault"
		sed 's/^/#   /' "$out"
		failed=1
	elif grep -qE "$regex" "build/rig/$name.$where"; then
		echo "ok - rig self-check $name: the leg fails, and the log shows why"
	else
		echo "not ok - rig self-check $name: the leg failed, but not visibly for the planted reason"
		sed 's/^/#   /' "$out"
		failed=1
	fi
}

planted selfcheck-warn "$stock_kdir" "/boot/vmlinuz-$kver" 1 console \
	'WARNING: .*rig self-check: planted WARN|rig self-check: planted WARN'
planted selfcheck-load-failure "$stock_kdir" "/boot/vmlinuz-$kver" 2 results \
	'^not ok - insmod pvisor.ko'
if [ -n "$debug_kdir" ]; then
	planted selfcheck-kunit "$debug_kdir" "$debug_kdir/arch/x86/boot/bzImage" 3 results \
		'^not ok - kunit pvisor_hypercall: .*rig_planted_failure'
else
	echo "ok - rig self-check selfcheck-kunit # SKIP no debug host kernel was built"
fi
exit $failed
