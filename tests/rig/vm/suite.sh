#!/bin/sh
# The full module suite in one boot: test guests first, then the Linux
# guest, then the module tests, whose kmemleak scan at the end covers all.
rc=0
/pvisor/vm/guests.sh || rc=1
/pvisor/vm/linux.sh || rc=1
/pvisor/vm/devices.sh || rc=1
/pvisor/vm/modtest.sh || rc=1
exit $rc
