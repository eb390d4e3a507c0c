// SPDX-License-Identifier: GPL-2.0
/*
 * pvisor guest: the MMU side of paravirt_ops.
 *
 * The host shadows our page tables, so page-table entries live in guest
 * memory and stay guest-physical (pte_val and friends are the native
 * identity).  What a CPL-3 kernel cannot do itself goes to the host:
 * loading a root (NEW_CR3), and every TLB flush, which is also when the
 * host forgets the shadow translations we changed.  The host's shadows
 * behave as a TLB with PCIDs and global pages, and Linux drives them as
 * such: kernel mappings are global, and a CR3 load says whether the new
 * ASID's translations are still good.  cr2 of a page fault is in the
 * shared page.
 *
 * Entry writes: in lazy MMU mode (fork's copy, munmap's zap, mprotect,
 * mremap, vmalloc) set_pte and the other entry writers queue their stores,
 * and leaving the mode applies the queue with one MMU_UPDATE, which the
 * host validates entry by entry.  Linux reads back no entry it wrote in the
 * mode before leaving it (Xen PV defers the same way), and the TLB flush
 * that makes a change visible comes after the leave.  Outside the mode, and
 * in interrupt context, an entry is a plain store: the host treats it like
 * any write to guest memory.  pvisor.mmu_batch=off makes every write plain.
 *
 * Page-table pages are declared to the host as they are linked in and
 * released as they are freed (see pvisor_declare_table()), so that the host
 * can refuse a page-table update that cannot be right.
 */
#include <linux/init.h>
#include <linux/mm_types.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <asm/paravirt.h>
#include <asm/tlbflush.h>
#include <asm/pvisor.h>

static unsigned long pvisor_cr3;

/* A uniprocessor guest: one queue, entered and left by one CPU. */
#define MMU_QUEUE_LEN	64
static struct pvisor_mmu_op mmu_queue[MMU_QUEUE_LEN];
static unsigned int mmu_queued;
static unsigned int mmu_lazy;		/* nesting depth of lazy MMU mode */
static bool mmu_batch __ro_after_init = true;	/* pvisor.mmu_batch= */

static int __init pvisor_mmu_batch_param(char *arg)
{
	return kstrtobool(arg, &mmu_batch);
}
early_param("pvisor.mmu_batch", pvisor_mmu_batch_param);

/*
 * Send the queue.  Callers keep preemption off: a context switch sends the
 * queue too, and must not find it half-sent or half-written.
 */
static void pvisor_mmu_queue_flush(void)
{
	unsigned int n = mmu_queued;
	long ret;

	if (!n)
		return;
	ret = pvisor_hc2(PVISOR_HC_MMU_UPDATE, __pa_symbol(mmu_queue), n);
	mmu_queued = 0;
	/* Some of our page tables would not say what the kernel believes. */
	if (ret != n) {
		/* The host stops at the first op it refuses: name that one. */
		const struct pvisor_mmu_op *op = &mmu_queue[ret > 0 && ret < n ? ret : 0];

		panic("pvisor: the host applied %ld of %u page-table updates; refused: op %u level %u at %#llx, value %#llx\n",
		      ret, n, op->op, op->level, op->entry_gpa, op->value);
	}
}

/* Append one update to the queue (never from interrupt context). */
static void pvisor_mmu_queue(u32 type, unsigned int level, u64 entry_gpa,
			     u64 value)
{
	struct pvisor_mmu_op *op;

	preempt_disable();
	if (mmu_queued == MMU_QUEUE_LEN)
		pvisor_mmu_queue_flush();
	op = &mmu_queue[mmu_queued];
	op->op = type;
	op->level = level;
	op->entry_gpa = entry_gpa;
	op->value = value;
	mmu_queued++;
	preempt_enable();
}

static void pvisor_set_entry(void *entry, u64 val, unsigned int level)
{
	if (!mmu_lazy || in_interrupt())
		WRITE_ONCE(*(u64 *)entry, val);
	else
		pvisor_mmu_queue(PVISOR_MMU_SET_ENTRY, level, __pa(entry), val);
}

static void pvisor_set_pte(pte_t *ptep, pte_t pte)
{
	pvisor_set_entry(ptep, native_pte_val(pte), 1);
}

static void pvisor_set_pmd(pmd_t *pmdp, pmd_t pmd)
{
	pvisor_set_entry(pmdp, native_pmd_val(pmd), 2);
}

static void pvisor_set_pud(pud_t *pudp, pud_t pud)
{
	pvisor_set_entry(pudp, native_pud_val(pud), 3);
}

static void pvisor_set_p4d(p4d_t *p4dp, p4d_t p4d)
{
	/* With 4-level paging the p4d is folded into the top level. */
	pvisor_set_entry(p4dp, native_p4d_val(p4d), 4);
}

#if CONFIG_PGTABLE_LEVELS >= 5
static void pvisor_set_pgd(pgd_t *pgdp, pgd_t pgd)
{
	pvisor_set_entry(pgdp, native_pgd_val(pgd), 5);
}
#endif

/*
 * Page-table pages are declared to the host as Linux links them into a
 * tree (the alloc hooks run in pmd_populate() and friends, just before the
 * entry that links the table is written; pgd_alloc() for a root) and
 * released when Linux frees them.  The host checks queued entry writes,
 * roots and releases against that record.  The declarations wait in the
 * queue, costing no hypercall of their own, and keep their order with the
 * entries queued after them; write_cr3 sends the queue before it loads a
 * root, so a new root is declared before it is loaded.  An interrupt may
 * find the queue half-way through an append, so a release in interrupt
 * context is not sent: the page stays declared, which only weakens the
 * checks for it until it is declared again.
 */
static unsigned int pvisor_top_level(void)
{
	/* pgtable_l5_enabled() is not yet true this early in the boot. */
	return pvisor_boot.paging_levels;
}

static void pvisor_declare_table(unsigned long pfn, unsigned int level)
{
	/* Linux links no table in interrupt context; say so if it starts. */
	if (!WARN_ON_ONCE(in_interrupt()))
		pvisor_mmu_queue(PVISOR_MMU_DECLARE_TABLE, level, 0, PFN_PHYS(pfn));
}

static void pvisor_release_table(unsigned long pfn, unsigned int level)
{
	if (!in_interrupt())
		pvisor_mmu_queue(PVISOR_MMU_RELEASE_TABLE, level, 0, PFN_PHYS(pfn));
}

static void pvisor_alloc_pte(struct mm_struct *mm, unsigned long pfn)
{
	pvisor_declare_table(pfn, 1);
}

static void pvisor_alloc_pmd(struct mm_struct *mm, unsigned long pfn)
{
	pvisor_declare_table(pfn, 2);
}

static void pvisor_alloc_pud(struct mm_struct *mm, unsigned long pfn)
{
	pvisor_declare_table(pfn, 3);
}

/* Called only with 5-level paging: with 4 levels the p4d is the pgd. */
static void pvisor_alloc_p4d(struct mm_struct *mm, unsigned long pfn)
{
	pvisor_declare_table(pfn, 4);
}

static void pvisor_release_pte(unsigned long pfn)
{
	pvisor_release_table(pfn, 1);
}

static void pvisor_release_pmd(unsigned long pfn)
{
	pvisor_release_table(pfn, 2);
}

static void pvisor_release_pud(unsigned long pfn)
{
	pvisor_release_table(pfn, 3);
}

static void pvisor_release_p4d(unsigned long pfn)
{
	pvisor_release_table(pfn, 4);
}

static int pvisor_pgd_alloc(struct mm_struct *mm)
{
	pvisor_declare_table(PHYS_PFN(__pa(mm->pgd)), pvisor_top_level());
	return 0;
}

static void pvisor_pgd_free(struct mm_struct *mm, pgd_t *pgd)
{
	pvisor_release_table(PHYS_PFN(__pa(pgd)), pvisor_top_level());
}

/* pvisor.mmu_batch is parsed after pvisor_init_mmu(): checked here. */
static void pvisor_enter_lazy_mmu(void)
{
	if (mmu_batch)
		mmu_lazy++;
}

static void pvisor_leave_lazy_mmu(void)
{
	preempt_disable();
	if (mmu_lazy && --mmu_lazy == 0)
		pvisor_mmu_queue_flush();
	preempt_enable();
}

static void pvisor_flush_lazy_mmu(void)
{
	/* An interrupt may find the queue half-way through an append. */
	if (in_interrupt())
		return;
	preempt_disable();
	pvisor_mmu_queue_flush();
	preempt_enable();
}

/*
 * A task switched out in lazy MMU mode (apply_to_page_range() may sleep
 * in its callback) leaves it, and enters it again when it next runs.
 */
static void pvisor_start_context_switch(struct task_struct *prev)
{
	if (!mmu_lazy)
		return;
	WARN_ON_ONCE(mmu_lazy > 1);
	pvisor_mmu_queue_flush();
	mmu_lazy = 0;
	set_ti_thread_flag(task_thread_info(prev), TIF_LAZY_MMU_UPDATES);
}

static void pvisor_end_context_switch(struct task_struct *next)
{
	if (test_and_clear_ti_thread_flag(task_thread_info(next),
					  TIF_LAZY_MMU_UPDATES))
		mmu_lazy = 1;
}

static void pvisor_flush(unsigned int op, unsigned long va, unsigned long n)
{
	long ret = pvisor_hc3(PVISOR_HC_FLUSH_TLB, op, va, n);

	WARN_ONCE(ret, "pvisor: TLB flush %u %#lx+%lu refused: %ld\n",
		  op, va, n, ret);
}

static void pvisor_flush_tlb_all(void)
{
	pvisor_flush(PVISOR_FLUSH_ALL, 0, 0);
}

/* The non-global translations of the loaded roots: a CR3 reload. */
static void pvisor_flush_tlb_user(void)
{
	pvisor_flush(PVISOR_FLUSH_USER, 0, 0);
}

/* The host names a page it dropped (PVISOR_HF_UNMAPPED_VA). */
static bool unmapped_va __ro_after_init;

/*
 * A copy-on-write flushes the page it faulted on.  The host dropped that
 * page when it gave us the fault, and says so until anything is filled
 * again: then the flush has nothing to do.
 */
static void pvisor_flush_tlb_one(unsigned long addr)
{
	addr &= PAGE_MASK;
	if (unmapped_va && READ_ONCE(pvisor_shared.unmapped_va) == addr)
		return;
	pvisor_flush(PVISOR_FLUSH_ONE, addr, 1);
}

static void pvisor_flush_tlb_multi(const struct cpumask *cpus,
				   const struct flush_tlb_info *info)
{
	unsigned long n;

	if (info->end == TLB_FLUSH_ALL) {
		pvisor_flush_tlb_all();
		return;
	}
	n = (info->end - info->start) >> PAGE_SHIFT;
	if (!n || n > PVISOR_FLUSH_RANGE_MAX)
		pvisor_flush_tlb_all();
	else
		pvisor_flush(PVISOR_FLUSH_RANGE, info->start & PAGE_MASK, n);
}

static unsigned long pvisor_read_cr3(void)
{
	return pvisor_cr3;
}

static void pvisor_write_cr3(unsigned long cr3)
{
	unsigned long root = cr3 & CR3_ADDR_MASK;
	u64 flags = PVISOR_CR3_SAME_KERNEL_HALF;
	long ret;

	/*
	 * The host keeps the shadows of several address spaces, as a CPU with
	 * PCIDs keeps their TLB entries, so Linux runs with X86_FEATURE_PCID
	 * and says, as in CR3 bit 63, when an ASID's translations are still
	 * good (its tlb_gen is current).  Bit 63 is not part of CR3.
	 */
	if (cr3 & CR3_NOFLUSH)
		flags |= PVISOR_CR3_KEEP_USER;
	pvisor_cr3 = cr3 & ~CR3_NOFLUSH;
	/* Declarations first: the new root may be among them. */
	pvisor_flush_lazy_mmu();
	/*
	 * One set of tables: the host gives user mode only U=1 mappings.  The
	 * kernel half of every Linux pgd is the same (sync_global_pgds()), so
	 * the host may keep its kernel translations, as the CPU keeps global
	 * TLB entries.  (The first switch, from the launcher's tables, is in
	 * pvisor_start_kernel() without the flag.)
	 */
	ret = pvisor_hc3(PVISOR_HC_NEW_CR3, root, root, flags);
	/* Going on with the old tables would corrupt memory. */
	if (ret)
		panic("pvisor: the host refused page tables at %#lx: %ld\n",
		      root, ret);
}

__visible unsigned long pvisor_read_cr2(void)
{
	return READ_ONCE(pvisor_shared.cr2);
}

PV_CALLEE_SAVE_REGS_THUNK(pvisor_read_cr2);

static void pvisor_write_cr2(unsigned long cr2)
{
	WRITE_ONCE(pvisor_shared.cr2, cr2);
}

void __init pvisor_init_mmu(void)
{
	long features = pvisor_hc0(PVISOR_HC_FEATURES);

	pvisor_cr3 = __pa_symbol(init_top_pgt);
	unmapped_va = features > 0 && (features & PVISOR_HF_UNMAPPED_VA);
	/* The tables built before this are not declared: none is checked. */
	pvisor_declare_table(PHYS_PFN(pvisor_cr3), pvisor_top_level());
	pv_ops.mmu.read_cr2 = PV_CALLEE_SAVE(pvisor_read_cr2);
	pv_ops.mmu.write_cr2 = pvisor_write_cr2;
	pv_ops.mmu.read_cr3 = pvisor_read_cr3;
	pv_ops.mmu.write_cr3 = pvisor_write_cr3;
	pv_ops.mmu.flush_tlb_user = pvisor_flush_tlb_user;
	pv_ops.mmu.flush_tlb_kernel = pvisor_flush_tlb_all;
	pv_ops.mmu.flush_tlb_one_user = pvisor_flush_tlb_one;
	pv_ops.mmu.flush_tlb_multi = pvisor_flush_tlb_multi;
	pv_ops.mmu.set_pte = pvisor_set_pte;
	pv_ops.mmu.set_pmd = pvisor_set_pmd;
	pv_ops.mmu.set_pud = pvisor_set_pud;
	pv_ops.mmu.set_p4d = pvisor_set_p4d;
#if CONFIG_PGTABLE_LEVELS >= 5
	pv_ops.mmu.set_pgd = pvisor_set_pgd;
#endif
	pv_ops.mmu.pgd_alloc = pvisor_pgd_alloc;
	pv_ops.mmu.pgd_free = pvisor_pgd_free;
	pv_ops.mmu.alloc_pte = pvisor_alloc_pte;
	pv_ops.mmu.alloc_pmd = pvisor_alloc_pmd;
	pv_ops.mmu.alloc_pud = pvisor_alloc_pud;
	pv_ops.mmu.alloc_p4d = pvisor_alloc_p4d;
	pv_ops.mmu.release_pte = pvisor_release_pte;
	pv_ops.mmu.release_pmd = pvisor_release_pmd;
	pv_ops.mmu.release_pud = pvisor_release_pud;
	pv_ops.mmu.release_p4d = pvisor_release_p4d;
	pv_ops.mmu.lazy_mode.enter = pvisor_enter_lazy_mmu;
	pv_ops.mmu.lazy_mode.leave = pvisor_leave_lazy_mmu;
	pv_ops.mmu.lazy_mode.flush = pvisor_flush_lazy_mmu;
	pv_ops.cpu.start_context_switch = pvisor_start_context_switch;
	pv_ops.cpu.end_context_switch = pvisor_end_context_switch;
}
