#!/usr/bin/env bash
# run-vm.sh NAME KERNEL INITRD CPU TEST [EXTRA-APPEND]
#
# Boot the rig's host VM under QEMU (TCG), run the VM-side test TEST, and
# print its TAP lines prefixed with NAME.  Exit status: 0 only if the test
# passed AND the console shows no kernel warning, BUG, oops, KASAN, UBSAN,
# lockdep or RCU report.  Logs stay in build/rig/NAME.{console,results}.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=$1 kernel=$2 initrd=$3 cpu=$4 test=$5 extra=${6:-}
timeout=${RIG_TIMEOUT:-600}
logs=$PVISOR_TOP/build/rig
mkdir -p "$logs"
console=$logs/$name.console results=$logs/$name.results
rm -f "$console" "$results"

splat='WARNING:|BUG:|Oops|Kernel panic|KASAN:|UBSAN:|general protection fault|kernel BUG|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|blocked for more than|unreferenced object|Call Trace:'

# QEMU's monitor listens on a socket, and tests/rig/monitor.py hands it the
# commands a VM-side test asks for on the results port (a machine check to
# inject); the exchange is logged in build/rig/NAME.monitor.
monitor=$logs/$name.monitor.sock
boot() {
	rc=0
	rm -f "$monitor"
	python3 "$PVISOR_TOP/tests/rig/monitor.py" "$results" "$monitor" \
		"$logs/$name.monitor" &
	local watcher=$!
	timeout --foreground "$timeout" qemu-system-x86_64 \
		-accel tcg -cpu "$cpu" -smp 2 -m 1536 \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 loglevel=5 panic=-1 pvisor.test=$test $extra" \
		-display none -monitor "unix:$monitor,server,nowait" -no-reboot \
		-serial "file:$console" -serial "file:$results" \
		</dev/null >"$logs/$name.qemu" 2>&1 || rc=$?
	kill "$watcher" 2>/dev/null || true
	wait "$watcher" 2>/dev/null || true
	rm -f "$monitor"
}

# The console without what a test provokes on purpose (an NMI backtrace):
# such a test brackets it with "pvisor-rig: expect-splat-begin/end" in the
# kernel log, and only what lies between the two markers is exempt.
unbracketed() {
	awk '/pvisor-rig: expect-splat-begin/ { skip = 1 } !skip { print }
	     /pvisor-rig: expect-splat-end/ { skip = 0 }' "$console"
}

# Did the kernel complain before the rig's /init started the test, i.e.
# before pvisor was anywhere near it?  (Also when it died before /init.)
splat_at_boot_only() {
	local text first_splat marker
	text=$(unbracketed)
	first_splat=$(echo "$text" | grep -nE "$splat" | head -n1 | cut -d: -f1)
	marker=$(echo "$text" | grep -n '^rig: running' | head -n1 | cut -d: -f1)
	[ -n "$first_splat" ] || return 1
	[ -z "$marker" ] && return 0
	[ "$first_splat" -lt "$marker" ] &&
		! echo "$text" | sed -n "$marker,\$p" | grep -qE "$splat"
}

start=$SECONDS
boot
# The debug kernel (KASAN, 5-level paging) now and then reports a bad access
# in an interrupt taken during early boot under TCG, long before /init, and
# the stock kernel once oopsed on an int3 of its own boot-time text patching
# before /init.  Neither is pvisor's doing (it is loaded by the test): keep
# that console, note it, and boot once more.  A second report, or any report
# after the test starts, fails the leg.
if splat_at_boot_only; then
	mv "$console" "$console.boot-splat"
	echo "# $name: the kernel complained during boot, before the test started; kept in $console.boot-splat, booting again"
	rm -f "$results"
	boot
fi
took=$((SECONDS - start))

fail=0
# The test's own verdicts.
sed -n 's/\r$//; /^\(not \)\?ok /p' "$results" |
	sed -E "s/^(not )?ok( [0-9]+)? -? ?/\1ok - $name: /"
status=$(sed -n 's/\r$//; s/^PVISOR-RIG-EXIT \([0-9]*\)$/\1/p' "$results")
if [ -z "$status" ]; then
	[ "$rc" = 124 ] && why="timed out after ${timeout}s" || why="QEMU exit $rc"
	echo "not ok - $name: VM finished the test ($why; the VM crashed, hung or never ran /init)"
	fail=1
elif [ "$status" != 0 ]; then
	fail=1
fi

# Anything the kernel had to complain about fails the leg, with the lines
# (except what a test provoked on purpose, see unbracketed).
checked=$logs/$name.console.checked
unbracketed >"$checked"
if grep -qE "$splat" "$checked"; then
	echo "not ok - $name: kernel log is clean"
	grep -nE -A 25 "$splat" "$checked" | head -n 80 | sed 's/^/#   /'
	fail=1
else
	echo "ok - $name: kernel log is clean"
fi
if [ "$fail" != 0 ]; then
	echo "# $name: console tail ($console):"
	tail -n 30 "$console" | sed 's/^/#   /'
fi
echo "# $name: ${took}s, cpu=$cpu, append='$extra'"
exit "$fail"
