// SPDX-License-Identifier: GPL-2.0
/*
 * Hypercalls through the real switcher: every served call answers, bad
 * arguments get the documented errors, and a million calls in a row leave
 * the host as it was (the rig checks kmemleak and the exit counters).
 */
#include "lib/guest.h"

#define ENOSYS	38
#define EINVAL	22
#define EFAULT	14

static char shared[4096] __attribute__((aligned(4096)));

long guest_main(unsigned long loops)
{
	long i;

	GUEST_ASSERT_EQ(hypercall0(PVISOR_HC_VERSION), PVISOR_ABI_VERSION);
	GUEST_ASSERT_EQ(hypercall0(PVISOR_HC_NR), -ENOSYS);
	GUEST_ASSERT_EQ(hypercall0(-1L), -ENOSYS);
	GUEST_ASSERT_EQ(hypercall1(PVISOR_HC_VERSION, 1), -EINVAL);
	GUEST_ASSERT_EQ(hypercall1(PVISOR_HC_SET_SHARED_PAGE, (long)shared + 1), -EINVAL);
	GUEST_ASSERT_EQ(hypercall1(PVISOR_HC_SET_SHARED_PAGE, 1L << 40), -EFAULT);
	GUEST_ASSERT_EQ(hypercall1(PVISOR_HC_SET_SHARED_PAGE, (long)shared), 0);
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_CONSOLE_WRITE, 1L << 40, 4), -EFAULT);
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_SHUTDOWN, 99, 0), -EINVAL);
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_NR, 0), -EINVAL);
	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_NR, 0, 0), -EINVAL);
	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ALL, 0, 0), 0);
	/* After a flush the shadow is rebuilt on demand: memory still reads. */
	GUEST_ASSERT_EQ(shared[0], 0);

	for (i = 0; i < (long)loops; i++)
		if (hypercall0(PVISOR_HC_VERSION) != PVISOR_ABI_VERSION)
			GUEST_ASSERT(!"VERSION changed its answer in the loop");
	guest_printf("hypercalls: all checks passed, %ld calls in a loop\n", loops);
	return 0;
}
