#!/usr/bin/env bash
# Quality gates, printed as TAP: checkpatch --strict on host/ and guest-pv/,
# sparse (C=2) on the module, the launcher and payloads built with
# -Wall -Wextra -Werror, and the ABI header alone under strict C11.
set -uo pipefail
. "$(dirname "$0")/rig/lib.sh"
cd "$PVISOR_TOP"

failed=0
pass() { echo "ok - lint: $*"; }
fail() { echo "not ok - lint: $*"; failed=1; }

src=$(linux_source_dir)
# Every C file and header the project keeps in host/ (the KUnit files in
# host/tests/ too: a pathspec's * matches a /) and guest-pv/.  ENOSYS
# is ignored because a hypercall is a system call into the hypervisor, and
# -ENOSYS for an unknown hypercall number is exactly its meaning.
files=$(git ls-files 'host/*.[ch]' 'guest-pv/*.[chS]' 2>/dev/null ||
	ls host/*.[ch] host/tests/*.[ch])
out=$("$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,ENOSYS -f $files 2>&1 |
	grep -vE '^total: 0 errors, 0 warnings, 0 checks')
if [ -z "$(echo "$out" | grep -E ': (ERROR|WARNING|CHECK):')" ]; then
	pass "checkpatch --strict ($(echo $files | wc -w) files)"
else
	fail "checkpatch --strict"
	echo "$out" | sed 's/^/#   /'
fi

kdir=/lib/modules/$(stock_kver)/build
tmp=$PVISOR_TOP/build/sparse
rm -rf "$tmp" && mkdir -p "$tmp"
cp -r Kbuild host include "$tmp/"
out=$(make -C "$kdir" M="$tmp" C=2 modules 2>&1)
if echo "$out" | grep -E "^$tmp/.*(warning|error):" >/dev/null || ! echo "$out" | grep -q 'CHECK'; then
	fail "sparse C=2"
	echo "$out" | grep -E 'warning|error|CHECK' | sed 's/^/#   /'
else
	pass "sparse C=2 ($(echo "$out" | grep -c CHECK) files checked)"
fi

# The KUnit suites only build against a kernel with KUnit: the debug host.
# Every file of host/tests/ must have been checked.
if [ -n "${PVISOR_DEBUG_KDIR:-}" ]; then
	rm -rf "$tmp" && mkdir -p "$tmp"
	cp -r Kbuild host include "$tmp/"
	out=$(make -C "$PVISOR_DEBUG_KDIR" M="$tmp" C=2 modules 2>&1)
	unchecked=$(for f in host/tests/*.c; do
		echo "$out" | grep -q "CHECK.*$f\$" || echo "$f"
	done)
	if echo "$out" | grep -E "^$tmp/.*(warning|error):" >/dev/null ||
		[ -n "$unchecked" ]; then
		fail "sparse C=2 against the debug host (with the KUnit suites)"
		echo "$out" | grep -E 'warning|error|CHECK' | sed 's/^/#   /'
		[ -z "$unchecked" ] || echo "# not checked:" $unchecked
	else
		pass "sparse C=2 against the debug host ($(echo "$out" | grep -c CHECK) files)"
	fi
fi

if make -s -C launcher clean all >/dev/null 2>"$tmp/launcher.err"; then
	pass "launcher builds with -Wall -Wextra -Werror"
else
	fail "launcher builds with -Wall -Wextra -Werror"
	sed 's/^/#   /' "$tmp/launcher.err"
fi

for std in c11 gnu11; do
	if gcc -std=$std -pedantic -Wall -Wextra -Werror -Iinclude/uapi \
		-o "$tmp/abi_check" tests/uapi/abi_check.c 2>"$tmp/abi.err" &&
		"$tmp/abi_check" >/dev/null; then
		pass "uapi header compiles and holds its layout (-std=$std -pedantic)"
	else
		fail "uapi header under -std=$std"
		sed 's/^/#   /' "$tmp/abi.err"
		"$tmp/abi_check" 2>&1 | sed 's/^/#   /'
	fi
done
# host/pvisor.h lists the module's files in reading order: the list and
# the directory must agree, so it cannot go stale.
listed=$(sed -n '/The module is split by concern/,/\*\//p' host/pvisor.h |
	sed -nE 's|^ \*   ([a-z_]+(\.[chS])?/?) .*|\1|p' | sort)
present=$( (cd host && ls -p | grep -vx Kbuild) | sort)
if [ -n "$listed" ] && [ "$listed" = "$present" ]; then
	pass "host/pvisor.h lists every file of host/ ($(echo $listed | wc -w))"
else
	fail "host/pvisor.h's file list and host/ disagree"
	diff <(echo "$listed") <(echo "$present") | sed 's/^/#   /'
fi

# Documentation/tour.md names the function to read at each step as
# `path/file.c: function()`; each must still be defined there (a C
# function at the start of a line, or an assembly label).
missing=
named=0
while IFS=: read -r file fn; do
	fn=${fn# }; fn=${fn%()}
	named=$((named + 1))
	if [ ! -f "$file" ]; then
		missing+=" $file:$fn(no such file)"
	elif ! grep -qE "^[A-Za-z_].*[^A-Za-z0-9_]$fn\(|^$fn\(|SYM_[A-Z_]+\($fn[,)]|^$fn:" "$file"; then
		missing+=" $file:$fn"
	fi
done < <(grep -oE '`[A-Za-z0-9_./-]+\.[chS]: [A-Za-z0-9_]+\(\)`' Documentation/tour.md | tr -d '`')
if [ "$named" -gt 0 ] && [ -z "$missing" ]; then
	pass "every function Documentation/tour.md names exists ($named)"
else
	fail "Documentation/tour.md names functions that do not exist ($named named)"
	for m in $missing; do echo "#   $m"; done
fi

exit $failed
