#!/usr/bin/env bash
# Install everything pvisor's build, tests and demo need on Debian 12, by
# package name.  Idempotent: installs only what is missing, and runs
# apt-get update only then.
set -euo pipefail

pkgs=(
	# build the module, the launcher and a kernel
	build-essential bc bison flex libelf-dev libssl-dev kmod perl
	# the test rig: QEMU (TCG), the initramfs, the kernels
	qemu-system-x86 busybox-static cpio gzip xz-utils file
	# the Linux guest's root disk image (mke2fs -d)
	e2fsprogs
	# the demo's terminal test (tests/demo-terminal.py)
	python3
	linux-source-6.12 linux-headers-6.12-amd64
	# lint
	sparse
	# the launcher's device model: fuzzing and sanitizers
	clang libclang-rt-14-dev
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#pkgs[@]} packages present"
	exit 0
fi
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
echo "setup: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
