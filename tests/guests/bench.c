// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks inside a guest, chosen by the argument (n = iterations):
 *   0  null hypercall round trip (PVISOR_HC_VERSION)
 *   1  guest-user system call to the guest kernel and back
 *   2  guest-user page fault handled by the guest kernel (it maps the page)
 *   3  guest-user exception (int3) to the guest kernel's handler and back
 * Prints "bench <name> <ns per operation>" using the shared page's clock.
 * tests/rig/vm/bench.sh runs it beside native baselines and counts exits.
 */
#include "lib/guest.h"

#define FAULT_BASE	(8UL << 20)	/* a 2 MiB region mapped page by page */

static unsigned long n_ops;
static unsigned long pt[512] __attribute__((aligned(4096)));

static void handler(struct trap_frame *f)
{
	if (f->vector == TRAP_SYSCALL || f->vector == 3) {	/* int3: a trap */
		f->rax = 0;
		return;
	}
	if (f->vector == 14 && guest_shared.cr2 >= FAULT_BASE &&
	    guest_shared.cr2 < FAULT_BASE + (2UL << 20)) {
		unsigned long i = (guest_shared.cr2 - FAULT_BASE) >> 12;

		pt[i] = (FAULT_BASE + (i << 12)) | 7;	/* P, W, U */
		return;
	}
	if (f->vector == 14) {	/* the user program's way home */
		f->rip = (unsigned long)user_return;
		f->cs = 0x10;
		f->ss = 0x18;
		return;
	}
	guest_printf("bench: unexpected event %lu at %lx\n", f->vector, f->rip);
	guest_shutdown(PVISOR_SHUTDOWN_PANIC, 5);
}

/* User programs: %r12 counts; touching 0x200000 (kernel) ends them. */
static void user_syscalls(void) __attribute__((naked, section(".text.user")));
static void user_syscalls(void)
{
	asm volatile("1: mov $39, %eax\n syscall\n dec %r12\n jnz 1b\n"
		     "mov $0x200000, %rcx\n mov (%rcx), %rcx\n ud2\n");
}

static void user_faults(void) __attribute__((naked, section(".text.user")));
static void user_faults(void)
{
	asm volatile("mov $0x800000, %rax\n"
		     "1: movb $1, (%rax)\n add $4096, %rax\n dec %r12\n jnz 1b\n"
		     "mov $0x200000, %rcx\n mov (%rcx), %rcx\n ud2\n");
}

static void user_int3s(void) __attribute__((naked, section(".text.user")));
static void user_int3s(void)
{
	asm volatile("1: int3\n dec %r12\n jnz 1b\n"
		     "mov $0x200000, %rcx\n mov (%rcx), %rcx\n ud2\n");
}

static unsigned long run_user(void (*prog)(void), unsigned long count)
{
	unsigned long *pd = (unsigned long *)(guest_mem_size - 8 * 4096);
	unsigned long t0;

	pd[4] = (unsigned long)pt | 7;
	guest_map_user_region(prog, 128);
	t0 = guest_now_ns();
	/* The counter travels in %r12, which enter_user keeps for the user. */
	asm volatile("mov %0, %%r12" : : "r" (count) : "r12");
	enter_user(GUEST_USER_BASE, GUEST_USER_STACK_TOP);
	return guest_now_ns() - t0;
}

/* The argument: phase << 32 | iterations. */
long guest_main(unsigned long arg)
{
	unsigned long phase = arg >> 32, t0, i, ns = 0;
	static const char * const names[] = {
		"hypercall", "user_syscall", "user_page_fault", "user_exception",
	};

	n_ops = arg & 0xffffffff;
	if (!n_ops || phase > 3)
		return 0xbad;
	if (phase == 2 && n_ops > 512)
		n_ops = 512;	/* one 2 MiB region of 4 KiB pages */
	guest_install_traps(handler);
	switch (phase) {
	case 0:
		t0 = guest_now_ns();
		for (i = 0; i < n_ops; i++)
			hypercall0(PVISOR_HC_VERSION);
		ns = guest_now_ns() - t0;
		break;
	case 1:
		ns = run_user(user_syscalls, n_ops);
		break;
	case 2:
		ns = run_user(user_faults, n_ops);
		break;
	case 3:
		ns = run_user(user_int3s, n_ops);
		break;
	}
	guest_printf("bench %s %lu ns %lu ops\n", names[phase], ns / n_ops, n_ops);
	return 0;
}
