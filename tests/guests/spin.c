// SPDX-License-Identifier: GPL-2.0
/*
 * Spin forever without a single hypercall, or (argument 1) on hypercalls
 * the host serves as quick exits, never leaving its run loop's inner
 * series unless it must.  Either way the host must stay responsive (its
 * timer interrupts preempt the guest) and SIGKILL must end the launcher.
 */
#include "lib/guest.h"

long guest_main(unsigned long arg)
{
	volatile unsigned long n = arg;

	guest_puts("spinning\n");
	if (arg == 1)
		for (;;)
			hypercall0(PVISOR_HC_VERSION);
	for (;;)
		n++;
	return 0;
}
