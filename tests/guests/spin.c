// SPDX-License-Identifier: GPL-2.0
/*
 * Spin forever without a single hypercall.  The host must stay responsive
 * (its timer interrupts preempt the guest) and SIGKILL must end the
 * launcher.
 */
#include "lib/guest.h"

long guest_main(unsigned long arg)
{
	volatile unsigned long n = arg;

	guest_puts("spinning\n");
	for (;;)
		n++;
	return 0;
}
