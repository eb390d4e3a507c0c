#!/bin/sh
# In-guest tests: each prints "ok N - what" or "not ok N - what".
n=0
t() {
	n=$((n + 1))
	if "$@" >/tmp/t.out 2>&1; then echo "ok $n - $*"; else echo "not ok $n - $*"; cat /tmp/t.out; fi
}
t true
t test -d /proc/self
echo "1..$n"
