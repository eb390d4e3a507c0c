// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's page tables, as the host sees them: the MMU hypercalls
 * (PVISOR_HC_NEW_CR3, PVISOR_HC_MMU_UPDATE, PVISOR_HC_FLUSH_TLB) and the
 * record of the page-table pages a guest declares.
 *
 * A guest's page tables live in its own memory, in the format the CPU
 * reads, and the guest may write them itself.  Nothing the CPU walks is
 * ever a guest table: shadow.c builds shadows from them when an access
 * misses, and drops shadows on the loads and flushes a guest makes here,
 * as a TLB would.  So these calls only check their arguments and tell the
 * shadow MMU what a CPU would have been told; a batch of entry writes is
 * one exit instead of one fault each.
 *
 * Every argument is the guest's and is checked; batches are copied from
 * guest memory once, in chunks, and only the copies are checked and used.
 */
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include "pvisor.h"

/*
 * Honour PVISOR_CR3_SAME_KERNEL_HALF: keep kernel translations across a CR3
 * load, as the CPU keeps global TLB entries.  On by default; turning it off
 * makes every CR3 load drop every shadow (slower, for bisecting a shadow
 * MMU problem):  echo 0 > /sys/module/pvisor/parameters/keep_kernel_half
 */
static bool keep_kernel_half = true;
module_param(keep_kernel_half, bool, 0644);
MODULE_PARM_DESC(keep_kernel_half,
		 "keep kernel shadows across CR3 loads when the guest allows (default on)");

/* Honour PVISOR_CR3_KEEP_USER the same way (off: as a CPU without PCIDs). */
static bool keep_user_half = true;
module_param(keep_user_half, bool, 0644);
MODULE_PARM_DESC(keep_user_half,
		 "keep an address space's shadows across CR3 loads when the guest allows (default on)");

/*
 * The page-table pages a guest declares.  Shadow paging does not need
 * them: the shadows are filled from whatever the guest's tables say when
 * an access misses, and dropped on the flushes the guest makes, as a TLB
 * is.  The record catches guest kernel bugs early, with a reason, where
 * they would otherwise surface as a wrong translation much later: a root
 * that is not a table, an entry written at the wrong level, a table
 * released while it is loaded.  A guest that declares nothing (the test
 * guests) is checked only as the CPU would check it.
 */
unsigned int pvisor_max_declared_tables = 32768;
EXPORT_SYMBOL_IF_KUNIT(pvisor_max_declared_tables);
module_param_named(max_declared_tables, pvisor_max_declared_tables, uint, 0644);
MODULE_PARM_DESC(max_declared_tables,
		 "page-table pages a VM may declare before its record is dropped (default 32768)");

static unsigned int table_level(struct pvisor_vm *vm, u64 gpa)
{
	void *e;

	if (READ_ONCE(vm->tables_dropped))
		return 0;
	e = xa_load(&vm->tables, gpa >> PAGE_SHIFT);
	return e ? xa_to_value(e) : 0;
}

/*
 * Past pvisor_max_declared_tables (128 MiB of page tables by default; a sparse
 * record costs up to a node of 576 bytes per table) the VM's record goes,
 * and with it every check: the record is optional, and a guest that
 * declares more than that, hostile or not, must not cost the host more.
 */
static void drop_tables(struct pvisor_vm *vm)
{
	WRITE_ONCE(vm->tables_dropped, true);
	WRITE_ONCE(vm->declares_tables, false);
	xa_destroy(&vm->tables);
	pr_info("vm%u: more than %u page tables declared; no longer checking them\n",
		vm->id, READ_ONCE(pvisor_max_declared_tables));
}

static bool is_declared_root(struct pvisor_vm *vm, u64 gpa)
{
	return table_level(vm, gpa) == pvisor_host.paging_levels;
}

/*
 * Is the page at @gpa guest memory?  0 or -EFAULT; in a quick exit (run.c,
 * host interrupts off) -EAGAIN when the slot table cannot be read without
 * its mutex, or has no such page: the ordinary loop asks again.
 */
static int guest_page(struct pvisor_vm *vm, u64 gpa)
{
	if (irqs_disabled())
		return pvisor_gpa_to_user_atomic(vm, gpa, PAGE_SIZE, false) ? 0 : -EAGAIN;
	return pvisor_gpa_to_user(vm, gpa, PAGE_SIZE, false) ? 0 : -EFAULT;
}

/* Quick (hypercall.c): nothing changes before both roots are checked. */
long pvisor_hc_new_cr3(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	u64 kroot = arg[0], uroot = arg[1], flags = arg[2];
	unsigned int keep = 0;
	int ret;

	if (!PAGE_ALIGNED(kroot) || !PAGE_ALIGNED(uroot) ||
	    (flags & ~(PVISOR_CR3_SAME_KERNEL_HALF | PVISOR_CR3_KEEP_USER)) ||
	    flags == PVISOR_CR3_KEEP_USER)
		return -EINVAL;
	ret = guest_page(vcpu->vm, kroot);
	/* A user root of 0 means "no user mappings", e.g. for kernel threads. */
	if (!ret && uroot)
		ret = guest_page(vcpu->vm, uroot);
	if (ret)
		return ret;
	/* A guest that declares its tables loads only declared roots. */
	if (READ_ONCE(vcpu->vm->declares_tables) &&
	    (!is_declared_root(vcpu->vm, kroot) ||
	     (uroot && !is_declared_root(vcpu->vm, uroot))))
		return -EINVAL;
	if ((flags & PVISOR_CR3_SAME_KERNEL_HALF) && READ_ONCE(keep_kernel_half)) {
		keep = PVISOR_SHADOW_KEEP_KERNEL;
		if ((flags & PVISOR_CR3_KEEP_USER) && READ_ONCE(keep_user_half))
			keep |= PVISOR_SHADOW_KEEP_USER;
	}
	pvisor_shadow_load(&vcpu->shadow, kroot, uroot, keep);
	vcpu->cr3_kernel = kroot;
	vcpu->cr3_user = uroot;
	return 0;
}

long pvisor_hc_flush_tlb(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	u64 op = arg[0], va = arg[1], npages = arg[2];

	switch (op) {
	case PVISOR_FLUSH_ALL:
	case PVISOR_FLUSH_USER:
		if (va || npages)
			return -EINVAL;
		break;
	case PVISOR_FLUSH_ONE:
		if (!pvisor_is_canonical(va) || npages != 1)
			return -EINVAL;
		break;
	case PVISOR_FLUSH_RANGE:
		if (!npages || npages > PVISOR_FLUSH_RANGE_MAX ||
		    !pvisor_is_canonical(va) ||
		    !pvisor_is_canonical(va + (npages << PAGE_SHIFT) - 1))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	/* Shadows are rebuilt on demand: drop what the flush names. */
	if (op == PVISOR_FLUSH_ALL)
		pvisor_shadow_zap(&vcpu->shadow);
	else if (op == PVISOR_FLUSH_USER)
		pvisor_shadow_flush_user(&vcpu->shadow);
	else
		pvisor_shadow_invalidate(&vcpu->shadow, va, npages);
	return 0;
}

/* Check one page-table update from a batch, already copied from the guest. */
static int check_mmu_op(struct pvisor_vcpu *vcpu, const struct pvisor_mmu_op *op)
{
	unsigned int level;

	if (op->level < 1 || op->level > pvisor_host.paging_levels)
		return -EINVAL;
	switch (op->op) {
	case PVISOR_MMU_SET_ENTRY:
		if (!IS_ALIGNED(op->entry_gpa, 8) ||
		    !pvisor_gpa_to_user(vcpu->vm, op->entry_gpa, 8, true))
			return -EFAULT;
		/* Into a declared table: only an entry of its level. */
		level = table_level(vcpu->vm, op->entry_gpa);
		if (level && level != op->level)
			return -EINVAL;
		/*
		 * A present entry must point at guest memory.  The CPU ignores
		 * every other bit of one that is not present, and Linux keeps
		 * swap, migration and PROT_NONE entries there with the frame
		 * bits inverted: those are the guest's business.
		 */
		if (!(op->value & _PAGE_PRESENT))
			return 0;
		if ((op->value & PTE_PFN_MASK) >= PVISOR_MAX_GPA)
			return -EINVAL;
		if (!pvisor_gpa_to_user(vcpu->vm, op->value & PTE_PFN_MASK,
					PAGE_SIZE, false))
			return -EFAULT;
		return 0;
	case PVISOR_MMU_DECLARE_TABLE:
	case PVISOR_MMU_RELEASE_TABLE:
		if (op->entry_gpa || !PAGE_ALIGNED(op->value))
			return -EINVAL;
		if (!pvisor_gpa_to_user(vcpu->vm, op->value, PAGE_SIZE, false))
			return -EFAULT;
		if (op->op == PVISOR_MMU_DECLARE_TABLE)
			return 0;
		/* Released as what it was declared, and not while loaded. */
		level = table_level(vcpu->vm, op->value);
		if (level && level != op->level)
			return -EINVAL;
		if (op->value == vcpu->cr3_kernel ||
		    (vcpu->cr3_user && op->value == vcpu->cr3_user))
			return -EBUSY;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Carry out one checked update. */
static int apply_mmu_op(struct pvisor_vcpu *vcpu, const struct pvisor_mmu_op *op)
{
	struct pvisor_vm *vm = vcpu->vm;
	unsigned long gfn = op->value >> PAGE_SHIFT;
	void *old;

	switch (op->op) {
	case PVISOR_MMU_SET_ENTRY:
		return pvisor_write_guest(vm, op->entry_gpa, &op->value, 8);
	case PVISOR_MMU_DECLARE_TABLE:
		pvisor_stat_inc(PVISOR_STAT_MMU_TABLES_DECLARED);
		if (READ_ONCE(vm->tables_dropped))
			return 0;
		/*
		 * Declared again: Linux frees some tables without releasing
		 * them (a huge page's deposited table), so the new level wins.
		 * Out of memory or over the limit, the record goes (above).
		 */
		if (!xa_load(&vm->tables, gfn) &&
		    atomic_read(&vm->nr_tables) >= READ_ONCE(pvisor_max_declared_tables)) {
			drop_tables(vm);
			return 0;
		}
		old = xa_store(&vm->tables, gfn, xa_mk_value(op->level),
			       GFP_KERNEL_ACCOUNT);
		if (xa_is_err(old)) {
			drop_tables(vm);
			return 0;
		}
		if (!old)
			atomic_inc(&vm->nr_tables);
		WRITE_ONCE(vm->declares_tables, true);
		return 0;
	default:	/* PVISOR_MMU_RELEASE_TABLE */
		pvisor_stat_inc(PVISOR_STAT_MMU_TABLES_RELEASED);
		pvisor_shadow_forget_root(&vcpu->shadow, op->value);
		if (!READ_ONCE(vm->tables_dropped) && xa_erase(&vm->tables, gfn))
			atomic_dec(&vm->nr_tables);
		return 0;
	}
}

long pvisor_hc_mmu_update(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	struct pvisor_mmu_op ops[16];
	u64 gpa = arg[0], n = arg[1], done = 0;
	int ret = 0;

	if (n > PVISOR_MMU_BATCH_MAX)
		return -EINVAL;
	while (done < n && !ret) {
		unsigned int i, chunk = min_t(u64, n - done, ARRAY_SIZE(ops));

		/* Copy a chunk once; check and apply only the copy. */
		if (pvisor_read_guest(vcpu->vm, gpa + done * sizeof(ops[0]), ops,
				      chunk * sizeof(ops[0]))) {
			ret = -EFAULT;
			break;
		}
		for (i = 0; i < chunk; i++) {
			ret = check_mmu_op(vcpu, &ops[i]);
			if (!ret)
				ret = apply_mmu_op(vcpu, &ops[i]);
			if (ret)
				break;
			done++;
		}
	}
	/*
	 * The entries were stored as the guest could have stored them itself:
	 * like the TLB, the shadows keep the translations they hold until a
	 * flush names them, and take the new entries when they next fill.
	 */
	pvisor_stat_inc(PVISOR_STAT_MMU_BATCHES);
	pvisor_stat_add(PVISOR_STAT_MMU_BATCH_ENTRIES, done);
	return done ? done : ret;
}
