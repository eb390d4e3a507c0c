// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: every pvisor hypercall, called from the guest kernel with valid
 * and invalid arguments.  The host-side suite (host/pvisor_kunit.c) tests
 * the handlers against fake guest memory; this one goes through the real
 * switcher and the real module, from a real Linux guest.  Calls whose
 * valid form would disturb the running kernel (SHUTDOWN, HALT, SET_TIMER,
 * IRET) are called only in forms that must fail or that change nothing.
 */
#include <kunit/test.h>
#include <linux/kallsyms.h>
#include <linux/mm.h>
#include <linux/sched/task_stack.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>
#include <asm/insn.h>
#include <asm/text-patching.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>
#include <asm/pvisor.h>

/* An address guest memory never reaches (the ABI caps it below 2^46). */
#define NO_SUCH_GPA	BIT_ULL(45)

#define hc5 pvisor_hypercall5

static void *page;	/* one page of guest memory for buffers */

static int hc_init(struct kunit *test)
{
	/* Natively, `syscall` in the kernel would be anything but a hypercall. */
	if (!pvisor_guest)
		kunit_skip(test, "not running under pvisor");
	page = (void *)get_zeroed_page(GFP_KERNEL);
	return page ? 0 : -ENOMEM;
}

static void hc_exit(struct kunit *test)
{
	if (page)
		free_page((unsigned long)page);
	page = NULL;
}

static void hc_version_and_features(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pvisor_hc0(PVISOR_HC_VERSION), PVISOR_ABI_VERSION);
	KUNIT_EXPECT_GE(test, pvisor_hc0(PVISOR_HC_FEATURES), 0);
	/* Arguments a call does not take must be zero. */
	KUNIT_EXPECT_EQ(test, hc5(PVISOR_HC_VERSION, 1, 0, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hc5(PVISOR_HC_VERSION, 0, 0, 0, 0, 1), -EINVAL);
}

static void hc_unknown_numbers(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pvisor_hc0(PVISOR_HC_NR), -ENOSYS);
	KUNIT_EXPECT_EQ(test, pvisor_hc0(1000), -ENOSYS);
	KUNIT_EXPECT_EQ(test, pvisor_hc0(~0UL), -ENOSYS);
}

static void hc_console_write(struct kunit *test)
{
	strscpy(page, "pvisor kunit: console write\n", PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_CONSOLE_WRITE, __pa(page), 28), 28);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_CONSOLE_WRITE, __pa(page), 0), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_CONSOLE_WRITE, __pa(page),
					 PVISOR_CONSOLE_WRITE_MAX + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_CONSOLE_WRITE, NO_SUCH_GPA, 8),
			-EFAULT);
}

static void hc_console_read(struct kunit *test)
{
	KUNIT_EXPECT_GE(test, pvisor_hc2(PVISOR_HC_CONSOLE_READ, __pa(page), 0), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_CONSOLE_READ, __pa(page),
					 PVISOR_CONSOLE_WRITE_MAX + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_CONSOLE_READ, NO_SUCH_GPA, 8),
			-EFAULT);
}

static void hc_shared_page(struct kunit *test)
{
	/* Registering the page already in use changes nothing. */
	KUNIT_EXPECT_EQ(test, pvisor_hc1(PVISOR_HC_SET_SHARED_PAGE,
					 __pa_symbol(&pvisor_shared)), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc1(PVISOR_HC_SET_SHARED_PAGE,
					 __pa_symbol(&pvisor_shared) + 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc1(PVISOR_HC_SET_SHARED_PAGE, NO_SUCH_GPA),
			-EFAULT);
}

static void hc_shutdown_timer_halt(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_SHUTDOWN, PVISOR_SHUTDOWN_NR, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_SHUTDOWN, 0, 1ULL << 32), -EINVAL);
	KUNIT_EXPECT_EQ(test, hc5(PVISOR_HC_SET_TIMER, 0, 1, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hc5(PVISOR_HC_HALT, 1, 0, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc0(PVISOR_HC_IRQ_ENABLE), 0);
}

static void hc_stack(struct kunit *test)
{
	unsigned long sp0 = current_top_of_stack();

	KUNIT_EXPECT_EQ(test, pvisor_hc1(PVISOR_HC_SET_STACK, sp0), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc1(PVISOR_HC_SET_STACK, sp0 - 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc1(PVISOR_HC_SET_STACK, 1ULL << 62), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc1(PVISOR_HC_SET_STACK, 0), -EINVAL);
}

static void hc_segment_bases(struct kunit *test)
{
	u64 fs;

	rdmsrl(MSR_FS_BASE, fs);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_SET_SEGMENT_BASE,
					 PVISOR_SEG_FS, fs), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_SET_SEGMENT_BASE,
					 PVISOR_SEG_NR, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_SET_SEGMENT_BASE,
					 PVISOR_SEG_FS, 1ULL << 62), -EINVAL);
}

static void hc_entries(struct kunit *test)
{
	struct pvisor_entries *e = page;

	memset(e, 0, sizeof(*e));
	e->flags = 1;
	KUNIT_EXPECT_EQ(test, pvisor_hc1(PVISOR_HC_SET_ENTRIES, __pa(e)), -EINVAL);
	e->flags = 0;
	e->syscall = 1ULL << 62;	/* not canonical */
	KUNIT_EXPECT_EQ(test, pvisor_hc1(PVISOR_HC_SET_ENTRIES, __pa(e)), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc1(PVISOR_HC_SET_ENTRIES, NO_SUCH_GPA), -EFAULT);
}

static void hc_new_cr3(struct kunit *test)
{
	unsigned long root = __read_cr3() & CR3_ADDR_MASK;

	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_NEW_CR3, root, root), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_NEW_CR3, root, root,
					 PVISOR_CR3_SAME_KERNEL_HALF), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_NEW_CR3, root, root, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_NEW_CR3, root + 8, root), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_NEW_CR3, NO_SUCH_GPA, 0), -EFAULT);
}

/* One MMU_UPDATE op, sent from the buffer page. */
static long mmu_op(u32 type, u32 level, u64 entry_gpa, u64 value)
{
	struct pvisor_mmu_op *op = page;

	*op = (struct pvisor_mmu_op){
		.op = type, .level = level, .entry_gpa = entry_gpa, .value = value,
	};
	return pvisor_hc2(PVISOR_HC_MMU_UPDATE, __pa(op), 1);
}

static void hc_mmu_update(struct kunit *test)
{
	struct pvisor_mmu_op *op = page;

	/*
	 * Entries go into our page below: make sure the host has no old
	 * declaration of it as a table of another level (a page Linux freed
	 * without releasing it may come back to us).
	 */
	KUNIT_ASSERT_EQ(test, mmu_op(PVISOR_MMU_DECLARE_TABLE, 1, 0, __pa(page)), 1);
	KUNIT_ASSERT_EQ(test, mmu_op(PVISOR_MMU_RELEASE_TABLE, 1, 0, __pa(page)), 1);

	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_MMU_UPDATE, __pa(op),
					 PVISOR_MMU_BATCH_MAX + 1), -EINVAL);
	memset(op, 0, sizeof(*op));
	op->op = PVISOR_MMU_NR;
	op->level = 1;
	op->entry_gpa = __pa(page) + 64;
	KUNIT_EXPECT_LT(test, pvisor_hc2(PVISOR_HC_MMU_UPDATE, __pa(op), 1), 0);
	op->op = PVISOR_MMU_SET_ENTRY;
	op->entry_gpa = NO_SUCH_GPA;
	KUNIT_EXPECT_LT(test, pvisor_hc2(PVISOR_HC_MMU_UPDATE, __pa(op), 1), 0);
	KUNIT_EXPECT_LT(test, pvisor_hc2(PVISOR_HC_MMU_UPDATE, NO_SUCH_GPA, 1), 0);

	/* Applied: a present entry at our own page, then a PROT_NONE one. */
	op[1] = op[0];
	op[0].entry_gpa = __pa(page) + 64;
	op[0].value = __pa(page) | _PAGE_PRESENT;
	op[1].entry_gpa = __pa(page) + 72;
	op[1].value = (~0ULL & PTE_PFN_MASK) | _PAGE_PROTNONE;
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_MMU_UPDATE, __pa(op), 2), 2);
	KUNIT_EXPECT_EQ(test, *(u64 *)(page + 64), op[0].value);
	KUNIT_EXPECT_EQ(test, *(u64 *)(page + 72), op[1].value);
}

/*
 * This kernel declares its page tables (mmu.c), so the host holds it to
 * them: roots must be declared top-level tables, a declared table takes
 * entries of its own level only, and the loaded root cannot be released.
 */
static void hc_mmu_tables(struct kunit *test)
{
	unsigned long root = __read_cr3() & CR3_ADDR_MASK;
	unsigned int top = pgtable_l5_enabled() ? 5 : 4;
	void *table = (void *)get_zeroed_page(GFP_KERNEL);
	u64 t, entry = __pa(page) | _PAGE_PRESENT;

	KUNIT_ASSERT_NOT_NULL(test, table);
	t = __pa(table);
	/* The kernel declared its root, as a top-level table: */
	KUNIT_EXPECT_EQ(test, mmu_op(PVISOR_MMU_RELEASE_TABLE, 1, 0, root), -EINVAL);
	/* and it cannot release it while it is loaded. */
	KUNIT_EXPECT_EQ(test, mmu_op(PVISOR_MMU_RELEASE_TABLE, top, 0, root), -EBUSY);
	KUNIT_EXPECT_EQ(test, mmu_op(PVISOR_MMU_DECLARE_TABLE, 1, 8, t), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(PVISOR_MMU_DECLARE_TABLE, 1, 0, NO_SUCH_GPA), -EFAULT);

	KUNIT_ASSERT_EQ(test, mmu_op(PVISOR_MMU_DECLARE_TABLE, 1, 0, t), 1);
	KUNIT_EXPECT_EQ(test, mmu_op(PVISOR_MMU_SET_ENTRY, 2, t + 8, entry), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(PVISOR_MMU_SET_ENTRY, 1, t + 8, entry), 1);
	KUNIT_EXPECT_EQ(test, *(u64 *)(table + 8), entry);
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_NEW_CR3, t, t), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(PVISOR_MMU_RELEASE_TABLE, 2, 0, t), -EINVAL);
	KUNIT_ASSERT_EQ(test, mmu_op(PVISOR_MMU_RELEASE_TABLE, 1, 0, t), 1);
	/* Not declared now: refused as a root. */
	KUNIT_EXPECT_EQ(test, pvisor_hc2(PVISOR_HC_NEW_CR3, t, t), -EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(PVISOR_MMU_SET_ENTRY, 2, t + 8, 0), 1);
	free_page((unsigned long)table);
}

static void hc_flush_tlb(struct kunit *test)
{
	unsigned long va = (unsigned long)page;

	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ALL, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ONE, va, 1), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_RANGE, va, 4), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_NR, 0, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ALL, va, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ONE, va, 2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_RANGE, va, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ONE,
					 1ULL << 62, 1), -EINVAL);
}

static void hc_cpuid(struct kunit *test)
{
	struct pvisor_cpuid *out = page;

	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_CPUID, 0x40000000, 0, __pa(out)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&out->ebx, "pvisorpvisor", 12), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_CPUID, 0x40000001, 0, __pa(out)), 0);
	KUNIT_EXPECT_EQ(test, out->eax, PVISOR_ABI_VERSION);
	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_CPUID, 1ULL << 32, 0, __pa(out)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hc3(PVISOR_HC_CPUID, 0, 0, NO_SUCH_GPA), -EFAULT);
}

/*
 * XCR0 is the one this kernel set (its xsetbv went to the host): what its
 * processes can enable, the kernel saves and restores.  CPUID leaf 0xd
 * sizes the area for it, and offers what the host lets guests have.
 */
static void hc_xcr0_is_the_kernels(struct kunit *test)
{
	struct pvisor_cpuid *out = page;

	/* The host's view, not ours: a kernel that hid XSAVE must fail. */
	KUNIT_ASSERT_EQ(test, pvisor_hc3(PVISOR_HC_CPUID, 1, 0, __pa(out)), 0);
	if (!(out->ecx & BIT(X86_FEATURE_XSAVE & 31)))
		kunit_skip(test, "no XSAVE on this CPU");
	KUNIT_ASSERT_TRUE(test, boot_cpu_has(X86_FEATURE_XSAVE));
	KUNIT_EXPECT_EQ(test, xgetbv(XCR_XFEATURE_ENABLED_MASK),
			fpu_user_cfg.max_features);
	KUNIT_ASSERT_EQ(test, pvisor_hc3(PVISOR_HC_CPUID, 0xd, 0, __pa(out)), 0);
	KUNIT_EXPECT_EQ(test, out->ebx, fpu_user_cfg.max_size);
	KUNIT_EXPECT_EQ(test, fpu_user_cfg.max_features &
			~(out->eax | (u64)out->edx << 32), 0ULL);
	KUNIT_ASSERT_EQ(test, pvisor_hc3(PVISOR_HC_CPUID, 0xd, 1, __pa(out)), 0);
	KUNIT_EXPECT_FALSE(test, out->eax & BIT(3));	/* XSAVES */
}

/* save_fl, irq_disable and, with IF set in the saved flags, irq_enable. */
static noinline void irq_ops_probe(void)
{
	unsigned long flags;

	raw_local_irq_save(flags);
	barrier();
	raw_local_irq_restore(flags);
}

/*
 * The IRQ operations are patched inline (asm/pvisor_irq.h): the probe's
 * code, as the alternatives left it, calls none of the pv_ops thunks and
 * touches the shared page's irq_mask itself.  IRQ_ENABLE is the hypercall
 * the inline sti makes when irq_pending is set.
 */
static void hc_irq_enable_inline(struct kunit *test)
{
	const void *thunk[] = { pv_ops.irq.save_fl.func,
				pv_ops.irq.irq_disable.func,
				pv_ops.irq.irq_enable.func };
	unsigned long size, off, mask = (unsigned long)&pvisor_shared.irq_mask;
	unsigned long probe = (unsigned long)irq_ops_probe;
	u8 *p = (u8 *)probe, *end, *next;
	int calls = 0, touches = 0, i;
	struct insn insn;

	KUNIT_ASSERT_TRUE(test, boot_cpu_has(X86_FEATURE_PVISOR));
	KUNIT_ASSERT_TRUE(test, kallsyms_lookup_size_offset(probe, &size, &off));
	for (end = p + size; p < end; p = next) {
		KUNIT_ASSERT_EQ(test, insn_decode_kernel(&insn, p), 0);
		next = p + insn.length;
		for (i = 0; i < ARRAY_SIZE(thunk); i++)
			if (insn.opcode.bytes[0] == CALL_INSN_OPCODE &&
			    next + insn.immediate.value == thunk[i])
				calls++;
		if (insn_rip_relative(&insn) &&
		    (unsigned long)next + insn.displacement.value == mask)
			touches++;
	}
	KUNIT_EXPECT_EQ(test, calls, 0);
	KUNIT_EXPECT_GE(test, touches, 3);

	/* What the inline code does. */
	raw_local_irq_disable();
	KUNIT_EXPECT_EQ(test, READ_ONCE(pvisor_shared.irq_mask), 1);
	KUNIT_EXPECT_EQ(test, arch_local_save_flags(), 0UL);
	raw_local_irq_enable();
	KUNIT_EXPECT_EQ(test, READ_ONCE(pvisor_shared.irq_mask), 0);
	KUNIT_EXPECT_EQ(test, arch_local_save_flags(), X86_EFLAGS_IF);
	/*
	 * An sti that finds irq_pending set goes to the host, which
	 * delivers what really waits and writes irq_pending afresh before
	 * it resumes us: nothing is left pending for an unmasked guest.
	 */
	raw_local_irq_disable();
	WRITE_ONCE(pvisor_shared.irq_pending, 1);
	raw_local_irq_enable();
	KUNIT_EXPECT_EQ(test, READ_ONCE(pvisor_shared.irq_pending), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc0(PVISOR_HC_IRQ_ENABLE), 0);
	KUNIT_EXPECT_EQ(test, pvisor_hc1(PVISOR_HC_IRQ_ENABLE, 1), -EINVAL);
}

static struct kunit_case pvisor_hypercall_cases[] = {
	KUNIT_CASE(hc_version_and_features),
	KUNIT_CASE(hc_unknown_numbers),
	KUNIT_CASE(hc_console_write),
	KUNIT_CASE(hc_console_read),
	KUNIT_CASE(hc_shared_page),
	KUNIT_CASE(hc_shutdown_timer_halt),
	KUNIT_CASE(hc_stack),
	KUNIT_CASE(hc_segment_bases),
	KUNIT_CASE(hc_entries),
	KUNIT_CASE(hc_new_cr3),
	KUNIT_CASE(hc_mmu_update),
	KUNIT_CASE(hc_mmu_tables),
	KUNIT_CASE(hc_flush_tlb),
	KUNIT_CASE(hc_cpuid),
	KUNIT_CASE(hc_xcr0_is_the_kernels),
	KUNIT_CASE(hc_irq_enable_inline),
	{}
};

static struct kunit_suite pvisor_guest_hypercall_suite = {
	.name = "pvisor_guest_hypercall",
	.init = hc_init,
	.exit = hc_exit,
	.test_cases = pvisor_hypercall_cases,
};

kunit_test_suite(pvisor_guest_hypercall_suite);

