// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile memory accesses, chosen by the argument:
 *   0  read the switcher's range (the hypervisor hole)
 *   1  write the switcher's range
 *   2  map a frame outside guest memory and touch it
 *   3  point a page-table entry at a host kernel physical address range
 *   4  a CR3 hypercall with a root outside guest memory
 *   5  an MMU_UPDATE pointing an entry outside guest memory
 *   6  an IRET whose frame lies in the switcher's range (which the switcher
 *      itself could read): refused, and no switcher data reaches the guest
 *   7  page-table entries rewritten behind the host's back (plain stores),
 *      also under a second root sharing the tables: the old translation
 *      may stay only until the flush that a CPU with PCIDs would need
 * 0, 1: the fault is delivered to the guest (no handler: crash, #PF named).
 * 2, 3: the guest is ended for mapping memory it does not have.
 * 4, 5, 6: the hypercall fails with -EFAULT, the guest carries on (exit 0).
 * 7: every read after a flush sees the new entry (exit 0).
 */
#include "lib/guest.h"

#define EFAULT	14

/* Our page tables: the launcher puts the PD at mem_size - 8 pages. */
static unsigned long *page_directory(void)
{
	return (unsigned long *)(guest_mem_size - 8 * 4096);
}

/* IRET with the stack pointer on the switcher's per-CPU areas. */
static long iret_from_the_hole(void)
{
	/* CPU 0's area, where the host's stack pointer and CR3 are kept. */
	unsigned long frame = guest_hole_base() + 0x200000 + 0x100;
	unsigned long ret;

	/* With entries, a stack, the shared page and a user root, the
	 * direct switch would serve this IRET if it did not check. */
	guest_install_traps(0);
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_NEW_CR3, guest_page_root(),
				   guest_page_root()), 0);
	asm volatile("mov %%rsp, %%rbx\n"
		     "mov %[frame], %%rsp\n"
		     "mov $11, %%eax\n"
		     "syscall\n"
		     "mov %%rbx, %%rsp\n"
		     : "=a" (ret)
		     : [frame] "r" (frame)
		     : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		       "memory");
	GUEST_ASSERT_EQ(ret, -EFAULT);
	guest_puts("iret from the hole: refused\n");
	return 0;
}

/*
 * 10 MiB and 12 MiB hold different words; the 2 MiB entry for 10 MiB is
 * rewritten with plain stores to point at one or the other.  Reads before
 * a flush may see either (a TLB may hold the old one); after the flush a
 * CPU would need, only the new one.
 */
static long stale_until_the_flush(void)
{
	volatile unsigned long *x = (volatile unsigned long *)(5UL << 21);
	unsigned long *root2 = (unsigned long *)(7UL << 21);
	unsigned long root = guest_page_root(), same = PVISOR_CR3_SAME_KERNEL_HALF;
	unsigned long keep = same | PVISOR_CR3_KEEP_USER;
	int i;

	*(volatile unsigned long *)(5UL << 21) = 0xa;
	*(volatile unsigned long *)(6UL << 21) = 0xb;
	GUEST_ASSERT_EQ(*x, 0xa);
	page_directory()[5] = (6UL << 21) | 0x83;
	(void)*x;			/* either */
	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ONE, (long)x, 1), 0);
	GUEST_ASSERT_EQ(*x, 0xb);

	/* A second root over the same tables: a new address space. */
	for (i = 0; i < 512; i++)
		root2[i] = ((unsigned long *)root)[i];
	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_NEW_CR3, (long)root2, (long)root2, same), 0);
	GUEST_ASSERT_EQ(*x, 0xb);
	page_directory()[5] = (5UL << 21) | 0x83;
	/* Back to the first root: kept, it may be stale; not kept, never. */
	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_NEW_CR3, root, root, keep), 0);
	(void)*x;
	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_NEW_CR3, root, root, same), 0);
	GUEST_ASSERT_EQ(*x, 0xa);
	/* The second root kept its own view, until a user flush. */
	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_NEW_CR3, (long)root2, (long)root2, keep), 0);
	(void)*x;
	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_USER, 0, 0), 0);
	GUEST_ASSERT_EQ(*x, 0xa);
	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_NEW_CR3, root, root, same), 0);
	guest_puts("stale only until the flush\n");
	return 0;
}

long guest_main(unsigned long which)
{
	volatile unsigned long *p;
	struct pvisor_mmu_op op;

	switch (which) {
	case 0:
		p = (volatile unsigned long *)0xffff800000000000UL;
		if (hypercall0(PVISOR_HC_VERSION) >= 0 && guest_mem_size)
			(void)*(volatile unsigned long *)(p);
		break;
	case 1:
		p = (volatile unsigned long *)0xffff800000001000UL;
		*p = 1;
		break;
	case 2:
	case 3:
		/*
		 * 10 MiB is ordinary guest memory: touch it, then point its
		 * 2 MiB entry at 512 MiB (far beyond our memory) or at 1 TiB
		 * (where a host's own RAM would be), flush, and touch again.
		 */
		p = (volatile unsigned long *)(5UL << 21);
		*p = 1;
		page_directory()[5] = (which == 2 ? 512UL << 20 : 1UL << 40) | 0x83;
		GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ALL, 0, 0), 0);
		(void)*p;
		break;
	case 4:
		GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_NEW_CR3, 1UL << 30, 0), -EFAULT);
		return 0;
	case 5:
		op = (struct pvisor_mmu_op) {
			.op = PVISOR_MMU_SET_ENTRY, .level = 2,
			.entry_gpa = (unsigned long)&page_directory()[5],
			.value = (512UL << 20) | 0x83,
		};
		GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_MMU_UPDATE, (long)&op, 1), -EFAULT);
		GUEST_ASSERT_EQ(page_directory()[5], (5UL << 21) | 0x83);
		/* The same entry, pointing inside guest memory, is applied. */
		op.value = (6UL << 21) | 0x83;
		GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_MMU_UPDATE, (long)&op, 1), 1);
		GUEST_ASSERT_EQ(page_directory()[5], (6UL << 21) | 0x83);
		return 0;
	case 6:
		return iret_from_the_hole();
	case 7:
		return stale_until_the_flush();
	}
	guest_printf("access %lu did not end the guest\n", which);
	return 0xbad;
}
