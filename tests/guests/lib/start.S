/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-guest entry: the launcher starts us in guest-kernel mode with the
 * memory size in %rdi, the test's argument in %rsi and a stack.
 */
	.text
	.globl _start
_start:
	mov	%rdi, guest_mem_size(%rip)
	mov	%rsi, %rdi
	call	guest_main
	mov	%rax, %rsi
	mov	$4, %eax		/* PVISOR_HC_SHUTDOWN, poweroff */
	xor	%edi, %edi
	xor	%edx, %edx		/* unused arguments must be 0 */
	xor	%r10d, %r10d
	xor	%r8d, %r8d
	syscall
1:	jmp	1b
	.section .note.GNU-stack,"",@progbits
