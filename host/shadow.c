// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow MMU.
 *
 * The CPU never walks a guest's page tables.  It walks shadow tables that
 * the module builds: one root for guest-kernel mode (guest kernel and user
 * mappings) and one for guest-user mode (user mappings only), both with the
 * switcher's subtree in the hypervisor slot.  Shadows start empty and fill
 * on demand: a guest access that misses faults into the module, which walks
 * the guest's own tables in guest memory, checks what it finds, and copies
 * the translation into the shadow, pointing at the launcher page that backs
 * the guest frame (pinned for as long as the shadow uses it).
 *
 * What the walk checks, so that a guest can never map anything of the host:
 * every guest table and every guest frame must lie inside guest memory
 * (else the guest is ended); the hypervisor slot is never taken from the
 * guest; leaf entries always carry U=1 (the guest runs at CPL 3) and the
 * guest's own U bit decides only whether the user root gets the mapping.
 *
 * Accessed and dirty bits: the walk sets A in every guest entry it uses, and
 * D in the leaf on a write.  A leaf whose D bit is still clear is shadowed
 * read-only, so the first write faults here and sets it.
 *
 * Invalidation: a full flush drops every shadow entry ("zap") and the fault
 * path rebuilds what is used; so does a CR3 load, unless the guest says the
 * new root's kernel half is the old one's (Linux's always is), when only the
 * user half goes.  A flush of one page or a short range clears just those
 * leaves in both roots, as INVLPG drops just those TLB entries; an address
 * inside a large guest page (which the shadow maps with 4 KiB leaves)
 * drops all of that page's leaves.  The pages they mapped stay pinned
 * until the next zap (at the latest when the pin table fills), which costs
 * memory, never correctness: nothing maps them any more.
 *
 * Pages are pinned for writing even under a read-only leaf: a read-only
 * pin of launcher memory nobody has written yet is the host's shared zero
 * page, which later writes by the launcher would never reach.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>
#include <asm/io.h>
#include <asm/trap_pf.h>

#include "pvisor.h"

#define SHADOW_TABLE_FLAGS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | \
				 _PAGE_ACCESSED)
#define GUEST_ADDR_MASK		(PVISOR_MAX_GPA - 1)
#define GUEST_FRAME_MASK	(GUEST_ADDR_MASK & PAGE_MASK)
#define MAX_PINNED		8192
/*
 * Set (in a bit the CPU ignores) on a shadow table entry whose subtree
 * shadows one large guest page with 4 KiB leaves: a flush of any address
 * in it must drop the whole subtree, as the CPU drops the whole large TLB
 * entry.
 */
#define SHADOW_FROM_LARGE	BIT_ULL(9)

static unsigned int index_at(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PTRS_PER_PTE - 1);
}

static struct page *shadow_table_alloc(struct pvisor_shadow *s)
{
	struct page *p = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (p) {
		list_add(&p->lru, &s->tables);
		s->nr_tables++;
	}
	return p;
}

int pvisor_shadow_init(struct pvisor_shadow *s)
{
	INIT_LIST_HEAD(&s->tables);
	s->pinned = kvcalloc(MAX_PINNED, sizeof(*s->pinned), GFP_KERNEL_ACCOUNT);
	s->swmap = pvisor_sw_guest_map_alloc();
	s->root[0] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	s->root[1] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!s->pinned || !s->swmap || !s->root[0] || !s->root[1]) {
		pvisor_shadow_destroy(s);
		return -ENOMEM;
	}
	((u64 *)page_address(s->root[0]))[SW_TOP_SLOT] =
		pvisor_sw_guest_top_entry(s->swmap);
	((u64 *)page_address(s->root[1]))[SW_TOP_SLOT] =
		pvisor_sw_guest_top_entry(s->swmap);
	s->last_cpu = -1;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_init);

/* Drop every guest translation: the roots keep only the switcher. */
void pvisor_shadow_zap(struct pvisor_shadow *s)
{
	struct page *p, *tmp;
	unsigned int i, r;

	if (!s->root[0])	/* a vCPU without shadows (KUnit) */
		return;
	for (r = 0; r < 2; r++) {
		u64 *root = page_address(s->root[r]);

		for (i = 0; i < PTRS_PER_PGD; i++)
			if (i != SW_TOP_SLOT)
				root[i] = 0;
	}
	list_for_each_entry_safe(p, tmp, &s->tables, lru) {
		list_del(&p->lru);
		__free_page(p);
	}
	s->nr_tables = 0;
	/* Pages mapped writable may have been written: mark them dirty. */
	unpin_user_pages_dirty_lock(s->pinned, s->nr_pinned, true);
	s->nr_pinned = 0;
	s->zaps++;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_zap);

/*
 * A CR3 load that keeps the kernel half (PVISOR_CR3_SAME_KERNEL_HALF): drop
 * the translations of the user half (top-level slots below the switcher's)
 * of the kernel-mode root and everything of the user-mode root (the user
 * root may have changed, and user mode has no business in the upper half),
 * and keep the kernel half of the kernel-mode root.  The dropped subtrees stay on the tables
 * list, unreachable, and their pages pinned, until the next full zap, which
 * comes at the latest when either list fills.
 */
void pvisor_shadow_zap_user_half(struct pvisor_shadow *s)
{
	unsigned int i, r;

	if (!s->root[0])
		return;
	if (s->nr_tables > PVISOR_SHADOW_TABLES_MAX) {
		pvisor_shadow_zap(s);
		return;
	}
	for (r = 0; r < 2; r++) {
		u64 *root = page_address(s->root[r]);

		for (i = 0; i < PTRS_PER_PGD; i++)
			if (i < SW_TOP_SLOT || (r == 1 && i != SW_TOP_SLOT))
				root[i] = 0;
	}
	s->zaps++;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_zap_user_half);

/*
 * Clear the shadow leaf for @va in @root, if there is one, or the whole
 * subtree when @va lies in a large guest page.  A dropped subtree stays on
 * the tables list until the next zap.
 */
static void shadow_clear_leaf(struct page *root, u64 va)
{
	u64 *table = page_address(root);
	int level;

	for (level = pvisor_host.paging_levels; level > 1; level--) {
		u64 *e = &table[index_at(va, level)];

		if (!(*e & _PAGE_PRESENT))
			return;
		if (*e & SHADOW_FROM_LARGE) {
			*e = 0;
			return;
		}
		table = phys_to_virt(*e & PTE_PFN_MASK);
	}
	table[index_at(va, 1)] = 0;
}

/* Forget the translations of @npages pages from @va (both modes). */
void pvisor_shadow_invalidate(struct pvisor_shadow *s, u64 va, u64 npages)
{
	u64 i;

	if (!s->root[0])
		return;
	if (npages > PVISOR_SHADOW_INVALIDATE_MAX) {
		pvisor_shadow_zap(s);
		return;
	}
	for (i = 0; i < npages; i++, va += PAGE_SIZE) {
		if (index_at(va, pvisor_host.paging_levels) == SW_TOP_SLOT)
			continue;	/* never the guest's */
		shadow_clear_leaf(s->root[0], va);
		shadow_clear_leaf(s->root[1], va);
	}
	s->invalidations++;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_invalidate);

void pvisor_shadow_destroy(struct pvisor_shadow *s)
{
	if (s->root[0] && s->root[1] && s->pinned)
		pvisor_shadow_zap(s);
	if (s->root[0])
		__free_page(s->root[0]);
	if (s->root[1])
		__free_page(s->root[1]);
	pvisor_sw_guest_map_free(s->swmap);
	kvfree(s->pinned);
	memset(s, 0, sizeof(*s));
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_destroy);

/* Physical address of the shadow root for guest mode @mode. */
u64 pvisor_shadow_root(struct pvisor_shadow *s, u32 mode)
{
	return page_to_phys(s->root[mode == PVISOR_MODE_USER]);
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_root);

static int guest_read_entry(struct pvisor_vm *vm, u64 gpa, u64 *val)
{
	return pvisor_read_guest(vm, gpa, val, sizeof(*val));
}

static int guest_write_entry(struct pvisor_vm *vm, u64 gpa, u64 val)
{
	return pvisor_write_guest(vm, gpa, &val, sizeof(val));
}

/*
 * Walk the guest's tables for @va.  Fills @w and returns 0, or a guest
 * page-fault error code (> 0) to deliver, or -EFAULT if the guest's tables
 * point outside its memory.
 */
struct guest_walk {
	u64 frame_gpa;		/* the 4 KiB guest frame @va lands in */
	bool writable, user, nx;
	int leaf_level;
	u64 entry_gpa[PVISOR_MAX_LEVELS + 1];
	u64 entry[PVISOR_MAX_LEVELS + 1];
};

static int walk_guest(struct pvisor_vm *vm, u64 root_gpa, u64 va,
		      struct guest_walk *w)
{
	int levels = pvisor_host.paging_levels, level;
	u64 table = root_gpa & GUEST_FRAME_MASK;

	w->writable = true;
	w->user = true;
	w->nx = false;
	for (level = levels; level >= 1; level--) {
		u64 gpa = table + index_at(va, level) * 8, e;

		if (guest_read_entry(vm, gpa, &e))
			return -EFAULT;
		w->entry_gpa[level] = gpa;
		w->entry[level] = e;
		if (!(e & _PAGE_PRESENT))
			return 1;	/* not present */
		w->writable &= !!(e & _PAGE_RW);
		w->user &= !!(e & _PAGE_USER);
		w->nx |= !!(e & _PAGE_NX);
		if (level == 1 || ((level == 2 || level == 3) && (e & _PAGE_PSE))) {
			u64 size_mask = (1ULL << (PAGE_SHIFT + 9 * (level - 1))) - 1;

			w->leaf_level = level;
			w->frame_gpa = ((e & GUEST_FRAME_MASK) & ~size_mask) |
				       (va & size_mask & PAGE_MASK);
			if ((e & ~(_PAGE_NX | PTE_FLAGS_MASK)) & ~GUEST_ADDR_MASK)
				return -EFAULT;
			return 0;
		}
		if ((e & ~(_PAGE_NX | PTE_FLAGS_MASK)) & ~GUEST_ADDR_MASK)
			return -EFAULT;
		table = e & GUEST_FRAME_MASK;
	}
	return 1;
}

/*
 * Install @leaf for @va in shadow root @root, allocating tables on the way.
 * @guest_level is the level of the guest's leaf: above 1, the shadow entry
 * at that level is marked as shadowing a large page.
 */
static int shadow_install(struct pvisor_shadow *s, struct page *root, u64 va,
			  u64 leaf, int guest_level)
{
	u64 *table = page_address(root);
	int level;

	for (level = pvisor_host.paging_levels; level > 1; level--) {
		u64 *e = &table[index_at(va, level)];

		if (!(*e & _PAGE_PRESENT)) {
			struct page *p = shadow_table_alloc(s);

			if (!p)
				return -ENOMEM;
			*e = page_to_phys(p) | SHADOW_TABLE_FLAGS;
		}
		if (level == guest_level)
			*e |= SHADOW_FROM_LARGE;
		table = phys_to_virt(*e & PTE_PFN_MASK);
	}
	table[index_at(va, 1)] = leaf;
	return 0;
}

/**
 * pvisor_shadow_fault() - handle a guest page fault the shadow may fix
 * @vcpu: the faulting vCPU
 * @va: the faulting address (cr2)
 * @hw_error: the error code the CPU reported
 * @guest_error: out: the error code to deliver if the guest must see it
 *
 * Return: 0 if the shadow now maps @va (resume the guest), 1 if the fault
 * is the guest's own (deliver #PF with @guest_error), PVISOR_FAULT_MMIO if
 * @va maps an MMIO slot (the address is in vcpu->mmio.gpa), -EFAULT if the
 * guest's tables point outside its memory, -ENOMEM.
 */
int pvisor_shadow_fault(struct pvisor_vcpu *vcpu, u64 va, u32 hw_error,
			u32 *guest_error)
{
	struct pvisor_shadow *s = &vcpu->shadow;
	bool user = vcpu->mode == PVISOR_MODE_USER;
	bool write = hw_error & X86_PF_WRITE, fetch = hw_error & X86_PF_INSTR;
	u64 root_gpa = user ? vcpu->cr3_user : vcpu->cr3_kernel;
	struct guest_walk w;
	struct page *page;
	void __user *hva;
	bool pin_write, leaf_rw;
	u64 leaf, e;
	int ret, level;

	*guest_error = (write ? X86_PF_WRITE : 0) | (user ? X86_PF_USER : 0) |
		       (fetch ? X86_PF_INSTR : 0);

	/* The hypervisor slot is never the guest's. */
	if (index_at(va, pvisor_host.paging_levels) == SW_TOP_SLOT || !root_gpa)
		return 1;
	/*
	 * A protection fault on a supervisor-mode access is an implicit access
	 * the CPU made for the guest (descriptor tables, or, under QEMU's TCG,
	 * the stack pops of an iretq at CPL 3, which it performs as supervisor
	 * accesses and so trips SMAP).  No shadow entry can fix it: filling
	 * the same entry again would loop forever.  It is the guest's fault.
	 */
	if ((hw_error & X86_PF_PROT) && !(hw_error & X86_PF_USER)) {
		*guest_error |= X86_PF_PROT;
		return 1;
	}
	ret = walk_guest(vcpu->vm, root_gpa, va, &w);
	if (ret)
		return ret;
	*guest_error |= X86_PF_PROT;
	if ((user && !w.user) || (write && !w.writable) || (fetch && w.nx))
		return 1;

	/* Accessed bits on the way down, dirty on the leaf for a write. */
	for (level = pvisor_host.paging_levels; level >= w.leaf_level; level--) {
		e = w.entry[level] | _PAGE_ACCESSED;
		if (level == w.leaf_level && write)
			e |= _PAGE_DIRTY;
		if (e != w.entry[level] &&
		    guest_write_entry(vcpu->vm, w.entry_gpa[level], e))
			return -EFAULT;
		w.entry[level] = e;
	}

	/* Writable in the shadow once the guest's leaf is writable and dirty. */
	leaf_rw = w.writable && (w.entry[w.leaf_level] & _PAGE_DIRTY);
	/* Pin for writing whenever the slot allows (see the top of file). */
	hva = pvisor_gpa_to_user(vcpu->vm, w.frame_gpa, PAGE_SIZE, true);
	pin_write = hva;
	if (!hva && !leaf_rw)
		hva = pvisor_gpa_to_user(vcpu->vm, w.frame_gpa, PAGE_SIZE, false);
	if (!hva) {
		u64 gpa = w.frame_gpa | (va & ~PAGE_MASK);

		/* Device registers: never shadowed, each access emulated. */
		if (!pvisor_gpa_is_mmio(vcpu->vm, gpa))
			return -EFAULT;
		vcpu->mmio.gpa = gpa;
		return PVISOR_FAULT_MMIO;
	}
	if (s->nr_pinned == MAX_PINNED)
		pvisor_shadow_zap(s);
	leaf = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
	if (w.nx)
		leaf |= _PAGE_NX;
	if (leaf_rw)
		leaf |= _PAGE_RW | _PAGE_DIRTY;
	if (pin_user_pages_fast((unsigned long)hva, 1,
				pin_write ? FOLL_WRITE : 0, &page) != 1)
		return -EFAULT;
	s->pinned[s->nr_pinned++] = page;
	leaf |= page_to_phys(page);

	/*
	 * A translation goes into the root of the mode whose tables it came
	 * from.  When both modes use the same tables (a guest without
	 * separate user tables), it also serves the other mode: kernel mode
	 * sees everything, user mode only what the guest marked U=1.
	 */
	ret = shadow_install(s, s->root[user], va, leaf, w.leaf_level);
	if (!ret && vcpu->cr3_user == vcpu->cr3_kernel && (user || w.user))
		ret = shadow_install(s, s->root[!user], va, leaf, w.leaf_level);
	s->fills++;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_fault);

/*
 * Guest virtual memory for event delivery: translate through the guest
 * kernel's own tables (kernel mode sees everything), one aligned 8-byte
 * slot at a time, so a frame that straddles a page is handled.
 */
static int guest_va_to_gpa(struct pvisor_vcpu *vcpu, u64 va, bool write,
			   u64 *gpa)
{
	struct guest_walk w;

	if (!IS_ALIGNED(va, 8) || !pvisor_is_canonical(va) ||
	    index_at(va, pvisor_host.paging_levels) == SW_TOP_SLOT)
		return -EFAULT;
	if (walk_guest(vcpu->vm, vcpu->cr3_kernel, va, &w) || (write && !w.writable))
		return -EFAULT;
	*gpa = w.frame_gpa | (va & ~PAGE_MASK);
	return 0;
}

int pvisor_read_guest_va(struct pvisor_vcpu *vcpu, u64 va, u64 *val)
{
	u64 gpa;

	if (guest_va_to_gpa(vcpu, va, false, &gpa))
		return -EFAULT;
	return pvisor_read_guest(vcpu->vm, gpa, val, sizeof(*val));
}

int pvisor_write_guest_va(struct pvisor_vcpu *vcpu, u64 va, u64 val)
{
	u64 gpa;

	if (guest_va_to_gpa(vcpu, va, true, &gpa))
		return -EFAULT;
	return pvisor_write_guest(vcpu->vm, gpa, &val, sizeof(val));
}

/*
 * Kernel and user mode differ only in the shadow root the vCPU runs on (and
 * the GS base, which run.c picks by mode): switching is a field.
 */
void pvisor_shadow_switch_mode(struct pvisor_vcpu *vcpu, u32 mode)
{
	vcpu->mode = mode;
}
