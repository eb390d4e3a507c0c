/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvisor guest: hypercalls and the state shared with the host.
 *
 * A hypercall is `syscall` in guest-kernel mode: rax the number, rdi, rsi,
 * rdx, r10, r8 the arguments, rax the result (negative errno on failure);
 * rcx and r11 are clobbered.  The ABI is include/uapi/linux/pvisor.h.
 */
#ifndef _ASM_X86_PVISOR_H
#define _ASM_X86_PVISOR_H

#include <uapi/linux/pvisor.h>

#ifndef __ASSEMBLY__
#include <linux/types.h>
#include <asm/asm.h>

static __always_inline long pvisor_hypercall5(unsigned long nr,
					      unsigned long a0,
					      unsigned long a1,
					      unsigned long a2,
					      unsigned long arg3,
					      unsigned long arg4)
{
	register unsigned long a3 asm("r10") = arg3;
	register unsigned long a4 asm("r8") = arg4;
	long ret;

	asm volatile("call pvisor_hypercall_insn"
		     : "=a" (ret), "+D" (a0), "+S" (a1), "+d" (a2),
		       "+r" (a3), "+r" (a4), ASM_CALL_CONSTRAINT
		     : "0" (nr)
		     : "rcx", "r11", "memory");
	return ret;
}

/* Arguments a call does not take must be zero: these pass zeros. */
#define pvisor_hc0(nr)			pvisor_hypercall5(nr, 0, 0, 0, 0, 0)
#define pvisor_hc1(nr, a)		pvisor_hypercall5(nr, a, 0, 0, 0, 0)
#define pvisor_hc2(nr, a, b)		pvisor_hypercall5(nr, a, b, 0, 0, 0)
#define pvisor_hc3(nr, a, b, c)		pvisor_hypercall5(nr, a, b, c, 0, 0)

#ifdef CONFIG_PVISOR_GUEST
extern bool pvisor_guest;
extern struct pvisor_shared pvisor_shared;
extern struct pvisor_boot_info pvisor_boot;

void pvisor_early_write(const char *s, unsigned int len);
asmlinkage void __init __noreturn pvisor_start_kernel(u64 boot_gpa);
void __init pvisor_init_mmu(void);
void __init pvisor_init_irq_ops(void);
void __init pvisor_init_time(void);
void __init pvisor_init_sched_clock(void);
void __init pvisor_console_init(void);
u64 pvisor_clock_ns(void);
void pvisor_timer_interrupt(void);
void pvisor_console_interrupt(void);

/* Callee-save paravirt operations (irq.c, mmu.c). */
__visible unsigned long pvisor_save_fl(void);
__visible void pvisor_irq_disable(void);
__visible void pvisor_irq_enable(void);
__visible unsigned long pvisor_read_cr2(void);

/* Entry and exit code (head.S, entry_64.S). */
asmlinkage void pvisor_iret(void);
void early_pv_iret_patch(void);
asmlinkage void pvisor_entry_syscall(void);
asmlinkage void pvisor_exc_divide_error(void);
asmlinkage void pvisor_exc_debug(void);
asmlinkage void pvisor_exc_int3(void);
asmlinkage void pvisor_exc_overflow(void);
asmlinkage void pvisor_exc_bounds(void);
asmlinkage void pvisor_exc_invalid_op(void);
asmlinkage void pvisor_exc_device_not_available(void);
asmlinkage void pvisor_exc_coproc_segment_overrun(void);
asmlinkage void pvisor_exc_spurious_interrupt_bug(void);
asmlinkage void pvisor_exc_coprocessor_error(void);
asmlinkage void pvisor_exc_simd_coprocessor_error(void);
#endif

#endif /* __ASSEMBLY__ */
#endif /* _ASM_X86_PVISOR_H */
