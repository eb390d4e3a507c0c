// SPDX-License-Identifier: GPL-2.0
/*
 * pvisor-run: the launcher.  Opens /dev/pvisor, creates a VM, loads a
 * guest, serves its devices and runs its vCPUs.
 *
 * `pvisor-run --version` asks the module for its ABI version and
 * capabilities, which is how a user checks that pvisor is loaded and matches
 * this launcher.  `pvisor-run --guest FILE` runs a freestanding ELF guest
 * (the test guests) and exits with its shutdown code, or 128 + the crash
 * reason after printing why it crashed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/pvisor.h>
#include "launcher.h"
#include "virtio/virtio.h"

#define PVISOR_DEV "/dev/pvisor"

static const struct {
	unsigned long long bit;
	const char *name;
} cap_names[] = {
	{ PVISOR_CAP_VM, "vm" },
	{ PVISOR_CAP_LA57_HOST, "la57-host" },
	{ PVISOR_CAP_PTI_HOST, "pti-host" },
	{ PVISOR_CAP_PCID, "pcid" },
	{ PVISOR_CAP_MMU_BATCH, "mmu-batch" },
	{ PVISOR_CAP_IOEVENTFD, "ioeventfd" },
	{ PVISOR_CAP_IRQFD, "irqfd" },
	{ PVISOR_CAP_IRQ_STATUS, "irq-status" },
};

static int open_pvisor(void)
{
	int fd = open(PVISOR_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		fprintf(stderr, "pvisor-run: cannot open %s: %s\n", PVISOR_DEV,
			strerror(err));
		if (err == ENOENT)
			fprintf(stderr, "  Is the module loaded? Try: sudo insmod host/pvisor.ko\n");
		else if (err == EACCES)
			fprintf(stderr, "  %s is root-only by default; run as root or add a udev rule (see README).\n",
				PVISOR_DEV);
		exit(1);
	}
	return fd;
}

static int show_version(void)
{
	struct pvisor_version v;
	unsigned int i;
	int fd = open_pvisor();

	memset(&v, 0, sizeof(v));
	if (ioctl(fd, PVISOR_GET_VERSION, &v) < 0) {
		fprintf(stderr, "pvisor-run: PVISOR_GET_VERSION failed: %s\n",
			strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);

	printf("pvisor module %.*s, ABI %u (launcher built for ABI %d)\n",
	       (int)sizeof(v.module_version), v.module_version, v.abi_version,
	       PVISOR_ABI_VERSION);
	printf("host: %u-level paging\n", v.host_paging_levels);
	printf("limits: %u vCPUs, %u memory regions, %llu MiB of guest memory per VM\n",
	       v.max_vcpus, v.max_mem_regions,
	       (unsigned long long)(v.max_guest_memory >> 20));
	printf("hypercalls: %u\n", v.nr_hypercalls);
	printf("capabilities:");
	for (i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (v.capabilities & cap_names[i].bit)
			printf(" %s", cap_names[i].name);
	printf("\n");
	if (v.abi_version != PVISOR_ABI_VERSION) {
		fprintf(stderr, "pvisor-run: ABI mismatch: module %u, launcher %d; rebuild one to match the other\n",
			v.abi_version, PVISOR_ABI_VERSION);
		return 1;
	}
	return 0;
}

/*
 * --cmdline: open every device's backend as a run would (so a missing disk
 * or a taken socket is reported now) and print the guest command-line
 * fragment that announces them (a run appends it to --append itself).
 */
static int print_cmdline(const struct virtio_opts *opts)
{
	static uint8_t scratch[4096];
	struct virtio_gmem gm;
	struct virtio_set *set;
	char buf[1024];

	virtio_gmem_init(&gm, scratch, sizeof(scratch), 0);
	set = virtio_set_create(opts, &gm, VIRTIO_MMIO_BASE_DEFAULT,
				VIRTIO_IRQ_BASE_DEFAULT);
	if (!set)
		return 1;
	if (virtio_set_cmdline(set, buf, sizeof(buf)) >= (int)sizeof(buf)) {
		fprintf(stderr, "pvisor-run: the device list is too long for the command line\n");
		virtio_set_destroy(set);
		return 1;
	}
	printf("%s\n", buf);
	virtio_set_destroy(set);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pvisor-run --version\n"
		"       pvisor-run --guest FILE [--mem SIZE] [--arg N] [--inject V@MS]\n"
		"       pvisor-run --kernel VMLINUX [--initrd FILE] [--append TEXT] [--mem SIZE]\n"
		"\n"
		"  -V, --version     ask the loaded pvisor module for its version and capabilities\n"
		"  -g, --guest FILE  run a freestanding ELF guest; exit with its shutdown code\n"
		"  -k, --kernel FILE boot a Linux vmlinux built with guest-pv\n"
		"  -r, --initrd FILE its initial ramdisk\n"
		"  -A, --append TEXT its command line\n"
		"  -m, --mem SIZE    guest memory, e.g. 16M or 1G (default 16M, 256M for Linux)\n"
		"  -a, --arg N       a number handed to a test guest in %%rsi\n"
		"  -i, --inject V@MS raise interrupt vector V in the guest after MS ms\n"
		"  -c, --cmdline     print the guest command-line fragment for the devices\n"
		"  -h, --help        this text\n"
		"\n%s\n", virtio_opts_help);
}

/* "16M", "1G", "4096": bytes, or 0 if malformed. */
static unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	return *end ? 0 : v;
}

/* The launcher's PKRU, or 0 where the CPU or kernel has no protection keys. */
static unsigned int launcher_pkru(void)
{
	unsigned int a, b, c, d, pkru;

	asm volatile("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d) : "a" (7), "c" (0));
	if (!(c & (1U << 4)))		/* OSPKE */
		return 0;
	asm volatile("rdpkru" : "=a" (pkru) : "c" (0) : "rdx");
	return pkru;
}

/* The launcher's XCR0, or 0 where the kernel has not enabled XSAVE. */
static unsigned long long launcher_xcr0(void)
{
	unsigned int a, b, c, d, lo, hi;

	asm volatile("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d) : "a" (1), "c" (0));
	if (!(c & (1U << 27)))				/* OSXSAVE */
		return 0;
	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	return lo | (unsigned long long)hi << 32;
}

/* Can this CPU and kernel run AVX (the OS saves the YMM state)? */
static bool launcher_has_avx(void)
{
	unsigned int a, b, c, d;

	asm volatile("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d) : "a" (1), "c" (0));
	return (c & (1U << 28)) && (launcher_xcr0() & 6) == 6;	/* AVX; SSE, YMM */
}

/* What to boot: a test guest, or a Linux kernel with its initrd and append. */
struct boot {
	const char *guest, *kernel, *initrd, *append;
};

static int load(struct vm *vm, const struct boot *b, struct pvisor_regs *regs)
{
	char cmdline[PVISOR_CMDLINE_MAX];

	if (!b->kernel)
		return load_elf_guest(vm, b->guest, regs);
	if (devices_cmdline(vm, b->append ? b->append : "", cmdline,
			    sizeof(cmdline)))
		return -1;
	return load_linux(vm, b->kernel, b->initrd, cmdline, regs);
}

static int run_guest(const struct boot *b, const struct virtio_opts *devices,
		     unsigned long long mem, unsigned long long arg,
		     unsigned int inject_vector, unsigned int inject_ms)
{
	unsigned long long min = b->kernel ? 32ULL << 20 : 4ULL << 20;
	unsigned long long max = b->kernel ? 8ULL << 30 : 1ULL << 30;
	struct pvisor_regs regs;
	struct vm vm;
	int ret = 125;

	if (mem < min || mem > max || mem % (2ULL << 20)) {
		fprintf(stderr, "pvisor-run: --mem must be %lluM..%lluG in whole 2M units\n",
			min >> 20, max >> 30);
		return 2;
	}
	if (!vm_open(&vm, mem) && !devices_attach(&vm, devices) &&
	    !load(&vm, b, &regs) && !devices_start(&vm)) {
		unsigned long long canary = 0x5a5a5a5a5a5a5a5aULL, seen;
		unsigned int pkru = launcher_pkru();
		unsigned long long xcr0 = launcher_xcr0();

		if (b->guest)
			regs.rsi = arg;
		else if (devices->console != VIRTIO_CONSOLE_STDIO &&
			 vm_forward_console_input(&vm))
			fprintf(stderr, "pvisor-run: cannot start the console input thread\n");
		if (inject_vector && vm_inject_later(&vm, inject_vector, inject_ms))
			fprintf(stderr, "pvisor-run: cannot start the injection thread\n");
		/*
		 * Leave a value in xmm15 (a register the compiler does not use
		 * here), and with AVX in all of ymm15: the guest must not see
		 * it, nor be able to change it.  (Only the low half is checked
		 * after the run: the C library's AVX code ends with vzeroupper,
		 * which clears the upper halves of every ymm register.)
		 */
		asm volatile("movq %0, %%xmm15" : : "r" (canary));
		if (launcher_has_avx())
			asm volatile("vbroadcastsd %0, %%ymm15" : : "m" (canary));
		ret = vm_run(&vm, &regs);
		asm volatile("movq %%xmm15, %0" : "=r" (seen));
		if (seen != canary) {
			fprintf(stderr, "pvisor-run: the guest changed the launcher's FPU state (xmm15 %#llx)\n",
				seen);
			ret = 124;
		}
		if (launcher_pkru() != pkru) {
			fprintf(stderr, "pvisor-run: the guest changed the launcher's PKRU (%#x, was %#x)\n",
				launcher_pkru(), pkru);
			ret = 124;
		}
		/*
		 * A guest kernel sets its own XCR0; the module loads it for its
		 * runs only.  (Were it left behind, the host kernel's own
		 * restore on the way back to this process would likely fault
		 * first; the rig's host-log check is the stronger guard.)
		 */
		if (launcher_xcr0() != xcr0) {
			fprintf(stderr, "pvisor-run: the guest changed the launcher's XCR0 (%#llx, was %#llx)\n",
				launcher_xcr0(), xcr0);
			ret = 124;
		}
	}
	devices_detach(&vm);
	vm_close(&vm);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "guest", required_argument, NULL, 'g' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'r' },
		{ "append", required_argument, NULL, 'A' },
		{ "mem", required_argument, NULL, 'm' },
		{ "arg", required_argument, NULL, 'a' },
		{ "inject", required_argument, NULL, 'i' },
		{ "cmdline", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long mem = 0, arg = 0;
	unsigned int inject_vector = 0, inject_ms = 0;
	struct boot boot = { NULL, NULL, NULL, NULL };
	struct virtio_opts devices;
	bool cmdline = false;
	int c, ret;

	/* Device options first; they leave the rest to getopt. */
	virtio_opts_init(&devices);
	if (virtio_opts_parse_argv(&devices, &argc, argv) < 0)
		return 2;

	while ((c = getopt_long(argc, argv, "Vg:k:r:A:m:a:i:ch", opts, NULL)) != -1) {
		switch (c) {
		case 'V':
			return show_version();
		case 'g':
			boot.guest = optarg;
			break;
		case 'k':
			boot.kernel = optarg;
			break;
		case 'r':
			boot.initrd = optarg;
			break;
		case 'A':
			boot.append = optarg;
			break;
		case 'm':
			mem = parse_size(optarg);
			break;
		case 'a':
			arg = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			cmdline = true;
			break;
		case 'i':
			if (sscanf(optarg, "%u@%u", &inject_vector, &inject_ms) != 2 ||
			    inject_vector < 32 || inject_vector > 255) {
				fprintf(stderr, "pvisor-run: --inject wants VECTOR@MS, vector 32..255\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			virtio_opts_free(&devices);
			return 0;
		default:
			usage(stderr);
			virtio_opts_free(&devices);
			return 2;
		}
	}
	if (cmdline)
		ret = print_cmdline(&devices);
	else if (boot.guest && boot.kernel) {
		fprintf(stderr, "pvisor-run: --guest and --kernel exclude each other\n");
		ret = 2;
	} else if (boot.guest || boot.kernel) {
		if (!mem)
			mem = boot.kernel ? 256ULL << 20 : 16ULL << 20;
		ret = run_guest(&boot, &devices, mem, arg, inject_vector,
				inject_ms);
	}
	else {
		usage(stderr);
		ret = 2;
	}
	virtio_opts_free(&devices);
	return ret;
}
