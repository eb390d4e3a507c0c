// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile: random hypercalls.  The argument (calls << 32 | seed) seeds a
 * generator, and each call takes a number near the valid range and five
 * arguments drawn from values that sit on the edges pvisor must check:
 * zero, all ones, non-canonical addresses, the switcher's range, the end
 * of guest memory, page-aligned and unaligned addresses, lengths at their
 * limits, and plain random bits.  Addresses the host reads or writes are
 * often a scratch buffer holding random bytes, so MMU_UPDATE batches,
 * CPUID answers and console reads see garbage where they expect
 * structures (and write it back where the guest will not miss it).
 *
 * The guest asserts nothing about the answers.  What is tested is the host:
 * the rig runs several seeds and requires each run to end by itself,
 * either after all its calls (exit 0), crashed with a reason, or shut
 * down by code it was sent to (a garbage root or entry table can do that,
 * and does, now and then), with the host log clean and, on the debug host, kmemleak silent.  SHUTDOWN, HALT (no
 * timer might ever wake it) and IRET (a jump to a random frame) are left
 * out; the rest, NEW_CR3 and SET_ENTRIES included, are fair game.
 */
#include "lib/guest.h"

#define SCRATCH		(64 * 1024)

static unsigned char scratch[SCRATCH] __attribute__((aligned(4096)));
static unsigned long state;

/* xorshift64*: small, and the same sequence for the same seed. */
static unsigned long rnd(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dUL;
}

static unsigned long pick(unsigned long n)
{
	return rnd() % n;
}

/* An argument on one of the edges the host must check. */
static unsigned long edge_value(unsigned long hole)
{
	unsigned long mem = guest_mem_size, s = (unsigned long)scratch;

	switch (pick(20)) {
	case 0: return 0;
	case 1: return ~0UL;
	case 2: return pick(32);
	case 3: return 0x00007fffffffffffUL + pick(3);		/* canonical edge */
	case 4: return 0x0000800000000000UL + pick(4096);	/* non-canonical */
	case 5: return hole + pick(4 << 20);			/* the switcher */
	case 6: return mem - pick(8192);				/* end of memory */
	case 7: return mem + pick(8192);
	case 8: return 1UL << pick(64);
	case 9: return (1UL << pick(64)) - 1;
	case 10: return pick(mem) & ~4095UL;			/* a page of ours */
	case 11: return pick(mem);
	case 12: return s + pick(SCRATCH);
	case 13: return s + (pick(SCRATCH) & ~4095UL);
	case 14: return PVISOR_MMU_BATCH_MAX - 1 + pick(3);
	case 15: return PVISOR_FLUSH_RANGE_MAX - 1 + pick(3);
	case 16: return PVISOR_CONSOLE_WRITE_MAX - 1 + pick(3);
	case 17: return 0xffffffff80000000UL + pick(1UL << 30);	/* host kernel */
	default: return rnd();
	}
}

/* Eight plausible MMU ops at @op, writing into the scratch buffer. */
static void plausible_mmu_ops(struct pvisor_mmu_op *op)
{
	unsigned long i;

	for (i = 0; i < 8; i++) {
		op[i].op = pick(4);
		op[i].level = pick(7);
		op[i].entry_gpa = (unsigned long)scratch + (pick(SCRATCH) & ~7UL);
		op[i].value = pick(2) ? edge_value(0) : (pick(guest_mem_size) & ~4095UL) | pick(8);
		/* Table declarations as a guest makes them: any page of ours. */
		if ((op[i].op == PVISOR_MMU_DECLARE_TABLE || op[i].op == PVISOR_MMU_RELEASE_TABLE) &&
		    pick(2)) {
			op[i].entry_gpa = 0;
			op[i].value = pick(guest_mem_size) & ~4095UL;
		}
	}
}

/*
 * Fill the scratch buffer with garbage that is sometimes well formed: MMU
 * ops start each of its pages, where page-aligned edge values point.
 */
static void stir_scratch(void)
{
	unsigned long i;

	for (i = 0; i < 256; i++)
		((unsigned long *)scratch)[pick(SCRATCH / 8)] = rnd();
	for (i = 0; i < SCRATCH; i += 4096)
		plausible_mmu_ops((struct pvisor_mmu_op *)(scratch + i));
}

long guest_main(unsigned long arg)
{
	unsigned long i, n, nr, a[5], hole = guest_hole_base();
	unsigned long seed = arg & 0xffffffff, calls = arg >> 32;
	long ret, errors = 0;

	state = seed * 0x9e3779b97f4a7c15UL + 1;
	guest_printf("fuzz: seed %lu, %lu calls\n", seed, calls);
	for (i = 0; i < calls; i++) {
		if (i % 64 == 0)
			stir_scratch();
		nr = pick(PVISOR_HC_NR + 4) - 2;
		if (nr == PVISOR_HC_SHUTDOWN || nr == PVISOR_HC_HALT ||
		    nr == PVISOR_HC_IRET)
			continue;
		/* A new root or entry table is the likeliest end: keep it rare. */
		if ((nr == PVISOR_HC_NEW_CR3 || nr == PVISOR_HC_SET_ENTRIES) &&
		    pick(256))
			continue;
		/* Garbage on the console: enough to test, not to flood it. */
		if (nr == PVISOR_HC_CONSOLE_WRITE && pick(8))
			continue;
		for (n = 0; n < 5; n++)
			a[n] = pick(4) ? edge_value(hole) : 0;
		/*
		 * Arguments a call does not take must be zero, or the host
		 * refuses it at once: for MMU_UPDATE (two), often zero them, so
		 * that batches reach the checks of each op.
		 */
		if (nr == PVISOR_HC_MMU_UPDATE && pick(2))
			a[2] = a[3] = a[4] = 0;
		ret = hypercall(nr, a[0], a[1], a[2], a[3], a[4]);
		errors += ret < 0;
	}
	guest_printf("\nfuzz: all %lu calls made, %ld refused\n", calls, errors);
	return 0;
}
