# SPDX-License-Identifier: GPL-2.0
#
# pvisor top-level Makefile.
#
#   make            build host/pvisor.ko (against KDIR) and the launcher
#   make lint       checkpatch --strict, sparse C=2, launcher warnings
#   make check      everything the README's test command runs
#   make demo       the README's demo
#   make bench      benchmarks in the rig's host VM, as ratios to native
#   make soak       the Linux guest under load for SOAK_SECONDS (default 600)
#
# KDIR defaults to the running kernel's build tree when it has one, else to
# the Debian 6.12 headers that tests/rig/setup.sh installs.

STOCK_KVER := $(shell ls -1 /boot/vmlinuz-6.12.*+deb12-amd64 2>/dev/null | \
		sed 's|.*/vmlinuz-||' | sort -V | tail -n1)
ifneq ($(wildcard /lib/modules/$(shell uname -r)/build/Makefile),)
KDIR ?= /lib/modules/$(shell uname -r)/build
else
KDIR ?= /lib/modules/$(STOCK_KVER)/build
endif

all: modules launcher

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

launcher:
	$(MAKE) -C launcher

payload: build/payload/ioctl_test build/payload/bench_native build/payload/vsock_client
	$(MAKE) -C tests/guests

build/payload/%: tests/rig/payload/%.c include/uapi/linux/pvisor.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude/uapi -static -o $@ $<

lint:
	tests/lint.sh

check:
	tests/run-all.sh

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

soak:
	scripts/soak.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C launcher clean
	rm -rf build

.PHONY: all modules launcher payload lint check demo bench soak clean
