// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile, contained, survived: every privileged or sensitive instruction,
 * and `int $n` for all 256 vectors, run once in guest-kernel mode and once
 * in guest-user mode.  Each must come back to this guest kernel's own
 * handler as the exception the CPU raises for it at CPL 3, with the right
 * error code, from the right mode, at the right instruction; the handler
 * then resumes at the next one.  So nothing reaches the host (which the rig
 * checks too), and the guest survives them all.  (privileged.c runs the
 * same instructions with no handler registered: the guest is ended.)
 *
 * Then reads and writes of the switcher's range (the hypervisor hole: its
 * code, and the per-CPU area where host values are kept during a switch),
 * which must be page faults delivered to the guest with that address.
 *
 * The instructions sit in 32-byte slots, each followed by ud2: a #UD just
 * after an instruction means it completed, which only guest-kernel port
 * I/O may (it reads as absent hardware).  The last slot reads guest-kernel
 * memory and returns: in kernel mode that works and ends the run, in user
 * mode it is the #PF that brings us back.
 */
#include "lib/guest.h"

#define SLOT		32
#define KERNEL_CS	0x10
#define USER_CS		0x33

#define DE	0
#define BP	3
#define UD	6
#define GP	13
#define PF	14
#define DONE	100		/* ran to the ud2 after it */
#define NONE	255		/* no alternative */
#define ANY	(-1L)
#define HOLE	1		/* the switcher's code, in %r12 */
#define AREA	2		/* CPU 0's area, in %r13 */

/* What each slot must raise, in kernel and in user mode. */
static const struct expect {
	const char *name;
	unsigned char kernel, user;
	unsigned char alt;	/* also accepted (CPU models differ), or NONE */
	unsigned char at;	/* offset of the faulting instruction */
	long error;
	unsigned char cr2;	/* for #PF: HOLE or AREA (r12, r13), else 0 */
} expect[] = {
	{ "cli",		GP, GP, NONE, 0, 0, 0 },
	{ "sti",		GP, GP, NONE, 0, 0, 0 },
	{ "hlt",		GP, GP, NONE, 0, 0, 0 },
	{ "mov from cr0",	GP, GP, NONE, 0, 0, 0 },
	{ "mov to cr3",		GP, GP, NONE, 0, 0, 0 },
	{ "mov to cr4",		GP, GP, NONE, 0, 0, 0 },
	{ "lgdt",		GP, GP, NONE, 0, 0, 0 },
	{ "lidt",		GP, GP, NONE, 0, 0, 0 },
	{ "ltr",		GP, GP, NONE, 0, 0, 0 },
	{ "lldt",		GP, GP, NONE, 0, 0, 0 },
	{ "wrmsr",		GP, GP, NONE, 0, 0, 0 },
	{ "rdmsr",		GP, GP, NONE, 0, 0, 0 },
	{ "out",		DONE, GP, NONE, 0, 0, 0 },
	{ "in",			DONE, GP, NONE, 0, 0, 0 },
	{ "invlpg",		GP, GP, NONE, 0, 0, 0 },
	{ "swapgs",		GP, GP, NONE, 0, 0, 0 },
	{ "sysretq",		GP, GP, NONE, 0, 0, 0 },
	{ "sysenter",		UD, UD, GP, 0, ANY, 0 },
	{ "mov to dr7",		GP, GP, NONE, 0, 0, 0 },
	{ "wbinvd",		GP, GP, NONE, 0, 0, 0 },
	{ "clts",		GP, GP, NONE, 0, 0, 0 },
	/*
	 * XCR1, which no xsetbv may write (guest-kernel xsetbv of a valid
	 * XCR0 is completed by the host); #UD where the host has no XSAVE.
	 */
	{ "xsetbv of xcr1",	GP, GP, UD, 5, 0, 0 },
	/*
	 * A valid XCR0 (x87 and SSE): the host takes it from guest-kernel
	 * mode only; from a guest process it is the #GP it is at CPL 3.
	 */
	{ "xsetbv of xcr0",	DONE, GP, UD, 9, 0, 0 },
	{ "stac",		UD, UD, NONE, 0, 0, 0 },
	{ "ud2",		UD, UD, NONE, 0, 0, 0 },
	/* TCG pops an iretq frame with supervisor accesses: #PF there. */
	{ "iretq to ring 0",	GP, GP, PF, 14, ANY, 0 },
	{ "int3",		BP, BP, NONE, 1, 0, 0 },
	{ "mov ring-0 ss",	GP, GP, NONE, 5, 0x18, 0 },
	{ "divide by zero",	DE, DE, NONE, 2, 0, 0 },
	/* popf cannot raise IOPL at CPL 3: the cli after it still faults. */
	{ "popf IOPL 3, cli",	GP, GP, NONE, 10, 0, 0 },
	{ "read the hole",	PF, PF, NONE, 0, ANY, HOLE },
	{ "write the hole",	PF, PF, NONE, 0, ANY, HOLE },
	{ "read a CPU area",	PF, PF, NONE, 0, ANY, AREA },
	{ "write a CPU area",	PF, PF, NONE, 0, ANY, AREA },
};

#define N_INSNS		(sizeof(expect) / sizeof(expect[0]))
#define N_SLOTS		(N_INSNS + 256 + 1)

static void slots(void) __attribute__((naked, section(".text.slots"), aligned(SLOT)));
static void slots(void)
{
	asm volatile(
		".globl contained_slots_end\n"
		".balign 32, 0xcc\n cli\n ud2\n"
		".balign 32, 0xcc\n sti\n ud2\n"
		".balign 32, 0xcc\n hlt\n ud2\n"
		".balign 32, 0xcc\n mov %cr0, %rax\n ud2\n"
		".balign 32, 0xcc\n mov %rax, %cr3\n ud2\n"
		".balign 32, 0xcc\n mov %rax, %cr4\n ud2\n"
		".balign 32, 0xcc\n lgdt (%rsp)\n ud2\n"
		".balign 32, 0xcc\n lidt (%rsp)\n ud2\n"
		".balign 32, 0xcc\n ltr %ax\n ud2\n"
		".balign 32, 0xcc\n lldt %ax\n ud2\n"
		".balign 32, 0xcc\n wrmsr\n ud2\n"
		".balign 32, 0xcc\n rdmsr\n ud2\n"
		".balign 32, 0xcc\n outb %al, $0x80\n ud2\n"
		".balign 32, 0xcc\n inb $0x60, %al\n ud2\n"
		".balign 32, 0xcc\n invlpg (%rsp)\n ud2\n"
		".balign 32, 0xcc\n swapgs\n ud2\n"
		".balign 32, 0xcc\n sysretq\n ud2\n"
		".balign 32, 0xcc\n sysenter\n ud2\n"
		".balign 32, 0xcc\n mov %rax, %dr7\n ud2\n"
		".balign 32, 0xcc\n wbinvd\n ud2\n"
		".balign 32, 0xcc\n clts\n ud2\n"
		".balign 32, 0xcc\n mov $1, %ecx\n xsetbv\n ud2\n"
		".balign 32, 0xcc\n xor %ecx, %ecx\n mov $3, %eax\n xor %edx, %edx\n xsetbv\n ud2\n"
		".balign 32, 0xcc\n stac\n ud2\n"
		".balign 32, 0xcc\n ud2\n ud2\n"
		".balign 32, 0xcc\n pushq $0x18\n pushq %rsp\n pushfq\n pushq $0x10\n"
		" lea 1f(%rip), %rax\n pushq %rax\n iretq\n 1: ud2\n"
		".balign 32, 0xcc\n int3\n ud2\n"
		".balign 32, 0xcc\n mov $0x18, %eax\n mov %eax, %ss\n ud2\n"
		".balign 32, 0xcc\n xor %ecx, %ecx\n div %rcx\n ud2\n"
		".balign 32, 0xcc\n pushfq\n orq $0x3000, (%rsp)\n popfq\n cli\n ud2\n"
		".balign 32, 0xcc\n mov (%r12), %rax\n ud2\n"
		".balign 32, 0xcc\n movq $1, (%r12)\n ud2\n"
		".balign 32, 0xcc\n mov (%r13), %rax\n ud2\n"
		".balign 32, 0xcc\n movq $1, (%r13)\n ud2\n"
		".set contained_vec, 0\n"
		".rept 256\n"
		".balign 32, 0xcc\n .byte 0xcd, contained_vec\n ud2\n"	/* int $n, also for 3 */
		".set contained_vec, contained_vec + 1\n"
		".endr\n"
		".balign 32, 0xcc\n mov $0x200000, %ecx\n mov (%rcx), %rcx\n ret\n"
		".balign 32, 0xcc\n"
		"contained_slots_end:\n");
}

extern const char contained_slots_end[];

static struct result {
	unsigned long vector, error, off, cs, cr2;
} results[N_SLOTS];
static unsigned long run_base, run_rsp, run_cs, stray, hole;

static void handler(struct trap_frame *f)
{
	unsigned long i = (f->rip - run_base) / SLOT;

	if (f->vector >= 32 || f->rip < run_base || i >= N_SLOTS) {
		/* Not from a slot: only a stray interrupt may come. */
		if (f->vector != TRAP_INTERRUPT) {
			guest_printf("unexpected event %lu at %lx\n", f->vector, f->rip);
			guest_shutdown(PVISOR_SHUTDOWN_PANIC, 4);
		}
		stray++;
		return;
	}
	if (i == N_SLOTS - 1) {
		/* The user run's last slot: back to the kernel. */
		f->rip = (unsigned long)user_return;
		f->cs = KERNEL_CS;
		f->ss = 0x18;
		return;
	}
	results[i] = (struct result){ f->vector, f->error, f->rip - run_base - i * SLOT,
				      f->cs, f->vector == PF ? guest_shared.cr2 : 0 };
	f->rip = run_base + (i + 1) * SLOT;
	f->rsp = run_rsp;
}

/* A slot that raised nothing keeps vector 999. */
static void clear_results(void)
{
	unsigned long i;

	for (i = 0; i < N_SLOTS; i++)
		results[i] = (struct result){ 999, 0, 0, 0, 0 };
}

/* Run the slots in place, in guest-kernel mode. */
static void run_kernel(void)
{
	run_base = (unsigned long)slots;
	run_cs = KERNEL_CS;
	asm volatile("mov %2, %%r12\n\t"
		     "lea 0x200000(%%r12), %%r13\n\t"
		     "lea -8(%%rsp), %%rax\n\t"
		     "mov %%rax, %0\n\t"
		     "call *%1"
		     : "=m" (run_rsp)
		     : "r" (run_base), "r" (hole)
		     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		       "r12", "r13", "memory", "cc");
}

/* Copy them to the user region and run them in guest-user mode. */
static void run_user(void)
{
	run_base = GUEST_USER_BASE;
	run_rsp = GUEST_USER_STACK_TOP;
	run_cs = USER_CS;
	guest_map_user_region(slots, contained_slots_end - (const char *)slots);
	/* enter_user keeps r12-r15 for the user program. */
	asm volatile("mov %2, %%r12\n\t"
		     "lea 0x200000(%%r12), %%r13\n\t"
		     "call enter_user"
		     : "+D" (run_base), "+S" (run_rsp)
		     : "r" (hole)
		     : "rax", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13",
		       "memory", "cc");
}

/* Check one slot's result; returns 1 if it is wrong (and says why). */
static int check(const char *mode, unsigned long i, unsigned int want,
		 unsigned int alt, unsigned long at, long error,
		 unsigned long cr2, const char *name)
{
	const struct result *r = &results[i];
	unsigned long got = r->vector;

	if (want == DONE)
		got = r->vector == UD && r->off > 0 ? DONE : r->vector;
	if ((got == want || (alt != NONE && got == alt)) && r->cs == run_cs &&
	    (want == DONE || r->off == at) &&
	    (error == ANY || (long)r->error == error) && (!cr2 || r->cr2 == cr2))
		return 0;
	guest_printf("%s mode, %s: vector %lu error 0x%lx at +%lu (cs 0x%lx, cr2 0x%lx); expected vector %u (or %u) error %ld at +%lu (cr2 0x%lx)\n",
		     mode, name, r->vector, r->error, r->off, r->cs, r->cr2,
		     want, alt, error, at, cr2);
	return 1;
}

static int check_all(const char *mode, int user)
{
	unsigned long i, n;
	int bad = 0;
	char name[16];

	for (i = 0; i < N_INSNS; i++) {
		const struct expect *e = &expect[i];

		bad += check(mode, i, user ? e->user : e->kernel, e->alt, e->at,
			     e->error, e->cr2 == HOLE ? hole :
			     e->cr2 == AREA ? hole + 0x200000 : 0, e->name);
	}
	for (n = 0; n < 256; n++) {
		long error = n * 8 + 2;

		/* QEMU's TCG scales a gate's error code by 16. */
		if (results[N_INSNS + n].error == n * 16 + 2)
			error = n * 16 + 2;
		name[0] = 'i'; name[1] = 'n'; name[2] = 't'; name[3] = ' ';
		name[4] = "0123456789abcdef"[n >> 4];
		name[5] = "0123456789abcdef"[n & 15];
		name[6] = 0;
		bad += n == 3 ? check(mode, N_INSNS + n, BP, NONE, 2, 0, 0, name) :
				check(mode, N_INSNS + n, GP, NONE, 0, error, 0, name);
	}
	return bad;
}

long guest_main(unsigned long arg)
{
	int bad;

	(void)arg;
	GUEST_ASSERT_EQ(contained_slots_end - (const char *)slots, N_SLOTS * SLOT);
	guest_install_traps(handler);
	hole = guest_hole_base();

	clear_results();
	run_kernel();
	bad = check_all("kernel", 0);
	clear_results();
	run_user();
	bad += check_all("user", 1);
	if (bad)
		return 1;
	guest_printf("contained: %lu instructions and accesses and int $0..255 in kernel and user mode, each delivered to the guest kernel (%lu stray interrupts)\n",
		     (unsigned long)N_INSNS, stray);
	return 0;
}
