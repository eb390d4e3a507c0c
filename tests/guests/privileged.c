// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile: one privileged or sensitive instruction, chosen by the argument,
 * executed in guest-kernel mode.  Each must be contained: the CPU faults at
 * CPL 3, the guest (which registered no handler) is crashed with the fault
 * named, and the host carries on.  (Port I/O is the exception by design:
 * it reads as absent hardware, and the guest then ends with ud2.)  The rig runs every index and checks the
 * exit code and message; a guest that survives one returns 0xbad.
 */
#include "lib/guest.h"

static void run_one(unsigned long which)
{
	unsigned long v = 0;
	struct { unsigned short lim; unsigned long base; } __attribute__((packed)) d = { 0 };

	switch (which) {
	case 0: asm volatile("cli"); break;
	case 1: asm volatile("sti"); break;
	case 2: asm volatile("hlt"); break;
	case 3: asm volatile("mov %%cr0, %0" : "=r" (v)); break;
	case 4: asm volatile("mov %0, %%cr3" : : "r" (v)); break;
	case 5: asm volatile("mov %0, %%cr4" : : "r" (v)); break;
	case 6: asm volatile("lgdt %0" : : "m" (d)); break;
	case 7: asm volatile("lidt %0" : : "m" (d)); break;
	case 8: asm volatile("ltr %w0" : : "r" (0x40)); break;
	case 9: asm volatile("lldt %w0" : : "r" (0)); break;
	case 10: asm volatile("wrmsr" : : "c" (0xc0000082), "a" (0), "d" (0)); break;
	case 11: asm volatile("rdmsr" : "=a" (v) : "c" (0xc0000082) : "rdx"); break;
	/* Port I/O reads as absent hardware: ud2 proves the guest went on. */
	case 12: asm volatile("outb %%al, $0x80; ud2" : : "a" (0)); break;
	case 13:
		asm volatile("inb $0x60, %%al" : "=a" (v) : "0" (0UL));
		if (v == 0xff)
			asm volatile("ud2");
		break;
	case 14: asm volatile("invlpg (%0)" : : "r" (0x200000UL)); break;
	case 15: asm volatile("swapgs"); break;
	case 16: asm volatile("sysretq"); break;
	case 17: asm volatile("sysenter"); break;
	case 18: asm volatile("mov %0, %%dr7" : : "r" (0x400UL)); break;
	case 19: asm volatile("wbinvd"); break;
	case 20: asm volatile("clts"); break;
	case 21: asm volatile("int $0x80"); break;
	case 22: asm volatile("int $0x20"); break;
	case 23: asm volatile("int $2"); break;
	case 24: asm volatile("int $18"); break;
	case 25: asm volatile("ud2"); break;
	/* iretq to a ring-0 code selector. */
	case 26: asm volatile("pushq $0x18; pushq %%rsp; pushfq; pushq $0x10; "
			      "lea 1f(%%rip), %%rax; pushq %%rax; iretq; 1:" : : : "rax"); break;
	case 27: asm volatile("int3"); break;
	case 28: asm volatile("mov %0, %%ss" : : "r" (0x18)); break;
	case 29: asm volatile("xor %%edx, %%edx; divq %%rdx" : : "a" (1) : "rdx"); break;
	/*
	 * DF and AC set across host exits (timer ticks while spinning, then
	 * the crash exit): the host must not run its string copies backwards
	 * or with SMAP lifted.
	 */
	case 30: asm volatile("std; pushfq; orl $0x40000, (%%rsp); popfq; "
			      "1: dec %%rcx; jnz 1b; ud2"
			      : : "c" (100000000UL)); break;
	default:
		guest_shutdown(PVISOR_SHUTDOWN_POWEROFF, 200);
	}
}

long guest_main(unsigned long which)
{
	run_one(which);
	guest_printf("instruction %lu did not fault\n", which);
	return 0xbad;
}
