#!/bin/sh
# The demo inside the rig's host VM: load pvisor, ask it who it is, run a
# test guest and a hostile one, show the counters, unload.
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
echo "demo: host kernel $(uname -r)"
echo "demo: \$ insmod pvisor.ko"
check "insmod pvisor.ko" insmod pvisor.ko
dmesg | grep 'pvisor:' | sed 's/^/demo: dmesg: /'
echo "demo: \$ pvisor-run --version"
./pvisor-run --version | sed 's/^/demo:   /'
check "pvisor-run --version" ./pvisor-run --version
echo "demo: \$ pvisor-run --guest guests/hello.elf"
./pvisor-run --guest guests/hello.elf 2>&1 | sed 's/^/demo:   /'
check "a test guest runs" ./pvisor-run --guest guests/hello.elf
echo "demo: \$ pvisor-run --guest guests/privileged.elf --arg 4   # a guest trying mov to CR3"
./pvisor-run --guest guests/privileged.elf --arg 4 2>&1 | head -n 3 | sed 's/^/demo:   /'
echo "demo: \$ cat /sys/kernel/debug/pvisor/stats"
sed 's/^/demo:   /' /sys/kernel/debug/pvisor/stats | head -n 8
echo "demo: \$ rmmod pvisor"
check "rmmod pvisor" rmmod pvisor
exit $failed
