#!/usr/bin/env bash
# Build the pvisor guest kernel: Debian's linux-source-6.12, the hook
# patches in guest-pv/patches (in order), the new files under guest-pv/arch
# and the ABI header, configured from tinyconfig plus pvisor-guest.config.
#
# The tree and its objects are cached outside the repository, keyed by a
# hash of the source version, the patches, the config and the compiler, so
# a change to the new files costs an incremental build.  Prints the build
# directory (vmlinux, arch/x86/boot/bzImage).
set -euo pipefail
. "$(dirname "$0")/../tests/rig/lib.sh"

gp=$PVISOR_TOP/guest-pv
frag=$gp/pvisor-guest.config
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
recipe=1	# bump when the steps below change
base=$( { echo "$srcver guest recipe $recipe"; cat "$gp"/patches/*.patch "$frag";
	gcc --version | head -n1; } | sha256sum | cut -c1-16)
full=$( { echo "$base"; find "$gp/arch" -type f | sort | xargs cat;
	cat "$PVISOR_TOP/include/uapi/linux/pvisor.h"; } | sha256sum | cut -c1-16)
dir=$PVISOR_CACHE/guest-$base

# One build at a time: the rig and a developer may both ask for it.
mkdir -p "$PVISOR_CACHE"
exec 9>"$PVISOR_CACHE/guest-build.lock"
flock 9

if [ -f "$dir/.done-$full" ]; then
	echo "$dir/build"
	exit 0
fi

if [ ! -f "$dir/.tree" ]; then
	src=$(linux_source_dir)
	# Trees of older inputs are 2 GB each: keep only this one.
	find "$PVISOR_CACHE" -maxdepth 1 -name 'guest-????????????????' -type d \
		! -path "$dir" -exec rm -rf {} +
	rm -rf "$dir" && mkdir -p "$dir"
	say "copying linux-source $srcver for the guest"
	cp -a "$src" "$dir/src"
	for p in "$gp"/patches/*.patch; do
		patch -d "$dir/src" -p1 --quiet --no-backup-if-mismatch <"$p" ||
			die "guest-pv patch $(basename "$p") does not apply to linux-source $srcver"
	done
	touch "$dir/.tree"
fi

# New files: copy only what changed, so make rebuilds only that.
put() {
	mkdir -p "$(dirname "$2")"
	cmp -s "$1" "$2" || cp "$1" "$2"
}
(cd "$gp" && find arch -type f) | while read -r f; do put "$gp/$f" "$dir/src/$f"; done
put "$PVISOR_TOP/include/uapi/linux/pvisor.h" "$dir/src/include/uapi/linux/pvisor.h"

b=$dir/build
if [ ! -f "$b/.config-done" ]; then
	mkdir -p "$b"
	make -s -C "$dir/src" O="$b" tinyconfig >/dev/null
	"$dir/src"/scripts/kconfig/merge_config.sh -m -O "$b" "$b/.config" "$frag" >/dev/null
	make -s -C "$dir/src" O="$b" olddefconfig >/dev/null
	check_config_fragment "$frag" "$b/.config" ||
		die "guest config does not hold guest-pv/pvisor-guest.config (see above)"
	touch "$b/.config-done"
fi

run_logged "$dir/build.log" "building the pvisor guest kernel" \
	make -C "$dir/src" O="$b" -j"$JOBS" vmlinux bzImage
rm -f "$dir"/.done-*
touch "$dir/.done-$full"
echo "$b"
