#!/bin/sh
# `make bench`, Linux part, inside the rig's host VM: the same static
# program (tests/rig/guest/pvbench.c) natively in this VM and inside a
# pvisor Linux guest, one operation per guest boot.  Exits and hypercalls
# per operation are the module's counters for that boot minus those of a
# boot that does nothing (N = 0).  A benchmark, not a test.
#
# configure and archive run on a disk: a fresh ext2 file system (busybox
# mke2fs) on a file in this VM's tmpfs for each run, the guest's virtio
# disk, UML's ubd disk, and natively mounted through a loop device; their
# baseline is a boot with that disk that does nothing.  pvbench.ops=A,B
# on this VM's command line runs only those operations (default: all).
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
grep -q '^pvisor ' /proc/modules || insmod pvisor.ko || { not_ok "insmod"; exit 1; }
[ -x pvbench ] || { skip "linux bench" "no guest kernel in the initramfs"; exit 0; }
stats=/sys/kernel/debug/pvisor/stats
stat() { sed -n "s/^$1 \([0-9]*\)$/\1/p" $stats; }
ops=$(sed -n 's/.*pvbench\.ops=\([a-z,]*\).*/\1/p' /proc/cmdline | tr , ' ')
wanted() { [ -z "$ops" ] || case " $ops " in *" $1 "*) true ;; *) false ;; esac; }

# fresh_disk: a new, empty ext2 file system in $disk (128 MiB, 4 KiB
# blocks, 32768 inodes), for one run of configure or archive.
disk=/tmp/pvb-disk.img
fresh_disk() {
	rm -f $disk && truncate -s 128M $disk &&
		mke2fs -F -b 4096 -i 4096 $disk >/dev/null 2>&1
}
# archive_sum FILE: the archive's checksum that pvbench archive printed.
archive_sum() { sed -n 's/^archive: sha256 \([0-9a-f]*\).*/\1/p' "$1" | head -n 1; }

# guest OP N [--disk FILE]: boot, run it (with a disk, on it: pvbenchdisk
# tells the guest's init); sets ns, exits, hcalls, faults, batches
# (MMU_UPDATE calls), entries (page-table entries they wrote), tables
# (page-table pages they declared or released), boot_s.
guest() {
	g_op=$1 g_n=$2
	shift 2
	e0=$(stat exits) h0=$(stat hypercalls) f0=$(stat exits_page_fault)
	b0=$(stat mmu_batches) n0=$(stat mmu_batch_entries)
	t0=$(( $(stat mmu_tables_declared) + $(stat mmu_tables_released) ))
	./pvisor-run --kernel linux/vmlinux --initrd linux/initrd.cpio.gz --mem 256M "$@" \
		--append "console=hvc0 quiet pvbench=$g_op:$g_n${1:+ pvbenchdisk}" >/tmp/pvb.out 2>&1 ||
		{ not_ok "guest bench $g_op"; tail -n 20 /tmp/pvb.out; return 1; }
	exits=$(( $(stat exits) - e0 )) hcalls=$(( $(stat hypercalls) - h0 ))
	faults=$(( $(stat exits_page_fault) - f0 ))
	batches=$(( $(stat mmu_batches) - b0 ))
	tables=$(( $(stat mmu_tables_declared) + $(stat mmu_tables_released) - t0 ))
	entries=$(( $(stat mmu_batch_entries) - n0 - tables ))
	ns=$(sed -n "s/^pvbench $g_op \([0-9]*\) ns\/op.*/\1/p" /tmp/pvb.out)
	boot_s=$(sed -n 's/.*guest: init running on .* at \([0-9.]*\) s.*/\1/p' /tmp/pvb.out)
	[ -n "$ns" ] || { not_ok "guest bench $g_op: no result"; tail -n 20 /tmp/pvb.out; return 1; }
}

# uml OP N [UML OPTIONS]: the same in User-Mode Linux built from the same
# source, booted from the same initramfs in this VM; sets uml_ns and
# uml_boot_s.  UML's static glibc registers an rseq area in UML's heap,
# and UML's user processes (clones of it) unmap that heap: the host
# kernel's next rseq update then kills them with SIGSEGV ("wait_stub_done
# ... 0xb7f").  So glibc is told not to register one.
uml() {
	uml_ns= uml_boot_s=
	[ -x uml ] || return 1
	u_op=$1 u_n=$2
	shift 2
	GLIBC_TUNABLES=glibc.pthread.rseq=0 TMPDIR=/dev/shm timeout 900 \
		./uml mem=256M initrd=linux/initrd.cpio.gz "$@" \
		con0=null,fd:1 con=null quiet "pvbench=$u_op:$u_n" </dev/null >/tmp/uml.out 2>&1
	uml_ns=$(sed -n "s/^pvbench $u_op \([0-9]*\) ns\/op.*/\1/p" /tmp/uml.out | tr -d '\r')
	uml_boot_s=$(sed -n 's/.*guest: init running on .* at \([0-9.]*\) s.*/\1/p' /tmp/uml.out)
	[ -n "$uml_ns" ] || { echo "# UML gave no result for $u_op:"; tail -n 15 /tmp/uml.out | sed 's/^/#   /'; return 1; }
}

# native_disk OP N: pvbench natively on a fresh ext2 file system on a loop
# device over $disk; sets native (ns) and native_sum.  The stock kernel
# has ext4 (which serves ext2, and asks for crc32c) and loop as modules:
# mkinitramfs.sh packs them in kmod/.
native_disk() {
	native= native_sum=
	grep -qw ext2 /proc/filesystems ||
		for m in crc32c_generic crc16 mbcache jbd2 ext4; do insmod kmod/$m.ko 2>/dev/null; done
	[ -e /dev/loop-control ] || insmod kmod/loop.ko 2>/dev/null
	mkdir -p /mnt/pvb
	fresh_disk && mount -t ext2 -o loop $disk /mnt/pvb ||
		{ echo "# no ext2 on a loop device in this VM: $1 not run natively"; return 1; }
	(cd /mnt/pvb && /pvisor/pvbench "$1" "$2") >/tmp/native.out 2>&1
	umount -d /mnt/pvb
	native=$(sed -n "s/^pvbench $1 \([0-9]*\) ns\/op.*/\1/p" /tmp/native.out)
	native_sum=$(archive_sum /tmp/native.out)
	[ -n "$native" ] || { echo "# $1 natively gave no result:"; tail -n 15 /tmp/native.out | sed 's/^/#   /'; return 1; }
}
if [ -x uml ]; then
	mkdir -p /dev/shm && mount -t tmpfs -o size=600M tmpfs /dev/shm
fi

guest getpid 0 || exit 1
be=$exits bh=$hcalls bf=$faults bb=$batches bn=$entries bt=$tables
echo "bench linux guest boot to /init: $boot_s s (guest clock), $be exits, $bh hypercalls, $bf shadow faults, $bb MMU batches of $bn entries and $bt table declarations for the whole boot and power-off"
disk_base=
for spec in getpid:20000 touch:2000 fork:100 exec:50 shell:10 configure:1 archive:1; do
	op=${spec%:*} n=${spec#*:}
	wanted "$op" || continue
	# ce ... ct: the counters of the baseline boot for this operation.
	ce=$be ch=$bh cf=$bf cb=$bb cn=$bn ct=$bt
	case $op in
	configure|archive)
		if [ -z "$disk_base" ]; then
			fresh_disk && guest "$op" 0 --disk $disk || continue
			disk_base="$exits $hcalls $faults $batches $entries $tables"
			echo "bench linux guest boot with the ext2 disk mounted (the baseline of configure and archive): $exits exits, $hcalls hypercalls, $faults shadow faults, $batches MMU batches of $entries entries and $tables table declarations"
		fi
		set -- $disk_base
		ce=$1 ch=$2 cf=$3 cb=$4 cn=$5 ct=$6
		native_disk "$op" "$n" || continue
		fresh_disk && guest "$op" "$n" --disk $disk || continue
		guest_sum=$(archive_sum /tmp/pvb.out | tr -d '\r')
		[ "$guest_sum" = "$native_sum" ] ||
			echo "# $op: the guest's archive (sha256 $guest_sum) is not the native one ($native_sum)"
		;;
	*)
		native=$(./pvbench "$op" "$n" | sed -n 's/^pvbench [a-z]* \([0-9]*\) ns.*/\1/p')
		guest "$op" "$n" || continue
		;;
	esac
	# (ns as %.0f: busybox awk's %d stops at 2^31, and a configure takes longer.)
	awk -v op="$op" -v n="$n" -v g="$ns" -v nat="$native" -v e=$((exits - ce)) \
		-v h=$((hcalls - ch)) -v f=$((faults - cf)) -v b=$((batches - cb)) \
		-v pte=$((entries - cn)) -v t=$((tables - ct)) 'BEGIN {
		printf "bench linux %s: native %.0f ns, guest %.0f ns; per op %.2f exits, %.2f hypercalls, %.2f shadow faults, %.2f MMU batches",
			op, nat, g, e / n, h / n, f / n, b / n
		# Below half a batch per op the counts are boot-to-boot noise.
		if (b / n >= 0.5)
			printf " of %.1f PTE updates and %.1f table declarations each", pte / b, t / b
		printf "\n"
		printf "ratio linux guest/native %s: %.1f\n", op, g / (nat ? nat : 1) }'
	uml_ns=
	case $op in
	configure|archive) fresh_disk && uml "$op" "$n" ubd0=$disk pvbenchdisk ;;
	*) uml "$op" "$n" && uml_boot=$uml_boot_s ;;
	esac
	if [ -n "$uml_ns" ]; then
		awk -v op="$op" -v g="$ns" -v u="$uml_ns" 'BEGIN {
			printf "bench linux %s: UML %.0f ns\n", op, u
			printf "ratio linux guest/UML %s: %.2f\n", op, g / (u ? u : 1) }'
		uml_sum=$(archive_sum /tmp/uml.out | tr -d '\r')
		[ "$op" != archive ] || [ "$uml_sum" = "$native_sum" ] ||
			echo "# $op: UML's archive (sha256 $uml_sum) is not the native one ($native_sum)"
	else
		echo "bench linux $op: UML not run"
	fi
done
[ -n "${uml_boot:-}" ] && echo "bench linux UML boot to /init: $uml_boot s (UML's clock)"
[ -x uml ] || echo "bench linux: no UML in this initramfs (tests/rig/build-uml.sh failed?)"
ok "linux bench ran"
exit $failed
