/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvisor guest: the IRQ operations as inline code.  asm/paravirt.h patches
 * these over every arch_local_save_flags(), arch_local_irq_disable() and
 * arch_local_irq_enable() call site when X86_FEATURE_PVISOR is set, so the
 * hot path is one or two memory accesses instead of a call.  The virtual
 * IF is byte 0 of the shared page (irq_mask: non-zero means masked); byte
 * 1 (irq_pending) says an interrupt waits.  Like the callee-save calls
 * they replace, they change only %rax and the flags.
 */
#ifndef _ASM_X86_PVISOR_IRQ_H
#define _ASM_X86_PVISOR_IRQ_H

/* pushf: X86_EFLAGS_IF (bit 9) set when not masked. */
#define PVISOR_SAVE_FL_INLINE						\
	"cmpb $0, pvisor_shared(%%rip); setz %%al; "			\
	"movzbl %%al, %%eax; shl $9, %%eax;"

/* cli */
#define PVISOR_IRQ_DISABLE_INLINE	"movb $1, pvisor_shared(%%rip);"

/* sti: unmask; an interrupt already waiting costs one hypercall. */
#define PVISOR_IRQ_ENABLE_INLINE					\
	"movb $0, pvisor_shared(%%rip); "				\
	"cmpb $0, pvisor_shared+1(%%rip); jz 1f; "			\
	"call pvisor_irq_window; 1:"

#endif
