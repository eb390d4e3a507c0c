#!/bin/sh
# Test guests through the real switcher, inside the rig's host VM.  Each
# guest exercises one mechanism or one hostile act; the verdict is its
# exit code and, for crashes, the reason pvisor-run printed.
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
insmod pvisor.ko || { not_ok "insmod pvisor.ko"; exit 1; }

# guest NAME ARG EXPECTED-EXIT [MESSAGE-REGEX] DESCRIPTION ($guest_opts: more)
guest_opts=
guest() {
	name=$1 arg=$2 want=$3 regex=$4 desc=$5
	timeout 120 ./pvisor-run --guest "guests/$name.elf" --arg "$arg" $guest_opts \
		>/tmp/out 2>&1
	got=$?
	if [ "$got" = "$want" ] && { [ -z "$regex" ] || grep -qE "$regex" /tmp/out; }; then
		ok "$desc"
	else
		not_ok "$desc (exit $got, expected $want${regex:+ and /$regex/})"
		sed 's/^/#   /' /tmp/out | tail -n 25
	fi
}

guest hello 7 0 'hello from a pvisor guest \(16 MiB, arg 7\)' \
	"hello: console hypercall and shutdown code"
guest hypercalls 1000 0 'all checks passed' \
	"hypercalls: answers and errors through the switcher"
# A million on the stock host; the debug host (KASAN, lockdep) is about
# five times slower per exit, so it runs a quarter million, and its
# kmemleak scan at the end of the suite covers them.
if [ -e /sys/kernel/debug/kmemleak ]; then loops=250000; else loops=1000000; fi
guest hypercalls $loops 0 "all checks passed, $loops calls" \
	"hypercalls: $loops in a loop"

# Random hypercalls (tests/guests/fuzz.c), one run per seed: each must end
# by itself, all its calls made or crashed with a reason (a garbage root or
# entry table can do that); the host log check and, at the end of the
# suite, kmemleak judge the host.  The debug host is slower per exit.
#
# A garbage entry table sends a later event to a random address, and when
# that event comes depends on a timer the fuzzer set: a seed may crash, or
# reach the test library's own trap handler, which shuts the guest down
# with "panic" and a code (or any code that then makes the SHUTDOWN
# hypercall).  Each is the guest ending by itself.  Not clean: a timeout,
# pvisor-run failing (125), or no verdict printed.
if [ -e /sys/kernel/debug/kmemleak ]; then seeds="1 2 3 4"; else seeds="1 2 3 4 5 6 7 8 9 10"; fi
fuzz_calls=100000 fuzz_done=0 fuzz_crashed=0 fuzz_bad=
declared() { sed -n 's/^mmu_tables_declared \([0-9]*\)$/\1/p' /sys/kernel/debug/pvisor/stats 2>/dev/null; }
fuzz_declared=$(declared)
for seed in $seeds; do
	timeout 300 ./pvisor-run --guest guests/fuzz.elf \
		--arg $(( (fuzz_calls << 32) | seed )) >/tmp/fuzz.out 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -q "fuzz: all $fuzz_calls calls made" /tmp/fuzz.out; then
		fuzz_done=$((fuzz_done + 1))
	elif [ $rc -gt 128 ] && [ $rc -lt 143 ] && grep -q "guest crashed" /tmp/fuzz.out; then
		fuzz_crashed=$((fuzz_crashed + 1))
		tr -cd '\12\40-\176' </tmp/fuzz.out |
			grep -o "pvisor-run: guest crashed: .*" | sed "s/^/# seed $seed: /"
	elif [ $rc -lt 124 ] && grep -q "pvisor-run: guest shut down: " /tmp/fuzz.out; then
		fuzz_crashed=$((fuzz_crashed + 1))
		tr -cd '\12\40-\176' </tmp/fuzz.out |
			grep -B1 "pvisor-run: guest shut down: " | sed "s/^/# seed $seed: /"
	else
		fuzz_bad="$fuzz_bad $seed"
		echo "# seed $seed: exit $rc"
		tr -cd '\12\40-\176' </tmp/fuzz.out | tail -n 30 | sed 's/^/#   /'
	fi
done
[ -n "$fuzz_declared" ] && echo "# fuzz: $(( $(declared) - fuzz_declared )) table declarations accepted"
[ -z "$fuzz_bad" ] && ok "fuzz: random hypercalls, $fuzz_calls per seed ($fuzz_done seeds ran through, $fuzz_crashed crashed or shut down with a reason)" ||
	not_ok "fuzz: random hypercalls: seeds$fuzz_bad did not end cleanly"

# Privileged and sensitive instructions in guest-kernel mode: contained.
names="cli sti hlt mov-from-cr0 mov-to-cr3 mov-to-cr4 lgdt lidt ltr lldt wrmsr rdmsr out in invlpg swapgs sysret sysenter mov-to-dr7 wbinvd clts int0x80 int0x20 int2 int18 ud2 iret-to-ring0 int3 mov-ss-ring0 divide-by-zero df-and-ac-across-exits"
i=0
for n in $names; do
	case $n in
	ud2|sysenter) want='#UD|#GP' ;;
	# Port I/O from guest-kernel mode reads as absent hardware (all
	# ones, writes dropped); the guest then ends itself with ud2.
	out|in) want='#UD' ;;
	int3) want='#BP' ;;
	# QEMU's TCG pops an iretq's frame with supervisor accesses, which
	# SMAP refuses: a page fault there, #GP on hardware.  Both contained.
	iret-to-ring0) want='#GP|page fault' ;;
	divide-by-zero) want='#DE' ;;
	df-and-ac-across-exits) want='#UD' ;;
	*) want='#GP' ;;
	esac
	guest privileged $i 129 "$want" "privileged: $n faults in the guest, host unaffected"
	i=$((i + 1))
done

# The same instructions, accesses to the switcher's range, and int $n for
# all 256 vectors, in guest-kernel and guest-user mode with the guest's
# handlers registered: each reaches the guest kernel as its fault, and the
# guest survives them all.
guest contained 0 0 'contained: 34 instructions and accesses and int \$0\.\.255 in kernel and user mode' \
	"contained: 30 instructions, 4 accesses to the switcher's range and int \$0..255, guest kernel and user mode, each delivered to the guest kernel"

guest memory 0 129 '#PF|page fault' "memory: reading the switcher's range faults in the guest"
guest memory 1 129 'page fault' "memory: writing the switcher's range faults in the guest"
guest memory 2 131 'outside guest memory' "memory: a PTE outside guest memory ends the guest"
guest memory 3 131 'outside guest memory' "memory: a PTE at host physical memory ends the guest"
guest memory 4 0 '' "memory: NEW_CR3 outside guest memory is refused"
guest memory 5 0 '' "memory: MMU_UPDATE outside guest memory is refused"
guest memory 6 0 'iret from the hole: refused' \
	"memory: an IRET frame in the switcher's range is refused (no host data leaks)"
guest memory 7 0 'stale only until the flush' \
	"memory: PTEs rewritten behind the host's back, under two roots, are seen after the flush a CPU with PCIDs needs"

guest events 0 0 'exceptions delivered' "events: #UD #DE #GP #PF #BP reach the guest kernel's entries"
guest events 1 0 'syscall and protection fault delivered' \
	"events: user mode, a syscall, int3/ud2/cli to the guest kernel, user touching kernel memory"
guest events 2 0 'woke from halt' "events: one-shot timer wakes a halted vCPU"
guest events 3 0 'delivered on enable' "events: interrupts wait while masked, arrive on enable"
guest events 4 0 'not visible' "fpu: launcher and guest xmm state kept apart"
guest_opts="--inject 80@200"
guest events 5 0 'woke the guest' "events: an interrupt injected by the launcher wakes a halted guest"
guest_opts=
guest events 6 0 'hypervisor bit set' "cpuid: filtered answer with pvisor's signature"
if grep -qw ospke /proc/cpuinfo; then
	guest events 7 0 "protection keys are off in the guest" \
		"pkru: protection keys off while a guest runs (wrpkru #UD), the launcher's PKRU unchanged"
else
	skip "pkru: protection keys off while a guest runs" "this CPU model has no protection keys"
fi
if grep -qw fsgsbase /proc/cpuinfo; then
	guest events 9 0 "FS/GS base instructions are #UD" \
		"fsgsbase: FS/GS base instructions #UD while a guest runs, not offered by CPUID"
else
	skip "fsgsbase: FS/GS base instructions #UD while a guest runs" "this CPU model has no FSGSBASE"
fi
if grep -qw xsave /proc/cpuinfo; then
	guest events 8 0 "xcr0: the guest's own" "xcr0: the guest sets its own XCR0 (xsetbv), as the CPU would take it"
else
	skip "xcr0: the guest sets its own XCR0 (xsetbv)" "this CPU model has no XSAVE"
fi

# The direct switch: a guest-user system call round trip, or an exception
# that is the guest's own (int3) and its IRET, costs no host exit.
stats=/sys/kernel/debug/pvisor/stats
stat() { sed -n "s/^$1 //p" $stats; }
# direct PHASE WHAT EXIT-COUNTER DIRECT-COUNTER: 20000 rounds of bench PHASE.
direct() {
	slow0=$(stat "$3") direct0=$(stat "$4")
	./pvisor-run --guest guests/bench.elf --arg $(( ($1 << 32) | 20000 )) >/tmp/out 2>&1
	slow=$(( $(stat "$3") - slow0 )) direct=$(( $(stat "$4") - direct0 ))
	# The first may fall back (the guest kernel stack not shadowed yet).
	if [ "$direct" -ge 19999 ] && [ "$slow" -le 1 ]; then
		ok "direct switch: 20000 guest user $2, $slow host exits for them"
	else
		not_ok "direct switch: 20000 guest user $2: $direct direct, $slow exited"
		sed 's/^/#   /' /tmp/out
	fi
}
direct 1 syscalls exits_user_syscall direct_syscalls
direct 3 "int3s to the guest kernel" exits_exception direct_exceptions
# CR4.PGE stays off between entries (switcher.c) and comes back when the
# vCPU leaves PVISOR_RUN: each of these guest runs gives it back once at
# least.
if grep -qw pge /proc/cpuinfo; then
	u0=$(stat pge_unparks)
	direct 1 "syscalls (again, for the global pages)" exits_user_syscall direct_syscalls
	u=$(( $(stat pge_unparks) - u0 ))
	[ "$u" -ge 1 ] && ok "global pages: given back $u times after a guest run" ||
		not_ok "global pages: not given back after a guest run (pge_unparks +$u)"
else
	skip "global pages given back after a run" "this CPU has no PGE"
fi
# SET_STACK and SET_SEGMENT_BASE in the switcher: the same answers and
# effects as through the host (below, with the direct switch off).
hc0=$(stat direct_hypercalls)
guest events 10 0 'answered as hypercall.c does' \
	"direct hypercalls: SET_STACK and SET_SEGMENT_BASE at every boundary, served in the switcher"
hc=$(( $(stat direct_hypercalls) - hc0 ))
[ "$hc" -ge 10 ] && ok "direct hypercalls: $hc served without an exit" ||
	not_ok "direct hypercalls: only $hc served without an exit"
# Entries absent from the guest's table: a guest-user fault there goes to
# the guest kernel without an exit, and a first touch costs one exit (the
# refill after the guest mapped the page) instead of two.  The guest's own
# setup makes a few more (16 to 28 here), beside the 512 or 1024.
# absent ON FAULTS: 512 first touches (bench phase 2) with shadow_absent=ON.
absent() {
	echo "$1" > /sys/module/pvisor/parameters/shadow_absent
	pf0=$(stat exits_page_fault) direct0=$(stat direct_page_faults)
	./pvisor-run --guest guests/bench.elf --arg $(( (2 << 32) | 512 )) >/tmp/out 2>&1
	rc=$?
	pf=$(( $(stat exits_page_fault) - pf0 )) direct=$(( $(stat direct_page_faults) - direct0 ))
	echo 1 > /sys/module/pvisor/parameters/shadow_absent
	if [ "$1" = 1 ]; then
		good=$([ "$direct" -ge 510 ] && [ "$pf" -le 560 ] && echo y)
		what="512 guest-user first touches: $direct faults delivered directly, $pf host page-fault exits"
	else
		good=$([ "$direct" -eq 0 ] && [ "$pf" -ge 1024 ] && echo y)
		what="512 first touches with shadow_absent=0: $direct direct, $pf host page-fault exits"
	fi
	if [ "$rc" = 0 ] && [ "$good" = y ]; then
		ok "direct page faults: $what"
	else
		not_ok "direct page faults: $what (rc $rc)"
		sed 's/^/#   /' /tmp/out
	fi
}
if grep -q 'address sizes.* 52 bits physical' /proc/cpuinfo; then
	skip "direct page faults on absent entries" "this CPU has 52 physical address bits, none reserved"
else
	absent 1
	absent 0
fi
# And the same mechanisms with the direct switch off, through the host.
echo 0 > /sys/module/pvisor/parameters/direct_switch
guest events 1 0 'syscall and protection fault delivered' \
	"events without the direct switch: user mode, syscall, int3/ud2/cli, protection fault"
guest events 10 0 'answered as hypercall.c does' \
	"direct hypercalls: the same answers without the direct switch, through the host"
echo 1 > /sys/module/pvisor/parameters/direct_switch

# Two VMs in one process: closing one leaves the switcher to the other.
if ./ioctl_test --two-vms >/tmp/out 2>&1; then
	ok "two VMs in one process: closing one leaves the other runnable"
else
	not_ok "two VMs in one process: closing one leaves the other runnable"
	sed 's/^/#   /' /tmp/out
fi

# Repeated VM creation and destruction: no growth (kmemleak checks at the end).
i=0; bad=0
while [ $i -lt 30 ]; do
	./pvisor-run --guest guests/hello.elf >/dev/null 2>&1 || bad=$((bad + 1))
	i=$((i + 1))
done
[ $bad = 0 ] && ok "30 VMs created and destroyed in a row" ||
	not_ok "30 VMs created and destroyed in a row ($bad failed)"

# sigkill_ends WHAT PID: SIGKILL must end the launcher PID at once.
sigkill_ends() {
	kill -9 "$2"
	sleep 1
	kill -0 "$2" 2>/dev/null && not_ok "$1: SIGKILL ends the launcher" ||
		ok "$1: SIGKILL ends the launcher"
	wait "$2" 2>/dev/null
}

# A spinning guest: the host stays responsive and SIGKILL ends it.
./pvisor-run --guest guests/spin.elf >/tmp/spin.out 2>&1 &
pid=$!
sleep 3
if kill -0 $pid 2>/dev/null && grep -q spinning /tmp/spin.out; then
	ok "spin: guest runs while the host VM keeps scheduling"
else
	not_ok "spin: guest runs while the host VM keeps scheduling"
	sed 's/^/#   /' /tmp/spin.out
fi
kill -USR1 $pid
sleep 1
if grep -q "report asked by SIGUSR1" /tmp/spin.out && grep -q "^  rip " /tmp/spin.out &&
   kill -0 $pid 2>/dev/null; then
	ok "spin: SIGUSR1 makes pvisor-run print a report, and the guest runs on"
else
	not_ok "spin: SIGUSR1 makes pvisor-run print a report, and the guest runs on"
	sed 's/^/#   /' /tmp/spin.out
fi
sigkill_ends "spin" $pid

# A guest spinning on quick hypercalls (run.c: served between entries with
# host interrupts off) shares its CPU: a shell loop pinned to the same CPU
# still runs to its end, so the inner loop honours need_resched.
stats=/sys/kernel/debug/pvisor/stats
quick_before=$(sed -n 's/^quick_exits //p' $stats)
taskset -c 1 ./pvisor-run --guest guests/spin.elf --arg 1 >/tmp/spinq.out 2>&1 &
pid=$!
sleep 2
if timeout 60 taskset -c 1 sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done'; then
	shared=yes
else
	shared=no
fi
quick_after=$(sed -n 's/^quick_exits //p' $stats)
if kill -0 $pid 2>/dev/null && grep -q spinning /tmp/spinq.out && [ $shared = yes ] &&
   [ "$quick_after" -gt $((quick_before + 1000)) ]; then
	ok "spin on quick hypercalls: $((quick_after - quick_before)) served in the inner loop, and a task on the same CPU still runs"
else
	not_ok "spin on quick hypercalls: served in the inner loop ($quick_before -> $quick_after), a task on the same CPU runs: $shared"
	sed 's/^/#   /' /tmp/spinq.out
fi
sigkill_ends "spin on quick hypercalls" $pid

# An NMI while a guest runs reaches the host's NMI handler: the sysrq
# "l" backtrace is delivered by NMI to the other CPU, where a guest spins.
# The NMI may land while that CPU is in the host (handling an exit: the
# debug host spends much of its time there), so try a few times.
./pvisor-run --guest guests/spin.elf >/tmp/spin2.out 2>&1 &
pid=$!
sleep 2
before=$(sed -n 's/^exits_nmi //p' $stats)
echo "<4>pvisor-rig: expect-splat-begin (sysrq l: NMI backtraces on purpose)" > /dev/kmsg
dmesg -c >/dev/null
tries=0 after=$before
while [ "$after" = "$before" ] && [ $tries -lt 8 ]; do
	echo l > /proc/sysrq-trigger
	sleep 1
	after=$(sed -n 's/^exits_nmi //p' $stats)
	tries=$((tries + 1))
done
bt=$(dmesg | grep -c 'NMI backtrace for cpu')
echo "<4>pvisor-rig: expect-splat-end" > /dev/kmsg
kill -9 $pid; wait $pid 2>/dev/null
if [ "$after" -gt "$before" ] && [ "$bt" -ge 1 ]; then
	ok "nmi: an NMI taken in the guest reached the host's handler ($((after - before)) forwarded, $tries tries)"
else
	not_ok "nmi: an NMI taken in the guest reached the host's handler (forwarded $before -> $after, $bt backtraces, $tries tries)"
fi

# A machine check while a guest runs reaches the host's #MC handler.  QEMU
# injects it from outside, asked through the results port (run-vm.sh and
# tests/rig/monitor.py), on CPU 1 where a guest spins.  The error is an
# AMD "deferred" uncorrected one (VAL|UC|EN|DEFERRED, MCG_STATUS RIPV|MCIP),
# which Linux logs without panicking; QEMU raises #MC only for UC errors,
# and its TCG CPUs are AMD's.  Every injection must reach the host's
# handler (its per-CPU "MCE" count in /proc/interrupts), whether it landed
# in the guest (forwarded: exits_machine_check) or in the host; at least
# one must have landed in the guest, and the guest must still run.
mce_count() { awk '$1 == "MCE:" { print $3 }' /proc/interrupts; }
mce_vendor=$(sed -n 's/^vendor_id[[:space:]]*: //p' /proc/cpuinfo | head -n1)
if [ "$mce_vendor" != AuthenticAMD ] || [ -z "$(mce_count)" ]; then
	skip "mce: a machine check in the guest reaches the host's handler" \
		"the injected error is AMD's deferred kind; this CPU is '$mce_vendor'"
else
	taskset -c 1 ./pvisor-run --guest guests/spin.elf >/tmp/spin3.out 2>&1 &
	pid=$!
	sleep 2
	before=$(sed -n 's/^exits_machine_check //p' $stats) after=$before
	mce_before=$(mce_count)
	tries=0
	while [ "$after" = "$before" ] && [ $tries -lt 8 ]; do
		echo "PVISOR-RIG-MONITOR mce 1 1 0xb0001000000000c0 0x5 0 0" >/dev/ttyS1
		tries=$((tries + 1))
		# MCG_STATUS.MCIP stays set until the host's handler ends, and
		# QEMU resets a CPU given a second #MC before that: wait.
		sleep 2
		after=$(sed -n 's/^exits_machine_check //p' $stats)
	done
	handled=$(($(mce_count) - mce_before))
	kill -0 $pid 2>/dev/null && alive=yes || alive=no
	kill -9 $pid; wait $pid 2>/dev/null
	if [ "$after" -gt "$before" ] && [ "$handled" = "$tries" ] && [ $alive = yes ]; then
		ok "mce: a machine check in the guest reached the host's handler ($tries injected, all handled, $((after - before)) from the guest)"
	else
		not_ok "mce: a machine check in the guest reached the host's handler (forwarded $before -> $after, host handled $handled of $tries, guest alive: $alive)"
		sed 's/^/#   /' /tmp/spin3.out | tail -n 20
	fi
fi

# Two guests at once.
./pvisor-run --guest guests/hypercalls.elf --arg 200000 >/tmp/a.out 2>&1 &
a=$!
./pvisor-run --guest guests/hypercalls.elf --arg 200000 >/tmp/b.out 2>&1 &
b=$!
wait $a; ra=$?
wait $b; rb=$?
[ $ra = 0 ] && [ $rb = 0 ] && ok "two guests at once" ||
	not_ok "two guests at once (exits $ra, $rb)"

grep -E '^(exits|guest_crashes|late_interrupts)' /sys/kernel/debug/pvisor/stats | sed 's/^/# /'
check "rmmod pvisor after the guests" rmmod pvisor
exit $failed
