# TAP helpers for scripts run inside the rig's host VM.  Sourced.
failed=0
ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }
skip()   { echo "ok - $1 # SKIP $2"; }
# pvstat NAME: the module's debugfs counter NAME (empty if there is none).
pvstat() { sed -n "s/^$1 \([0-9]*\)$/\1/p" /sys/kernel/debug/pvisor/stats; }
# check DESCRIPTION COMMAND...: ok if the command succeeds; on failure show
# its output and the kernel log's tail, so the reason is in the log.
check() {
	desc=$1; shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc"
		echo "$out" | sed 's/^/#   /'
		dmesg | tail -n 20 | sed 's/^/#   dmesg: /'
	fi
}
# tun_ready: make /dev/net/tun available (the stock kernel has it as a module).
tun_ready() {
	[ -e /dev/net/tun ] || insmod /pvisor/tun.ko 2>/dev/null
	[ -e /dev/net/tun ] || { mkdir -p /dev/net; mknod /dev/net/tun c 10 200 2>/dev/null; }
	[ -e /dev/net/tun ]
}
# tap_configure_when_up NAME ADDR/BITS: pvisor-run creates the tap device
# NAME when it starts; give it ADDR as soon as it appears (run it in the
# background before pvisor-run).  Gives up after 60 s.
tap_configure_when_up() {
	i=0
	while [ $i -lt 120 ]; do
		if ip link show "$1" >/dev/null 2>&1; then
			ip addr add "$2" dev "$1" && ip link set "$1" up
			return
		fi
		sleep 0.5; i=$((i + 1))
	done
}
# kmemleak_clear / kmemleak_check: forget what kmemleak knew before a test,
# and afterwards report what it finds (SKIP on kernels without kmemleak).
kml=/sys/kernel/debug/kmemleak
kmemleak_clear() { [ -w $kml ] && echo clear > $kml; }
kmemleak_check() {
	if [ -w $kml ]; then
		echo scan > $kml; sleep 1; echo scan > $kml
		leaks=$(cat $kml)
		[ -z "$leaks" ] && ok "kmemleak: no leaks" || {
			not_ok "kmemleak: leaks reported"
			echo "$leaks" | head -n 40 | sed 's/^/#   /'
		}
	else
		skip "kmemleak scan" "this host kernel has no kmemleak (stock kernel)"
	fi
}
