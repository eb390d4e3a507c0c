// SPDX-License-Identifier: GPL-2.0
/*
 * The VM: open /dev/pvisor, create a VM and its memory, create vCPU 0, and
 * run it until it shuts down or crashes.  A crash is reported loudly: the
 * reason, the registers and the last lines the guest printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"

static const char *const crash_reasons[] = {
	[PVISOR_CRASH_TRIPLE_FAULT] = "unhandled fault",
	[PVISOR_CRASH_BAD_HYPERCALL] = "bad hypercall",
	[PVISOR_CRASH_BAD_MEMORY] = "access outside guest memory",
	[PVISOR_CRASH_BAD_MMIO] = "undecodable MMIO access",
	[PVISOR_CRASH_BAD_STATE] = "unusable guest state",
};

static const char *const shutdown_types[] = {
	[PVISOR_SHUTDOWN_POWEROFF] = "power off",
	[PVISOR_SHUTDOWN_REBOOT] = "reboot",
	[PVISOR_SHUTDOWN_PANIC] = "panic",
};

int vm_open(struct vm *vm, uint64_t mem_size)
{
	struct pvisor_vm_create create = { 0 };
	struct pvisor_vcpu_create vcpu = { 0 };
	struct pvisor_version v = { 0 };
	struct pvisor_mem_region r;

	memset(vm, 0, sizeof(*vm));
	vm->dev = open("/dev/pvisor", O_RDWR | O_CLOEXEC);
	if (vm->dev < 0) {
		fprintf(stderr, "pvisor-run: cannot open /dev/pvisor: %s (is pvisor.ko loaded?)\n",
			strerror(errno));
		return -1;
	}
	if (ioctl(vm->dev, PVISOR_GET_VERSION, &v) < 0 ||
	    v.abi_version != PVISOR_ABI_VERSION) {
		fprintf(stderr, "pvisor-run: module ABI %u, launcher ABI %d: rebuild to match\n",
			v.abi_version, PVISOR_ABI_VERSION);
		return -1;
	}
	vm->paging_levels = v.host_paging_levels;
	vm->capabilities = v.capabilities;
	vm->fd = ioctl(vm->dev, PVISOR_CREATE_VM, &create);
	if (vm->fd < 0) {
		fprintf(stderr, "pvisor-run: PVISOR_CREATE_VM: %s\n", strerror(errno));
		return -1;
	}
	vm->mem_size = mem_size;
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		fprintf(stderr, "pvisor-run: cannot map %llu MiB of guest memory: %s\n",
			(unsigned long long)(mem_size >> 20), strerror(errno));
		return -1;
	}
	r = (struct pvisor_mem_region) {
		.slot = 0, .guest_phys_addr = 0, .size = mem_size,
		.userspace_addr = (uintptr_t)vm->mem,
	};
	if (ioctl(vm->fd, PVISOR_SET_MEM_REGION, &r) < 0) {
		fprintf(stderr, "pvisor-run: PVISOR_SET_MEM_REGION: %s\n", strerror(errno));
		return -1;
	}
	vm->vcpu = ioctl(vm->fd, PVISOR_CREATE_VCPU, &vcpu);
	if (vm->vcpu < 0) {
		fprintf(stderr, "pvisor-run: PVISOR_CREATE_VCPU: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Copy the guest's console output to stdout, keeping a tail for crashes. */
static void drain_console(struct vm *vm)
{
	char buf[1024];
	ssize_t n;

	while ((n = read(vm->vcpu, buf, sizeof(buf))) > 0) {
		size_t keep = sizeof(vm->console_tail);

		_Static_assert(sizeof(buf) <= sizeof(vm->console_tail),
			       "a read must fit the tail");
		fwrite(buf, 1, n, stdout);
		if (vm->console_len + n > keep) {
			size_t drop = vm->console_len + n - keep;

			memmove(vm->console_tail, vm->console_tail + drop,
				vm->console_len - drop);
			vm->console_len -= drop;
		}
		memcpy(vm->console_tail + vm->console_len, buf, n);
		vm->console_len += n;
	}
	fflush(stdout);
}

static void print_regs(const struct pvisor_regs *r)
{
	fprintf(stderr,
		"  rip %016llx  rsp %016llx  rflags %08llx  mode %s\n"
		"  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n"
		"  rsi %016llx  rdi %016llx  rbp %016llx  r8  %016llx\n"
		"  r9  %016llx  r10 %016llx  r11 %016llx  r12 %016llx\n"
		"  r13 %016llx  r14 %016llx  r15 %016llx\n"
		"  cr3 kernel %llx user %llx  fs %llx gs %llx\n",
		r->rip, r->rsp, r->rflags, r->mode ? "user" : "kernel",
		r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->r8,
		r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
		r->cr3_kernel, r->cr3_user, r->fs_base, r->gs_base);
}

/* Translate a guest virtual address through the guest's own tables. */
static int gva_to_gpa(const struct vm *vm, uint64_t root, uint64_t va,
		      uint64_t *gpa)
{
	uint64_t table = root & 0x000ffffffffff000ULL;
	int level;

	for (level = vm->paging_levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t e;

		if (table + 4096 > vm->mem_size)
			return -1;
		memcpy(&e, vm->mem + table + ((va >> shift) & 511) * 8, 8);
		if (!(e & 1))
			return -1;
		if (level == 1 || (level <= 3 && (e & 0x80))) {
			uint64_t mask = (1ULL << shift) - 1;

			*gpa = ((e & 0x000ffffffffff000ULL) & ~mask) | (va & mask);
			return *gpa < vm->mem_size ? 0 : -1;
		}
		table = e & 0x000ffffffffff000ULL;
	}
	return -1;
}

/* The top of the guest's stack, for a post-mortem by hand (addr2line). */
static void print_stack(const struct vm *vm, const struct pvisor_regs *r)
{
	uint64_t root = r->mode ? r->cr3_user : r->cr3_kernel, gpa, v;
	unsigned int i;

	fprintf(stderr, "  stack:");
	for (i = 0; i < 24; i++) {
		if (gva_to_gpa(vm, root, r->rsp + 8 * i, &gpa) || gpa + 8 > vm->mem_size)
			break;
		memcpy(&v, vm->mem + gpa, 8);
		fprintf(stderr, "%s%016llx", i % 4 ? " " : "\n    ", (unsigned long long)v);
	}
	fprintf(stderr, "\n");
}

static void print_console_tail(const struct vm *vm)
{
	const char *p = vm->console_tail, *end = p + vm->console_len;
	const char *start = end;
	int lines = 0;

	/* The last ten lines. */
	while (start > p && lines <= 10)
		if (*--start == '\n')
			lines++;
	if (start > p || (start < end && *start == '\n'))
		start++;
	fprintf(stderr, "last console output:\n");
	for (; start < end; start++)
		fputc(*start, stderr);
	if (vm->console_len && end[-1] != '\n')
		fputc('\n', stderr);
}

/*
 * SIGINT or SIGTERM asks us to stop; we say where the guest was first.
 * SIGUSR1 asks for the same report while the guest goes on running.
 */
static volatile sig_atomic_t stop_signal, report_asked;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

static void on_report_signal(int sig)
{
	(void)sig;
	report_asked = 1;
}

/* Where the guest is (@r, if known), its devices and its last words. */
static void report(struct vm *vm, const struct pvisor_regs *r)
{
	if (r) {
		print_regs(r);
		print_stack(vm, r);
	}
	devices_print_state(vm);
	print_console_tail(vm);
}

/* The report on a running guest: its registers asked of the module. */
static void report_running(struct vm *vm)
{
	struct pvisor_regs r;

	report(vm, ioctl(vm->vcpu, PVISOR_GET_REGS, &r) == 0 ? &r : NULL);
}

static int report_stop(struct vm *vm)
{
	drain_console(vm);
	fprintf(stderr, "pvisor-run: stopped by signal %d (%s); the guest was at:\n",
		(int)stop_signal, strsignal(stop_signal));
	report_running(vm);
	return 128 + stop_signal;
}

/*
 * Run vCPU 0 from @regs until the guest shuts down (return its code) or
 * crashes (return 128 + reason, after reporting it).
 */
int vm_run(struct vm *vm, struct pvisor_regs *regs)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	struct sigaction sa_report = { .sa_handler = on_report_signal };
	struct pvisor_run run;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa_report, NULL);
	if (ioctl(vm->vcpu, PVISOR_SET_REGS, regs) < 0) {
		fprintf(stderr, "pvisor-run: PVISOR_SET_REGS: %s\n", strerror(errno));
		return 125;
	}
	memset(&run, 0, sizeof(run));
	for (;;) {
		if (stop_signal)
			return report_stop(vm);
		if (report_asked) {
			report_asked = 0;
			drain_console(vm);
			fprintf(stderr, "pvisor-run: report asked by SIGUSR1; the guest runs on:\n");
			report_running(vm);
		}
		if (ioctl(vm->vcpu, PVISOR_RUN, &run) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "pvisor-run: PVISOR_RUN: %s\n", strerror(errno));
			return 125;
		}
		/* A read's answer (devices_mmio()) rides on the next call. */
		run.flags = 0;
		switch (run.exit_reason) {
		case PVISOR_EXIT_MMIO:
			devices_mmio(vm, &run);
			break;
		case PVISOR_EXIT_CONSOLE:
			drain_console(vm);
			break;
		case PVISOR_EXIT_INTR:
			break;
		case PVISOR_EXIT_SHUTDOWN:
			drain_console(vm);
			fprintf(stderr, "pvisor-run: guest shut down: %s, code %u\n",
				run.shutdown.type < PVISOR_SHUTDOWN_NR ?
				shutdown_types[run.shutdown.type] : "?",
				run.shutdown.code);
			return run.shutdown.code & 0xff;
		case PVISOR_EXIT_CRASH:
			drain_console(vm);
			fprintf(stderr, "pvisor-run: guest crashed: %s: %s\n",
				run.crash.reason < sizeof(crash_reasons) / sizeof(crash_reasons[0]) &&
				crash_reasons[run.crash.reason] ?
				crash_reasons[run.crash.reason] : "?", run.message);
			fprintf(stderr, "  vector %u  error %#llx  info %#llx\n",
				run.crash.vector, (unsigned long long)run.crash.error_code,
				(unsigned long long)run.crash.info);
			report(vm, &run.regs);
			return 128 + run.crash.reason;
		default:
			fprintf(stderr, "pvisor-run: unexpected exit %u\n", run.exit_reason);
			print_regs(&run.regs);
			return 125;
		}
	}
}

struct injection {
	int vcpu;
	unsigned int vector, delay_ms;
};

static void *inject_later(void *arg)
{
	struct injection *inj = arg;
	struct pvisor_irq irq = { .vector = inj->vector };
	struct timespec ts = {
		.tv_sec = inj->delay_ms / 1000,
		.tv_nsec = (inj->delay_ms % 1000) * 1000000L,
	};

	nanosleep(&ts, NULL);
	if (ioctl(inj->vcpu, PVISOR_INJECT_IRQ, &irq) < 0)
		fprintf(stderr, "pvisor-run: PVISOR_INJECT_IRQ %u: %s\n",
			inj->vector, strerror(errno));
	return NULL;
}

/* Raise interrupt @vector in the guest after @delay_ms, from another thread. */
int vm_inject_later(struct vm *vm, unsigned int vector, unsigned int delay_ms)
{
	static struct injection inj;
	pthread_t t;

	inj = (struct injection) { vm->vcpu, vector, delay_ms };
	if (pthread_create(&t, NULL, inject_later, &inj))
		return -1;
	pthread_detach(t);
	return 0;
}

/*
 * Console input: what the user types goes to the guest (write() on the
 * vCPU fd, read by the guest with PVISOR_HC_CONSOLE_READ).  On a terminal,
 * keys go through raw (Ctrl-C reaches the guest's shell); Ctrl-] leaves.
 */
#define ESCAPE_KEY	0x1d	/* Ctrl-] */

static struct termios saved_tio;
static int tio_saved;

static void restore_terminal(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

static void *forward_input(void *arg)
{
	struct vm *vm = arg;
	char buf[64];
	ssize_t n, done;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0) {
		if (tio_saved && memchr(buf, ESCAPE_KEY, n)) {
			restore_terminal();
			fprintf(stderr, "\npvisor-run: Ctrl-] pressed, leaving the guest\n");
			kill(getpid(), SIGTERM);
			return NULL;
		}
		for (done = 0; done < n;) {
			ssize_t w = write(vm->vcpu, buf + done, n - done);

			if (w > 0)
				done += w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				return NULL;
			else
				usleep(10000);	/* the guest has not read yet */
		}
	}
	return NULL;
}

int vm_forward_console_input(struct vm *vm)
{
	struct termios tio;
	pthread_t t;

	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
		tio = saved_tio;
		tio.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
		tio.c_iflag &= ~(ICRNL | IXON);
		tio.c_cc[VMIN] = 1;
		tio.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0) {
			tio_saved = 1;
			atexit(restore_terminal);
			fprintf(stderr, "pvisor-run: console attached; Ctrl-] leaves\n");
		}
	}
	if (pthread_create(&t, NULL, forward_input, vm))
		return -1;
	pthread_detach(t);
	return 0;
}

void vm_close(struct vm *vm)
{
	if (vm->vcpu > 0)
		close(vm->vcpu);
	if (vm->fd > 0)
		close(vm->fd);
	if (vm->dev > 0)
		close(vm->dev);
	if (vm->mem && vm->mem != MAP_FAILED)
		munmap(vm->mem, vm->mem_size);
}
