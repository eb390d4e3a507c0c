#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything,
# and runs every test pvisor has.  Prints TAP lines as it goes and ends with
# "N passed, M failed, K skipped".  Exit status 0 only when nothing failed.
#
#   RIG_LEGS="stock-la57 ..."  run only these VM legs (default: all)
#   RIG_SELFCHECK=0            skip proving that the rig catches failures
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/rig/lib.sh

start=$SECONDS
mkdir -p build
tap=build/results.tap
: >"$tap"

# emit: pass TAP lines through to the screen and the results file.
emit() { tee -a "$tap"; }
# step NAME CMD...: a build step; one TAP line, the log's tail on failure.
step() {
	local name=$1 log=build/step-${1//[^a-zA-Z0-9]/_}.log; shift
	say "$name"
	if "$@" >"$log" 2>&1; then
		echo "ok - $name" | emit
	else
		{ echo "not ok - $name"; tail -n 30 "$log" | sed 's/^/#   /'; } | emit
		return 1
	fi
}

say "setup: apt packages"
tests/rig/setup.sh || die "installing packages failed; see above"

kver=$(stock_kver)
stock_kernel=/boot/vmlinuz-$kver
step "build: pvisor.ko for the stock host ($kver)" \
	tests/rig/build-module.sh "/lib/modules/$kver/build" build/mod-stock
step "build: launcher and payloads" make -s launcher payload
step "build: launcher device model" make -s -C launcher/virtio all
# The guest kernel: ~5 minutes on 2 cores the first time; cached after.
step "build: the Linux guest (guest-pv on linux-source-6.12) and its initramfs" \
	tests/rig/build-guest.sh

# The debug host kernel takes 23 to 32 minutes the first time; cached after.
debug_dir=$(tests/rig/build-debug-kernel.sh) || debug_dir=
if [ -n "$debug_dir" ]; then
	echo "ok - build: debug host kernel ($debug_dir)" | emit
	step "build: pvisor.ko and pvisor_kunit.ko for the debug host" \
		tests/rig/build-module.sh "$debug_dir" build/mod-debug
else
	echo "not ok - build: debug host kernel" | emit
fi

say "lint"
PVISOR_DEBUG_KDIR=$debug_dir tests/lint.sh | emit

say "userspace tests: launcher device model"
make -s -C launcher/virtio check 2>build/virtio-check.err | grep -E '^(not )?ok ' |
	sed -E 's/^(not )?ok [0-9]+ -? ?/\1ok - virtio: /' | emit
make -s -C launcher/virtio check-sanitize 2>build/virtio-sanitize.err | grep -E '^(not )?ok ' |
	sed -E 's/^(not )?ok [0-9]+ -? ?/\1ok - virtio-asan-ubsan: /' | emit
make -s -C launcher/virtio fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-15}" 2>build/virtio-fuzz.err |
	grep -E '^(not )?ok ' | sed -E 's/^(not )?ok [0-9]+ -? ?/\1ok - fuzz: /' | emit

say "userspace tests: pvisor-run device options"
img=build/cmdline-test.img
truncate -s 8M "$img"
out=$(launcher/pvisor-run --cmdline --disk "$img",ro --rng 2>&1)
[ "$out" = "virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6" ] &&
	echo "ok - pvisor-run: --cmdline announces a disk and an rng" | emit ||
	{ echo "not ok - pvisor-run: --cmdline announces a disk and an rng"; echo "# got: $out"; } | emit
if out=$(launcher/pvisor-run --cmdline --disk build/no-such.img 2>&1); then
	echo "not ok - pvisor-run: a missing disk image is refused" | emit
else
	echo "$out" | grep -q 'no such file' &&
		echo "ok - pvisor-run: a missing disk image is refused with a reason" | emit ||
		{ echo "not ok - pvisor-run: a missing disk image is refused with a reason"; echo "# got: $out"; } | emit
fi

# VM legs: NAME KERNEL INITRD CPU TEST APPEND
cpu4="qemu64,+fsgsbase,+smep,+smap"
legs=(
	"stock-la57 $stock_kernel build/stock.cpio.gz max suite"
	"stock-4level-pti $stock_kernel build/stock.cpio.gz $cpu4 suite pti=on"
	"stock-no-nx $stock_kernel build/stock.cpio.gz qemu64,-nx refuse"
)
if [ -n "$debug_dir" ]; then
	legs+=(
		"debug-la57 $debug_dir/arch/x86/boot/bzImage build/debug.cpio.gz max suite"
		"debug-4level-pti $debug_dir/arch/x86/boot/bzImage build/debug.cpio.gz $cpu4 suite pti=on"
	)
fi
tests/rig/mkinitramfs.sh build/stock.cpio.gz build/mod-stock/host ||
	echo "not ok - initramfs for the stock host" | emit
[ -n "$debug_dir" ] && { tests/rig/mkinitramfs.sh build/debug.cpio.gz build/mod-debug/host ||
	echo "not ok - initramfs for the debug host" | emit; }
# A suite leg boots a dozen Linux guests; the debug host is slow at it.
export RIG_TIMEOUT=${RIG_TIMEOUT:-1500}
for leg in "${legs[@]}"; do
	set -- $leg
	case " ${RIG_LEGS:-$1} " in *" $1 "*) ;; *) continue ;; esac
	say "VM leg $1"
	tests/rig/run-vm.sh "$@" | emit
done

# The README's demo command as a user at a terminal runs it (on a pty).
case " ${RIG_LEGS:-demo-terminal} " in *" demo-terminal "*)
	say "the demo on a terminal"
	python3 tests/demo-terminal.py | emit ;;
esac

case " ${RIG_LEGS:-native-guest} " in *" native-guest "*)
	say "the guest kernel, natively"
	tests/rig/boot-native.sh | emit ;;
esac

if [ "${RIG_SELFCHECK:-1}" = 1 ]; then
	say "rig self-check: planted faults must fail their legs"
	PVISOR_DEBUG_KDIR=$debug_dir tests/rig/selfcheck.sh | emit
fi

passed=$(grep -E '^ok ' "$tap" | grep -vc '# SKIP')
skipped=$(grep -E '^ok ' "$tap" | grep -c '# SKIP')
failed=$(grep -cE '^not ok ' "$tap")
echo
if [ "$failed" != 0 ]; then
	echo "Failed:"
	grep -E '^not ok ' "$tap" | sed 's/^/  /'
fi
echo "(took $((SECONDS - start))s; results in $tap, logs in build/)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
