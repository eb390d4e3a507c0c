#!/usr/bin/env bash
# Build User-Mode Linux from Debian's linux-source-6.12 (the guest kernel's
# source) with tests/rig/uml.config merged onto arch/um's x86_64_defconfig,
# for the UML column of `make bench`.  Cached outside the repository, keyed
# by a hash of its inputs.  Prints the path of the static `linux` binary.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

frag=$PVISOR_TOP/tests/rig/uml.config
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
recipe=1	# bump when the steps below change
key=$( { echo "$srcver uml recipe $recipe"; cat "$frag"; gcc --version | head -n1; } |
	sha256sum | cut -c1-16)
out=$PVISOR_CACHE/uml-$key

if [ -f "$out/.done" ]; then
	echo "$out/linux"
	exit 0
fi
build_kernel_tree "$out" "$frag" "User-Mode Linux (about 4 min on 2 cores)" \
	x86_64_defconfig um linux
file "$out/linux" | grep -q 'statically linked' || die "UML is not a static binary: $out/linux"
touch "$out/.done"
echo "$out/linux"
