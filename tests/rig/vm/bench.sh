#!/bin/sh
# `make bench` inside the rig's host VM: native baselines, then the same
# operations in a pvisor guest, with host exits per operation from the
# module's debugfs counters.  A benchmark, not a test: it only fails if
# something could not run.
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
insmod pvisor.ko || { not_ok "insmod"; exit 1; }
stats=/sys/kernel/debug/pvisor/stats
exits() { sed -n 's/^exits \([0-9]*\)$/\1/p' $stats; }

./bench_native 100000 > /tmp/native
cat /tmp/native
n_hc=100000 n_sc=20000 n_pf=512
run() {	# phase iterations
	before=$(exits)
	./pvisor-run --guest guests/bench.elf --arg $(( ($1 << 32) | $2 )) 2>/dev/null |
		grep '^bench' > /tmp/guest || { not_ok "bench phase $1"; return; }
	after=$(exits)
	read -r _ name ns _ <<-EOT
	$(cat /tmp/guest)
	EOT
	echo "bench $name $ns ns, $(( (after - before) * 100 / $2 ))/100 exits per op"
	echo "$name $ns" >> /tmp/guestns
}
: > /tmp/guestns
run 0 $n_hc
run 1 $n_sc
run 2 $n_pf
run 3 $n_sc
getpid=$(sed -n 's/^bench native_getpid \([0-9]*\).*/\1/p' /tmp/native)
pf=$(sed -n 's/^bench native_page_fault \([0-9]*\).*/\1/p' /tmp/native)
awk -v g="$getpid" -v p="$pf" '
	$1 == "hypercall" { printf "ratio hypercall / native getpid: %.1f\n", $2 / g }
	$1 == "user_syscall" { printf "ratio guest user syscall / native getpid: %.1f\n", $2 / g }
	$1 == "user_page_fault" { printf "ratio guest user page fault / native page fault: %.1f\n", $2 / p }
	$1 == "user_exception" { printf "ratio guest user exception (int3) / native getpid: %.1f\n", $2 / g }
' /tmp/guestns
rmmod pvisor
ok "bench ran"
exit $failed
