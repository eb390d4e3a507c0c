#!/bin/sh
# `make bench`, devices part, inside the rig's host VM: the virtio disk and
# network of a Linux guest against the same I/O from the host VM itself.
# Guest timings come from the guest's clock (/proc/uptime, 10 ms); exits
# and launcher wakeups per I/O are the difference between two runs of
# different lengths, so boot and shutdown cancel out.  A benchmark, not a
# test: it only fails if something could not run.
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
grep -q '^pvisor ' /proc/modules || insmod pvisor.ko || { not_ok "insmod"; exit 1; }
[ -f linux/rootfs.ext4 ] || { skip "device bench" "no guest root image"; exit 0; }
now() { cut -d' ' -f1 /proc/uptime; }
mbs() { awk -v kib="$1" -v a="$2" -v b="$3" 'BEGIN { d = b - a; if (d <= 0) d = 0.01; printf "%.1f", kib / 1024 / d }'; }

# lat0; ...; lat WHAT: the module's device-interrupt latency (raise by
# the device thread to delivery into the guest kernel) over WHAT.
lat0() {
	lh0=$(pvstat irq_latency_halted) lhn0=$(pvstat irq_latency_halted_ns)
	lr0=$(pvstat irq_latency_running) lrn0=$(pvstat irq_latency_running_ns)
}
lat() {
	awk -v h=$(( $(pvstat irq_latency_halted) - lh0 )) -v hn=$(( $(pvstat irq_latency_halted_ns) - lhn0 )) \
	    -v r=$(( $(pvstat irq_latency_running) - lr0 )) -v rn=$(( $(pvstat irq_latency_running_ns) - lrn0 )) \
	    -v what="$1" 'BEGIN {
		printf "bench guest interrupt latency, %s (device thread raises to guest delivery): halted vCPU %.1f us (%d), running vCPU %.1f us (%d)\n",
			what, h ? hn / h / 1000 : 0, h, r ? rn / r / 1000 : 0, r }'
}

cp linux/rootfs.ext4 /tmp/root.img
n=64
# Native: the same file, from the host VM (direct I/O, like the guest).
dd if=/dev/zero of=/tmp/bench.img bs=64k count=$((n * 5)) 2>/dev/null
t0=$(now); dd if=/dev/zero of=/tmp/bench.img bs=64k count=$n oflag=direct conv=notrunc 2>/dev/null
t1=$(now); dd if=/tmp/bench.img of=/dev/null bs=64k count=$n iflag=direct 2>/dev/null; t2=$(now)
nw=$(mbs $((n * 64)) "$t0" "$t1") nr=$(mbs $((n * 64)) "$t1" "$t2")
echo "bench native disk: write $nw MB/s, read $nr MB/s ($n x 64 KiB, tmpfs file, O_DIRECT)"

# guest_disk COUNT: boot, run the disk role, record stats deltas.
guest_disk() {
	e0=$(pvstat exits) m0=$(pvstat exits_mmio) i0=$(pvstat mmio_ioeventfd) s0=$(pvstat mmio_irq_status)
	vm/linux-guest.sh /tmp/root.img benchdisk "pvdiskn=$1" --disk /tmp/bench.img \
		>/tmp/bench-disk.out 2>&1 || { not_ok "guest disk bench ($1)"; return 1; }
	exits=$(( $(pvstat exits) - e0 )) mmio=$(( $(pvstat exits_mmio) - m0 )) kicks=$(( $(pvstat mmio_ioeventfd) - i0 ))
	isr=$(( $(pvstat mmio_irq_status) - s0 ))
	line=$(grep 'guest: bench disk' /tmp/bench-disk.out)
}
guest_disk $n || exit 1
set -- $line
gw=$(mbs $((n * 64)) "$9" "${10}") gr=$(mbs $((n * 64)) "${12}" "${13}")
ex1=$exits mm1=$mmio k1=$kicks is1=$isr
lat0
guest_disk $((n * 5)) || exit 1
lat "disk"
ios=$((n * 2 * 4))	# the extra requests: 4n writes and 4n reads
echo "bench guest disk: write $gw MB/s, read $gr MB/s"
awk -v gw="$gw" -v gr="$gr" -v nw="$nw" -v nr="$nr" 'BEGIN {
	printf "ratio guest/native disk write throughput: %.2f\n", gw / nw
	printf "ratio guest/native disk read throughput: %.2f\n", gr / nr }'
awk -v e=$((exits - ex1)) -v m=$((mmio - mm1)) -v k=$((kicks - k1)) -v s=$((isr - is1)) -v n=$ios 'BEGIN {
	printf "bench guest disk per 64 KiB request: %.1f host exits, %.2f launcher MMIO exits, %.2f ioeventfd kicks, %.2f interrupt status accesses in the module\n",
		e / n, m / n, k / n, s / n }'

# Random 4 KiB direct I/O at queue depths 1 and 16 (tests/rig/guest/pvdisk.c),
# natively on the image file and in the guest on the disk it backs.  Per
# request exits are the difference between two boots of different lengths.
rn=200
# iops LINE: I/O per second from a "pvdisk MODE qdN OPS ops NS ns" line.
iops() { echo "$1" | awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "ops") o = $i; else if ($(i + 1) == "ns") t = $i
	if (t > 0) printf "%.0f", o * 1e9 / t; else print 0 }'; }
for mode in randread randwrite; do
	for qd in 1 16; do
		l=$(./pvdisk /tmp/bench.img $mode $qd $((rn * 3)) 2>&1)
		eval "native_${mode}_$qd=$(iops "$l")"
	done
done
guest_rand() {
	e0=$(pvstat exits) m0=$(pvstat exits_mmio)
	vm/linux-guest.sh /tmp/root.img benchrand "pvrandn=$1" --disk /tmp/bench.img \
		>/tmp/bench-rand.out 2>&1 || { not_ok "guest random disk bench ($1)"; return 1; }
	exits=$(( $(pvstat exits) - e0 )) mmio=$(( $(pvstat exits_mmio) - m0 ))
}
guest_rand $rn || exit 1
rex1=$exits rmm1=$mmio
guest_rand $((rn * 3)) || exit 1
for mode in randread randwrite; do
	for qd in 1 16; do
		g=$(iops "$(grep "guest: pvdisk $mode qd$qd " /tmp/bench-rand.out)")
		eval "nat=\$native_${mode}_$qd"
		echo "bench disk 4 KiB $mode qd$qd: native $nat IOPS, guest $g IOPS"
		awk -v g="$g" -v n="$nat" -v m=$mode -v q=$qd 'BEGIN {
			printf "ratio guest/native disk 4 KiB %s qd%d: %.2f\n", m, q, n ? g / n : 0 }'
	done
done
awk -v e=$((exits - rex1)) -v m=$((mmio - rmm1)) -v n=$((rn * 2 * 4)) 'BEGIN {
	printf "bench guest disk per random 4 KiB request: %.1f host exits, %.2f launcher MMIO exits\n", e / n, m / n }'

# Network: two guests over unix datagram sockets, 4 MiB with nc.
cp linux/rootfs.ext4 /tmp/root2.img
rm -f /tmp/ba.sock /tmp/bb.sock
vm/linux-guest.sh /tmp/root2.img benchneta "" \
	--net socket=/tmp/ba.sock,peer=/tmp/bb.sock >/tmp/ba.out 2>&1 &
apid=$!
m0=$(pvstat exits_mmio) i0=$(pvstat mmio_ioeventfd)
lat0
vm/linux-guest.sh /tmp/root.img benchnetb "" \
	--net socket=/tmp/bb.sock,peer=/tmp/ba.sock >/tmp/bb.out 2>&1
wait $apid
lat "network (both guests)"
set -- $(grep 'guest: bench ping' /tmp/bb.out)
[ -n "${4:-}" ] && echo "bench guest-to-guest ping round trip: min/avg/max $4 ms (20 pings, socket backend)"
# "guest: bench net 4 MiB T0 T1": the times are fields 6 and 7.
set -- $(grep 'guest: bench net 4 MiB' /tmp/bb.out)
if [ -n "${7:-}" ]; then
	echo "bench guest-to-guest network: $(mbs 4096 "$6" "$7") MB/s (4 MiB over nc, socket backend, timed in the sending guest)"
	# Native: the same transfer over loopback in the host VM.
	dd if=/dev/urandom of=/tmp/f bs=64k count=64 2>/dev/null
	nc -l -p 5001 -e /bin/sh -c 'cat >/dev/null' >/dev/null 2>&1 &
	sleep 1
	t0=$(now); nc 127.0.0.1 5001 </tmp/f; t1=$(now)
	echo "bench native loopback network: $(mbs 4096 "$t0" "$t1") MB/s"
	native_net=$(mbs 4096 "$t0" "$t1")
else
	not_ok "guest network bench"; tail -n 20 /tmp/bb.out
fi

# Network: the guest to the host VM over the tap backend (the host VM is
# 10.0.2.1 on pvtap0), the same 4 MiB with nc.
if tun_ready; then
	tap_configure_when_up pvtap0 10.0.2.1/24 >/dev/null 2>&1 &
	nc -l -p 5000 -e /bin/sh -c 'cat >/dev/null' >/dev/null 2>&1 &
	lat0
	vm/linux-guest.sh /tmp/root.img benchtap "" --net tap=pvtap0 >/tmp/bt.out 2>&1
	lat "network (tap)"
	f=$(sed -n 's/.*guest: bench net features \([01]*\).*/\1/p' /tmp/bt.out)
	case $f in
	11?????1???1*) echo "bench guest-to-host-VM network offloads: checksum and TSO both ways (features $f)" ;;
	*) echo "bench guest-to-host-VM network offloads: not all negotiated (features ${f:-unknown})" ;;
	esac
	set -- $(grep 'guest: bench ping' /tmp/bt.out)
	[ -n "${4:-}" ] && echo "bench guest-to-host-VM ping round trip: min/avg/max $4 ms (20 pings, tap backend)"
	set -- $(grep 'guest: bench loopback ping' /tmp/bt.out)
	[ -n "${5:-}" ] && echo "bench guest loopback ping round trip: min/avg/max $5 ms (20 pings, inside the guest)"
	set -- $(grep 'guest: bench net 4 MiB' /tmp/bt.out)
	if [ -n "${7:-}" ]; then
		tap_net=$(mbs 4096 "$6" "$7")
		echo "bench guest-to-host-VM network: $tap_net MB/s (4 MiB over nc, tap backend, timed in the sending guest)"
		[ -n "${native_net:-}" ] && awk -v g="$tap_net" -v n="$native_net" 'BEGIN {
			printf "ratio guest-to-host-VM over tap / host VM loopback network: %.3f\n", g / n }'
	else
		not_ok "guest tap network bench"; tail -n 20 /tmp/bt.out
	fi
else
	skip "tap network bench" "no /dev/net/tun in the host VM"
fi
ok "device bench ran"
exit $failed
