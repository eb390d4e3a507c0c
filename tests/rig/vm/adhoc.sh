#!/bin/sh
# For debugging by hand: runs /pvisor/adhoc.sh if the initramfs has one
# (tests/rig/mkinitramfs.sh copies build/adhoc.sh when it exists).
. /pvisor/vm/tap.sh
cd /pvisor || exit 1
[ -f adhoc.sh ] || { not_ok "no adhoc.sh in the initramfs"; exit 1; }
. ./adhoc.sh
exit $failed
