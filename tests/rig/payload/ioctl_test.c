// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_test: checks /dev/pvisor from userspace, inside the rig's host VM.
 * Prints TAP.  With --hold-vm it instead creates a VM, prints its fd and
 * sleeps, so the rig can check that the module refuses to unload.  With
 * --two-vms it creates two VMs in this one process, closes the second, and
 * runs a tiny guest in the first: the switcher must still be mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pvisor.h>

static int nr_tests, nr_failed;

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++nr_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		nr_failed++;
}

/* Expect ioctl() to fail with errno @want (0: expect success). */
static void expect(int fd, unsigned long cmd, void *arg, int want,
		   const char *what)
{
	int ret = ioctl(fd, cmd, arg);
	int got = ret < 0 ? errno : 0;

	if (got == want)
		result(1, "%s", what);
	else
		result(0, "%s: expected %s, got %s", what,
		       want ? strerror(want) : "success",
		       got ? strerror(got) : "success");
}

static int create_vm(int dev)
{
	struct pvisor_vm_create req = { 0 };

	return ioctl(dev, PVISOR_CREATE_VM, &req);
}

/* A guest of a few bytes: shutdown(poweroff, 7). */
static const unsigned char tiny_guest[] = {
	0xb8, 0x04, 0x00, 0x00, 0x00,		/* mov $4, %eax */
	0x31, 0xff,				/* xor %edi, %edi */
	0xbe, 0x07, 0x00, 0x00, 0x00,		/* mov $7, %esi */
	0x0f, 0x05,				/* syscall */
	0xeb, 0xfe,				/* jmp . */
};

static int two_vms(int dev)
{
	struct pvisor_version v = { 0 };
	struct pvisor_vcpu_create vc = { 0 };
	struct pvisor_mem_region r;
	struct pvisor_regs regs;
	struct pvisor_run run;
	unsigned long long *t, root;
	unsigned char *mem;
	unsigned int i, level;
	int a, b, vcpu;

	if (ioctl(dev, PVISOR_GET_VERSION, &v) < 0)
		return 1;
	a = create_vm(dev);
	b = create_vm(dev);
	if (a < 0 || b < 0)
		return 1;
	close(b);		/* must not take the switcher away from a */

	mem = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(mem + 0x100000, tiny_guest, sizeof(tiny_guest));
	/* Identity map the first 1 GiB with 2 MiB pages, tables at 0x2000.. */
	t = (unsigned long long *)(mem + 0x2000);
	for (i = 0; i < 512; i++)
		t[i] = ((unsigned long long)i << 21) | 0x83;
	root = 0x2000;
	for (level = 3; level <= v.host_paging_levels; level++) {
		unsigned long long up = root + 0x1000;

		((unsigned long long *)(mem + up))[0] = root | 0x3;
		root = up;
	}
	r = (struct pvisor_mem_region) {
		.slot = 0, .size = 4 << 20, .userspace_addr = (unsigned long)mem,
	};
	vcpu = ioctl(a, PVISOR_SET_MEM_REGION, &r) < 0 ? -1 :
	       ioctl(a, PVISOR_CREATE_VCPU, &vc);
	if (vcpu < 0)
		return 1;
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0x100000;
	regs.rsp = 0x300000;
	regs.rflags = 2;
	regs.cr3_kernel = root;
	if (ioctl(vcpu, PVISOR_SET_REGS, &regs) < 0)
		return 1;
	do {
		memset(&run, 0, sizeof(run));
		if (ioctl(vcpu, PVISOR_RUN, &run) < 0 && errno != EINTR)
			return 1;
	} while (run.exit_reason == PVISOR_EXIT_INTR);
	printf("exit %u, code %u\n", run.exit_reason, run.shutdown.code);
	return !(run.exit_reason == PVISOR_EXIT_SHUTDOWN && run.shutdown.code == 7);
}

int main(int argc, char **argv)
{
	struct pvisor_version v;
	struct pvisor_vm_create bad_vm = { .flags = 1 };
	struct pvisor_mem_region r;
	void *mem;
	int dev, vm;

	dev = open("/dev/pvisor", O_RDWR | O_CLOEXEC);
	if (argc > 1 && !strcmp(argv[1], "--hold-vm")) {
		vm = dev < 0 ? -1 : create_vm(dev);
		if (vm < 0) {
			perror("ioctl_test --hold-vm");
			return 1;
		}
		printf("holding VM fd %d\n", vm);
		fflush(stdout);
		pause();
		return 0;
	}

	if (argc > 1 && !strcmp(argv[1], "--two-vms"))
		return dev < 0 ? 1 : two_vms(dev);

	printf("TAP version 13\n1..10\n");
	result(dev >= 0, "open /dev/pvisor%s%s", dev < 0 ? ": " : "",
	       dev < 0 ? strerror(errno) : "");
	if (dev < 0)
		return 1;

	memset(&v, 0xaa, sizeof(v));
	v.flags = 0;
	expect(dev, PVISOR_GET_VERSION, &v, 0, "PVISOR_GET_VERSION succeeds");
	result(v.abi_version == PVISOR_ABI_VERSION &&
	       (v.host_paging_levels == 4 || v.host_paging_levels == 5) &&
	       v.reserved[0] == 0 && memchr(v.module_version, 0, 32),
	       "version answer: ABI %u, %u-level paging, caps %#llx, module %.32s",
	       v.abi_version, v.host_paging_levels,
	       (unsigned long long)v.capabilities, v.module_version);
	v.flags = 1;
	expect(dev, PVISOR_GET_VERSION, &v, EINVAL,
	       "PVISOR_GET_VERSION with flags set is EINVAL");
	expect(dev, _IO(PVISOR_IOCTL_TYPE, 0x7f), NULL, ENOTTY,
	       "unknown ioctl is ENOTTY");
	expect(dev, PVISOR_GET_VERSION, (void *)16, EFAULT,
	       "bad pointer is EFAULT");
	expect(dev, PVISOR_CREATE_VM, &bad_vm, EINVAL,
	       "PVISOR_CREATE_VM with flags set is EINVAL");

	vm = create_vm(dev);
	result(vm >= 0, "PVISOR_CREATE_VM returns a VM fd");
	mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = (struct pvisor_mem_region) {
		.slot = 0, .guest_phys_addr = 0, .size = 1 << 20,
		.userspace_addr = (unsigned long)mem,
	};
	expect(vm, PVISOR_SET_MEM_REGION, &r, 0, "memory region accepted");
	r.slot = 1;
	r.guest_phys_addr = 4096;
	expect(vm, PVISOR_SET_MEM_REGION, &r, EEXIST,
	       "overlapping memory region is EEXIST");
	close(vm);
	close(dev);
	return nr_failed ? 1 : 0;
}
