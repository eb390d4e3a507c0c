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
src=$(linux_source_dir)
rm -rf "$out" && mkdir -p "$out"
make -s -C "$src" O="$out" ARCH=um x86_64_defconfig >/dev/null
ARCH=um "$src"/scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "$frag" >/dev/null
make -s -C "$src" O="$out" ARCH=um olddefconfig >/dev/null
check_config_fragment "$frag" "$out/.config" ||
	die "UML config does not hold tests/rig/uml.config (see above)"
run_logged "$out/build.log" "building User-Mode Linux (about 5 min on 2 cores)" \
	make -C "$src" O="$out" ARCH=um -j"$JOBS" linux
file "$out/linux" | grep -q 'statically linked' || die "UML is not a static binary: $out/linux"
touch "$out/.done"
echo "$out/linux"
