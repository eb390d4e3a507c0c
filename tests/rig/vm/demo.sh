#!/bin/sh
# The demo inside the rig's host VM: load pvisor, ask it who it is, boot a
# Linux guest with a root disk, a network (a tap device to this host VM),
# an rng and a console, all virtio, then show the counters and unload.
# With pvisor.demo=shell on the command line (scripts/demo.sh on a
# terminal) the guest's shell is the user's; otherwise a short scripted
# session runs in it.
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
say() { echo "demo: $*"; }
say "host kernel $(uname -r)"
say "\$ insmod pvisor.ko"
check "insmod pvisor.ko" insmod pvisor.ko
dmesg | grep 'pvisor:' | sed 's/^/demo: dmesg: /'
say "\$ pvisor-run --version"
./pvisor-run --version | sed 's/^/demo:   /'
check "pvisor-run --version" ./pvisor-run --version

# The guest's disk is a copy of the rig's ext4 image; its network a tap
# device in this VM, where a small server says hello on port 7000.
cp linux/rootfs.ext4 /tmp/disk.img
if tun_ready; then
	# pvisor-run creates pvtap0; this VM is 10.0.2.1 on it.
	# (Background jobs keep off stdout: the rig waits for it to close.)
	tap_configure_when_up pvtap0 10.0.2.1/24 >/dev/null 2>&1 &
	net="--net tap=pvtap0"
	(while :; do echo "hello from the host VM, over virtio-net and a tap device" |
		nc -l -p 7000; done) >/dev/null 2>&1 &
	server=$!
else
	say "no /dev/net/tun in this VM: the guest's network is unconnected"
	net="--net socket=/tmp/demo-net.sock"
fi
run="./pvisor-run --kernel linux/vmlinux --mem 256M --disk /tmp/disk.img $net --rng --console stdio"
append="console=hvc0 root=/dev/vda rw init=/init pvnet=10.0.2.15/24 quiet kunit.enable=0"
say "\$ $run --append \"$append\""

if grep -qw pvisor.demo=shell /proc/cmdline; then
	cat >/dev/ttyS0 <<'MSG'

  You are about to land in the guest's shell: Linux 6.12 deprivileged to
  ring 3 under pvisor, inside this QEMU host VM.  Try:
      cat /proc/partitions     ping -c 2 10.0.2.1     sleep 2 | nc 10.0.2.1 7000
      head -c 16 /dev/hwrng | od -x     cat /proc/interrupts
  Leave with:  poweroff -f   (or Ctrl-A x to stop pvisor-run)

MSG
	# The user's terminal is this VM's serial console.
	$run --append "$append" </dev/ttyS0 >/dev/ttyS0 2>&1
	rc=$?
	# Ctrl-A x stops pvisor-run with SIGTERM: the user's way out, not a failure.
	[ "$rc" = 143 ] && { say "left the guest with Ctrl-A x"; rc=0; }
else
	# No terminal: a scripted session, typed into the guest's console.
	(sleep 25
	 for cmd in 'uname -sr; cat /proc/cmdline' 'mount | grep " / "' \
		'ip addr show eth0 | grep inet' 'ping -c 2 10.0.2.1' 'sleep 3 | nc 10.0.2.1 7000' \
		'head -c 16 /dev/hwrng | od -An -tx1' \
		'echo "written in the guest" >/data/demo.txt && sync && cat /data/demo.txt' \
		'cat /proc/interrupts | grep virtio' 'poweroff -f'; do
		echo "$cmd"; sleep 4
	 done) | $run --append "$append" >/tmp/demo-guest.out 2>&1
	rc=$?
	# The guest's shell asks the terminal where its cursor is (ESC [6n)
	# at each prompt; nobody answers a pipe, and the transcript leaves the
	# query out (busybox sed knows no \x1b: the ESC is a literal byte).
	esc=$(printf '\033')
	grep -v '^\[' /tmp/demo-guest.out | sed "s/$esc\[6n//g" > /tmp/demo-transcript
	sed 's/^/demo:   /' /tmp/demo-transcript
	grep -q "$esc" /tmp/demo-transcript &&
		not_ok "the demo's transcript has no terminal escapes" ||
		ok "the demo's transcript has no terminal escapes"
	grep -q 'hello from the host VM' /tmp/demo-guest.out &&
		ok "the guest reaches the host VM over its network" ||
		not_ok "the guest reaches the host VM over its network"
	grep -q 'written in the guest' /tmp/demo-guest.out &&
		ok "the guest writes to its root disk" || not_ok "the guest writes to its root disk"
fi
[ "$rc" = 0 ] && ok "the Linux guest ran and powered off (exit 0)" ||
	not_ok "the Linux guest exited with $rc"
[ -n "${server:-}" ] && { kill "$server"; killall nc; } 2>/dev/null
say "\$ grep -E 'exits|mmio|direct' /sys/kernel/debug/pvisor/stats"
grep -E 'exits|mmio|direct' /sys/kernel/debug/pvisor/stats | sed 's/^/demo:   /'
say "\$ rmmod pvisor"
check "rmmod pvisor" rmmod pvisor
exit $failed
