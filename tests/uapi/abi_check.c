// SPDX-License-Identifier: GPL-2.0
/*
 * The ABI header must stand alone in userspace under strict C11: this file
 * is compiled with -std=c11 -Wall -Wextra -Werror (and -pedantic), and the
 * size assertions in the header itself fail the build if a layout moves.
 * At run time it checks the offsets a guest's assembly relies on.
 */
#include <stddef.h>
#include <stdio.h>
#include <linux/pvisor.h>

static int failed;

#define CHECK_OFFSET(type, field, off) do {				\
	size_t got = offsetof(type, field);				\
	if (got != (off)) {						\
		printf("not ok - offsetof(%s, %s) is %zu, expected %d\n", \
		       #type, #field, got, (off));			\
		failed = 1;						\
	}								\
} while (0)

int main(void)
{
	/* Guest assembly (cli/sti patches, entry code) uses these offsets. */
	CHECK_OFFSET(struct pvisor_shared, irq_mask, 0);
	CHECK_OFFSET(struct pvisor_shared, irq_pending, 1);
	CHECK_OFFSET(struct pvisor_shared, pending, 8);
	CHECK_OFFSET(struct pvisor_shared, cr2, 40);
	CHECK_OFFSET(struct pvisor_shared, time_version, 48);
	CHECK_OFFSET(struct pvisor_entries, exception, 24);
	CHECK_OFFSET(struct pvisor_run, regs, 72);
	CHECK_OFFSET(struct pvisor_regs, rip, 128);
	CHECK_OFFSET(struct pvisor_mmu_op, entry_gpa, 8);
	if (!failed)
		printf("ok - ABI layout (sizes checked at compile time)\n");
	return failed;
}
