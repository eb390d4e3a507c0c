// SPDX-License-Identifier: GPL-2.0
/* The smallest guest: print through the console hypercall, shut down. */
#include "lib/guest.h"

long guest_main(unsigned long arg)
{
	guest_printf("hello from a pvisor guest (%lu MiB, arg %lu)\n",
		     guest_mem_size >> 20, arg);
	return 0;
}
