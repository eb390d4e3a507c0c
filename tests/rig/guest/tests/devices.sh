#!/bin/sh
# devices.sh ROLE: the in-guest half of the device tests (tests/rig/vm/
# devices.sh runs the host half).  Every result is a "guest: ..." line the
# host half looks for; nothing here decides pass or fail on its own.
role=$1
token=$(sed -n 's/.*pvtoken=\([A-Za-z0-9]*\).*/\1/p' /proc/cmdline)

# ip ME PEER: bring up eth0 as 10.0.2.ME and wait for PEER to answer.
net_up() {
	ip link set lo up
	ip link set eth0 up && ip addr add "10.0.2.$1/24" dev eth0 || return 1
	echo "guest: eth0 mtu $(cat /sys/class/net/eth0/mtu)"
	i=0
	until ping -c 1 -W 1 "10.0.2.$2" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 90 ] || { echo "guest: no answer from 10.0.2.$2"; return 1; }
	done
	# Three more; any answer counts (under TCG a frame can be late or lost).
	out=$(ping -c 3 "10.0.2.$2" 2>&1)
	got=$(echo "$out" | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
	echo "guest: ping 10.0.2.$2: ${got:-0} of 3 answered"
	if [ "${got:-0}" -gt 0 ]; then
		echo "guest: ping 10.0.2.$2 ok"
	else
		echo "$out" | sed 's/^/guest: ping said: /'
		net_state
	fi
}
# net_state: what the guest's side of a stalled link looks like, and a
# request that the host half have pvisor-run print its device and queue
# state too (tests/rig/vm/devices.sh sends it SIGUSR1).
net_state() {
	grep -E 'virtio|pvisor' /proc/interrupts | sed 's/^/guest: interrupts: /'
	sed -n 's/^ *eth0: */guest: eth0 rx bytes,packets,errs,drop ... tx: /p' /proc/net/dev
	ip neigh | sed 's/^/guest: neighbour: /'
	echo "guest: report please"
	sleep 3
}

now() { cut -d' ' -f1 /proc/uptime; }
# receive_to FILE: as 10.0.2.1, take one connection on port 5000 into FILE
# (-e: busybox nc would otherwise wait for its own stdin to end too).
receive_to() {
	net_up 1 2 || return 1
	nc -l -p 5000 -e /bin/sh -c "cat >$1"
}
# send_file FILE: as 10.0.2.2, send FILE to 10.0.2.1:5000, retrying while
# the listener comes up (30 tries); t0 is when the successful try began.
send_file() {
	i=0
	while t0=$(now); ! nc 10.0.2.1 5000 <"$1"; do
		i=$((i + 1)); [ $i -lt 30 ] || { echo "guest: cannot reach the listener"; return 1; }
		sleep 1
	done
}
# rtt HOST: min/avg/max of 20 pings to HOST, in ms ("none" if none came back).
rtt() {
	r=$(ping -c 20 "$1" | sed -n 's|^round-trip min/avg/max = \([0-9./]*\) ms|\1|p')
	echo "${r:-none}"
}
# tcp_retrans: the guest's count of retransmitted TCP segments.
tcp_retrans() {
	awk '$1 != "Tcp:" { next }
	     !c { for (i = 1; i <= NF; i++) if ($i == "RetransSegs") c = i; next }
	     { print $c; exit }' /proc/net/snmp
}
# dmesg_check: say so if the guest kernel complained.
dmesg_check() {
	dmesg | grep -E 'WARNING|BUG|Oops|virtio.*(error|failed)' && echo "guest: dmesg has warnings"
}

case $role in
disk)
	# The root disk: write, sync, report.  The host reads it back later.
	grep -q ' / ext4 rw' /proc/mounts && echo "guest: root is ext4 on vda, read-write"
	echo "$token" >/data/token && sync && echo "guest: synced $token"
	# A read-only second disk refuses writes.
	if [ -b /dev/vdb ]; then
		if dd if=/dev/zero of=/dev/vdb bs=512 count=1 conv=fsync 2>/dev/null; then
			echo "guest: read-only disk accepted a write"
		else
			echo "guest: read-only disk refused the write"
		fi
		[ "$(cat /sys/block/vdb/ro)" = 1 ] && echo "guest: vdb is marked read-only"
	fi
	# rng: bytes from /dev/hwrng, and virtio is the source.
	n=$(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n' | wc -c)
	[ "$n" = 128 ] && echo "guest: hwrng gave 64 bytes from $(cat /sys/class/misc/hw_random/rng_current)"
	# Big enough to cross many descriptors: read back what we wrote.
	# (The first sum is of the page cache, the second of the disk.)
	dd if=/dev/urandom of=/data/big bs=64k count=4 2>/dev/null && sync
	written=$(md5sum </data/big)
	echo 3 >/proc/sys/vm/drop_caches
	[ "$written" = "$(dd if=/data/big bs=64k 2>/dev/null | md5sum)" ] &&
		echo "guest: 256 KiB file written and read back"
	dmesg_check
	grep -qw pvhang /proc/cmdline && { echo "guest: waiting to be killed"; sleep 1000; } ;;
check)
	echo "guest: token on disk is $(cat /data/token 2>/dev/null)" ;;
neta)
	receive_to /tmp/got || exit 1
	echo "guest: received $(wc -c </tmp/got) bytes md5 $(md5sum </tmp/got | cut -d' ' -f1)" ;;
netb)
	net_up 2 1 || exit 1
	dd if=/dev/urandom of=/tmp/f bs=1k count=512 2>/dev/null
	echo "guest: sending $(wc -c </tmp/f) bytes md5 $(md5sum </tmp/f | cut -d' ' -f1)"
	send_file /tmp/f || exit 1
	# Let the kernel push the last segments and the FIN before power-off.
	sleep 5
	echo "guest: sent" ;;
vsock)
	/tests/vsock_echo 1234 ;;
esac

# Benchmark roles (`make bench`): timings from the guest's own clock.
case $role in
benchdisk)
	# pvdiskn=N: N 64 KiB direct writes to /dev/vdb, then N direct reads.
	n=$(sed -n 's/.*pvdiskn=\([0-9]*\).*/\1/p' /proc/cmdline)
	t0=$(now)
	dd if=/dev/zero of=/dev/vdb bs=64k count="$n" oflag=direct 2>/dev/null
	t1=$(now)
	dd if=/dev/vdb of=/dev/null bs=64k count="$n" iflag=direct 2>/dev/null
	t2=$(now)
	echo "guest: bench disk $n x 64 KiB write $t0 $t1 read $t1 $t2" ;;
benchrand)
	# pvrandn=N: N random 4 KiB direct reads and writes on /dev/vdb, at
	# queue depths 1 and 16 (tests/rig/guest/pvdisk.c).
	n=$(sed -n 's/.*pvrandn=\([0-9]*\).*/\1/p' /proc/cmdline)
	for mode in randread randwrite; do
		for qd in 1 16; do
			echo "guest: $(/tests/pvdisk /dev/vdb $mode $qd "$n" 2>&1)"
		done
	done ;;
benchneta)
	receive_to /dev/null || exit 1
	echo "guest: bench net received" ;;
benchnetb|benchtap)
	net_up 2 1 || exit 1
	# The negotiated virtio-net features, bit 0 first (0 CSUM, 1
	# GUEST_CSUM, 7 GUEST_TSO4, 11 HOST_TSO4).
	echo "guest: bench net features $(cat /sys/class/net/eth0/device/features)"
	echo "guest: bench ping $(rtt 10.0.2.1)"
	ip link set lo up
	echo "guest: bench loopback ping $(rtt 127.0.0.1)"
	dd if=/dev/urandom of=/tmp/f bs=64k count=64 2>/dev/null
	sleep 2
	r0=$(tcp_retrans)
	send_file /tmp/f || exit 1
	t1=$(now)
	echo "guest: bench net 4 MiB $t0 $t1"
	echo "guest: bench net tcp segments retransmitted $(( $(tcp_retrans) - r0 ))"
	sleep 5 ;;
esac
