#!/usr/bin/env bash
# Build the rig's debug host kernel from Debian's linux-source-6.12 with
# tests/rig/debug-host.config merged onto x86_64_defconfig.  The result is
# cached outside the repository, keyed by a hash of everything that goes
# into it, so a warm re-run costs nothing.  Prints the build directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tarball=/usr/src/linux-source-6.12.tar.xz
[ -r "$tarball" ] || die "$tarball missing: run tests/rig/setup.sh (package linux-source-6.12)"
frag=$PVISOR_TOP/tests/rig/debug-host.config
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
# Bump the recipe number whenever the build steps below change.
recipe=1
key=$( { echo "$srcver recipe $recipe"; cat "$frag"; gcc --version | head -n1; } |
	sha256sum | cut -c1-16)
out=$PVISOR_CACHE/debug-host-$key

if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

build_kernel_tree "$out" "$frag" "the debug host kernel (about 23 to 32 min on 2 cores)" \
	x86_64_defconfig "" bzImage modules
touch "$out/.done"
echo "$out"
