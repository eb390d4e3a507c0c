/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture the pvisor KUnit suites share: a VM with one vCPU whose
 * guest memory is real user memory of the test thread (kunit_vm_mmap()),
 * so the code under test does the same copy_from_user() it does for a
 * launcher, and hypercalls made through pvisor_hypercall() exactly as the
 * switcher makes them.
 *
 * A suite sets .init = pvisor_kunit_vm_init and .exit = pvisor_kunit_vm_exit
 * (or wraps them); each case then finds its struct pvisor_kunit_vm in
 * test->priv.  The exit puts back the module-wide settings a case may
 * change (pvisor_host.paging_levels, pvisor_max_declared_tables).
 */
#ifndef PVISOR_KUNIT_HELPERS_H
#define PVISOR_KUNIT_HELPERS_H

#include <kunit/test.h>
#include <linux/uaccess.h>

#include "../pvisor.h"

#define GUEST_BASE	0x100000ULL		/* gpa of the test memory */
#define GUEST_PAGES	16
#define GUEST_SIZE	(GUEST_PAGES * PAGE_SIZE)

struct pvisor_kunit_vm {
	struct pvisor_vm vm;
	struct pvisor_vcpu vcpu;
	char __user *mem;			/* backs [GUEST_BASE, +SIZE) */
	unsigned int saved_levels;
	unsigned int saved_max_tables;
};

int pvisor_kunit_vm_init(struct kunit *test);
void pvisor_kunit_vm_exit(struct kunit *test);

/* Make hypercall @nr with three arguments, the other two zero. */
static inline long hc(struct kunit *test, u64 nr, u64 a0, u64 a1, u64 a2)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_hc_args args = { .nr = nr, .arg = { a0, a1, a2 } };

	return pvisor_hypercall(&t->vcpu, &args);
}

/* Write @n bytes at guest-physical @gpa, as the guest would. */
static inline void put_guest(struct kunit *test, u64 gpa, const void *src,
			     size_t n)
{
	struct pvisor_kunit_vm *t = test->priv;

	KUNIT_ASSERT_EQ(test, 0UL,
			copy_to_user(t->mem + (gpa - GUEST_BASE), src, n));
}

/* pvisor_gpa_to_user() as a number, for comparisons. */
static inline unsigned long translate(struct pvisor_vm *vm, u64 gpa, u64 len,
				      bool w)
{
	return (unsigned long)pvisor_gpa_to_user(vm, gpa, len, w);
}

#endif /* PVISOR_KUNIT_HELPERS_H */
