// SPDX-License-Identifier: GPL-2.0
/*
 * pvisor guest: time.
 *
 * The host writes a TSC scale into the shared page when it is registered:
 * guest ns = system_ns + (((tsc - tsc_stamp) << tsc_shift) * tsc_mul >> 32).
 * That one formula is our clocksource and sched_clock, and gives the TSC
 * frequency.  The clockevent is the host's one-shot timer, which raises
 * PVISOR_TIMER_VECTOR; the wall clock at boot is in the same page.
 */
#include <linux/clockchips.h>
#include <linux/clocksource.h>
#include <linux/init.h>
#include <linux/math64.h>
#include <linux/sched/clock.h>
#include <asm/paravirt.h>
#include <asm/timer.h>
#include <asm/x86_init.h>
#include <asm/pvisor.h>

static u64 pvisor_tsc_to_ns(u64 tsc)
{
	const struct pvisor_shared *s = &pvisor_shared;
	u64 delta = tsc - s->tsc_stamp;

	if (s->tsc_shift >= 0)
		delta <<= s->tsc_shift;
	else
		delta >>= -s->tsc_shift;
	return s->system_ns + mul_u64_u32_shr(delta, s->tsc_mul, 32);
}

noinstr u64 pvisor_clock_ns(void)
{
	return pvisor_tsc_to_ns(rdtsc_ordered());
}

static u64 pvisor_clocksource_read(struct clocksource *cs)
{
	return pvisor_clock_ns();
}

static struct clocksource pvisor_clocksource = {
	.name = "pvisor",
	.rating = 400,
	.read = pvisor_clocksource_read,
	.mask = CLOCKSOURCE_MASK(64),
	.flags = CLOCK_SOURCE_IS_CONTINUOUS,
};

static int pvisor_set_next_event(unsigned long delta,
				 struct clock_event_device *evt)
{
	return pvisor_hc1(PVISOR_HC_SET_TIMER, pvisor_clock_ns() + delta) ?
		-ETIME : 0;
}

static int pvisor_timer_shutdown(struct clock_event_device *evt)
{
	pvisor_hc1(PVISOR_HC_SET_TIMER, 0);
	return 0;
}

static struct clock_event_device pvisor_clockevent = {
	.name = "pvisor",
	.features = CLOCK_EVT_FEAT_ONESHOT,
	.rating = 400,
	.set_next_event = pvisor_set_next_event,
	.set_state_shutdown = pvisor_timer_shutdown,
	.set_state_oneshot_stopped = pvisor_timer_shutdown,
};

void pvisor_timer_interrupt(void)
{
	struct clock_event_device *evt = &pvisor_clockevent;

	if (evt->event_handler)
		evt->event_handler(evt);
}

/* TSC kHz from the scale: mul = 2^32 * 10^6 / khz, before the shift. */
static unsigned long pvisor_tsc_khz(void)
{
	u64 mul = pvisor_shared.tsc_mul;
	s8 shift = pvisor_shared.tsc_shift;

	if (!mul)
		return 0;
	if (shift > 0)
		mul >>= shift;
	else
		mul <<= -shift;
	return div64_u64(1000000ULL << 32, mul ? mul : 1);
}

static void pvisor_get_wallclock(struct timespec64 *now)
{
	u64 ns = pvisor_clock_ns();

	now->tv_sec = pvisor_shared.wall_clock_sec + div_u64(ns, NSEC_PER_SEC);
	now->tv_nsec = pvisor_shared.wall_clock_nsec + do_div(ns, NSEC_PER_SEC);
	if (now->tv_nsec >= NSEC_PER_SEC) {
		now->tv_nsec -= NSEC_PER_SEC;
		now->tv_sec++;
	}
}

static void __init pvisor_time_init(void)
{
	clocksource_register_hz(&pvisor_clocksource, NSEC_PER_SEC);
	pvisor_clockevent.cpumask = cpumask_of(0);
	clockevents_config_and_register(&pvisor_clockevent, NSEC_PER_SEC,
					1000, ULONG_MAX);
}

void __init pvisor_init_time(void)
{
	x86_platform.calibrate_tsc = pvisor_tsc_khz;
	x86_platform.calibrate_cpu = pvisor_tsc_khz;
	x86_platform.get_wallclock = pvisor_get_wallclock;
	x86_init.timers.timer_init = pvisor_time_init;
	x86_init.timers.setup_percpu_clockev = x86_init_noop;
}

/* Static calls work from setup_arch() on: this runs in its arch_setup. */
void __init pvisor_init_sched_clock(void)
{
	paravirt_set_sched_clock(pvisor_clock_ns);
}
