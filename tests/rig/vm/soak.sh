#!/bin/sh
# Soak (not in CI): the Linux guest under a mixed load for $SOAK_SECONDS
# (pvisor.soak= on the host VM's command line, default 600).
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
secs=600
for arg in $(cat /proc/cmdline); do
	case "$arg" in pvisor.soak=*) secs=${arg#pvisor.soak=} ;; esac
done
kmemleak_clear
insmod pvisor.ko || { not_ok "insmod pvisor.ko"; exit 1; }
timeout $((secs + 300)) ./pvisor-run --kernel linux/vmlinux --initrd linux/initrd.cpio.gz \
	--mem 256M --append "console=hvc0 pvsoak=$secs" </dev/null >/tmp/soak.out 2>&1
rc=$?
summary=$(grep -o 'soak: [0-9]* rounds, [0-9]* failures' /tmp/soak.out)
case "$rc:$summary" in
"0:soak: "*" rounds, 0 failures") ok "$secs s of mixed load in the Linux guest ($summary)" ;;
*) not_ok "soak (exit $rc, ${summary:-no summary})"; tail -n 40 /tmp/soak.out | sed 's/^/#   /' ;;
esac
check "rmmod pvisor after the soak" rmmod pvisor
kmemleak_check
exit $failed
