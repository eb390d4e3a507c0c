/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event entry points for test guests.  pvisor delivers an event with the
 * frame [error, rip, cs, rflags, rsp, ss] on the guest kernel stack; these
 * stubs add the vector, save the registers, call guest_trap(frame) in C,
 * and return with the IRET hypercall, which pops [rax, r11, rcx, rip, cs,
 * rflags, rsp, ss] (syscall itself clobbers rcx and r11, so they travel
 * on the stack).
 */
#define HC_IRET	11

	.text
.macro STUB name, vec
	.globl \name
\name:
	pushq	$\vec
	jmp	trap_common
.endm

	.balign	16
	.globl	guest_exception_stubs
guest_exception_stubs:
	.set	v, 0
	.rept	32
	.balign	16
	pushq	$v
	jmp	trap_common
	.set	v, v + 1
	.endr

	STUB guest_syscall_entry, 256
	STUB guest_interrupt_entry, 257

trap_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	call	guest_trap
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp		/* vector, error */
	push	%rcx
	push	%r11
	push	%rax
	mov	$HC_IRET, %eax
	syscall
	ud2

/*
 * unsigned long enter_user(unsigned long rip, unsigned long rsp): iret to
 * guest user mode at rip.  Comes back through user_return, where a trap
 * handler sends it (in kernel mode), with the user's %rbx as the result.
 */
	.globl	enter_user
enter_user:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, user_return_rsp(%rip)
	pushq	$0x2b			/* ss */
	push	%rsi			/* rsp */
	pushq	$0x202			/* rflags: IF */
	pushq	$0x33			/* cs */
	push	%rdi			/* rip */
	pushq	$0			/* rcx */
	pushq	$0			/* r11 */
	pushq	$0			/* rax */
	mov	$HC_IRET, %eax
	syscall
	ud2

	.globl	user_return
user_return:
	mov	user_return_rsp(%rip), %rsp
	mov	%rbx, %rax
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret

	.data
user_return_rsp:
	.quad	0

	.section .note.GNU-stack,"",@progbits
