// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the hypercall layer (hypercall.c): the ABI layout the
 * guest and the launcher rely on, dispatch and its argument rules (unknown
 * numbers, unused arguments that must be zero), the version answers (the
 * hypercalls, and the version ioctl's pvisor_fill_version() of dev.c), and
 * the hypercalls that only check and record guest state: shutdown, the
 * kernel stack, segment bases and the entry table, with the canonical-
 * address rule they share.
 *
 * Each case makes hypercalls through pvisor_hypercall() on the shared
 * fixture (kunit_helpers.h), a VM whose guest memory is user memory of
 * the test thread.
 */
#include "kunit_helpers.h"

#ifndef PVISOR_RIG_PLANT
#define PVISOR_RIG_PLANT	0
#endif

/* The offsets guest assembly and the launcher depend on. */
static void abi_layout_is_stable(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct pvisor_shared), 256UL);
	KUNIT_EXPECT_EQ(test, offsetof(struct pvisor_shared, irq_mask), 0UL);
	KUNIT_EXPECT_EQ(test, offsetof(struct pvisor_shared, irq_pending), 1UL);
	KUNIT_EXPECT_EQ(test, offsetof(struct pvisor_shared, cr2), 40UL);
	KUNIT_EXPECT_EQ(test, offsetof(struct pvisor_run, regs), 72UL);
	KUNIT_EXPECT_EQ(test, offsetof(struct pvisor_regs, rip), 128UL);
	KUNIT_EXPECT_EQ(test, sizeof(struct pvisor_mmu_op), 24UL);
	KUNIT_EXPECT_EQ(test, _IOC_SIZE(PVISOR_RUN), sizeof(struct pvisor_run));
	KUNIT_EXPECT_EQ(test, _IOC_TYPE(PVISOR_GET_VERSION), PVISOR_IOCTL_TYPE);
}

static void version_and_features_answer(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_VERSION, 0, 0, 0),
			(long)PVISOR_ABI_VERSION);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FEATURES, 0, 0, 0),
			(long)(PVISOR_HF_MMU_BATCH | PVISOR_HF_TSC_CLOCK |
			       PVISOR_HF_UNMAPPED_VA));
	KUNIT_EXPECT_STREQ(test, pvisor_hypercall_name(PVISOR_HC_VERSION),
			   "VERSION");
	KUNIT_EXPECT_STREQ(test, pvisor_hypercall_name(PVISOR_HC_NR), "?");
}

static void unknown_hypercall_is_enosys(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NR, 0, 0, 0), (long)-ENOSYS);
	KUNIT_EXPECT_EQ(test, hc(test, U64_MAX, 0, 0, 0), (long)-ENOSYS);
	KUNIT_EXPECT_EQ(test, hc(test, 1ULL << 32, 0, 0, 0), (long)-ENOSYS);
}

static void unused_arguments_must_be_zero(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_hc_args args = { .nr = PVISOR_HC_SHUTDOWN,
				       .arg = { 0, 7, 0, 0, 1 } };

	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_VERSION, 1, 0, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hypercall(&t->vcpu, &args), (long)-EINVAL);
	KUNIT_EXPECT_FALSE(test, t->vcpu.shutdown_requested);
}

static void shutdown_records_type_and_code(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;

	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SHUTDOWN, PVISOR_SHUTDOWN_NR,
				 0, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SHUTDOWN,
				 PVISOR_SHUTDOWN_POWEROFF, 1ULL << 32, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_FALSE(test, t->vcpu.shutdown_requested);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SHUTDOWN,
				 PVISOR_SHUTDOWN_PANIC, 42, 0), 0L);
	KUNIT_EXPECT_TRUE(test, t->vcpu.shutdown_requested);
	KUNIT_EXPECT_EQ(test, t->vcpu.shutdown_type, (u32)PVISOR_SHUTDOWN_PANIC);
	KUNIT_EXPECT_EQ(test, t->vcpu.shutdown_code, 42U);
}

static void canonical_follows_paging_mode(struct kunit *test)
{
	pvisor_host.paging_levels = 4;
	KUNIT_EXPECT_TRUE(test, pvisor_is_canonical(0x00007fffffffffffULL));
	KUNIT_EXPECT_FALSE(test, pvisor_is_canonical(0x0000800000000000ULL));
	KUNIT_EXPECT_TRUE(test, pvisor_is_canonical(0xffff800000000000ULL));
	KUNIT_EXPECT_FALSE(test, pvisor_is_canonical(0xff00000000000000ULL));
	pvisor_host.paging_levels = 5;
	KUNIT_EXPECT_TRUE(test, pvisor_is_canonical(0x0000800000000000ULL));
	KUNIT_EXPECT_TRUE(test, pvisor_is_canonical(0xff00000000000000ULL));
	KUNIT_EXPECT_FALSE(test, pvisor_is_canonical(0x0100000000000000ULL));
}

static void kernel_stack_stays_out_of_the_hole(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	u64 hole_end = 0xffff808000000000ULL;

	pvisor_host.paging_levels = 4;
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK,
				 0xffffc90000004000ULL, 0, 0), 0L);
	KUNIT_EXPECT_EQ(test, t->vcpu.sp0, 0xffffc90000004000ULL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK,
				 0xffffc90000004008ULL, 0, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK,
				 0x0000900000000000ULL, 0, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK,
				 0xffff800000001000ULL, 0, 0), (long)-EINVAL);
	/* A frame just below sp0 would land in the hole. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK, hole_end + 16, 0, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK, 0, 0, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, t->vcpu.sp0, 0xffffc90000004000ULL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK,
				 hole_end + PAGE_SIZE, 0, 0), 0L);
}

static void segment_bases_are_checked(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;

	pvisor_host.paging_levels = 4;
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_NR,
				 0, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_FS,
				 0x0000800000000000ULL, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SEGMENT_BASE,
				 PVISOR_SEG_GS_USER, 0x7f0000001000ULL, 0), 0L);
	KUNIT_EXPECT_EQ(test, t->vcpu.seg_base[PVISOR_SEG_GS_USER],
			0x7f0000001000ULL);
	KUNIT_EXPECT_EQ(test, t->vcpu.seg_base[PVISOR_SEG_FS], 0ULL);
}

static void entry_table_is_copied_then_checked(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_entries e = {
		.syscall = 0xffffffff81000000ULL,
		.interrupt = 0xffffffff81000100ULL,
	};
	u64 gpa = GUEST_BASE + PAGE_SIZE;

	pvisor_host.paging_levels = 4;
	e.exception[14] = 0xffffffff81000200ULL;
	put_guest(test, gpa, &e, sizeof(e));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_ENTRIES, gpa, 0, 0), 0L);
	KUNIT_EXPECT_TRUE(test, t->vcpu.entries_set);
	KUNIT_EXPECT_EQ(test, t->vcpu.entries.exception[14], e.exception[14]);

	/* An entry point in the switcher's hole is refused, and not kept. */
	e.exception[3] = 0xffff800000000000ULL;
	put_guest(test, gpa, &e, sizeof(e));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_ENTRIES, gpa, 0, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, t->vcpu.entries.exception[3], 0ULL);
	e.exception[3] = 0;
	e.reserved[5] = 1;
	put_guest(test, gpa, &e, sizeof(e));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_ENTRIES, gpa, 0, 0),
			(long)-EINVAL);
	/* A table that runs off the end of guest memory. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_ENTRIES,
				 GUEST_BASE + GUEST_SIZE - 64, 0, 0),
			(long)-EFAULT);
}

static void version_ioctl_reports_limits(struct kunit *test)
{
	struct pvisor_version v;

	memset(&v, 0xff, sizeof(v));
	pvisor_fill_version(&v);
	KUNIT_EXPECT_EQ(test, v.abi_version, (u32)PVISOR_ABI_VERSION);
	KUNIT_EXPECT_EQ(test, v.flags, 0U);
	KUNIT_EXPECT_TRUE(test, v.capabilities & PVISOR_CAP_VM);
	KUNIT_EXPECT_EQ(test, v.nr_hypercalls, (u32)PVISOR_HC_NR);
	KUNIT_EXPECT_EQ(test, v.host_paging_levels, pvisor_host.paging_levels);
	KUNIT_EXPECT_EQ(test, v.max_mem_regions, (u32)PVISOR_MAX_MEM_REGIONS);
	KUNIT_EXPECT_STREQ(test, v.module_version, PVISOR_MODULE_VERSION);
	KUNIT_EXPECT_EQ(test, v.reserved[3], 0ULL);
}

#if PVISOR_RIG_PLANT == 3
/* Built only by the rig's self-check, to show a failing case fails a run. */
static void rig_planted_failure(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_VERSION, 0, 0, 0), -1L);
}
#endif

static struct kunit_case pvisor_hypercall_cases[] = {
#if PVISOR_RIG_PLANT == 3
	KUNIT_CASE(rig_planted_failure),
#endif
	KUNIT_CASE(abi_layout_is_stable),
	KUNIT_CASE(version_and_features_answer),
	KUNIT_CASE(unknown_hypercall_is_enosys),
	KUNIT_CASE(unused_arguments_must_be_zero),
	KUNIT_CASE(shutdown_records_type_and_code),
	KUNIT_CASE(canonical_follows_paging_mode),
	KUNIT_CASE(kernel_stack_stays_out_of_the_hole),
	KUNIT_CASE(segment_bases_are_checked),
	KUNIT_CASE(entry_table_is_copied_then_checked),
	KUNIT_CASE(version_ioctl_reports_limits),
	{}
};

static struct kunit_suite pvisor_hypercall_suite = {
	.name = "pvisor_hypercall",
	.init = pvisor_kunit_vm_init,
	.exit = pvisor_kunit_vm_exit,
	.test_cases = pvisor_hypercall_cases,
};

kunit_test_suite(pvisor_hypercall_suite);
