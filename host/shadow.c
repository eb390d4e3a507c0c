// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow MMU.
 *
 * The CPU never walks a guest's page tables.  It walks shadow tables that
 * the module builds, filled on demand: a guest access that misses faults
 * into the module, which walks the guest's own tables in guest memory,
 * checks what it finds, and copies the translation into the shadow,
 * pointing at the launcher page that backs the guest frame.
 *
 * What the walk checks, so that a guest can never map anything of the host:
 * every guest table and every guest frame must lie inside guest memory
 * (else the guest is ended); the hypervisor slot is never taken from the
 * guest; leaf entries always carry U=1 (the guest runs at CPL 3) and the
 * guest's own U bit decides only whether the user root gets the mapping.
 * Every launcher page a shadow maps stays pinned, in the vCPU's pin cache,
 * until the VM's memory layout changes or the vCPU goes: nothing a shadow
 * points at can be freed under it, however stale the shadow is.
 *
 * Accessed and dirty bits: the walk sets A in every guest entry it uses, and
 * D in the leaf on a write.  A leaf whose D bit is still clear is shadowed
 * read-only, so the first write faults here and sets it.
 *
 * The shadow cache works like a TLB with PCIDs, and keeps the same rules.
 * A vCPU holds the shadows of up to PVISOR_SHADOW_SPACES guest address
 * spaces, each keyed by its guest roots: two shadow roots (guest-kernel and
 * guest-user mode) and the tables of its user half.  The kernel half
 * (top-level slots 256..511 of the kernel-mode roots) is one set of tables
 * shared by all of them, like global TLB entries.  A CR3 load switches to
 * the space of the new roots; it keeps that space's translations only if
 * the guest says so (PVISOR_CR3_KEEP_USER, as CR3 bit 63 with PCIDs), and
 * the kernel half only with PVISOR_CR3_SAME_KERNEL_HALF.  A flush of one
 * page or a short range drops those pages from the current space and the
 * kernel half, as INVLPG does; PVISOR_FLUSH_USER drops the current space's
 * user half, PVISOR_FLUSH_ALL everything.  A guest address inside a large
 * guest page (shadowed with 4 KiB leaves) drops all of that page's leaves.
 *
 * Fills map ahead: a miss in a guest page table also maps that table's
 * other entries the guest has used (A=1) whose frames are already pinned,
 * and a miss in a large guest page maps the rest of its 2 MiB the same
 * way.  Only what a TLB could hold is mapped, so it changes no rule above.
 *
 * Absent entries: where the guest's page table (or page directory) has no
 * entry for a user address, the user root holds PVISOR_SHADOW_ABSENT in
 * the same place, which faults with RSVD set; the switcher delivers such
 * a #PF to the guest kernel at once, the guest's own fault without a host
 * exit.  x86 lets an OS make an entry present
 * without a flush, and the shadow would not see it: the guest then gets
 * one spurious fault (which every OS must take, as another CPU's racing
 * fault gives the same), and a second fault in a row on the page exits
 * here, where the walk fills the shadow.  Only the guest's own view is
 * affected; the marker maps nothing.
 *
 * Memory: shadow tables count against the VM's max_shadow_tables; past it,
 * the least recently loaded other space is dropped, and if none is left,
 * everything.
 */
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>
#include <asm/io.h>
#include <asm/trap_pf.h>

#include "pvisor.h"

#define SHADOW_TABLE_FLAGS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | \
				 _PAGE_ACCESSED)
#define GUEST_ADDR_MASK		(PVISOR_MAX_GPA - 1)
#define GUEST_FRAME_MASK	(GUEST_ADDR_MASK & PAGE_MASK)
#define HALF			(PTRS_PER_PGD / 2)
/*
 * Set (in a bit the CPU ignores) on a shadow table entry whose subtree
 * shadows one large guest page with 4 KiB leaves: a flush of any address
 * in it must drop the whole subtree, as the CPU drops the whole large TLB
 * entry.
 */
#define SHADOW_FROM_LARGE	BIT_ULL(9)
/* The pin cache's tag on a page pinned for writing. */
#define PIN_WRITABLE		1

unsigned int pvisor_max_shadow_tables = 16384;
EXPORT_SYMBOL_IF_KUNIT(pvisor_max_shadow_tables);
module_param_named(max_shadow_tables, pvisor_max_shadow_tables, uint, 0644);
MODULE_PARM_DESC(max_shadow_tables,
		 "shadow page-table pages a VM may hold (default 16384: 64 MiB)");

/* Hold absent entries as PVISOR_SHADOW_ABSENT (see the top of the file). */
static bool shadow_absent = true;
module_param(shadow_absent, bool, 0644);
MODULE_PARM_DESC(shadow_absent,
		 "deliver guest-user faults on absent entries without an exit (default on)");

/* Wanted, and PVISOR_SHADOW_ABSENT faults as it must on this CPU. */
bool pvisor_shadow_absent_on(void)
{
	return READ_ONCE(shadow_absent) && boot_cpu_data.x86_phys_bits <= 51;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_absent_on);

/* Map ahead on a fill (see the top of the file); off, for bisecting. */
static bool shadow_prefetch = true;
module_param(shadow_prefetch, bool, 0644);
MODULE_PARM_DESC(shadow_prefetch,
		 "map a guest table's other used entries on a fill (default on)");

static unsigned int index_at(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PTRS_PER_PTE - 1);
}

static struct pvisor_vm *shadow_vm(struct pvisor_shadow *s)
{
	return container_of(s, struct pvisor_vcpu, shadow)->vm;
}

static void free_tables(struct pvisor_shadow *s, struct list_head *tables)
{
	struct page *p, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(p, tmp, tables, lru) {
		list_del(&p->lru);
		__free_page(p);
		n++;
	}
	atomic_sub(n, &shadow_vm(s)->nr_shadow_tables);
	pvisor_stat_sub(PVISOR_STAT_SHADOW_TABLES, n);
}

/* Forget a space's user half: its roots keep only the kernel half. */
static void drop_space(struct pvisor_shadow *s, struct pvisor_shadow_space *sp)
{
	u64 *kroot = page_address(sp->root[0]), *uroot = page_address(sp->root[1]);
	unsigned int i;

	memset(kroot, 0, HALF * sizeof(u64));
	for (i = 0; i < PTRS_PER_PGD; i++)
		if (i != SW_TOP_SLOT)
			uroot[i] = 0;
	free_tables(s, &sp->tables);
}

static void drop_kernel_half(struct pvisor_shadow *s)
{
	unsigned int i, n;

	for (n = 0; n < PVISOR_SHADOW_SPACES; n++) {
		u64 *kroot = page_address(s->space[n].root[0]);

		for (i = HALF; i < PTRS_PER_PGD; i++)
			if (i != SW_TOP_SLOT)
				kroot[i] = 0;
	}
	free_tables(s, &s->kernel_tables);
}

static void unpin_all(struct pvisor_shadow *s)
{
	unsigned long gfn;
	void *e;

	xa_for_each(&s->pins, gfn, e) {
		struct page *page = xa_untag_pointer(e);

		unpin_user_pages_dirty_lock(&page, 1,
					    xa_pointer_tag(e) == PIN_WRITABLE);
	}
	xa_destroy(&s->pins);
	s->nr_pins = 0;
}

int pvisor_shadow_init(struct pvisor_shadow *s)
{
	unsigned int n, r;

	INIT_LIST_HEAD(&s->kernel_tables);
	xa_init(&s->pins);
	s->swmap = pvisor_sw_guest_map_alloc();
	s->scratch = kmalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!s->swmap || !s->scratch)
		goto fail;
	for (n = 0; n < PVISOR_SHADOW_SPACES; n++) {
		struct pvisor_shadow_space *sp = &s->space[n];

		INIT_LIST_HEAD(&sp->tables);
		for (r = 0; r < 2; r++) {
			sp->root[r] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
			if (!sp->root[r])
				goto fail;
			((u64 *)page_address(sp->root[r]))[SW_TOP_SLOT] =
				pvisor_sw_guest_top_entry(s->swmap);
		}
	}
	s->cur = &s->space[0];
	s->cur->used = true;
	s->last_cpu = -1;
	return 0;
fail:
	pvisor_shadow_destroy(s);
	return -ENOMEM;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_init);

/* Drop every guest translation: the roots keep only the switcher. */
void pvisor_shadow_zap(struct pvisor_shadow *s)
{
	unsigned int n;

	if (!s->cur)		/* a vCPU without shadows (KUnit) */
		return;
	for (n = 0; n < PVISOR_SHADOW_SPACES; n++)
		drop_space(s, &s->space[n]);
	drop_kernel_half(s);
	s->zaps++;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_zap);

/* Drop the current space's user half (a CR3 reload without PCIDs). */
void pvisor_shadow_flush_user(struct pvisor_shadow *s)
{
	if (!s->cur)
		return;
	drop_space(s, s->cur);
	s->zaps++;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_flush_user);

/**
 * pvisor_shadow_load() - switch to the shadows of new guest roots
 * @s: the vCPU's shadows
 * @kroot: guest root for kernel mode
 * @uroot: guest root for user mode (0: none)
 * @keep: PVISOR_SHADOW_KEEP_* : what of the old translations may stay
 *
 * Without PVISOR_SHADOW_KEEP_KERNEL every translation goes.  With it, the
 * kernel half stays, and the new roots' space keeps what it held when they
 * were last loaded only with PVISOR_SHADOW_KEEP_USER too.  New roots take
 * a free space or the least recently loaded one.
 */
void pvisor_shadow_load(struct pvisor_shadow *s, u64 kroot, u64 uroot,
			unsigned int keep)
{
	struct pvisor_shadow_space *sp = NULL, *lru = NULL;
	unsigned int n;

	if (!s->cur)
		return;
	if (!(keep & PVISOR_SHADOW_KEEP_KERNEL)) {
		pvisor_shadow_zap(s);
		keep = 0;
	}
	for (n = 0; n < PVISOR_SHADOW_SPACES && !sp; n++) {
		struct pvisor_shadow_space *c = &s->space[n];

		if (c->used && c->kroot == kroot && c->uroot == uroot)
			sp = c;
		else if (!lru || !c->used || (lru->used && c->stamp < lru->stamp))
			lru = c;
	}
	if (sp && (keep & PVISOR_SHADOW_KEEP_USER)) {
		pvisor_stat_inc(PVISOR_STAT_SHADOW_SPACES_KEPT);
	} else {
		if (!sp) {
			sp = lru;
			if (sp->used && !list_empty(&sp->tables))
				pvisor_stat_inc(PVISOR_STAT_SHADOW_SPACES_EVICTED);
		}
		drop_space(s, sp);
	}
	sp->used = true;
	sp->kroot = kroot;
	sp->uroot = uroot;
	sp->stamp = ++s->clock;
	s->cur = sp;
	/* The page named unmapped was one of the old space's. */
	pvisor_shared_set_unmapped(container_of(s, struct pvisor_vcpu, shadow),
				   PVISOR_UNMAPPED_NONE);
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_load);

/* A guest table page was released: no space may stay keyed by it. */
void pvisor_shadow_forget_root(struct pvisor_shadow *s, u64 gpa)
{
	unsigned int n;

	if (!s->cur)
		return;
	for (n = 0; n < PVISOR_SHADOW_SPACES; n++) {
		struct pvisor_shadow_space *sp = &s->space[n];

		if (sp != s->cur && sp->used &&
		    (sp->kroot == gpa || sp->uroot == gpa)) {
			drop_space(s, sp);
			sp->used = false;
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_forget_root);

/*
 * Clear the shadow leaf for @va in @root, if there is one, or the whole
 * subtree when @va lies in a large guest page.  A dropped subtree stays on
 * its list until its space or the kernel half is dropped.
 */
static void shadow_clear_leaf(struct page *root, u64 va)
{
	u64 *table = page_address(root);
	int level;

	for (level = pvisor_host.paging_levels; level > 1; level--) {
		u64 *e = &table[index_at(va, level)];

		if (!(*e & _PAGE_PRESENT))
			return;
		if (*e == PVISOR_SHADOW_ABSENT || (*e & SHADOW_FROM_LARGE)) {
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

	if (!s->cur)
		return;
	if (npages > PVISOR_SHADOW_INVALIDATE_MAX) {
		pvisor_shadow_zap(s);
		return;
	}
	for (i = 0; i < npages; i++, va += PAGE_SIZE) {
		if (index_at(va, pvisor_host.paging_levels) == SW_TOP_SLOT)
			continue;	/* never the guest's */
		shadow_clear_leaf(s->cur->root[0], va);
		shadow_clear_leaf(s->cur->root[1], va);
	}
	s->invalidations++;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_invalidate);

void pvisor_shadow_destroy(struct pvisor_shadow *s)
{
	unsigned int n, r;

	if (s->cur)
		pvisor_shadow_zap(s);
	unpin_all(s);
	for (n = 0; n < PVISOR_SHADOW_SPACES; n++)
		for (r = 0; r < 2; r++)
			if (s->space[n].root[r])
				__free_page(s->space[n].root[r]);
	pvisor_sw_guest_map_free(s->swmap);
	kfree(s->scratch);
	memset(s, 0, sizeof(*s));
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_destroy);

/* Physical address of the shadow root for guest mode @mode. */
u64 pvisor_shadow_root(struct pvisor_shadow *s, u32 mode)
{
	return page_to_phys(s->cur->root[mode == PVISOR_MODE_USER]);
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_root);

/*
 * The launcher page behind guest frame @gfn, pinned once per vCPU (for
 * writing where the slot allows: see pin_frame()), or NULL if it is not
 * pinned yet.  @writable: out, whether it was pinned for writing.
 */
static struct page *pinned_page(struct pvisor_shadow *s, u64 gfn,
				bool *writable)
{
	void *e = xa_load(&s->pins, gfn);

	*writable = xa_pointer_tag(e) == PIN_WRITABLE;
	return xa_untag_pointer(e);
}

/*
 * Pin the page behind @hva for guest frame @gfn.  Pages are pinned for
 * writing whenever the slot allows, even under a read-only leaf: a
 * read-only pin of launcher memory nobody has written yet is the host's
 * shared zero page, which later writes by the launcher would never reach.
 */
static struct page *pin_frame(struct pvisor_shadow *s, u64 gfn,
			      void __user *hva, bool write)
{
	struct page *page;
	void *old;

	if (pin_user_pages_fast((unsigned long)hva, 1, write ? FOLL_WRITE : 0,
				&page) != 1)
		return NULL;
	old = xa_store(&s->pins, gfn, xa_tag_pointer(page, write ? PIN_WRITABLE : 0),
		       GFP_KERNEL_ACCOUNT);
	if (xa_is_err(old)) {
		unpin_user_page(page);
		return NULL;
	}
	s->nr_pins++;
	return page;
}

/*
 * @atomic, here and below: a quick exit's fill (run.c), host interrupts
 * off.  Nothing may sleep, take a mutex or fault a page in; whatever would
 * fails with -EAGAIN, having changed nothing the ordinary fill would not
 * change the same way, and the run loop takes the ordinary exit.
 */
/*
 * Frames are pinned a guest-physical 2 MiB block at a time: the first fill
 * that needs a frame of a block pins all of it (when the block lies in one
 * slot), so that later fills there find their frame pinned and can be
 * quick (run.c), as most of a booting guest's can then be.  The memory is
 * the guest's from the start (its slots), so the host gives it nothing it
 * was not given; its pages are only faulted in sooner.  Blocks are pinned
 * for writing, in writable slots only; where a block cannot be pinned
 * whole, pin_frame() pins the one frame.
 */
#define PIN_BLOCK_FRAMES	(SZ_2M / PAGE_SIZE)
#define PIN_CHUNK		64

static void pin_block(struct pvisor_shadow *s, u64 gfn)
{
	u64 first = ALIGN_DOWN(gfn, PIN_BLOCK_FRAMES), done, i;
	void __user *hva = pvisor_gpa_to_user(shadow_vm(s), first << PAGE_SHIFT,
					      SZ_2M, true);
	struct page *pages[PIN_CHUNK];
	int n;

	if (!hva)
		return;
	for (done = 0; done < PIN_BLOCK_FRAMES; done += PIN_CHUNK) {
		n = pin_user_pages_fast((unsigned long)hva + done * PAGE_SIZE,
					PIN_CHUNK, FOLL_WRITE, pages);
		for (i = 0; n > 0 && i < n; i++) {
			u64 gfn_i = first + done + i;

			/* Each frame is pinned once: keep the older pin. */
			if (xa_load(&s->pins, gfn_i) ||
			    xa_is_err(xa_store(&s->pins, gfn_i,
					       xa_tag_pointer(pages[i], PIN_WRITABLE),
					       GFP_KERNEL_ACCOUNT)))
				unpin_user_page(pages[i]);
			else
				s->nr_pins++;
		}
		if (n < PIN_CHUNK)
			return;
	}
}

static int guest_read(struct pvisor_vm *vm, u64 gpa, void *dst, u64 len, bool atomic)
{
	if (atomic)
		return pvisor_read_guest_atomic(vm, gpa, dst, len);
	return pvisor_read_guest(vm, gpa, dst, len);
}

static int guest_write_entry(struct pvisor_vm *vm, u64 gpa, u64 val, bool atomic)
{
	if (atomic)
		return pvisor_write_guest_atomic(vm, gpa, &val, sizeof(val));
	return pvisor_write_guest(vm, gpa, &val, sizeof(val));
}

/*
 * Walk the guest's tables for @va.  Fills @w and returns 0, or a guest
 * page-fault error code (> 0) to deliver, or -EFAULT if the guest's tables
 * point outside its memory (-EAGAIN if @atomic could not read them).
 */
struct guest_walk {
	u64 frame_gpa;		/* the 4 KiB guest frame @va lands in */
	bool writable, user, nx;
	bool up_writable, up_user, up_nx;	/* the levels above the leaf */
	int leaf_level;		/* or where the walk found nothing */
	u64 entry_gpa[PVISOR_MAX_LEVELS + 1];
	u64 entry[PVISOR_MAX_LEVELS + 1];
};

static int walk_guest(struct pvisor_vm *vm, u64 root_gpa, u64 va,
		      struct guest_walk *w, bool atomic)
{
	int levels = pvisor_host.paging_levels, level;
	u64 table = root_gpa & GUEST_FRAME_MASK;

	w->writable = true;
	w->user = true;
	w->nx = false;
	for (level = levels; level >= 1; level--) {
		u64 gpa = table + index_at(va, level) * 8, e;

		if (guest_read(vm, gpa, &e, sizeof(e), atomic))
			return atomic ? -EAGAIN : -EFAULT;
		w->entry_gpa[level] = gpa;
		w->entry[level] = e;
		if (!(e & _PAGE_PRESENT)) {
			w->leaf_level = level;
			w->up_user = w->user;
			return 1;	/* not present */
		}
		if (level == 1 || ((level == 2 || level == 3) && (e & _PAGE_PSE))) {
			u64 size_mask = (1ULL << (PAGE_SHIFT + 9 * (level - 1))) - 1;

			w->up_writable = w->writable;
			w->up_user = w->user;
			w->up_nx = w->nx;
			w->writable &= !!(e & _PAGE_RW);
			w->user &= !!(e & _PAGE_USER);
			w->nx |= !!(e & _PAGE_NX);
			w->leaf_level = level;
			w->frame_gpa = ((e & GUEST_FRAME_MASK) & ~size_mask) |
				       (va & size_mask & PAGE_MASK);
			if ((e & ~(_PAGE_NX | PTE_FLAGS_MASK)) & ~GUEST_ADDR_MASK)
				return -EFAULT;
			return 0;
		}
		if ((e & ~(_PAGE_NX | PTE_FLAGS_MASK)) & ~GUEST_ADDR_MASK)
			return -EFAULT;
		w->writable &= !!(e & _PAGE_RW);
		w->user &= !!(e & _PAGE_USER);
		w->nx |= !!(e & _PAGE_NX);
		table = e & GUEST_FRAME_MASK;
	}
	return 1;
}

/*
 * Make room for a few tables under the VM's limit: drop the least recently
 * loaded space other than the current one.  False if none holds any table.
 */
static bool evict_one(struct pvisor_shadow *s)
{
	struct pvisor_shadow_space *lru = NULL;
	unsigned int n;

	for (n = 0; n < PVISOR_SHADOW_SPACES; n++) {
		struct pvisor_shadow_space *c = &s->space[n];

		if (c != s->cur && !list_empty(&c->tables) &&
		    (!lru || c->stamp < lru->stamp))
			lru = c;
	}
	if (!lru)
		return false;
	drop_space(s, lru);
	pvisor_stat_inc(PVISOR_STAT_SHADOW_SPACES_EVICTED);
	return true;
}

/*
 * Room for the tables one fill may need (a path in each root), within
 * max_shadow_tables, which is never taken below what one fill needs.
 */
#define FILL_TABLES	(2 * PVISOR_MAX_LEVELS)

static void make_room(struct pvisor_shadow *s)
{
	struct pvisor_vm *vm = shadow_vm(s);
	unsigned int max = max(READ_ONCE(pvisor_max_shadow_tables), FILL_TABLES + 1);

	while (atomic_read(&vm->nr_shadow_tables) + FILL_TABLES > max) {
		if (!evict_one(s)) {
			pvisor_shadow_zap(s);
			return;
		}
	}
}

/*
 * The shadow table at level @to (1 or 2) for @va in root @r of the current
 * space, allocating tables on the way (in place of an absent marker, too).
 * @guest_level is the level of the guest's leaf: above 1, the shadow entry
 * at that level is marked as shadowing a large page.  A table in the
 * kernel half of the kernel-mode root is shared by every space, so a new
 * top-level entry there goes into all.  NULL if a table is needed and
 * cannot be allocated (@atomic never allocates).
 */
static u64 *shadow_table(struct pvisor_shadow *s, unsigned int r, u64 va,
			 int guest_level, int to, bool atomic)
{
	unsigned int top = index_at(va, pvisor_host.paging_levels);
	bool shared = r == 0 && top >= HALF;
	u64 *table = page_address(s->cur->root[r]);
	int level;

	for (level = pvisor_host.paging_levels; level > to; level--) {
		u64 *e = &table[index_at(va, level)];

		if (!(*e & _PAGE_PRESENT) || *e == PVISOR_SHADOW_ABSENT) {
			struct page *p;

			if (atomic)
				return NULL;
			p = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
			if (!p)
				return NULL;
			list_add(&p->lru, shared ? &s->kernel_tables : &s->cur->tables);
			atomic_inc(&shadow_vm(s)->nr_shadow_tables);
			pvisor_stat_inc(PVISOR_STAT_SHADOW_TABLES);
			*e = page_to_phys(p) | SHADOW_TABLE_FLAGS;
			if (shared && level == pvisor_host.paging_levels) {
				unsigned int n;

				for (n = 0; n < PVISOR_SHADOW_SPACES; n++)
					((u64 *)page_address(s->space[n].root[0]))[top] = *e;
			}
		}
		if (level == guest_level)
			*e |= SHADOW_FROM_LARGE;
		table = phys_to_virt(*e & PTE_PFN_MASK);
	}
	return table;
}

/* A shadow leaf for a pinned page, with what the guest allows. */
static u64 make_leaf(struct page *page, bool rw, bool nx)
{
	return page_to_phys(page) | _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED |
	       (rw ? _PAGE_RW | _PAGE_DIRTY : 0) | (nx ? _PAGE_NX : 0);
}

/*
 * Map ahead in the shadow leaf table @table (for @va's 2 MiB): with a 4 KiB
 * guest leaf, the other entries of the guest's table that are present and
 * accessed; within a large guest page, its other 4 KiB frames.  Only
 * frames already pinned are mapped, only where the shadow has nothing (or
 * holds the entry as absent), and with no more rights than the guest's
 * entries give (W only if dirty).  @user_root: the table is in a user-mode
 * root, which takes only U=1, and holds the guest's absent entries as
 * PVISOR_SHADOW_ABSENT.
 */
static void map_ahead(struct pvisor_shadow *s, u64 *table, u64 va,
		      const struct guest_walk *w, bool user_root, bool atomic)
{
	unsigned int i, skip = index_at(va, 1), n = 0, absent = 0;
	bool mark = user_root && w->up_user && pvisor_shadow_absent_on();
	u64 *guest = s->scratch;
	bool rw, pin_rw;

	if (w->leaf_level == 1 ?
	    guest_read(shadow_vm(s), w->entry_gpa[1] & PAGE_MASK, guest, PAGE_SIZE,
		       atomic) :
	    user_root && !w->user)
		return;
	for (i = 0; i < PTRS_PER_PTE; i++) {
		u64 e, frame;
		struct page *page;

		if (i == skip || (table[i] && table[i] != PVISOR_SHADOW_ABSENT))
			continue;
		if (w->leaf_level == 1) {
			e = guest[i];
			if (!(e & _PAGE_PRESENT) && mark && !table[i]) {
				table[i] = PVISOR_SHADOW_ABSENT;
				absent++;
				continue;
			}
			if ((e & (_PAGE_PRESENT | _PAGE_ACCESSED)) !=
			    (_PAGE_PRESENT | _PAGE_ACCESSED) ||
			    (user_root && !(w->up_user && (e & _PAGE_USER))) ||
			    ((e & ~(_PAGE_NX | PTE_FLAGS_MASK)) & ~GUEST_ADDR_MASK))
				continue;
			frame = e & GUEST_FRAME_MASK;
		} else {
			e = w->entry[w->leaf_level];
			frame = (w->frame_gpa & ~(SZ_2M - 1)) + i * PAGE_SIZE;
		}
		page = pinned_page(s, frame >> PAGE_SHIFT, &pin_rw);
		if (!page)
			continue;
		rw = pin_rw && w->up_writable && (e & _PAGE_RW) && (e & _PAGE_DIRTY);
		table[i] = make_leaf(page, rw, w->up_nx || (e & _PAGE_NX));
		n++;
	}
	pvisor_stat_add(PVISOR_STAT_SHADOW_PREFETCHED, n);
	pvisor_stat_add(PVISOR_STAT_SHADOW_ABSENT, absent);
}

/* Install @leaf for @va in root @r and map ahead around it. */
static int shadow_install(struct pvisor_shadow *s, unsigned int r, u64 va,
			  u64 leaf, const struct guest_walk *w, bool atomic)
{
	u64 *table = shadow_table(s, r, va, w->leaf_level, 1, atomic);

	if (!table)
		return atomic ? -EAGAIN : -ENOMEM;
	table[index_at(va, 1)] = leaf;
	if (READ_ONCE(shadow_prefetch))
		map_ahead(s, table, va, w, r == 1, atomic);
	return 0;
}

/*
 * The guest's entry for @va, which a user-mode access missed, is absent
 * from its table (walked into @w), a page table or a page directory: hold
 * it as PVISOR_SHADOW_ABSENT in the user root (for a page table, the
 * table's other absent entries too), so that the guest's next faults
 * there go straight to it.  The page becomes the switcher's last one, as
 * if it had delivered this fault itself.
 */
static void mark_absent(struct pvisor_shadow *s, u64 va, const struct guest_walk *w)
{
	int level = w->leaf_level;
	u64 *table;

	if (level > 2 || !w->up_user || !pvisor_shadow_absent_on())
		return;
	table = shadow_table(s, 1, va, 1, level, false);
	if (!table)
		return;		/* out of memory: the fault goes by the exit */
	if (!table[index_at(va, level)]) {
		table[index_at(va, level)] = PVISOR_SHADOW_ABSENT;
		pvisor_stat_inc(PVISOR_STAT_SHADOW_ABSENT);
	}
	s->last_absent = va & PAGE_MASK;
	if (level == 1 && READ_ONCE(shadow_prefetch))
		map_ahead(s, table, va, w, true, false);
}

/*
 * A #PF of the guest's own on an entry its table holds present: the guest
 * will change the entry (a copy-on-write) and flush the page.  Drop the
 * page from both roots now, as a TLB may drop an entry at any time, and
 * name it in the shared page, so that the guest's flush of it has nothing
 * left to do (PVISOR_HF_UNMAPPED_VA).
 */
static void drop_denied(struct pvisor_vcpu *vcpu, u64 va)
{
	struct pvisor_shadow *s = &vcpu->shadow;

	if (!s->cur || index_at(va, pvisor_host.paging_levels) >= HALF)
		return;
	shadow_clear_leaf(s->cur->root[0], va);
	shadow_clear_leaf(s->cur->root[1], va);
	pvisor_shared_set_unmapped(vcpu, va & PAGE_MASK);
	pvisor_stat_inc(PVISOR_STAT_SHADOW_DROPPED_DENIED);
}

/* A new memory layout: pages pinned under the old one may be gone. */
static void shadow_prepare(struct pvisor_shadow *s, u64 generation)
{
	if (s->generation != generation) {
		pvisor_shadow_zap(s);
		unpin_all(s);
		s->generation = generation;
	}
	make_room(s);
}

/*
 * pvisor_shadow_fault(), and with @atomic pvisor_shadow_fault_quick(),
 * which serves only a fill from frames already pinned, into tables that
 * exist, under the memory layout the pins were taken with: anything else
 * is -EAGAIN before it changes more than accessed and dirty bits the
 * ordinary fill sets too.
 */
static int shadow_fault(struct pvisor_vcpu *vcpu, u64 va, u32 hw_error,
			u32 *guest_error, bool atomic)
{
	struct pvisor_shadow *s = &vcpu->shadow;
	bool user = vcpu->mode == PVISOR_MODE_USER;
	bool write = hw_error & X86_PF_WRITE, fetch = hw_error & X86_PF_INSTR;
	u64 root_gpa = user ? vcpu->cr3_user : vcpu->cr3_kernel;
	u64 generation = READ_ONCE(vcpu->vm->mem_generation);
	struct guest_walk w;
	struct page *page;
	void __user *hva;
	bool leaf_rw, pin_rw, pinned_rw;
	u64 leaf, e;
	int ret, level;

	*guest_error = (write ? X86_PF_WRITE : 0) | (user ? X86_PF_USER : 0) |
		       (fetch ? X86_PF_INSTR : 0);
	/* Whatever this fill installs, no page stays named unmapped. */
	pvisor_shared_set_unmapped(vcpu, PVISOR_UNMAPPED_NONE);

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
	if ((hw_error & X86_PF_PROT) && !(hw_error & (X86_PF_USER | X86_PF_RSVD))) {
		*guest_error |= X86_PF_PROT;
		return 1;
	}
	if (atomic && s->generation != generation)
		return -EAGAIN;		/* the pins must go first */
	ret = walk_guest(vcpu->vm, root_gpa, va, &w, atomic);
	if (atomic && ret)
		return -EAGAIN;		/* the guest's own fault: delivered by C */
	if (ret > 0 && user) {
		shadow_prepare(s, generation);
		mark_absent(s, va, &w);
	}
	if (ret)
		return ret;
	*guest_error |= X86_PF_PROT;
	if ((user && !w.user) || (write && !w.writable) || (fetch && w.nx)) {
		if (atomic)
			return -EAGAIN;
		/* Present but denied: not absent any more, if it was. */
		if (hw_error & X86_PF_RSVD)
			shadow_clear_leaf(s->cur->root[1], va);
		drop_denied(vcpu, va);
		return 1;
	}

	/* Accessed bits on the way down, dirty on the leaf for a write. */
	for (level = pvisor_host.paging_levels; level >= w.leaf_level; level--) {
		e = w.entry[level] | _PAGE_ACCESSED;
		if (level == w.leaf_level && write)
			e |= _PAGE_DIRTY;
		if (e != w.entry[level] &&
		    guest_write_entry(vcpu->vm, w.entry_gpa[level], e, atomic))
			return atomic ? -EAGAIN : -EFAULT;
		w.entry[level] = e;
	}

	/* Writable in the shadow once the guest's leaf is writable and dirty. */
	leaf_rw = w.writable && (w.entry[w.leaf_level] & _PAGE_DIRTY);
	if (atomic) {
		/*
		 * A frame pinned under this layout is guest memory, and the
		 * pin says whether its slot is writable: the ordinary fill
		 * would use the same page.
		 */
		page = pinned_page(s, w.frame_gpa >> PAGE_SHIFT, &pinned_rw);
		if (!page)
			return -EAGAIN;
		make_room(s);
	} else {
		hva = pvisor_gpa_to_user(vcpu->vm, w.frame_gpa, PAGE_SIZE, true);
		pin_rw = hva;
		if (!hva && !leaf_rw)
			hva = pvisor_gpa_to_user(vcpu->vm, w.frame_gpa, PAGE_SIZE,
						 false);
		if (!hva) {
			u64 gpa = w.frame_gpa | (va & ~PAGE_MASK);

			/* Device registers: never shadowed, each access emulated. */
			if (!pvisor_gpa_is_mmio(vcpu->vm, gpa))
				return -EFAULT;
			vcpu->mmio.gpa = gpa;
			return PVISOR_FAULT_MMIO;
		}
		shadow_prepare(s, generation);
		page = pinned_page(s, w.frame_gpa >> PAGE_SHIFT, &pinned_rw);
		if (!page && pin_rw) {
			pin_block(s, w.frame_gpa >> PAGE_SHIFT);
			page = pinned_page(s, w.frame_gpa >> PAGE_SHIFT, &pinned_rw);
		}
		if (!page) {
			page = pin_frame(s, w.frame_gpa >> PAGE_SHIFT, hva, pin_rw);
			pinned_rw = pin_rw;
		}
		if (!page)
			return -EFAULT;
	}
	/* Never a writable leaf over a page pinned read-only. */
	leaf = make_leaf(page, leaf_rw && pinned_rw, w.nx);

	/*
	 * A translation goes into the root of the mode whose tables it came
	 * from.  When both modes use the same tables (a guest without
	 * separate user tables), it also serves the other mode: kernel mode
	 * sees everything, user mode only what the guest marked U=1.
	 */
	ret = shadow_install(s, user, va, leaf, &w, atomic);
	if (!ret && vcpu->cr3_user == vcpu->cr3_kernel && (user || w.user))
		ret = shadow_install(s, !user, va, leaf, &w, atomic);
	if (!ret)
		s->fills++;
	return ret;
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
	return shadow_fault(vcpu, va, hw_error, guest_error, false);
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_fault);

/**
 * pvisor_shadow_fault_quick() - the same fill in atomic context, if it can be
 * @vcpu: the faulting vCPU
 * @va: the faulting address (cr2)
 * @hw_error: the error code the CPU reported
 *
 * For the run loop's quick exits: host interrupts off, nothing may sleep.
 *
 * Return: true if the shadow now maps @va; false if pvisor_shadow_fault()
 * must decide (a fault of the guest's own, MMIO, a frame not pinned yet, a
 * table to allocate, a new memory layout, guest memory not at hand).
 */
bool pvisor_shadow_fault_quick(struct pvisor_vcpu *vcpu, u64 va, u32 hw_error)
{
	u32 guest_error;

	return shadow_fault(vcpu, va, hw_error, &guest_error, true) == 0;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_shadow_fault_quick);

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
	if (walk_guest(vcpu->vm, vcpu->cr3_kernel, va, &w, false) ||
	    (write && !w.writable))
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
