/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvisor guest: the entry point, the way back to an interrupted context
 * (the IRET hypercall) and the event entry stubs.
 *
 * pvisor delivers every event with the frame
 *	[error, rip, cs, rflags, rsp, ss]
 * on the kernel stack: a hardware exception frame with an error-code slot
 * that is always there (0 when the vector has none, the vector number for
 * an interrupt).  So the stubs below only drop that slot where Linux's own
 * entry expects none, and jump to the kernel's asm_exc_* entries.
 */
#include <linux/init.h>
#include <linux/linkage.h>
#include <linux/elfnote.h>
#include <linux/export.h>
#include <linux/objtool.h>
#include <asm/asm.h>
#include <asm/segment.h>
#include <asm/trapnr.h>
#include <asm/unwind_hints.h>
#include <asm/pvisor.h>

#include <../entry/calling.h>

	__INIT
/*
 * Entered from the launcher in guest-kernel mode with %rdi = guest-physical
 * address of struct pvisor_boot_info, virtual interrupts masked, on page
 * tables that map the kernel image and the direct map.
 */
SYM_CODE_START(pvisor_startup)
	UNWIND_HINT_END_OF_STACK
	ANNOTATE_NOENDBR
	cld
	leaq	__top_init_kernel_stack(%rip), %rsp
	/* A zero return address ends unwinding; the C code never returns. */
	pushq	$0
	jmp	pvisor_start_kernel
SYM_CODE_END(pvisor_startup)

	ELFNOTE(pvisor, PVISOR_ELFNOTE_ENTRY, .quad pvisor_startup)
	ELFNOTE(pvisor, PVISOR_ELFNOTE_ABI, .long PVISOR_ABI_VERSION)

	.text
/*
 * The hypercall instruction, out of line: objtool wants an unwind hint
 * after a `syscall`, which inline assembly in C cannot give it.
 * In: rax, rdi, rsi, rdx, r10, r8.  Out: rax.  Clobbers rcx, r11.
 */
SYM_FUNC_START(pvisor_hypercall_insn)
	UNWIND_HINT_SAVE
	syscall
	UNWIND_HINT_RESTORE
	RET
SYM_FUNC_END(pvisor_hypercall_insn)

/*
 * The inline arch_local_irq_enable() (asm/pvisor_irq.h) found an interrupt
 * waiting: ask the host to deliver it.  Called from anywhere, noinstr code
 * included, so it keeps every register but %rax (and the flags), and zeroes
 * the arguments the hypercall does not take.
 */
	.pushsection .noinstr.text, "ax"
SYM_FUNC_START(pvisor_irq_window)
	pushq	%rcx
	pushq	%r11
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%r10
	pushq	%r8
	xorl	%edi, %edi
	xorl	%esi, %esi
	xorl	%edx, %edx
	xorl	%r10d, %r10d
	xorl	%r8d, %r8d
	movl	$PVISOR_HC_IRQ_ENABLE, %eax
	UNWIND_HINT_SAVE
	syscall
	UNWIND_HINT_RESTORE
	popq	%r8
	popq	%r10
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%r11
	popq	%rcx
	RET
SYM_FUNC_END(pvisor_irq_window)
EXPORT_SYMBOL(pvisor_irq_window)
	.popsection

/*
 * Return to the context in the hardware-shaped frame at %rsp
 * [rip, cs, rflags, rsp, ss]: the IRET hypercall pops rax, r11 and rcx
 * first, because `syscall` itself overwrites r11 and rcx.
 */
SYM_CODE_START(pvisor_iret)
	UNWIND_HINT_IRET_REGS
	ANNOTATE_NOENDBR
	pushq	%rcx
	pushq	%r11
	pushq	%rax
	movl	$PVISOR_HC_IRET, %eax
	syscall		/* returns only if the host refused the frame */
	/*
	 * Refused: a non-canonical rip or rsp, or a cs pvisor does not run,
	 * as a sigreturn may ask for.  Natively IRETQ raises #GP there and
	 * Linux (fixup_bad_iret) turns it into the interrupted context's own
	 * #GP: a user frame gets its process SIGSEGV.  Do the same: the
	 * registers back, the frame left as the #GP's, and Linux's #GP entry.
	 */
	UNWIND_HINT_IRET_REGS offset=24
	popq	%rax
	popq	%r11
	popq	%rcx
	pushq	$0		/* the error code */
	jmp	asm_exc_general_protection
SYM_CODE_END(pvisor_iret)

/* common_interrupt_return jumps here for the way back to user mode. */
SYM_CODE_START(pvisor_restore_regs_and_return_to_usermode)
	UNWIND_HINT_REGS
	ANNOTATE_NOENDBR
	POP_REGS
	addq	$8, %rsp	/* orig_ax */
	jmp	pvisor_iret
SYM_CODE_END(pvisor_restore_regs_and_return_to_usermode)

/* `syscall` from guest user: rcx and r11 still hold rip and rflags. */
SYM_CODE_START(pvisor_entry_syscall)
	UNWIND_HINT_ENTRY
	ENDBR
	addq	$8, %rsp	/* the error slot */
	jmp	entry_SYSCALL_64_after_hwframe
SYM_CODE_END(pvisor_entry_syscall)

/* A stub per exception whose Linux entry expects no error code. */
.macro pvisor_noerror_stub name, entry
SYM_CODE_START(pvisor_\name)
	UNWIND_HINT_ENTRY
	ENDBR
	addq	$8, %rsp
	.ifb \entry
	jmp	asm_\name
	.else
	jmp	\entry
	.endif
SYM_CODE_END(pvisor_\name)
.endm

pvisor_noerror_stub exc_divide_error
pvisor_noerror_stub exc_int3
pvisor_noerror_stub exc_overflow
pvisor_noerror_stub exc_bounds
pvisor_noerror_stub exc_invalid_op
pvisor_noerror_stub exc_device_not_available
pvisor_noerror_stub exc_coproc_segment_overrun
pvisor_noerror_stub exc_spurious_interrupt_bug
pvisor_noerror_stub exc_coprocessor_error
pvisor_noerror_stub exc_simd_coprocessor_error
/* #DB: Linux's own entry wants an IST stack, which a CPL-3 kernel lacks. */
pvisor_noerror_stub exc_debug, asm_exc_pvisor_debug
