// SPDX-License-Identifier: GPL-2.0
/*
 * pvisor guest: the MMU side of paravirt_ops.
 *
 * The host shadows our page tables, so page-table entries are written
 * natively into guest memory and stay guest-physical (pte_val and friends
 * are the native identity).  What a CPL-3 kernel cannot do itself goes to
 * the host: loading a root (NEW_CR3), and every TLB flush, which is also
 * when the host forgets the shadow translations we changed.  cr2 of a
 * page fault is in the shared page.
 */
#include <linux/init.h>
#include <linux/mm_types.h>
#include <asm/paravirt.h>
#include <asm/tlbflush.h>
#include <asm/pvisor.h>

static unsigned long pvisor_cr3;

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

static void pvisor_flush_tlb_one(unsigned long addr)
{
	pvisor_flush(PVISOR_FLUSH_ONE, addr & PAGE_MASK, 1);
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
	long ret;

	pvisor_cr3 = cr3;
	/*
	 * One set of tables: the host gives user mode only U=1 mappings.  The
	 * kernel half of every Linux pgd is the same (sync_global_pgds()), so
	 * the host may keep its kernel translations, as the CPU keeps global
	 * TLB entries.  (The first switch, from the launcher's tables, is in
	 * pvisor_start_kernel() without the flag.)
	 */
	ret = pvisor_hc3(PVISOR_HC_NEW_CR3, root, root,
			 PVISOR_CR3_SAME_KERNEL_HALF);
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
	pvisor_cr3 = __pa_symbol(init_top_pgt);
	pv_ops.mmu.read_cr2 = PV_CALLEE_SAVE(pvisor_read_cr2);
	pv_ops.mmu.write_cr2 = pvisor_write_cr2;
	pv_ops.mmu.read_cr3 = pvisor_read_cr3;
	pv_ops.mmu.write_cr3 = pvisor_write_cr3;
	pv_ops.mmu.flush_tlb_user = pvisor_flush_tlb_all;
	pv_ops.mmu.flush_tlb_kernel = pvisor_flush_tlb_all;
	pv_ops.mmu.flush_tlb_one_user = pvisor_flush_tlb_one;
	pv_ops.mmu.flush_tlb_multi = pvisor_flush_tlb_multi;
}
