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
 * HALT's polling window, by what it does to the window: a halt its poll
 * ends leaves the window as it was (an interrupt pending when the guest
 * halts is seen by the poll's first look); a halt that sleeps briefly
 * opens or widens it, up to the module's limit; one that sleeps past the
 * limit closes it.  (That polls catch interrupts arriving during the
 * window is a matter of timing: debugfs halt_polls_won in the device
 * benchmark shows it, Documentation/performance.md.)
 */
static void halt_polls_then_sleeps(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	const u32 window = 100 * NSEC_PER_USEC;	/* below the default limit */

	/* Pending before the halt: the poll ends it, the window stays. */
	v->halt_poll_ns = window;
	set_bit(PVISOR_TIMER_VECTOR, v->pending);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_HALT, 0, 0, 0), 0L);
	KUNIT_EXPECT_EQ(test, v->halt_poll_ns, window);
	KUNIT_EXPECT_FALSE(test, v->halted);

	/* No window: no poll; a sleep that ended at once opens one. */
	v->halt_poll_ns = 0;
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_HALT, 0, 0, 0), 0L);
	KUNIT_EXPECT_GT(test, v->halt_poll_ns, 0U);
	clear_bit(PVISOR_TIMER_VECTOR, v->pending);

	/* A halt longer than the limit polls, sleeps, and closes it. */
	v->halt_poll_ns = window;
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
