// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the event state a guest registers (events.c): the shared
 * page (checked, then held while registered) and the timer (armed,
 * cancelled, and firing at once for a deadline already past).
 *
 * Each case makes the hypercalls through pvisor_hypercall() on the shared
 * fixture (kunit_helpers.h), whose exit releases the shared page and the
 * timer.
 */
#include <linux/delay.h>

#include "kunit_helpers.h"

static void shared_page_is_checked(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;

	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SHARED_PAGE,
				 GUEST_BASE + 8, 0, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SHARED_PAGE,
				 GUEST_BASE + GUEST_SIZE, 0, 0), (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, t->vcpu.shared_gpa, 0ULL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SHARED_PAGE,
				 GUEST_BASE + PAGE_SIZE, 0, 0), 0L);
	KUNIT_EXPECT_EQ(test, t->vcpu.shared_gpa, GUEST_BASE + PAGE_SIZE);
}

static void timer_is_armed_and_cancelled(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;

	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_TIMER, 1ULL << 62, 0, 0), 0L);
	KUNIT_EXPECT_TRUE(test, hrtimer_active(&t->vcpu.timer));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_TIMER, 0, 0, 0), 0L);
	KUNIT_EXPECT_FALSE(test, hrtimer_active(&t->vcpu.timer));
	/* A deadline already past fires at once and marks the timer vector. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_TIMER, 1, 0, 0), 0L);
	msleep(20);
	KUNIT_EXPECT_TRUE(test, test_bit(PVISOR_TIMER_VECTOR, t->vcpu.pending));
}

static struct kunit_case pvisor_events_cases[] = {
	KUNIT_CASE(shared_page_is_checked),
	KUNIT_CASE(timer_is_armed_and_cancelled),
	{}
};

static struct kunit_suite pvisor_events_suite = {
	.name = "pvisor_events",
	.init = pvisor_kunit_vm_init,
	.exit = pvisor_kunit_vm_exit,
	.test_cases = pvisor_events_cases,
};

kunit_test_suite(pvisor_events_suite);
