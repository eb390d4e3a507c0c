#!/bin/sh
# In-guest tests, run by /init when "pvtest" is on the command line.
# Prints "guest-tests: PASS" or "guest-tests: FAIL" last; the rig greps it.
failed=0
echo "guest-tests: begin"
/tests/pvtest || failed=1
# A busybox pipeline of several processes.
[ "$(seq 1 1000 | grep 7 | wc -l)" = 271 ] && echo "ok - shell pipeline" ||
	{ echo "not ok - shell pipeline"; failed=1; }
# The guest kernel's log is free of warnings.
if dmesg | grep -E "WARNING|BUG|Oops|Call Trace|unknown vector"; then
	echo "not ok - guest dmesg has warnings (above)"; failed=1
else
	echo "ok - guest dmesg is clean"
fi
if [ "$failed" = 0 ]; then echo "guest-tests: PASS"; else echo "guest-tests: FAIL"; fi
