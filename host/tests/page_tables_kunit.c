// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the MMU hypercalls (page_tables.c): NEW_CR3 roots,
 * NEW_CR3 in a quick exit, FLUSH_TLB arguments, MMU_UPDATE batches (applied up to the first bad
 * entry), and the record of declared page-table pages: what it checks,
 * and that past max_declared_tables it is dropped with all its checks.
 *
 * Batches are written into the shared fixture's guest memory
 * (kunit_helpers.h) and sent with pvisor_hypercall(); entries are read
 * back from guest memory.
 */
#include "kunit_helpers.h"

static void new_cr3_roots_must_be_guest_pages(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;

	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE + 8, 0, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, 0x7000000, 0, 0),
			(long)-EFAULT);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE,
				 GUEST_BASE + GUEST_SIZE, 0), (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, t->vcpu.cr3_kernel, 0ULL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE,
				 GUEST_BASE + PAGE_SIZE, 0), 0L);
	KUNIT_EXPECT_EQ(test, t->vcpu.cr3_kernel, GUEST_BASE);
	KUNIT_EXPECT_EQ(test, t->vcpu.cr3_user, GUEST_BASE + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE, GUEST_BASE,
				 PVISOR_CR3_SAME_KERNEL_HALF), 0L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE, GUEST_BASE,
				 4), (long)-EINVAL);
	/* KEEP_USER only beside SAME_KERNEL_HALF. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE, GUEST_BASE,
				 PVISOR_CR3_KEEP_USER), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE, GUEST_BASE,
				 PVISOR_CR3_KEEP_USER | PVISOR_CR3_SAME_KERNEL_HALF), 0L);
}

/* pvisor_hypercall_quick() with host interrupts off, as run.c calls it. */
static bool quick_hc(struct kunit *test, u64 nr, u64 a0, u64 a1, u64 a2, long *ret)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_hc_args args = { .nr = nr, .arg = { a0, a1, a2 } };
	unsigned long flags;
	bool served;

	local_irq_save(flags);
	served = pvisor_hypercall_quick(&t->vcpu, &args, ret);
	local_irq_restore(flags);
	return served;
}

/*
 * In a quick exit NEW_CR3 answers as in the ordinary loop, except while
 * the slot table is being written: then it is not served and nothing
 * changed.  A call that may sleep is never served there.
 */
static void new_cr3_in_a_quick_exit(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	long ret = 1;

	KUNIT_EXPECT_TRUE(test, quick_hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE,
					 GUEST_BASE + PAGE_SIZE, 0, &ret));
	KUNIT_EXPECT_EQ(test, ret, 0L);
	KUNIT_EXPECT_EQ(test, t->vcpu.cr3_user, GUEST_BASE + PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, quick_hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE + 8,
					 0, 0, &ret));
	KUNIT_EXPECT_EQ(test, ret, (long)-EINVAL);
	/* Outside guest memory: the ordinary loop gives the answer. */
	KUNIT_EXPECT_FALSE(test, quick_hc(test, PVISOR_HC_NEW_CR3, 0x7000000,
					  0, 0, &ret));
	KUNIT_EXPECT_EQ(test, t->vcpu.cr3_kernel, GUEST_BASE);

	/* The slots being changed: not served, the roots as they were. */
	mutex_lock(&t->vm.lock);
	write_seqcount_begin(&t->vm.regions_seq);
	KUNIT_EXPECT_FALSE(test, quick_hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE,
					  GUEST_BASE, 0, &ret));
	write_seqcount_end(&t->vm.regions_seq);
	mutex_unlock(&t->vm.lock);
	KUNIT_EXPECT_EQ(test, t->vcpu.cr3_user, GUEST_BASE + PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, quick_hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE,
					 GUEST_BASE, 0, &ret));
	KUNIT_EXPECT_EQ(test, t->vcpu.cr3_user, GUEST_BASE);

	/* FLUSH_TLB is quick; MMU_UPDATE (it copies a batch) is not. */
	KUNIT_EXPECT_TRUE(test, quick_hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ALL,
					 0, 0, &ret));
	KUNIT_EXPECT_EQ(test, ret, 0L);
	KUNIT_EXPECT_FALSE(test, quick_hc(test, PVISOR_HC_MMU_UPDATE, GUEST_BASE,
					  1, 0, &ret));
	KUNIT_EXPECT_FALSE(test, quick_hc(test, PVISOR_HC_NR, 0, 0, 0, &ret));
}

static void flush_tlb_arguments_are_checked(struct kunit *test)
{
	pvisor_host.paging_levels = 4;
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ALL, 0, 0), 0L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ALL, 4096, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_USER, 0, 0), 0L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_USER, 0, 1),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ONE, 4096, 2),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ONE, 4096, 1), 0L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_RANGE, 4096, 0),
			(long)-EINVAL);
	/* A range whose end leaves the canonical lower half. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_RANGE,
				 0x00007ffffffff000ULL, 2), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_RANGE, 4096,
				 PVISOR_FLUSH_RANGE_MAX + 1), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_NR, 0, 0),
			(long)-EINVAL);
}

static void mmu_update_applies_checked_entries_only(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	u64 batch = GUEST_BASE + 2 * PAGE_SIZE, entry = GUEST_BASE + 8, got;
	struct pvisor_mmu_op ops[2] = {
		{ .op = PVISOR_MMU_SET_ENTRY, .level = 1, .entry_gpa = entry,
		  .value = GUEST_BASE | _PAGE_PRESENT | _PAGE_RW },
		/* Present, but the frame is not guest memory. */
		{ .op = PVISOR_MMU_SET_ENTRY, .level = 1, .entry_gpa = entry + 8,
		  .value = 0x40000000ULL | _PAGE_PRESENT },
	};

	pvisor_host.paging_levels = 4;
	put_guest(test, batch, ops, sizeof(ops));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch, 2, 0), 1L);
	KUNIT_ASSERT_EQ(test, pvisor_read_guest(&t->vm, entry, &got, 8), 0);
	KUNIT_EXPECT_EQ(test, got, ops[0].value);
	KUNIT_ASSERT_EQ(test, pvisor_read_guest(&t->vm, entry + 8, &got, 8), 0);
	KUNIT_EXPECT_EQ(test, got, 0ULL);

	/* Nothing applied at all: the error itself. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch + sizeof(ops[0]),
				 1, 0), (long)-EFAULT);
	ops[0].level = 6;
	put_guest(test, batch, ops, sizeof(ops));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch, 1, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch,
				 PVISOR_MMU_BATCH_MAX + 1, 0), (long)-EINVAL);
	/* A batch that runs off the end of guest memory. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE,
				 GUEST_BASE + GUEST_SIZE - 24, 2, 0), (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch, 0, 0), 0L);

	/*
	 * Not present: the rest is the guest's (here a PROT_NONE entry as
	 * Linux writes it, frame bits inverted), applied as it is.
	 */
	ops[0].level = 1;
	ops[0].value = (~0ULL & PTE_PFN_MASK) | _PAGE_PROTNONE;
	put_guest(test, batch, ops, sizeof(ops));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch, 1, 0), 1L);
	KUNIT_ASSERT_EQ(test, pvisor_read_guest(&t->vm, entry, &got, 8), 0);
	KUNIT_EXPECT_EQ(test, got, ops[0].value);
	/* The same frame bits present: beyond any guest memory. */
	ops[0].value |= _PAGE_PRESENT;
	put_guest(test, batch, ops, sizeof(ops));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch, 1, 0),
			(long)-EINVAL);
}

/* Send one MMU_UPDATE op, from a batch at the third guest page. */
static long mmu_op(struct kunit *test, u32 op, u32 level, u64 entry_gpa,
		   u64 value)
{
	struct pvisor_mmu_op o = {
		.op = op, .level = level, .entry_gpa = entry_gpa, .value = value,
	};
	u64 batch = GUEST_BASE + 2 * PAGE_SIZE;

	put_guest(test, batch, &o, sizeof(o));
	return hc(test, PVISOR_HC_MMU_UPDATE, batch, 1, 0);
}

static void mmu_tables_are_declared_and_checked(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	u64 pte_table = GUEST_BASE + 4 * PAGE_SIZE;
	u64 root = GUEST_BASE + 5 * PAGE_SIZE;
	u64 other = GUEST_BASE + 6 * PAGE_SIZE;
	u64 entry = GUEST_BASE | _PAGE_PRESENT;

	pvisor_host.paging_levels = 4;
	/* Nothing declared yet: any guest page may be a root. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, other, other, 0), 0L);
	KUNIT_EXPECT_FALSE(test, t->vm.declares_tables);

	/* Declarations are checked like any page argument. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 1, 8, pte_table),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 1, 0,
				     pte_table + 8), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 1, 0,
				     GUEST_BASE + GUEST_SIZE), (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 5, 0, pte_table),
			(long)-EINVAL);
	KUNIT_EXPECT_FALSE(test, t->vm.declares_tables);

	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 1, 0, pte_table), 1L);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 4, 0, root), 1L);
	KUNIT_EXPECT_TRUE(test, t->vm.declares_tables);

	/* Into a declared table, only entries of its level. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 2, pte_table, entry),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 1, pte_table, entry),
			1L);
	/* An undeclared page takes any level, as before any declaration. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 3, other, entry), 1L);

	/* Roots: only declared top-level tables, both of them. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, other, 0, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, pte_table, 0, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, root, other, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, t->vcpu.cr3_kernel, other);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, root, root, 0), 0L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, root, 0, 0), 0L);

	/* Released as what it was, and not while it is loaded. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_RELEASE_TABLE, 4, 0, root),
			(long)-EBUSY);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_RELEASE_TABLE, 2, 0, pte_table),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_RELEASE_TABLE, 1, 0, pte_table),
			1L);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 2, pte_table, entry),
			1L);
	/* A page declared again takes its new level. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 1, 0, other), 1L);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 2, 0, other), 1L);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 1, other, entry),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 2, other, entry), 1L);
	/* Releasing what was never declared changes nothing. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_RELEASE_TABLE, 3, 0,
				     GUEST_BASE + 7 * PAGE_SIZE), 1L);
}

/* Past the limit the record goes, and every check with it. */
static void mmu_tables_past_the_limit_are_not_checked(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	u64 a = GUEST_BASE + 4 * PAGE_SIZE, b = GUEST_BASE + 5 * PAGE_SIZE;
	u64 c = GUEST_BASE + 6 * PAGE_SIZE;

	pvisor_host.paging_levels = 4;
	pvisor_max_declared_tables = 2;
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 1, 0, a), 1L);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 4, 0, b), 1L);
	/* Declared again: no new record, so still within the limit. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 1, 0, a), 1L);
	KUNIT_EXPECT_FALSE(test, t->vm.tables_dropped);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 2, a, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, c, 0, 0), (long)-EINVAL);

	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 1, 0, c), 1L);
	KUNIT_EXPECT_TRUE(test, t->vm.tables_dropped);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->vm.tables));
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 2, a, 0), 1L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, c, 0, 0), 0L);
	/* Later declarations and releases are still checked as arguments, not kept. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 1, 0, a + 8),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_DECLARE_TABLE, 1, 0, a), 1L);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->vm.tables));
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_RELEASE_TABLE, 2, 0, a), 1L);
}

static struct kunit_case pvisor_page_tables_cases[] = {
	KUNIT_CASE(new_cr3_roots_must_be_guest_pages),
	KUNIT_CASE(new_cr3_in_a_quick_exit),
	KUNIT_CASE(flush_tlb_arguments_are_checked),
	KUNIT_CASE(mmu_update_applies_checked_entries_only),
	KUNIT_CASE(mmu_tables_are_declared_and_checked),
	KUNIT_CASE(mmu_tables_past_the_limit_are_not_checked),
	{}
};

static struct kunit_suite pvisor_page_tables_suite = {
	.name = "pvisor_page_tables",
	.init = pvisor_kunit_vm_init,
	.exit = pvisor_kunit_vm_exit,
	.test_cases = pvisor_page_tables_cases,
};

kunit_test_suite(pvisor_page_tables_suite);
