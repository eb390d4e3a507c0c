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

src=$(linux_source_dir)

rm -rf "$out" && mkdir -p "$out"
make -s -C "$src" O="$out" x86_64_defconfig >/dev/null
"$src"/scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "$frag" >/dev/null
make -s -C "$src" O="$out" olddefconfig >/dev/null

check_config_fragment "$frag" "$out/.config" ||
	die "debug host config does not hold the fragment (see above)"

run_logged "$out/build.log" "building debug host kernel (about 13 min on 2 cores)" \
	make -C "$src" O="$out" -j"$JOBS" bzImage modules
touch "$out/.done"
echo "$out"
