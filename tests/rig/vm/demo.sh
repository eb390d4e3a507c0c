#!/bin/sh
# The demo inside the rig's host VM: load pvisor, ask it who it is, unload.
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
echo "demo: host kernel $(uname -r)"
echo "demo: \$ insmod pvisor.ko"
check "insmod pvisor.ko" insmod pvisor.ko
dmesg | grep 'pvisor:' | sed 's/^/demo: dmesg: /'
echo "demo: \$ pvisor-run --version"
./pvisor-run --version | sed 's/^/demo:   /'
check "pvisor-run --version" ./pvisor-run --version
echo "demo: \$ rmmod pvisor"
check "rmmod pvisor" rmmod pvisor
exit $failed
