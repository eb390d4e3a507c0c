#!/bin/sh
# `make bench`, Linux part, inside the rig's host VM: the same static
# program (tests/rig/guest/pvbench.c) natively in this VM and inside a
# pvisor Linux guest, one operation per guest boot.  Exits and hypercalls
# per operation are the module's counters for that boot minus those of a
# boot that does nothing (N = 0).  A benchmark, not a test.
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
grep -q '^pvisor ' /proc/modules || insmod pvisor.ko || { not_ok "insmod"; exit 1; }
[ -x pvbench ] || { skip "linux bench" "no guest kernel in the initramfs"; exit 0; }
stats=/sys/kernel/debug/pvisor/stats
stat() { sed -n "s/^$1 \([0-9]*\)$/\1/p" $stats; }

# guest OP N: boot, run it; sets ns, exits, hcalls, faults, batches
# (MMU_UPDATE calls), entries (page-table entries they wrote), tables
# (page-table pages they declared or released), boot_s.
guest() {
	e0=$(stat exits) h0=$(stat hypercalls) f0=$(stat exits_page_fault)
	b0=$(stat mmu_batches) n0=$(stat mmu_batch_entries)
	t0=$(( $(stat mmu_tables_declared) + $(stat mmu_tables_released) ))
	./pvisor-run --kernel linux/vmlinux --initrd linux/initrd.cpio.gz --mem 256M \
		--append "console=hvc0 quiet pvbench=$1:$2" >/tmp/pvb.out 2>&1 ||
		{ not_ok "guest bench $1"; tail -n 20 /tmp/pvb.out; return 1; }
	exits=$(( $(stat exits) - e0 )) hcalls=$(( $(stat hypercalls) - h0 ))
	faults=$(( $(stat exits_page_fault) - f0 ))
	batches=$(( $(stat mmu_batches) - b0 ))
	tables=$(( $(stat mmu_tables_declared) + $(stat mmu_tables_released) - t0 ))
	entries=$(( $(stat mmu_batch_entries) - n0 - tables ))
	ns=$(sed -n "s/^pvbench $1 \([0-9]*\) ns\/op.*/\1/p" /tmp/pvb.out)
	boot_s=$(sed -n 's/.*guest: init running on .* at \([0-9.]*\) s.*/\1/p' /tmp/pvb.out)
}

# uml OP N: the same in User-Mode Linux built from the same source, booted
# from the same initramfs in this VM; sets uml_ns and uml_boot_s.  UML's
# static glibc registers an rseq area in UML's heap, and UML's user
# processes (clones of it) unmap that heap: the host kernel's next rseq
# update then kills them with SIGSEGV ("wait_stub_done ... 0xb7f").  So
# glibc is told not to register one.
uml() {
	uml_ns= uml_boot_s=
	[ -x uml ] || return 1
	GLIBC_TUNABLES=glibc.pthread.rseq=0 TMPDIR=/dev/shm timeout 900 \
		./uml mem=256M initrd=linux/initrd.cpio.gz \
		con0=null,fd:1 con=null quiet "pvbench=$1:$2" </dev/null >/tmp/uml.out 2>&1
	uml_ns=$(sed -n "s/^pvbench $1 \([0-9]*\) ns\/op.*/\1/p" /tmp/uml.out | tr -d '\r')
	uml_boot_s=$(sed -n 's/.*guest: init running on .* at \([0-9.]*\) s.*/\1/p' /tmp/uml.out)
	[ -n "$uml_ns" ] || { echo "# UML gave no result for $1:"; tail -n 15 /tmp/uml.out | sed 's/^/#   /'; return 1; }
}
if [ -x uml ]; then
	mkdir -p /dev/shm && mount -t tmpfs -o size=600M tmpfs /dev/shm
fi

guest getpid 0 || exit 1
be=$exits bh=$hcalls bf=$faults bb=$batches bn=$entries bt=$tables
echo "bench linux guest boot to /init: $boot_s s (guest clock), $be exits, $bh hypercalls, $bf shadow faults, $bb MMU batches of $bn entries and $bt table declarations for the whole boot and power-off"
for spec in getpid:20000 touch:2000 fork:100 exec:50 shell:10; do
	op=${spec%:*} n=${spec#*:}
	native=$(./pvbench "$op" "$n" | sed -n 's/^pvbench [a-z]* \([0-9]*\) ns.*/\1/p')
	guest "$op" "$n" || continue
	awk -v op="$op" -v n="$n" -v g="$ns" -v nat="$native" -v e=$((exits - be)) \
		-v h=$((hcalls - bh)) -v f=$((faults - bf)) -v b=$((batches - bb)) \
		-v pte=$((entries - bn)) -v t=$((tables - bt)) 'BEGIN {
		printf "bench linux %s: native %d ns, guest %d ns; per op %.2f exits, %.2f hypercalls, %.2f shadow faults, %.2f MMU batches",
			op, nat, g, e / n, h / n, f / n, b / n
		# Below half a batch per op the counts are boot-to-boot noise.
		if (b / n >= 0.5)
			printf " of %.1f PTE updates and %.1f table declarations each", pte / b, t / b
		printf "\n"
		printf "ratio linux guest/native %s: %.1f\n", op, g / (nat ? nat : 1) }'
	if uml "$op" "$n"; then
		awk -v op="$op" -v g="$ns" -v u="$uml_ns" 'BEGIN {
			printf "bench linux %s: UML %d ns\n", op, u
			printf "ratio linux guest/UML %s: %.2f\n", op, g / (u ? u : 1) }'
	else
		echo "bench linux $op: UML not run"
	fi
done
[ -n "${uml_boot_s:-}" ] && echo "bench linux UML boot to /init: $uml_boot_s s (UML's clock)"
[ -x uml ] || echo "bench linux: no UML in this initramfs (tests/rig/build-uml.sh failed?)"
ok "linux bench ran"
exit $failed
