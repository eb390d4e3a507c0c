#!/bin/sh
# Run on a CPU without NX: pvisor must refuse to load and say why.
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
if insmod pvisor.ko 2>/dev/null; then
	not_ok "insmod refused on a CPU without NX"
	rmmod pvisor
else
	ok "insmod refused on a CPU without NX"
fi
msg=$(dmesg | grep "pvisor: cannot run on this host" | tail -n1)
echo "# $msg"
case "$msg" in
*"no NX"*) ok "the refusal names the missing feature" ;;
*) not_ok "the refusal names the missing feature" ;;
esac
[ ! -e /dev/pvisor ] && ok "no /dev/pvisor after a refused load" ||
	not_ok "no /dev/pvisor after a refused load"
exit $failed
