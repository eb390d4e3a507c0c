#!/bin/sh
# Devices in the running Linux guest, inside the rig's host VM: the launcher's
# virtio devices attached through MMIO exits, with stock guest drivers.  The
# guest half is tests/rig/guest/tests/devices.sh (selected by pvdev=ROLE).
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
if [ ! -f linux/rootfs.ext4 ]; then
	skip "devices" "no guest root image in the initramfs (guest-pv build failed?)"
	exit 0
fi
grep -q '^pvisor ' /proc/modules || insmod pvisor.ko || { not_ok "insmod pvisor.ko"; exit 1; }

# report_when_asked NAME PID: when guest NAME says "guest: report please"
# (a stalled network link, tests/rig/guest/tests/devices.sh), have its
# pvisor-run print its device and queue state (SIGUSR1) into its output.
# (busybox timeout execs the program in the PID it was started with.)
report_when_asked() {
	while kill -0 "$2" 2>/dev/null; do
		if grep -q "guest: report please" "/tmp/$1.out" 2>/dev/null; then
			kill -USR1 "$2"
			return
		fi
		sleep 0.5
	done
}
# guest NAME ROLE "DEVICE OPTIONS" [APPEND]: boot from /tmp/root.img; output
# in /tmp/NAME.out, exit code in $rc.
# root_disk: the root disk's --disk argument (the image is /tmp/root.img).
root_disk=/tmp/root.img
guest() {
	# shellcheck disable=SC2086
	timeout 600 vm/linux-guest.sh "$root_disk" "$2" "$4" $3 \
		>"/tmp/$1.out" 2>&1 &
	gpid=$!
	report_when_asked "$1" $gpid >/dev/null 2>&1 &
	wait $gpid
	rc=$?
}
# show NAME [LINES]: the tail of a guest's output (a stopped guest's report,
# with its registers, device and queue state and console tail, is ~40 lines).
show() { sed 's/^/#   /' "/tmp/$1.out" | tail -n "${2:-30}"; }
# finish: unload (the next script loads its own) and report.
finish() {
	grep -E '^(exits|exits_mmio|mmio_ioeventfd|halts|late_interrupts) ' \
		/sys/kernel/debug/pvisor/stats | sed 's/^/# /'
	check "rmmod pvisor after the device tests" rmmod pvisor
	exit $failed
}
# expect NAME TEXT DESCRIPTION: ok if the guest said TEXT.
expect() {
	if grep -qF "$2" "/tmp/$1.out"; then ok "devices: $3"; else not_ok "devices: $3"; show "$1"; fi
}
# clean NAME: the guest's kernel log has no warnings and no device errors.
clean() {
	if grep -E 'WARNING|BUG:|Oops|virtio.*(error|failed)|dmesg has warnings' "/tmp/$1.out"; then
		not_ok "devices: $1: guest kernel log clean"; show "$1"
	else
		ok "devices: $1: guest kernel log clean"
	fi
}

cp linux/rootfs.ext4 /tmp/root.img
cp linux/rootfs.ext4 /tmp/ro.img
token=t$$x$(date +%s)
s0=$(pvstat mmio_irq_status) x0=$(pvstat exits_mmio)
# The first boot's root disk goes around the host's page cache (O_DIRECT).
root_disk=/tmp/root.img,cache=none
guest disk disk "--disk /tmp/ro.img,ro --rng" "pvtoken=$token"
root_disk=/tmp/root.img
[ "$rc" = 0 ] && ok "devices: boots from an ext4 root on virtio-blk, powers off (exit 0)" ||
	{ not_ok "devices: root-disk boot (exit $rc)"; show disk; }
# The guest's virtio interrupt handlers read InterruptStatus and write
# InterruptACK in the module (PVISOR_IRQ_STATUS), not in the launcher.
s=$(( $(pvstat mmio_irq_status) - s0 )) x=$(( $(pvstat exits_mmio) - x0 ))
[ "$s" -gt 0 ] && ok "devices: interrupt status read and acknowledged in the module ($s accesses; $x other register accesses went to the launcher)" ||
	not_ok "devices: no interrupt status access served in the module ($x went to the launcher)"
expect disk "guest: root is ext4 on vda, read-write" "root=/dev/vda is the ext4 image, mounted read-write"
expect disk "guest: synced $token" "the guest writes and syncs a file on its root disk"
expect disk "guest: read-only disk refused the write" "a read-only disk refuses writes in the guest"
expect disk "guest: vdb is marked read-only" "the guest sees the read-only disk as read-only"
expect disk "guest: hwrng gave 64 bytes from virtio_rng.0" "/dev/hwrng gives bytes from virtio-rng"
expect disk "guest: 256 KiB file written and read back" "a 256 KiB file is written, dropped from the cache and read back intact"
clean disk
if grep -c "$token" /tmp/root.img >/dev/null; then
	ok "devices: the synced data is in the image file after shutdown"
else
	not_ok "devices: the synced data is in the image file after shutdown"
fi
guest check check ""
expect check "guest: token on disk is $token" "a second boot from the image reads the data back"

# A hostile driver (tests/guests/virtio.c) against one device of each kind:
# every malformed ring and register sequence must end in the device asking
# for a reset (or a logged answer), and the rng must still serve a good
# request afterwards.
rm -f /tmp/hc.sock /tmp/hn.sock /tmp/hv.sock
dd if=/dev/zero of=/tmp/h.img bs=64k count=16 2>/dev/null
timeout 300 ./pvisor-run --guest guests/virtio.elf --arg 5 --console socket=/tmp/hc.sock \
	--disk /tmp/h.img --net socket=/tmp/hn.sock --vsock cid=3,uds=/tmp/hv.sock --rng \
	>/tmp/hostile.out 2>&1
rc=$?
resets=$(grep -c 'needs reset' /tmp/hostile.out)
if [ "$rc" = 0 ] && grep -q 'virtio: 5 devices abused' /tmp/hostile.out &&
	grep -q 'rng: a well-formed request still gets 64 bytes' /tmp/hostile.out &&
	[ "$(grep -c '^virtio: .* -> needs reset$' /tmp/hostile.out)" = 35 ]; then
	ok "devices: a hostile driver breaks each of 5 devices 7 ways; each asks for a reset, the launcher logs it ($resets lines) and keeps serving"
else
	not_ok "devices: hostile driver (exit $rc)"; sed 's/^/#   /' /tmp/hostile.out | tail -n 40
fi

# A launcher SIGKILLed after the guest's sync loses nothing, also with the
# disk around the host's page cache (cache=none: O_DIRECT).
token2=k$$y$(date +%s)
vm/linux-guest.sh /tmp/root.img,cache=none disk "pvtoken=$token2 pvhang" >/tmp/kill.out 2>&1 &
pid=$!
i=0
while ! grep -q "guest: waiting to be killed" /tmp/kill.out && [ $i -lt 300 ]; do
	sleep 1; i=$((i + 1))
done
kill -9 $pid; wait $pid 2>/dev/null
expect kill "guest: synced $token2" "guest syncs, then its launcher is SIGKILLed"
guest check2 check ""
expect check2 "guest: token on disk is $token2" "data synced before a launcher SIGKILL is in the image (cache=none)"
[ "$(cat /sys/module/pvisor/refcnt)" = 0 ] && ok "devices: module refcount back to 0 after the SIGKILL" ||
	not_ok "devices: module refcount $(cat /sys/module/pvisor/refcnt) after the SIGKILL"

# Two guests linked by unix datagram sockets: ping and a file with a checksum.
# net_pair: guest A in the background, guest B in front; A gets two minutes
# after B is done (it waits for B's file).  Exit codes in $arc and $rc.
net_pair() {
	cp linux/rootfs.ext4 /tmp/root2.img
	rm -f /tmp/neta.sock /tmp/netb.sock
	timeout 600 vm/linux-guest.sh /tmp/root2.img neta "" \
		--net socket=/tmp/neta.sock,peer=/tmp/netb.sock,mtu=9000 >/tmp/neta.out 2>&1 &
	apid=$!
	report_when_asked neta $apid >/dev/null 2>&1 &
	guest netb netb "--net socket=/tmp/netb.sock,peer=/tmp/neta.sock,mtu=9000"
	i=0
	while kill -0 $apid 2>/dev/null && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
	kill $apid 2>/dev/null
	wait $apid
	arc=$?
	sent=$(sed -n 's/.*guest: sending \([0-9]* bytes md5 [0-9a-f]*\).*/\1/p' /tmp/netb.out)
	got=$(sed -n 's/.*guest: received \([0-9]* bytes md5 [0-9a-f]*\).*/\1/p' /tmp/neta.out)
}
# file_crossed: B's file reached A intact and both guests ended cleanly.
file_crossed() {
	[ -n "$sent" ] && [ "$sent" = "$got" ] && [ "$rc" = 0 ] && [ "$arc" = 0 ]
}
# Known intermittent (Documentation/virtio.md, "Known problems"): about one
# debug-host run in six, guest A stops answering in the middle of the pings.
# The first try's logs are printed, and the results say it was a retry.
net_pair
retry=
if ! grep -q "guest: ping 10.0.2.1 ok" /tmp/netb.out || ! file_crossed; then
	echo "# guest-to-guest network: the first try failed (exits $rc, $arc); its logs:"
	show neta 60; show netb 60
	retry=" (second try; the first failed, logs above)"
	net_pair
fi
expect neta "guest: ping 10.0.2.2 ok" "guest A pings guest B over the socket backend$retry"
expect netb "guest: ping 10.0.2.1 ok" "guest B pings guest A over the socket backend$retry"
expect netb "guest: eth0 mtu 9000" "the guests take the MTU pvisor-run advises (mtu=9000)"
if file_crossed; then
	ok "devices: a 512 KiB file crosses from guest B to guest A intact ($got)$retry"
else
	not_ok "devices: file transfer: sent '$sent', received '$got' (exits $rc, $arc)"
	show neta 60; show netb 60
fi
clean neta
clean netb

# The tap backend, from the host VM (the rig is root here): pvisor-run
# creates pvtap0, this VM gives it 10.0.2.1 and receives a file on it.
# It may meet the same intermittent stall as the guest-to-guest pair
# (virtio.md, "Known problems"), so it retries once: the first try's logs
# are printed, and the results say it was a retry.
tap_try() {
	rm -f /tmp/tap-got
	# (Background jobs keep off stdout: the rig waits for it to close.)
	tap_configure_when_up pvtap0 10.0.2.1/24 >/dev/null 2>&1 &
	nc -l -p 5000 -e /bin/sh -c 'cat >/tmp/tap-got' >/dev/null 2>&1 &
	ncpid=$!
	guest tap netb "--net tap=pvtap0"
	kill $ncpid 2>/dev/null
}
if tun_ready; then
	tap_try
	retry=
	if ! grep -q "guest: ping 10.0.2.1 ok" /tmp/tap.out; then
		echo "# tap backend: the first try failed (exit $rc); its log:"
		show tap 80
		retry=" (second try; the first failed, logs above)"
		sleep 2
		tap_try
	fi
	expect tap "guest: ping 10.0.2.1 ok" "the tap backend: the guest pings the host VM$retry"
	sent=$(sed -n 's/.*guest: sending \([0-9]*\) bytes md5 \([0-9a-f]*\).*/\1 \2/p' /tmp/tap.out)
	got="$(wc -c </tmp/tap-got 2>/dev/null) $(md5sum </tmp/tap-got 2>/dev/null | cut -d' ' -f1)"
	[ -n "$sent" ] && [ "$sent" = "$got" ] &&
		ok "devices: the tap backend: a file from the guest reaches the host VM intact$retry" ||
		{ not_ok "devices: tap file: sent '$sent', received '$got'"; show tap; }
else
	not_ok "devices: the tap backend: no /dev/net/tun in the host VM (tun.ko missing from the initramfs?)"
fi

# vsock: a host program talks to a guest listener through the AF_UNIX socket.
rm -f /tmp/vsock.sock
timeout 600 vm/linux-guest.sh /tmp/root.img vsock "" \
	--vsock cid=3,uds=/tmp/vsock.sock >/tmp/vsock.out 2>&1 &
vpid=$!
reply=$(./vsock_client /tmp/vsock.sock 1234 "hello-from-the-host-$$" 2>&1)
wait $vpid
vrc=$?
if [ "$reply" = "echo: hello-from-the-host-$$" ] && [ "$vrc" = 0 ]; then
	ok "devices: vsock: host to guest listener and back ($reply)"
else
	not_ok "devices: vsock: reply '$reply' (guest exit $vrc)"; show vsock
fi

# The shell on the virtio console (hvc0); pvisor-run serves it on stdio.
(sleep 20
 echo 'echo console-$((6 * 7)) on $(cat /sys/class/tty/console/active) bound $(ls /sys/bus/virtio/drivers/virtio_console | grep -c virtio)'
 echo 'poweroff -f') |
	timeout 600 vm/linux-guest.sh /tmp/root.img "" "" --console stdio >/tmp/vcons.out 2>&1
crc=$?
if grep -q 'console-42 on hvc0 bound 1' /tmp/vcons.out && [ "$crc" = 0 ]; then
	ok "devices: the shell runs on the virtio console (hvc0)"
else
	not_ok "devices: the shell on the virtio console (exit $crc)"; show vcons
fi

finish
