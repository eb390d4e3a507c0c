/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The switcher: the only code that runs at CPL 0 with a guest's page tables.
 *
 * These pages are never executed where the module loader put them.  They are
 * aliased into the hypervisor hole (see switcher.h), which is mapped both in
 * the launcher's address space and in every shadow root, so the CPU can keep
 * executing across the CR3 switch.  Hence the rules for this file:
 *
 *   - no relative jump or call out of this section (the target would be
 *     wrong at the alias), no kernel RET macro (its return thunk is outside),
 *     no kernel symbol referenced at all;
 *   - every address that differs between 4- and 5-level hosts is an absolute
 *     64-bit constant, so the few paths that need one come in two flavours;
 *   - every entry point that the CPU or C code branches to indirectly
 *     starts with ENDBR64, for IBT;
 *   - the section is padded to whole pages with int3.
 *
 * The round trip: C (irqs off, pvisor's GDT/TSS/IDT loaded) calls
 * pvisor_switcher_enter() at its alias, which saves the host's state in the
 * CPU area, loads the guest's shadow root and registers, and irets to CPL 3.
 * Any interrupt, exception or `syscall` brings the CPU back, on the area's
 * ring-0 stack (TSS.sp0, or by hand for `syscall`): the entry stub pushes
 * the vector, pvisor_exit_common the guest's registers, completing the
 * frame; it puts the host's state back and returns to C, which reads it.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/page_types.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>
#include <asm/processor-flags.h>
#include <asm/smap.h>
#include <asm/trapnr.h>
#include "switcher.h"

/*
 * The offset of a field (switcher.h: SWF_*) in the part of a frame from its
 * vector on, as every stub pushes it: vector, error code, rip, cs, rflags,
 * rsp, ss.
 */
#define V(field)	(SWF_##field - SWF_VECTOR)

/* Keep the live GS base at area offset @save, load the one at @load. */
.macro SWAP_GS_BASE save, load
	mov	$MSR_GS_BASE, %ecx
	rdmsr
	mov	%eax, \save(%rbx)
	mov	%edx, \save+4(%rbx)
	mov	\load(%rbx), %eax
	mov	\load+4(%rbx), %edx
	wrmsr
.endm

	.section .pvisor.switcher, "ax"
	.balign 4096
	.code64

SYM_INNER_LABEL(pvisor_switcher_start, SYM_L_GLOBAL)

/*
 * u64 pvisor_switcher_enter(void *area, u64 guest_cr3)
 * area: this CPU's area at its hole address.  Returns to the caller when
 * the guest leaves; the frame in the area says why.
 */
SYM_INNER_LABEL(pvisor_switcher_enter, SYM_L_GLOBAL)
	UNWIND_HINT_UNDEFINED
	endbr64
	.irp	r, rbp, rbx, r12, r13, r14, r15
	push	%\r
	.endr
	mov	%rsp, AREA_HOST_RSP(%rdi)
	mov	%cr3, %rax
	mov	%rax, AREA_HOST_CR3(%rdi)
	mov	%rdi, %rbx
	mov	%rsi, %r12

	/* The host's GS base is its per-CPU base: keep it, load the guest's. */
	SWAP_GS_BASE AREA_HOST_GS_BASE, AREA_GUEST_GS_BASE

	/* From here on only the hole is mapped, besides the guest. */
	mov	%r12, %cr3
	lea	AREA_FRAME(%rbx), %rsp	/* struct pvisor_frame's order */
	.irp	r, r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi
	pop	%\r
	.endr
	add	$V(RIP), %rsp		/* vector, error code */
SYM_INNER_LABEL(pvisor_switcher_iret, SYM_L_GLOBAL)
	iretq

/*
 * Every way back from the guest ends here, with the stack at the vector:
 * vector, error code, rip, cs, rflags, rsp, ss.
 */
SYM_INNER_LABEL(pvisor_exit_common, SYM_L_GLOBAL)
	UNWIND_HINT_UNDEFINED
	testb	$3, V(CS)(%rsp)
	jz	.Lfrom_cpl0

	/*
	 * From the guest.  NMI, #DB, #DF and #MC arrive on their IST stacks, the
	 * rest on the ring-0 stack.  Move the seven words (vector .. ss) to
	 * the top of the ring-0 stack if they are not there already, so the
	 * frame always ends up at AREA_FRAME.  Three guest registers are
	 * borrowed on the current stack and given back before the move.
	 */
	push	%rax
	push	%rbx
	push	%rcx
	mov	%rsp, %rbx
	and	$~(AREA_SIZE - 1), %rbx
	lea	(AREA_FRAME + SWF_VECTOR)(%rbx), %rax
	lea	(3 * 8)(%rsp), %rcx	/* past the three pushes */
	cmp	%rax, %rcx
	je	.Lframe_in_place
	.irp	off, 0, 8, 16, 24, 32, 40, 48
	mov	\off(%rcx), %rbx
	mov	%rbx, \off(%rax)
	.endr
.Lframe_in_place:
	pop	%rcx
	pop	%rbx
	xchg	%rax, (%rsp)		/* guest %rax back, target in its place */
	pop	%rsp			/* onto the ring-0 stack */

	.irp	r, rdi, rsi, rdx, rcx, rax, r8, r9, r10, r11, rbx, rbp, r12, r13, r14, r15
	push	%\r
	.endr
	lea	-AREA_FRAME(%rsp), %rbx

	mov	$MSR_GS_BASE, %ecx
	rdmsr
	mov	%eax, AREA_GUEST_GS_BASE(%rbx)
	mov	%edx, AREA_GUEST_GS_BASE+4(%rbx)
.Lback_to_host:
	/*
	 * Interrupt and exception gates leave DF and AC as the guest had
	 * them: the host's C code must not run backwards string operations or
	 * with SMAP lifted.
	 */
	cld
	ASM_CLAC
	/* %rbx: the area.  Host GS base, CR3 and stack, in that order. */
	mov	AREA_HOST_GS_BASE(%rbx), %eax
	mov	AREA_HOST_GS_BASE+4(%rbx), %edx
	mov	$MSR_GS_BASE, %ecx
	wrmsr
	mov	AREA_HOST_CR3(%rbx), %rax
	mov	AREA_HOST_RSP(%rbx), %rsp
	mov	%rax, %cr3

	/*
	 * Spectre-RSB: the guest may have filled the return stack buffer with
	 * its own targets.  Overwrite it with 32 harmless entries before the
	 * host executes its first `ret`.
	 */
	mov	$16, %ecx
.Lrsb_fill:
	ANNOTATE_INTRA_FUNCTION_CALL
	call	.Lrsb_1
	int3
.Lrsb_1:
	ANNOTATE_INTRA_FUNCTION_CALL
	call	.Lrsb_2
	int3
.Lrsb_2:
	dec	%ecx
	jnz	.Lrsb_fill
	add	$(32 * 8), %rsp

	.irp	r, r15, r14, r13, r12, rbx, rbp
	pop	%\r
	.endr
	/*
	 * A plain `ret`: the kernel's return thunk is outside these pages and
	 * unreachable from the alias.  The RSB was just refilled with benign
	 * entries, which is what the thunk would protect against here.
	 */
	ANNOTATE_UNRET_SAFE
	ret
	int3

/*
 * An event at CPL 0, i.e. inside the switcher's own window.  NMI and #MC
 * arrive on their IST stacks: note them for the host and resume.  Anything
 * else is the final iretq faulting on a guest frame the CPU refused (or a
 * switcher bug): record it and go back to the host, which ends the guest.
 */
.Lfrom_cpl0:
	cmpq	$X86_TRAP_NMI, (%rsp)
	je	.Lnmi_at_cpl0
	cmpq	$X86_TRAP_MC, (%rsp)
	je	.Lmce_at_cpl0
	mov	%rsp, %rbx
	and	$~(AREA_SIZE - 1), %rbx
	/* A fault in the direct switch's guest-memory window: fall back. */
	cmpq	$0, AREA_DIRECT_INFLIGHT(%rbx)
	je	1f
	lea	(AREA_FRAME + SWF_VECTOR)(%rbx), %rsp
	jmp	.Ldirect_fault
1:	mov	(%rsp), %rax
	inc	%rax
	mov	%rax, AREA_FAULT_VECTOR(%rbx)
	mov	V(ERROR)(%rsp), %rax
	mov	%rax, AREA_FAULT_ERROR(%rbx)
	mov	V(RIP)(%rsp), %rax
	mov	%rax, AREA_FAULT_RIP(%rbx)
	jmp	.Lback_to_host
	/* These resume the interrupted switcher code: keep its %rbx. */
.macro NOTE_AND_RESUME pending
	push	%rbx
	mov	%rsp, %rbx
	and	$~(AREA_SIZE - 1), %rbx
	movq	$1, \pending(%rbx)
	pop	%rbx
	add	$V(RIP), %rsp
	iretq
.endm
.Lnmi_at_cpl0:
	NOTE_AND_RESUME AREA_NMI_PENDING
.Lmce_at_cpl0:
	NOTE_AND_RESUME AREA_MCE_PENDING

/*
 * `syscall` from the guest: CPL 0 on the guest's stack, rip in %rcx, rflags
 * in %r11, interrupts off (SFMASK).  Build the same frame an interrupt
 * would, on the current CPU's ring-0 stack, found through the "current"
 * alias, then take the common path.
 */
.macro SYSCALL_ENTRY hole
	UNWIND_HINT_UNDEFINED
	endbr64
	movabs	%rax, \hole + SW_CURRENT_OFFSET + AREA_SCRATCH_RAX
	mov	%rsp, %rax
	movabs	%rax, \hole + SW_CURRENT_OFFSET + AREA_SCRATCH_RSP
	movabs	\hole + SW_CURRENT_OFFSET + AREA_RSP0_TOP, %rax
	mov	%rax, %rsp
	pushq	$SW_USER_DS
	movabs	\hole + SW_CURRENT_OFFSET + AREA_SCRATCH_RSP, %rax
	push	%rax
	push	%r11
	pushq	$SW_USER_CS
	push	%rcx
	pushq	$0
	pushq	$SW_VECTOR_SYSCALL
	jmp	pvisor_direct_syscall		/* guest %rax in AREA_SCRATCH_RAX */
.endm

	.balign 64
SYM_INNER_LABEL(pvisor_syscall_l4, SYM_L_GLOBAL)
	SYSCALL_ENTRY SW_HOLE_L4
	.balign 64
SYM_INNER_LABEL(pvisor_syscall_l5, SYM_L_GLOBAL)
	SYSCALL_ENTRY SW_HOLE_L5

/*
 * The direct switch.  A `syscall` from the guest lands here with its frame
 * (vector .. ss) at the top of the ring-0 stack and the guest's %rax in the
 * area.  Two cases are served without leaving the guest's address space:
 *
 *   guest user mode: the guest's own system call.  Push the event frame on
 *   the guest kernel stack (sp0), mask virtual interrupts, switch to the
 *   kernel root and GS base, continue at the guest's syscall entry;
 *
 *   guest kernel mode, %rax == PVISOR_HC_IRET: pop [rax, r11, rcx, rip, cs,
 *   rflags, rsp, ss] from the guest stack, check it, set the virtual IF,
 *   and for a return to user switch to the user root and GS base;
 *
 *   guest kernel mode, PVISOR_HC_SET_STACK or PVISOR_HC_SET_SEGMENT_BASE
 *   with arguments hypercall.c would take: record them as it would (the
 *   area's sp0, the live FS or GS base, the other mode's GS base), which C
 *   reads back after the exit, and return 0.
 *
 * Everything else, and anything unusual (a guest stack the shadow does not
 * map writable, a bad frame, an interrupt waiting), takes the ordinary exit
 * and is handled in C exactly as before.  Guest memory is touched only
 * between setting AREA_DIRECT_INFLIGHT and clearing it: a fault there comes
 * back to the fallback below, with nothing changed yet.
 */
/* A field of the frame on the ring-0 stack (switcher.h: SWF_*). */
#define R0(field)	(AREA_FRAME + SWF_##field)(%rbx)

/* Take the ordinary exit unless @reg is canonical.  Clobbers %ecx, @tmp. */
.macro SLOW_UNLESS_CANONICAL reg, tmp
	mov	AREA_CANON_SHIFT(%rbx), %ecx
	mov	\reg, \tmp
	shl	%cl, \tmp
	sar	%cl, \tmp
	cmp	\reg, \tmp
	jne	.Lslow
.endm

/* Take the ordinary exit if @reg is in the hole.  Clobbers %ecx, @tmp. */
.macro SLOW_IF_IN_HOLE reg, tmp
	mov	AREA_TOP_SHIFT(%rbx), %ecx
	mov	\reg, \tmp
	shr	%cl, \tmp
	and	$(SW_TOP_SLOTS - 1), \tmp
	cmp	$SW_TOP_SLOT, \tmp
	je	.Lslow
.endm

/*
 * Find the area from the stack pointer, into %rbx, and keep the guest's
 * %rbx, %rcx, %rdx, %rsi and %rdi there for the direct switch to borrow.
 * Clobbers %rax.
 */
.macro SAVE_BORROWED
	mov	%rsp, %rax
	and	$~(AREA_SIZE - 1), %rax
	mov	%rbx, AREA_SAVE_RBX(%rax)
	mov	%rcx, AREA_SAVE_RCX(%rax)
	mov	%rdx, AREA_SAVE_RDX(%rax)
	mov	%rsi, AREA_SAVE_RSI(%rax)
	mov	%rdi, AREA_SAVE_RDI(%rax)
	mov	%rax, %rbx
.endm

/* The guest registers the direct switch borrowed, back from the area. */
.macro RESTORE_SAVED
	mov	AREA_SAVE_RAX(%rbx), %rax
	mov	AREA_SAVE_RCX(%rbx), %rcx
	mov	AREA_SAVE_RDX(%rbx), %rdx
	mov	AREA_SAVE_RSI(%rbx), %rsi
	mov	AREA_SAVE_RDI(%rbx), %rdi
	mov	AREA_SAVE_RBX(%rbx), %rbx
.endm

/*
 * A served hypercall returns to the guest kernel at once: not while an
 * interrupt waits that it could take, which C delivers first.
 */
.macro DIRECT_HYPERCALL_CAN_RETURN
	mov	AREA_SHARED(%rbx), %rax
	cmpb	$0, 1(%rax)			/* irq_pending */
	je	.Lcan_return\@
	cmpb	$0, (%rax)			/* irq_mask */
	je	.Lslow
.Lcan_return\@:
.endm

/* Leave the guest-memory window: SMAP back on, no fault is ours now. */
.macro DIRECT_DONE
	ASM_CLAC
	movq	$0, AREA_DIRECT_INFLIGHT(%rbx)
.endm

SYM_INNER_LABEL(pvisor_direct_syscall, SYM_L_GLOBAL)
	UNWIND_HINT_UNDEFINED
	SAVE_BORROWED
	mov	AREA_SCRATCH_RAX(%rbx), %rax
	mov	%rax, AREA_SAVE_RAX(%rbx)

	cmpq	$0, AREA_DIRECT_ON(%rbx)
	jz	.Lslow
	cmpq	$SW_MODE_USER, AREA_MODE(%rbx)
	je	.Ldirect_syscall
	cmpq	$SW_HC_IRET, AREA_SAVE_RAX(%rbx)
	je	.Ldirect_iret
	cmpq	$SW_HC_SET_STACK, AREA_SAVE_RAX(%rbx)
	je	.Ldirect_set_stack
	cmpq	$SW_HC_SET_SEGMENT_BASE, AREA_SAVE_RAX(%rbx)
	je	.Ldirect_set_segment_base
	jmp	.Lslow

.Ldirect_syscall:
	mov	AREA_ENTRY_SYSCALL(%rbx), %rcx
	xor	%edx, %edx
	lea	AREA_DIRECT_SYSCALLS(%rbx), %rsi

/*
 * Deliver an event from guest user mode to the guest kernel, as C's
 * deliver() would: %rcx the entry, %rdx the error code, %rsi the counter
 * to count it in.  The event frame [error, rip, cs, rflags, rsp, ss] goes
 * on the guest kernel stack (sp0), with IF in rflags the virtual one.
 */
.Ldeliver_from_user:
	mov	AREA_SP0(%rbx), %rdi
	and	$~15, %rdi
	sub	$EVF_SIZE, %rdi		/* the new guest kernel rsp */
	mov	AREA_ROOT_KERNEL(%rbx), %rax
	mov	%rax, %cr3
	movq	$1, AREA_DIRECT_INFLIGHT(%rbx)
	ASM_STAC
	mov	%rdx, EVF_ERROR(%rdi)
	mov	R0(RIP), %rax
	mov	%rax, EVF_RIP(%rdi)
	movq	$SW_USER_CS, EVF_CS(%rdi)
	mov	AREA_SHARED(%rbx), %rdx
	mov	R0(RFLAGS), %rax
	and	$~X86_EFLAGS_IF, %rax
	cmpb	$0, (%rdx)			/* the virtual IF */
	jne	2f
	or	$X86_EFLAGS_IF, %rax
2:	mov	%rax, EVF_RFLAGS(%rdi)
	mov	R0(RSP), %rax
	mov	%rax, EVF_RSP(%rdi)
	movq	$SW_USER_DS, EVF_SS(%rdi)
	DIRECT_DONE
	movb	$1, (%rdx)			/* delivery masks interrupts */
	incq	(%rsi)
	mov	%rcx, R0(RIP)

	movq	$SW_MODE_KERNEL, AREA_MODE(%rbx)
	SWAP_GS_BASE AREA_GS_USER, AREA_GS_KERNEL

	andq	$~SW_EVENT_CLEARS, R0(RFLAGS)
	mov	%rdi, R0(RSP)
	jmp	.Ldirect_resume

.Ldirect_iret:
	mov	R0(RSP), %rdi			/* the guest's IRET frame */
	test	$7, %dil
	jnz	.Lslow
	/*
	 * The switcher reads the frame at CPL 0, where the hole is readable:
	 * a frame in (or reaching into) the hole would hand switcher data to
	 * the guest.  Leave such a frame to C, which refuses it.
	 */
	SLOW_IF_IN_HOLE %rdi, %rax
	lea	(IRF_SIZE - 1)(%rdi), %rdx
	SLOW_IF_IN_HOLE %rdx, %rax
	/*
	 * Copy the frame into the area first, in the guest-memory window;
	 * check and use only the copy, so a fault leaves nothing changed and
	 * another vCPU cannot change a value after its check.
	 */
	movq	$2, AREA_DIRECT_INFLIGHT(%rbx)
	ASM_STAC
	.irp	off, IRF_RAX, IRF_R11, IRF_RCX, IRF_RIP, IRF_CS, IRF_RFLAGS, IRF_RSP, IRF_SS
	mov	\off(%rdi), %rax
	mov	%rax, (AREA_IRET_FRAME + \off)(%rbx)
	.endr
	DIRECT_DONE
	lea	AREA_IRET_FRAME(%rbx), %rdi	/* the copy, from here on */

	mov	IRF_CS(%rdi), %rax
	cmp	$SW_USER_CS, %rax
	je	2f
	cmp	$SW_KERNEL_CS, %rax
	jne	.Lslow
2:	.irp	off, IRF_RIP, IRF_RSP		/* both canonical */
	mov	\off(%rdi), %rsi
	SLOW_UNLESS_CANONICAL %rsi, %rdx
	.endr
	/* Returning with interrupts on while one waits: C delivers it. */
	mov	AREA_SHARED(%rbx), %rsi
	testq	$X86_EFLAGS_IF, IRF_RFLAGS(%rdi)
	jz	3f
	cmpb	$0, 1(%rsi)			/* irq_pending */
	jne	.Lslow
3:	mov	IRF_RIP(%rdi), %rax
	mov	%rax, R0(RIP)
	mov	IRF_RFLAGS(%rdi), %rax
	and	$SW_GUEST_RFLAGS, %rax
	or	$(X86_EFLAGS_IF | X86_EFLAGS_FIXED), %rax
	mov	%rax, R0(RFLAGS)
	mov	IRF_RSP(%rdi), %rax
	mov	%rax, R0(RSP)
	mov	IRF_RAX(%rdi), %rax
	mov	%rax, AREA_SAVE_RAX(%rbx)
	mov	IRF_R11(%rdi), %r11
	mov	IRF_RCX(%rdi), %rax
	mov	%rax, AREA_SAVE_RCX(%rbx)
	mov	IRF_CS(%rdi), %rdx		/* for below */
	mov	IRF_RFLAGS(%rdi), %rax		/* for the virtual IF */
	xor	%ecx, %ecx
	test	$X86_EFLAGS_IF, %eax
	sete	%cl
	mov	%cl, (%rsi)			/* irq_mask */
	cmp	$SW_USER_CS, %rdx
	jne	4f
	movq	$SW_MODE_USER, AREA_MODE(%rbx)
	SWAP_GS_BASE AREA_GS_KERNEL, AREA_GS_USER
	mov	AREA_ROOT_USER(%rbx), %rax
	mov	%rax, %cr3
4:	incq	AREA_DIRECT_IRETS(%rbx)
	jmp	.Ldirect_resume

/*
 * SET_STACK (sp0), with hc_set_stack()'s checks: the rest of the
 * arguments zero, sp0 16-byte aligned, at least a page, and sp0 and the
 * page below it canonical and outside the hole (event frames go there).
 */
.Ldirect_set_stack:
	mov	%rsi, %rax
	or	%rdx, %rax
	or	%r10, %rax
	or	%r8, %rax
	jnz	.Lslow
	test	$15, %dil
	jnz	.Lslow
	cmp	$PAGE_SIZE, %rdi
	jb	.Lslow
	lea	-PAGE_SIZE(%rdi), %rsi
	.irp	r, rdi, rsi
	SLOW_UNLESS_CANONICAL %\r, %rax
	SLOW_IF_IN_HOLE %\r, %rax
	.endr
	DIRECT_HYPERCALL_CAN_RETURN
	mov	%rdi, AREA_SP0(%rbx)
	jmp	.Ldirect_hypercall_done

/*
 * SET_SEGMENT_BASE (which, base), with hc_set_segment_base()'s checks:
 * the rest zero, a known segment, a canonical base.  Hypercalls come from
 * guest kernel mode, whose GS base is the live one.
 */
.Ldirect_set_segment_base:
	mov	%rdx, %rax
	or	%r10, %rax
	or	%r8, %rax
	jnz	.Lslow
	SLOW_UNLESS_CANONICAL %rsi, %rax
	cmp	$SW_SEG_GS_USER, %rdi
	ja	.Lslow
	DIRECT_HYPERCALL_CAN_RETURN
	cmp	$SW_SEG_GS_USER, %rdi
	jne	1f
	mov	%rsi, AREA_GS_USER(%rbx)
	jmp	.Ldirect_hypercall_done
1:	mov	$MSR_FS_BASE, %ecx
	cmp	$SW_SEG_FS, %rdi
	je	2f
	mov	$MSR_GS_BASE, %ecx
2:	mov	%esi, %eax
	mov	%rsi, %rdx
	shr	$32, %rdx
	wrmsr

/* Back to the guest kernel after the `syscall`, as C's return would be. */
.Ldirect_hypercall_done:
	movq	$0, AREA_SAVE_RAX(%rbx)
	mov	R0(RFLAGS), %rax
	and	$SW_GUEST_RFLAGS, %rax
	or	$(X86_EFLAGS_IF | X86_EFLAGS_FIXED), %rax
	mov	%rax, R0(RFLAGS)
	incq	AREA_DIRECT_HYPERCALLS(%rbx)

.Ldirect_resume:
	RESTORE_SAVED
	add	$V(RIP), %rsp			/* vector, error code */
	iretq

/*
 * An exception's way into the direct switch: from guest user mode with the
 * direct switch on, borrow registers as pvisor_direct_syscall does (the
 * area in %rbx); from the switcher itself, or otherwise, the ordinary exit.
 */
.macro DIRECT_FROM_USER
	UNWIND_HINT_UNDEFINED
	testb	$3, V(CS)(%rsp)
	jz	pvisor_exit_common		/* the switcher's own fault */
	push	%rax
	SAVE_BORROWED
	pop	%rax
	mov	%rax, AREA_SAVE_RAX(%rbx)
	cmpq	$0, AREA_DIRECT_ON(%rbx)
	jz	.Lslow
	cmpq	$SW_MODE_USER, AREA_MODE(%rbx)
	jne	.Lslow
.endm

/*
 * One of SW_DIRECT_EXCEPTIONS (switcher.h), through its IDT stub, with the
 * frame (vector .. ss) on the ring-0 stack.  From guest user mode, with the
 * direct switch on and a guest handler for the vector, it is delivered
 * like a system call; anything else takes the ordinary exit.
 */
SYM_INNER_LABEL(pvisor_direct_exception, SYM_L_GLOBAL)
	DIRECT_FROM_USER
	mov	R0(VECTOR), %rax		/* below 32 */
	and	$31, %eax
	mov	AREA_ENTRY_EXCEPTION(%rbx, %rax, 8), %rcx
	test	%rcx, %rcx
	jz	.Lslow				/* no handler: C ends the guest */
	mov	R0(ERROR), %rdx
	lea	AREA_DIRECT_EXCEPTIONS(%rbx), %rsi
	jmp	.Ldeliver_from_user

/*
 * A #PF, through its IDT stub.  From guest user mode on an entry the shadow
 * holds as absent from the guest's own table (SW_PF_RSVD in the error
 * code), it is the guest's own fault: delivered like an exception, with
 * cr2 in the shared page and the error code of a not-present entry.  The
 * guest may make an entry present without a flush, which the shadow does
 * not see: a second fault in a row on the same page takes the ordinary
 * exit, whose walk fills the shadow.  Everything else takes it too.
 */
SYM_INNER_LABEL(pvisor_direct_page_fault, SYM_L_GLOBAL)
	DIRECT_FROM_USER
	testq	$SW_PF_RSVD, R0(ERROR)
	jz	.Lslow
	mov	(AREA_ENTRY_EXCEPTION + 8 * X86_TRAP_PF)(%rbx), %rcx
	test	%rcx, %rcx
	jz	.Lslow
	mov	%cr2, %rax
	mov	%rax, %rdx
	and	$~(PAGE_SIZE - 1), %rdx
	cmp	AREA_LAST_PAGE_FAULT(%rbx), %rdx
	je	.Lslow
	mov	%rdx, AREA_LAST_PAGE_FAULT(%rbx)
	mov	AREA_SHARED(%rbx), %rsi
	mov	%rax, SW_SHARED_CR2(%rsi)
	mov	R0(ERROR), %rdx
	and	$SW_PF_ACCESS, %edx
	lea	AREA_DIRECT_PAGE_FAULTS(%rbx), %rsi
	jmp	.Ldeliver_from_user

/* Reached from a fault while AREA_DIRECT_INFLIGHT was set; %rbx is the area. */
.Ldirect_fault:
	DIRECT_DONE
	incq	AREA_DIRECT_FALLBACKS(%rbx)
	/* On to the ordinary exit, which loads the host's CR3 whatever is live. */
.Lslow:
	RESTORE_SAVED
	jmp	pvisor_exit_common

/*
 * The IDT stubs, 32 bytes apart: pvisor_idt_stubs + 32 * vector.  Vectors
 * where the CPU pushes an error code skip the dummy one.
 */
.macro IDT_STUB
	.balign 32
	UNWIND_HINT_UNDEFINED
	endbr64
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	.set	direct, 0
	.if vec < 32
	.set	direct, (SW_DIRECT_EXCEPTIONS >> vec) & 1
	.endif
	.if direct
	jmp	pvisor_direct_exception
	.elseif vec == X86_TRAP_PF
	jmp	pvisor_direct_page_fault
	.else
	jmp	pvisor_exit_common
	.endif
.endm

	.balign 32
SYM_INNER_LABEL(pvisor_idt_stubs, SYM_L_GLOBAL)
	.set	vec, 0
	.rept	256
	IDT_STUB
	.set	vec, vec + 1
	.endr

	.balign 4096, 0xcc
SYM_INNER_LABEL(pvisor_switcher_end, SYM_L_GLOBAL)

/*
 * Ordinary module text from here on.  pvisor_call_host_handler(handler)
 * runs a host IDT handler as if the CPU had delivered the event here, with
 * interrupts off: it builds the frame an interrupt from kernel mode would
 * push and calls the handler, whose iretq comes back to us.
 */
	.text
SYM_FUNC_START(pvisor_call_host_handler)
	push	%rbp
	mov	%rsp, %rbp
	and	$~15, %rsp
	pushq	$__KERNEL_DS
	push	%rbp
	pushfq
	pushq	$__KERNEL_CS
	CALL_NOSPEC rdi
	leave
	RET
SYM_FUNC_END(pvisor_call_host_handler)
