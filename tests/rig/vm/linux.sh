#!/bin/sh
# The Linux guest (guest-pv) under pvisor, inside the rig's host VM: boots
# to busybox and runs the in-guest tests; sizes, a panic, two guests at
# once, and a launcher killed mid-boot.
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
if [ ! -f linux/vmlinux ]; then
	skip "linux guest" "no guest kernel in the initramfs (guest-pv build failed?)"
	exit 0
fi
grep -q '^pvisor ' /proc/modules || insmod pvisor.ko || { not_ok "insmod pvisor.ko"; exit 1; }

# linux NAME MEM APPEND: boot the guest; output in /tmp/NAME.out, exit in $rc.
linux() {
	timeout 600 ./pvisor-run --kernel linux/vmlinux --initrd linux/initrd.cpio.gz \
		--mem "$2" --append "console=hvc0 $3" >"/tmp/$1.out" 2>&1
	rc=$?
}
show() { sed 's/^/#   /' "/tmp/$1.out" | tail -n 40; }

linux tests 256M pvtest
grep -E '^((not )?ok |# odd system call numbers)' /tmp/tests.out | sed 's/^/# guest: /'
if [ "$rc" = 0 ] && grep -q 'guest-tests: PASS' /tmp/tests.out; then
	ok "linux: boots to busybox, in-guest tests pass, powers off (exit 0)"
else
	not_ok "linux: in-guest tests (exit $rc)"; show tests
fi

# pvtest skips its pvisor-only checks on a native kernel; here it must not.
if grep -q 'SKIP not under pvisor' /tmp/tests.out; then
	not_ok "linux: pvtest did not see the pvisor CPU flag in /proc/cpuinfo"
fi

# The fidelity report: pvtest natively on this VM's kernel beside the guest.
if [ -x pvtest ]; then
	. /pvisor/vm/fidelity.sh /tmp/tests.out
else
	skip "fidelity report" "no native pvtest in this initramfs (tests/rig/mkguestinitrd.sh)"
fi

# The guest-side KUnit suite ran at boot: its KTAP is on the guest console.
tr -d '\r' </tmp/tests.out |
	sed -nE 's/^\[[ 0-9.]+\] +((not )?ok) [0-9]+ (hc_[a-z_0-9]+( # SKIP .*)?)$/\1 - linux: guest KUnit: \3/p'
# Skipped cases (a CPU model without the feature) show as SKIP above.
summary=$(grep -oE 'pvisor_guest_hypercall: pass:[0-9]+ fail:[0-9]+ skip:[0-9]+' /tmp/tests.out)
case "$summary" in
*"pass:0 "*) not_ok "linux: guest KUnit suite ran no case ($summary)" ;;
*" fail:0 skip:"*) ok "linux: guest KUnit suite pvisor_guest_hypercall ($summary)" ;;
*) not_ok "linux: guest KUnit suite pvisor_guest_hypercall (${summary:-no summary on the console})" ;;
esac

for mem in 64M 1G; do
	linux "mem$mem" "$mem" pvboot
	if [ "$rc" = 0 ] && grep -q 'guest: booted with MemTotal' "/tmp/mem$mem.out"; then
		ok "linux: boots with $mem ($(grep -o 'MemTotal:.*' "/tmp/mem$mem.out"))"
	else
		not_ok "linux: boot with $mem (exit $rc)"; show "mem$mem"
	fi
done

# The shell on hvc0 takes its input from pvisor-run's stdin.
printf 'echo shell-says-$((6 * 7))\npoweroff -f\n' |
	timeout 300 ./pvisor-run --kernel linux/vmlinux --initrd linux/initrd.cpio.gz \
		--mem 128M --append "console=hvc0" >/tmp/shell.out 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q 'shell-says-42' /tmp/shell.out; then
	ok "linux: the shell on hvc0 runs what is typed into pvisor-run"
else
	not_ok "linux: shell on hvc0 (exit $rc)"; show shell
fi

linux panic 128M pvpanic
if [ "$rc" = 1 ] && grep -q 'guest shut down: panic, code 1' /tmp/panic.out &&
   grep -q 'Kernel panic - not syncing: Attempted to kill init' /tmp/panic.out; then
	ok "linux: a guest panic ends pvisor-run with code 1 and the reason"
else
	not_ok "linux: guest panic (exit $rc)"; show panic
fi

# Two guests at once (the host VM has two CPUs).
linux two-a 128M pvboot & a=$!
linux two-b 128M pvboot
rb=$rc; wait $a; ra=$?
if [ "$rb" = 0 ] && grep -q 'guest: booted' /tmp/two-a.out && grep -q 'guest: booted' /tmp/two-b.out; then
	ok "linux: two guests at once both boot and power off"
else
	not_ok "linux: two guests at once (exits $ra, $rb)"; show two-a; show two-b
fi

# A launcher SIGKILLed mid-boot leaves nothing behind.
./pvisor-run --kernel linux/vmlinux --initrd linux/initrd.cpio.gz --mem 128M \
	--append "console=hvc0 pvtest" >/tmp/kill.out 2>&1 & k=$!
sleep 3
kill -9 $k; wait $k 2>/dev/null
sleep 1
refs=$(cat /sys/module/pvisor/refcnt)
if [ "$refs" = 0 ]; then
	ok "linux: launcher SIGKILLed mid-boot, every VM reference dropped"
else
	not_ok "linux: after SIGKILL the module still has $refs references"
fi
check "rmmod pvisor after the Linux guests" rmmod pvisor
exit $failed
