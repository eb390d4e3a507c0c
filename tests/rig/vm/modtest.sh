#!/bin/sh
# Module tests inside the rig's host VM: load, /dev/pvisor, the ioctl
# interface, unload refused while a VM exists, the KUnit suites (on kernels
# with KUnit), unload, reload, and a kmemleak scan (where available).
. /pvisor/vm/tap.sh
cd /pvisor || exit 1

kmemleak_clear

# For the log: the host's own mitigations, which pvisor applies on exit.
grep -H . /sys/devices/system/cpu/vulnerabilities/* 2>/dev/null |
	sed 's|^/sys/devices/system/cpu/vulnerabilities/|# vulnerability |'
check "insmod pvisor.ko" insmod pvisor.ko
[ -c /dev/pvisor ] && ok "/dev/pvisor is a character device" ||
	not_ok "/dev/pvisor is a character device"
mode=$(stat -c %a /dev/pvisor 2>/dev/null)
[ "$mode" = 600 ] && ok "/dev/pvisor is root-only (mode 600)" ||
	not_ok "/dev/pvisor mode is '$mode', expected 600"
check "pvisor-run --version" ./pvisor-run --version
./pvisor-run --version | sed 's/^/# /'

./ioctl_test || failed=1

stats=/sys/kernel/debug/pvisor/stats
grep -q '^vms_created [1-9]' $stats && ok "debugfs stats count created VMs" ||
	not_ok "debugfs stats count created VMs: $(cat $stats 2>&1)"

# A VM holds a module reference: rmmod must refuse while it exists.
./ioctl_test --hold-vm > /tmp/hold.out &
holder=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	grep -q holding /tmp/hold.out && break
	sleep 0.2
done
if rmmod pvisor 2>/dev/null; then
	not_ok "rmmod refused while a VM exists"
	insmod pvisor.ko
else
	ok "rmmod refused while a VM exists"
fi
kill $holder; wait $holder 2>/dev/null

# kunit_suite SUITE: turn one suite's KTAP (from debugfs) into our TAP lines.
kunit_suite() {
	res=/sys/kernel/debug/kunit/$1/results
	if [ ! -r "$res" ]; then
		not_ok "kunit: results of suite $1 at $res"
		return
	fi
	sed "s/^/# ktap $1: /" "$res"
	# Each case is an indented "ok N name" / "not ok N name" line.
	plan=$(sed -n 's/^    1\.\.\([0-9]*\)$/\1/p' "$res" | head -n1)
	n=0
	while read -r line; do
		case "$line" in
		"ok "*"# SKIP"*) n=$((n + 1)); echo "ok - kunit $1: ${line#ok * }" ;;
		"ok "*) n=$((n + 1)); echo "ok - kunit $1: ${line#ok * }" ;;
		"not ok "*) n=$((n + 1)); not_ok "kunit $1: ${line#not ok * }" ;;
		esac
	done <<-EOT
	$(grep '^    \(not \)\?ok ' "$res")
	EOT
	[ -n "$plan" ] && [ "$n" -ge "$plan" ] &&
		ok "kunit $1: all $plan planned cases reported" ||
		not_ok "kunit $1: $n cases reported, plan said '$plan'"
	grep -q "^ok [0-9]* $1" "$res" &&
		ok "kunit $1: suite passed" || not_ok "kunit $1: suite did not pass"
}

if [ -f pvisor_kunit.ko ]; then
	check "insmod pvisor_kunit.ko" insmod pvisor_kunit.ko
	# One suite per file of host/tests/, all in pvisor_kunit.ko.
	for suite in pvisor_hypercall pvisor_memory pvisor_events \
		pvisor_console pvisor_page_tables pvisor_shadow pvisor_cpuid \
		pvisor_mmio; do
		kunit_suite $suite
	done
	check "rmmod pvisor_kunit" rmmod pvisor_kunit
else
	skip "kunit suites" "this host kernel has no KUnit (stock kernel)"
fi

check "rmmod pvisor" rmmod pvisor
[ ! -e /dev/pvisor ] && ok "/dev/pvisor removed on unload" ||
	not_ok "/dev/pvisor removed on unload"
check "reload: insmod pvisor.ko" insmod pvisor.ko
check "reload: rmmod pvisor" rmmod pvisor

kmemleak_check
exit $failed
