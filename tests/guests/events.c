// SPDX-License-Identifier: GPL-2.0
/*
 * Events into the guest kernel, chosen by the argument:
 *   0  exceptions: #UD, #BP, #DE, #GP, #PF (with cr2 in the shared page),
 *      each delivered to its entry with the right vector, error and frame
 *   1  guest user mode: iret to user, a system call to the guest kernel and
 *      back; int3, ud2 and cli (#BP, #UD, #GP) to the guest kernel's
 *      handlers and back; user touching kernel memory gets #PF in the
 *      guest kernel
 *   2  timer and halt: a one-shot timer wakes a halted vCPU with vector 32
 *   3  IRQ masking: a pending interrupt waits while masked, and arrives
 *      on the IRQ_ENABLE hypercall after unmasking
 *   4  FPU: the launcher's xmm15 (and with AVX, ymm15) is not visible to
 *      the guest, and the guest's ymm15 survives its exits and a halt
 *   5  an interrupt the launcher injects (--inject 80@100) wakes a halt
 *   6  CPUID through the hypercall: filtered, with pvisor's signature
 *   7  PKRU: protection keys are off while a guest runs (a CPL-3 kernel's
 *      pages are user pages to the CPU): wrpkru and rdpkru are #UD, CPUID
 *      says OSPKE clear, the CPUID hypercall shows no PKU (the launcher
 *      checks that its own PKRU is unchanged after the run)
 *   8  XCR0: xsetbv from guest-kernel mode sets the guest's own XCR0 as
 *      the CPU would (values it would refuse are a #GP), the value holds
 *      across exits and a halt, and AVX is #UD while XCR0 leaves it out
 *      (the launcher checks that its own XCR0 is unchanged after the run)
 *   9  FS/GS base instructions: rdfsbase, wrfsbase, rdgsbase and wrgsbase
 *      are #UD in a guest (CR4.FSGSBASE is off while it runs), and the
 *      CPUID hypercall does not offer them
 *  10  SET_STACK and SET_SEGMENT_BASE, which the direct switch serves:
 *      the same answers at every boundary of their checks as hypercall.c
 *      gives, and the same effect (events from user mode land on the new
 *      stack; %fs and %gs read through the new bases, in both modes); the
 *      rig runs it with the direct switch on and off
 */
#include "lib/guest.h"

#define KERNEL_CS	0x10
#define USER_CS		0x33
#define USER_SS		0x2b
#define EINVAL		22

static volatile unsigned long last_vector, last_error, last_cs, resume_at;
static volatile unsigned long interrupts, last_irq;
static volatile unsigned long user_traps, user_trap_error = ~0UL;
static volatile unsigned long syscall_frame;

static void handler(struct trap_frame *f)
{
	last_vector = f->vector;
	last_error = f->error;
	last_cs = f->cs;
	if (f->vector == TRAP_INTERRUPT) {
		interrupts++;
		last_irq = f->error;
		return;
	}
	if (f->vector == TRAP_SYSCALL) {
		syscall_frame = (unsigned long)f;
		f->rax = f->rax == 39 ? 1234 : -38;
		return;
	}
	/* From the user program: int3, then ud2 and cli, skipped over. */
	if (f->cs == USER_CS && (f->vector == 3 || f->vector == 6 || f->vector == 13)) {
		user_traps |= 1UL << f->vector;
		if (f->vector == 6)
			f->rip += 2;
		if (f->vector == 13) {
			user_trap_error = f->error;
			f->rip += 1;
		}
		return;
	}
	if (f->vector == 3)	/* int3 is a trap: rip is already past it */
		return;
	if (resume_at) {
		f->rip = resume_at;
		resume_at = 0;
		/* Back to the kernel, whatever mode the fault came from. */
		f->cs = KERNEL_CS;
		f->ss = 0x18;
		return;
	}
	guest_printf("unexpected exception %lu at %lx\n", f->vector, f->rip);
	guest_shutdown(PVISOR_SHUTDOWN_PANIC, 4);
}

#define EXPECT_FAULT(insn, vec) do {					\
	last_vector = 999;						\
	asm volatile("lea 1f(%%rip), %%rax; mov %%rax, %0;" insn "; 1:"	\
		     : "=m" (resume_at) : : "rax", "rcx", "rdx", "memory"); \
	GUEST_ASSERT_EQ(last_vector, vec);				\
	GUEST_ASSERT_EQ(last_cs, KERNEL_CS);				\
} while (0)

static void exceptions(void)
{
	EXPECT_FAULT("ud2", 6);
	EXPECT_FAULT("xor %%ecx, %%ecx; div %%rcx", 0);
	EXPECT_FAULT("rdmsr", 13);
	GUEST_ASSERT_EQ(last_error, 0);
	EXPECT_FAULT("int $0x80", 13);
	/* IDT-flagged error code for gate 0x80 (QEMU's TCG scales it by 16). */
	GUEST_ASSERT(last_error == 0x80 * 8 + 2 || last_error == 0x80 * 16 + 2);
	EXPECT_FAULT("mov $0x80000000, %%rax; mov (%%rax), %%rax", 14);
	GUEST_ASSERT_EQ(guest_shared.cr2, 0x80000000);
	GUEST_ASSERT_EQ(last_error, 0);			/* kernel read, not present */
	EXPECT_FAULT("mov $0x80000008, %%rax; movq $1, (%%rax)", 14);
	GUEST_ASSERT_EQ(last_error, 2);			/* write */
	/* int3 is a trap: it resumes after itself without help. */
	last_vector = 999;
	asm volatile("int3");
	GUEST_ASSERT_EQ(last_vector, 3);
	guest_puts("exceptions delivered\n");
}

/* The user program, copied into the user region (position independent). */
static void user_program(void) __attribute__((naked, section(".text.user")));
static void user_program(void)
{
	asm volatile(
		"mov $39, %eax\n"		/* a syscall to the guest kernel */
		"syscall\n"
		"mov %rax, %rbx\n"
		"int3\n"
		"ud2\n"
		"cli\n"
		"mov $0x200000, %rcx\n"	/* guest kernel memory: must fault */
		"mov (%rcx), %rcx\n"
		"ud2\n");
}

static void user_mode(void)
{
	unsigned long rbx;

	guest_map_user_region(user_program, 64);
	resume_at = (unsigned long)user_return;
	rbx = enter_user(GUEST_USER_BASE, GUEST_USER_STACK_TOP);
	/* We are back in the kernel through the #PF handler. */
	GUEST_ASSERT_EQ(rbx, 1234);
	GUEST_ASSERT_EQ(last_vector, 14);
	GUEST_ASSERT_EQ(last_error, 4 | 1);		/* user, protection */
	GUEST_ASSERT_EQ(last_cs, USER_CS);
	GUEST_ASSERT_EQ(guest_shared.cr2, 0x200000);
	GUEST_ASSERT_EQ(user_traps, (1UL << 3) | (1UL << 6) | (1UL << 13));
	GUEST_ASSERT_EQ(user_trap_error, 0);
	guest_puts("user mode: syscall and protection fault delivered\n");
}

static void timer_and_halt(void)
{
	unsigned long start = guest_now_ns();

	GUEST_ASSERT(guest_shared.tsc_mul != 0);
	GUEST_ASSERT_EQ(hypercall1(PVISOR_HC_SET_TIMER, start + 50000000), 0);
	while (!interrupts) {
		irq_disable();
		if (!interrupts)
			hypercall0(PVISOR_HC_HALT);
		irq_enable();
	}
	GUEST_ASSERT_EQ(interrupts, 1);
	GUEST_ASSERT_EQ(last_irq, PVISOR_TIMER_VECTOR);
	GUEST_ASSERT(guest_now_ns() - start >= 50000000);
	guest_printf("timer: woke from halt after %lu ms\n", (guest_now_ns() - start) / 1000000);
}

static void masking(void)
{
	unsigned long i;

	irq_disable();
	GUEST_ASSERT_EQ(hypercall1(PVISOR_HC_SET_TIMER, 1), 0);	/* long past */
	for (i = 0; i < 200000000 && !guest_shared.irq_pending; i++)
		asm volatile("" : : : "memory");
	GUEST_ASSERT_EQ(guest_shared.irq_pending, 1);
	GUEST_ASSERT_EQ(interrupts, 0);
	irq_enable();
	GUEST_ASSERT_EQ(interrupts, 1);
	GUEST_ASSERT_EQ(guest_shared.irq_pending, 0);
	guest_puts("masking: interrupt held while masked, delivered on enable\n");
}

/* AVX usable: the CPU has it and the host saves YMM state (XCR0). */
static int have_avx(void)
{
	unsigned int a, b, c, d, lo, hi;

	asm volatile("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d) : "a" (1), "c" (0));
	if (!(c & (1U << 27)) || !(c & (1U << 28)))	/* OSXSAVE, AVX */
		return 0;
	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	return (lo & 6) == 6;
}

/* The four 64-bit lanes of ymm15. */
static void read_ymm15(unsigned long lane[4])
{
	asm volatile("vmovdqu %%ymm15, %0" : "=m" (*(char (*)[32])lane));
}

static void fpu(void)
{
	unsigned long v, lane[4], pattern = 0x0123456789abcdefUL;
	int i;

	asm volatile("movq %%xmm15, %0" : "=r" (v));
	GUEST_ASSERT_EQ(v, 0);
	v = 0x1122334455667788UL;
	asm volatile("movq %0, %%xmm15" : : "r" (v));
	if (!have_avx()) {
		guest_puts("fpu: the launcher's xmm15 is not visible (no AVX here)\n");
		return;
	}
	/* The guest's ymm15 starts clean: nothing of the launcher's. */
	read_ymm15(lane);
	GUEST_ASSERT_EQ(lane[0], 0x1122334455667788UL);
	GUEST_ASSERT_EQ(lane[1] | lane[2] | lane[3], 0);
	/* Ours stays ours across exits and a halt (other tasks run then). */
	asm volatile("vbroadcastsd %0, %%ymm15" : : "m" (pattern));
	for (i = 0; i < 1000; i++)
		hypercall0(PVISOR_HC_VERSION);
	timer_and_halt();
	read_ymm15(lane);
	for (i = 0; i < 4; i++)
		GUEST_ASSERT_EQ(lane[i], pattern);
	/* The launcher checks its own xmm15 after the run. */
	asm volatile("movq %0, %%xmm15" : : "r" (0x1122334455667788UL));
	guest_puts("fpu: the launcher's xmm15 and ymm15 are not visible, the guest's ymm15 survives exits\n");
}

static void injected(void)
{
	while (!interrupts) {
		irq_disable();
		if (!interrupts)
			hypercall0(PVISOR_HC_HALT);
		irq_enable();
	}
	GUEST_ASSERT_EQ(last_irq, 80);
	guest_puts("inject: the launcher's interrupt woke the guest\n");
}

static void cpuid(void)
{
	struct pvisor_cpuid c;

	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_CPUID, 0x40000000, 0, (long)&c), 0);
	GUEST_ASSERT_EQ(c.ebx, 0x73697670);	/* "pvis" */
	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_CPUID, 1, 0, (long)&c), 0);
	GUEST_ASSERT(c.ecx & (1U << 31));	/* hypervisor */
	GUEST_ASSERT(!(c.ecx & (1U << 5)));	/* no VMX */
	guest_puts("cpuid: filtered, hypervisor bit set\n");
}

static void pkru(void)
{
	unsigned int a, b, c, d;
	struct pvisor_cpuid leaf;

	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_CPUID, 7, 0, (long)&leaf), 0);
	GUEST_ASSERT(!(leaf.ecx & (3U << 3)));		/* PKU, OSPKE */
	asm volatile("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d) : "a" (7), "c" (0));
	GUEST_ASSERT(!(c & (1U << 4)));			/* OSPKE: CR4.PKE is clear */
	if (!(c & (1U << 3))) {
		guest_puts("pkru: no protection keys on this CPU\n");
		return;
	}
	/* Deny key 0 (every page): were it taken, no access would work. */
	EXPECT_FAULT("xor %%ecx, %%ecx; xor %%edx, %%edx; mov $3, %%eax; wrpkru", 6);
	EXPECT_FAULT("xor %%ecx, %%ecx; rdpkru", 6);
	GUEST_ASSERT_EQ(hypercall0(PVISOR_HC_VERSION), PVISOR_ABI_VERSION);
	guest_puts("pkru: protection keys are off in the guest: wrpkru and rdpkru #UD\n");
}

static unsigned long read_xcr0(void)
{
	unsigned int lo, hi;

	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	return lo | (unsigned long)hi << 32;
}

/* xsetbv: 0 if it took, else the vector it raised. */
static unsigned long try_xsetbv(unsigned int index, unsigned long v)
{
	last_vector = 0;
	asm volatile("lea 1f(%%rip), %%r8; mov %%r8, %0; xsetbv; 1:"
		     : "=m" (resume_at)
		     : "c" (index), "a" ((unsigned int)v), "d" ((unsigned int)(v >> 32))
		     : "r8", "memory");
	resume_at = 0;
	return last_vector;
}

static void xcr0(void)
{
	unsigned int a, b, c, d;
	unsigned long mine, offered;
	struct pvisor_cpuid leaf;
	int i;

	asm volatile("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d) : "a" (1), "c" (0));
	if (!(c & (1U << 27))) {			/* OSXSAVE */
		guest_puts("xcr0: the host has no XSAVE\n");
		return;
	}
	mine = read_xcr0();
	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_CPUID, 0xd, 0, (long)&leaf), 0);
	offered = leaf.eax | (unsigned long)leaf.edx << 32;
	GUEST_ASSERT_EQ(offered & 3, 3);
	/* What the CPU would refuse is a #GP, and XCR0 stays. */
	GUEST_ASSERT_EQ(try_xsetbv(1, mine), 13);	/* XCR1 */
	GUEST_ASSERT_EQ(try_xsetbv(0, 2), 13);		/* no x87 */
	GUEST_ASSERT_EQ(try_xsetbv(0, 5), 13);		/* AVX without SSE */
	GUEST_ASSERT_EQ(try_xsetbv(0, offered | 1UL << 62), 13);	/* not offered */
	GUEST_ASSERT_EQ(read_xcr0(), mine);
	/* x87 and SSE only, across exits and a halt. */
	GUEST_ASSERT_EQ(try_xsetbv(0, 3), 0);
	for (i = 0; i < 1000; i++)
		hypercall0(PVISOR_HC_VERSION);
	timer_and_halt();
	GUEST_ASSERT_EQ(read_xcr0(), 3);
	if (offered & 4) {
		EXPECT_FAULT("vxorps %%ymm0, %%ymm0, %%ymm0", 6);
		/* Leaf 0xd sizes the area for the XCR0 asked about. */
		GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_CPUID, 0xd, 0, (long)&leaf), 0);
		GUEST_ASSERT_EQ(leaf.ebx, 576);
	}
	/* Everything offered: AVX runs again. */
	GUEST_ASSERT_EQ(try_xsetbv(0, offered), 0);
	GUEST_ASSERT_EQ(read_xcr0(), offered);
	if (offered & 4)
		asm volatile("vxorps %ymm0, %ymm0, %ymm0");
	guest_printf("xcr0: the guest's own (0x%lx of 0x%lx offered), refused as the CPU would\n",
		     read_xcr0(), offered);
}

static void fsgsbase(void)
{
	unsigned int a, b, c, d;
	struct pvisor_cpuid leaf;

	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_CPUID, 7, 0, (long)&leaf), 0);
	GUEST_ASSERT(!(leaf.ebx & 1));			/* FSGSBASE */
	asm volatile("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d) : "a" (7), "c" (0));
	if (!(b & 1)) {
		guest_puts("fsgsbase: no FS/GS base instructions on this CPU\n");
		return;
	}
	EXPECT_FAULT("rdfsbase %%rax", 6);
	EXPECT_FAULT("xor %%eax, %%eax; wrfsbase %%rax", 6);
	EXPECT_FAULT("rdgsbase %%rax", 6);
	EXPECT_FAULT("xor %%eax, %%eax; wrgsbase %%rax", 6);
	GUEST_ASSERT_EQ(hypercall0(PVISOR_HC_VERSION), PVISOR_ABI_VERSION);
	guest_puts("fsgsbase: FS/GS base instructions are #UD in the guest\n");
}

/* What hypercall.c's checks answer: canonical, outside the hole. */
static int va_ok(unsigned long va, unsigned long hole, unsigned int bits)
{
	long ext = (long)(va << (64 - bits)) >> (64 - bits);

	return (unsigned long)ext == va && !(va >= hole && va - hole < (1UL << (bits - 9)));
}

static long stack_answer(unsigned long sp0, unsigned long hole, unsigned int bits)
{
	return !(sp0 & 15) && sp0 >= 4096 && va_ok(sp0, hole, bits) &&
	       va_ok(sp0 - 4096, hole, bits) && va_ok(sp0 - 1, hole, bits) ? 0 : -EINVAL;
}

static void user_reads_gs(void) __attribute__((naked, section(".text.user")));
static void user_reads_gs(void)
{
	asm volatile("mov %gs:0, %rbx\n"
		     "mov $39, %eax\n"
		     "syscall\n"
		     "mov $0x200000, %rcx\n"	/* back to the kernel by #PF */
		     "mov (%rcx), %rcx\n"
		     "ud2\n");
}

static void direct_hypercalls(void)
{
	static char stack[8192] __attribute__((aligned(16)));
	static unsigned long fs_word = 0xf5f5f5f5UL, gs_word = 0x6565UL;
	unsigned long hole = guest_hole_base(), top = (unsigned long)stack + sizeof(stack);
	unsigned int bits = hole == 0xff00000000000000UL ? 57 : 48;
	unsigned long slot = 1UL << (bits - 9), v, rbx;
	const unsigned long sp0s[] = {
		0, 16, 4088, 4096, 4104, 4112, (1UL << 47) - 16, 1UL << 47,
		(1UL << 56) - 16, 1UL << 56, hole - 16, hole, hole + 16, hole + 4096,
		hole + slot - 16, hole + slot, hole + slot + 4080, hole + slot + 4096,
		hole + slot + 4112, -16UL, -4096UL, 1UL << 63, top + 8,
	};
	unsigned int i;

	/* A user root: the direct switch may run (run.c's conditions). */
	guest_map_user_region(user_reads_gs, 64);
	for (i = 0; i < sizeof(sp0s) / sizeof(sp0s[0]); i++) {
		long want = stack_answer(sp0s[i], hole, bits);
		long got = hypercall1(PVISOR_HC_SET_STACK, sp0s[i]);

		if (got != want) {
			guest_printf("SET_STACK %#lx: %ld, expected %ld\n", sp0s[i], got, want);
			GUEST_ASSERT(!"SET_STACK answered differently");
		}
	}
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_SET_STACK, top, 1), -EINVAL);
	GUEST_ASSERT_EQ(hypercall(PVISOR_HC_SET_STACK, top, 0, 0, 0, 1), -EINVAL);
	GUEST_ASSERT_EQ(hypercall1(PVISOR_HC_SET_STACK, top), 0);

	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_NR, 0), -EINVAL);
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_SET_SEGMENT_BASE, -1L, 0), -EINVAL);
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_FS, 1UL << 63), -EINVAL);
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_FS,
				   1UL << (bits - 1)), -EINVAL);
	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_FS, 0, 1), -EINVAL);
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_FS,
				   (long)&fs_word), 0);
	asm volatile("mov %%fs:0, %0" : "=r" (v));
	GUEST_ASSERT_EQ(v, fs_word);
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_GS_KERNEL,
				   (long)&gs_word), 0);
	asm volatile("mov %%gs:0, %0" : "=r" (v));
	GUEST_ASSERT_EQ(v, gs_word);
	/* The user GS base, in user mode; the user's syscall lands on top. */
	*(unsigned long *)(GUEST_USER_BASE + 0x1000) = 0x7a7a7a7aUL;
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_GS_USER,
				   GUEST_USER_BASE + 0x1000), 0);
	resume_at = (unsigned long)user_return;
	rbx = enter_user(GUEST_USER_BASE, GUEST_USER_STACK_TOP);
	GUEST_ASSERT_EQ(rbx, 0x7a7a7a7aUL);
	GUEST_ASSERT(syscall_frame < top && syscall_frame >= top - 1024);
	/* The kernel's own GS base survived the trip through user mode. */
	asm volatile("mov %%gs:0, %0" : "=r" (v));
	GUEST_ASSERT_EQ(v, gs_word);
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_FS, 0), 0);
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_GS_KERNEL, 0), 0);
	guest_printf("direct hypercalls: %u stack values and the segment bases answered as hypercall.c does\n",
		     i);
}

long guest_main(unsigned long which)
{
	guest_install_traps(handler);
	switch (which) {
	case 0: exceptions(); break;
	case 1: user_mode(); break;
	case 2: timer_and_halt(); break;
	case 3: masking(); break;
	case 4: fpu(); break;
	case 5: injected(); break;
	case 6: cpuid(); break;
	case 7: pkru(); break;
	case 8: xcr0(); break;
	case 9: fsgsbase(); break;
	case 10: direct_hypercalls(); break;
	default: return 0xbad;
	}
	return 0;
}
