/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test-guest library: hypercalls, console output and the tiny report
 * ABI every test guest uses.
 *
 * A test guest is one small C file with
 *	long guest_main(unsigned long arg);
 * It runs in guest-kernel mode on identity-mapped memory (virtual address ==
 * guest-physical address), so a pointer is also the gpa a hypercall wants.
 * Its return value becomes the shutdown code; GUEST_ASSERT() reports the
 * failed expression with file and line, then shuts down with code 1.
 */
#ifndef PVISOR_GUEST_H
#define PVISOR_GUEST_H

#include <stdint.h>
#include <linux/pvisor.h>

static inline long hypercall(long nr, long a0, long a1, long a2, long a3,
			     long a4)
{
	register long r10 asm("r10") = a3;
	register long r8 asm("r8") = a4;
	long ret;

	asm volatile("syscall"
		     : "=a" (ret)
		     : "a" (nr), "D" (a0), "S" (a1), "d" (a2), "r" (r10), "r" (r8)
		     : "rcx", "r11", "memory");
	return ret;
}

#define hypercall0(nr)			hypercall(nr, 0, 0, 0, 0, 0)
#define hypercall1(nr, a)		hypercall(nr, a, 0, 0, 0, 0)
#define hypercall2(nr, a, b)		hypercall(nr, a, b, 0, 0, 0)
#define hypercall3(nr, a, b, c)		hypercall(nr, a, b, c, 0, 0)

void guest_puts(const char *s);
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void guest_shutdown(unsigned int type, unsigned int code);

extern unsigned long guest_mem_size;

#define GUEST_ASSERT(cond) do {						\
	if (!(cond)) {							\
		guest_printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		guest_shutdown(PVISOR_SHUTDOWN_PANIC, 1);		\
	}								\
} while (0)

#define GUEST_ASSERT_EQ(a, b) do {					\
	long _a = (long)(a), _b = (long)(b);				\
	if (_a != _b) {							\
		guest_printf("FAIL %s:%d: %s == %s: got %ld, expected %ld\n", \
			     __FILE__, __LINE__, #a, #b, _a, _b);	\
		guest_shutdown(PVISOR_SHUTDOWN_PANIC, 1);		\
	}								\
} while (0)

long guest_main(unsigned long arg);
unsigned long guest_now_ns(void);

/* What lib/trap.S hands guest_trap(): registers, then the event frame. */
struct trap_frame {
	unsigned long r15, r14, r13, r12, r11, r10, r9, r8;
	unsigned long rbp, rdi, rsi, rdx, rcx, rbx, rax;
	unsigned long vector;		/* 0..31, 256 syscall, 257 interrupt */
	unsigned long error;		/* for an interrupt: its vector */
	unsigned long rip, cs, rflags, rsp, ss;
};

#define TRAP_SYSCALL	256
#define TRAP_INTERRUPT	257

/* Register every entry point; events then call @handler. */
void guest_install_traps(void (*handler)(struct trap_frame *f));
extern struct pvisor_shared guest_shared;
unsigned long enter_user(unsigned long rip, unsigned long rsp);
unsigned long guest_page_root(void);
/* A 2 MiB region guest user mode may use, its stack at the top. */
#define GUEST_USER_BASE		(4UL << 20)
#define GUEST_USER_STACK_TOP	(GUEST_USER_BASE + (2UL << 20) - 64)
void guest_map_user_region(const void *code, unsigned long len);
unsigned long guest_hole_base(void);
void user_return(void);

static inline void irq_disable(void) { guest_shared.irq_mask = 1; }
static inline void irq_enable(void)
{
	guest_shared.irq_mask = 0;
	asm volatile("" : : : "memory");
	if (guest_shared.irq_pending)
		hypercall0(PVISOR_HC_IRQ_ENABLE);
}

#endif
