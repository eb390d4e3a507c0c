// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for guest-physical memory (memory.c): how memory slots are
 * checked when the launcher sets them, that a guest-physical range
 * translates to launcher memory only when all of it is inside one slot,
 * and that read-only memory is never written by the host.
 *
 * The cases run on the shared fixture (kunit_helpers.h): slot 0 is 16
 * pages at GUEST_BASE, backed by user memory of the test thread.
 */
#include "kunit_helpers.h"

static void memory_regions_are_validated(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_mem_region r = {
		.slot = 1, .guest_phys_addr = 0x10000000, .size = PAGE_SIZE,
		.userspace_addr = (unsigned long)t->mem,
	};

	r.guest_phys_addr += 1;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EINVAL);
	r.guest_phys_addr -= 1;
	r.flags = 0x80;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EINVAL);
	r.flags = 0;
	r.slot = PVISOR_MAX_MEM_REGIONS;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EINVAL);
	r.slot = 1;
	r.userspace_addr = TASK_SIZE_MAX;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EFAULT);
	r.userspace_addr = (unsigned long)t->mem;
	r.guest_phys_addr = PVISOR_MAX_GPA - PAGE_SIZE;
	r.size = 2 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EINVAL);
	/* Overlapping slot 0 by one page. */
	r.guest_phys_addr = GUEST_BASE + GUEST_SIZE - PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EEXIST);
	/* Adjacent is fine; deleting and re-adding too. */
	r.guest_phys_addr = GUEST_BASE + GUEST_SIZE;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), 0);
	r.size = 0;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), 0);
	KUNIT_EXPECT_EQ(test, t->vm.regions[1].size, 0ULL);
}

static void gpa_translation_stays_in_bounds(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vm *vm = &t->vm;
	u64 end = GUEST_BASE + GUEST_SIZE;

	KUNIT_EXPECT_EQ(test, translate(vm, GUEST_BASE + 8, 8, false),
			(unsigned long)t->mem + 8);
	KUNIT_EXPECT_EQ(test, translate(vm, end - 1, 1, true),
			(unsigned long)t->mem + GUEST_SIZE - 1);
	KUNIT_EXPECT_EQ(test, translate(vm, end - 1, 2, false), 0UL);
	KUNIT_EXPECT_EQ(test, translate(vm, end, 1, false), 0UL);
	KUNIT_EXPECT_EQ(test, translate(vm, GUEST_BASE - 1, 2, false), 0UL);
	KUNIT_EXPECT_EQ(test, translate(vm, GUEST_BASE, 0, false), 0UL);
	KUNIT_EXPECT_EQ(test, translate(vm, U64_MAX - 2, 8, false), 0UL);
	KUNIT_EXPECT_EQ(test, translate(vm, GUEST_BASE, U64_MAX, false), 0UL);
}

static void readonly_memory_refuses_writes(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_mem_region r = {
		.slot = 0, .guest_phys_addr = GUEST_BASE, .size = GUEST_SIZE,
		.userspace_addr = (unsigned long)t->mem,
		.flags = PVISOR_MEM_READONLY,
	};
	u32 v = 0xabcd;

	KUNIT_ASSERT_EQ(test, pvisor_mem_set_region(&t->vm, &r), 0);
	KUNIT_EXPECT_EQ(test, pvisor_write_guest(&t->vm, GUEST_BASE, &v, 4),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, pvisor_read_guest(&t->vm, GUEST_BASE, &v, 4), 0);
	/* The shared page is written by the host: read-only is refused. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SHARED_PAGE, GUEST_BASE,
				 0, 0), (long)-EFAULT);
}

static struct kunit_case pvisor_memory_cases[] = {
	KUNIT_CASE(memory_regions_are_validated),
	KUNIT_CASE(gpa_translation_stays_in_bounds),
	KUNIT_CASE(readonly_memory_refuses_writes),
	{}
};

static struct kunit_suite pvisor_memory_suite = {
	.name = "pvisor_memory",
	.init = pvisor_kunit_vm_init,
	.exit = pvisor_kunit_vm_exit,
	.test_cases = pvisor_memory_cases,
};

kunit_test_suite(pvisor_memory_suite);
