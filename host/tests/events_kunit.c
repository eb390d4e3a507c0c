// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the event state a guest registers (events.c): the shared
 * page (checked, then held while registered), the timer (armed,
 * cancelled, and firing at once for a deadline already past), and HALT's
 * polling window.
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

/* Arm the guest timer @ns from now. */
static void timer_in(struct kunit *test, u64 ns)
{
	struct pvisor_kunit_vm *t = test->priv;
	u64 now = ktime_get_ns() - t->vcpu.time_base;

	KUNIT_ASSERT_EQ(test, hc(test, PVISOR_HC_SET_TIMER, now + ns, 0, 0), 0L);
}

/*
 * HALT first watches for an interrupt for the vCPU's window: a timer that
 * fires inside it ends the halt without a sleep, and the window stays as
 * it was (a sleep would have changed it).  A halt that outlasts the
 * window and the module's limit sleeps, and closes the window.
 */
static void halt_polls_then_sleeps(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	const u32 window = 100 * NSEC_PER_USEC;	/* below the default limit */
	int tries, won = 0;

	/* Another task wanting this CPU ends a poll early: a few tries. */
	for (tries = 0; tries < 5 && !won; tries++) {
		v->halt_poll_ns = window;
		timer_in(test, 20 * NSEC_PER_USEC);
		KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_HALT, 0, 0, 0), 0L);
		KUNIT_EXPECT_TRUE(test, test_bit(PVISOR_TIMER_VECTOR, v->pending));
		KUNIT_EXPECT_FALSE(test, v->halted);
		won = v->halt_poll_ns == window;
		clear_bit(PVISOR_TIMER_VECTOR, v->pending);
	}
	KUNIT_EXPECT_TRUE_MSG(test, won, "no halt of %d was ended by its poll", tries);

	timer_in(test, 50 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_HALT, 0, 0, 0), 0L);
	KUNIT_EXPECT_TRUE(test, test_bit(PVISOR_TIMER_VECTOR, v->pending));
	KUNIT_EXPECT_EQ(test, v->halt_poll_ns, 0U);
	KUNIT_EXPECT_FALSE(test, v->halted);
	clear_bit(PVISOR_TIMER_VECTOR, v->pending);
}

static struct kunit_case pvisor_events_cases[] = {
	KUNIT_CASE(shared_page_is_checked),
	KUNIT_CASE(timer_is_armed_and_cancelled),
	KUNIT_CASE(halt_polls_then_sleeps),
	{}
};

static struct kunit_suite pvisor_events_suite = {
	.name = "pvisor_events",
	.init = pvisor_kunit_vm_init,
	.exit = pvisor_kunit_vm_exit,
	.test_cases = pvisor_events_cases,
};

kunit_test_suite(pvisor_events_suite);
