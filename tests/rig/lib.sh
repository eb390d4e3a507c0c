# Shared helpers for the pvisor test rig.  Sourced, not run.
# shellcheck shell=bash

PVISOR_TOP=${PVISOR_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PVISOR_CACHE=${PVISOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pvisor}
JOBS=${JOBS:-$(nproc)}

say()  { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die()  { printf 'pvisor rig: error: %s\n' "$*" >&2; exit 1; }

# The stock host kernel: Debian's newest linux-image-6.12.*+deb12-amd64.
# The setup step installs it (with its headers); this finds its release.
stock_kver() {
	local k
	k=$(ls -1 /boot/vmlinuz-6.12.*+deb12-amd64 2>/dev/null | sed 's|.*/vmlinuz-||' | sort -V | tail -n1)
	[ -n "$k" ] || die "no Debian 6.12 kernel in /boot: run tests/rig/setup.sh first"
	echo "$k"
}

# Run a long step with a heartbeat on stderr and its output in a log file;
# on failure print the log's tail, so the reason is on screen.
run_logged() {
	local log=$1 what=$2; shift 2
	local start=$SECONDS pid
	say "$what (log: $log)"
	"$@" >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 20
		kill -0 "$pid" 2>/dev/null &&
			printf '    ... %s: %ds, %s\n' "$what" $((SECONDS - start)) \
				"$(tail -n1 "$log" | cut -c1-70)" >&2
	done
	if ! wait "$pid"; then
		tail -n 40 "$log" >&2
		die "$what failed after $((SECONDS - start))s; full log: $log"
	fi
	say "$what done in $((SECONDS - start))s"
}

# The extracted Debian linux-source-6.12 tree (for checkpatch and the
# debug host kernel), extracted into the cache on first use.
linux_source_dir() {
	local tarball=/usr/src/linux-source-6.12.tar.xz srcver src
	[ -r "$tarball" ] || die "$tarball missing: run tests/rig/setup.sh (package linux-source-6.12)"
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	src=$PVISOR_CACHE/linux-source-$srcver
	if [ ! -f "$src/.extracted" ]; then
		rm -rf "$src" && mkdir -p "$src"
		run_logged "$PVISOR_CACHE/extract.log" "extracting linux-source $srcver" \
			tar -xf "$tarball" -C "$src" --strip-components=1
		touch "$src/.extracted"
	fi
	echo "$src"
}

# check_config_fragment FRAG CONFIG: olddefconfig drops what it cannot
# satisfy without a word, so say which lines of FRAG CONFIG does not hold.
check_config_fragment() {
	local line opt bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qx -- "$line" "$2" || { echo "dropped: $line" >&2; bad=1; } ;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }; opt=${opt%% *}
			! grep -q "^$opt=" "$2" || { echo "still set: $opt" >&2; bad=1; } ;;
		esac
	done <"$1"
	return $bad
}

# build_kernel_tree OUT FRAG WHAT DEFCONFIG ARCH TARGET...: configure Debian's
# linux-source into OUT from DEFCONFIG plus FRAG (checked: every line must
# hold) and build TARGETs, logged to OUT/build.log.  ARCH may be empty (the
# host's).  OUT is emptied first.
build_kernel_tree() {
	local out=$1 frag=$2 what=$3 defconfig=$4 arch=$5 src
	shift 5
	src=$(linux_source_dir)
	rm -rf "$out" && mkdir -p "$out"
	make -s -C "$src" O="$out" ${arch:+ARCH=$arch} "$defconfig" >/dev/null
	env ${arch:+ARCH=$arch} "$src"/scripts/kconfig/merge_config.sh -m -O "$out" \
		"$out/.config" "$frag" >/dev/null
	make -s -C "$src" O="$out" ${arch:+ARCH=$arch} olddefconfig >/dev/null
	check_config_fragment "$frag" "$out/.config" ||
		die "$what: the config does not hold $(basename "$frag") (see above)"
	run_logged "$out/build.log" "building $what" \
		make -C "$src" O="$out" ${arch:+ARCH=$arch} -j"$JOBS" "$@"
}
