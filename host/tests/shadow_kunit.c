// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the shadow MMU (shadow.c), against guest page tables
 * built in the shared fixture's guest memory (kunit_helpers.h): a fill
 * maps exactly the launcher page behind the guest frame, what the guest's
 * tables deny becomes the guest's own #PF, nothing outside guest memory
 * is ever mapped, zaps and flushes drop what a TLB with PCIDs would drop,
 * the cache of address spaces stays within its bounds, a fill maps ahead
 * only what a TLB could hold, and entries absent from the guest's tables
 * are held so that the switcher can deliver their faults, the quick
 * fill of the run loop's quick exits serves only what needs no sleep, and
 * a copy-on-write fault drops and names its page.
 *
 * The suite's init adds a shadow to the fixture's vCPU; the cases call
 * pvisor_shadow_fault() as the run loop does and walk the shadow tables.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <asm/io.h>
#include <asm/trap_pf.h>

#include "kunit_helpers.h"

/*
 * The guest's page tables in the fixture's memory: one table per level at
 * pages 8.., a data page at page 2, and the address SHADOW_VA mapped
 * through them.
 */
#define SHADOW_VA	0x0000123456789000ULL
#define TABLE_PAGE(l)	(GUEST_BASE + (8 + (l)) * PAGE_SIZE)
#define DATA_GPA	(GUEST_BASE + 2 * PAGE_SIZE)

static unsigned int va_index(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

static void put_entry(struct kunit *test, u64 table, unsigned int i, u64 e)
{
	put_guest(test, table + 8 * i, &e, 8);
}

static u64 get_entry(struct kunit *test, u64 table, unsigned int i)
{
	struct pvisor_kunit_vm *t = test->priv;
	u64 e = 0;

	KUNIT_EXPECT_EQ(test, pvisor_read_guest(&t->vm, table + 8 * i, &e, 8), 0);
	return e;
}

/* Map SHADOW_VA -> DATA_GPA with @leaf_flags; return the root's gpa. */
static u64 build_tables(struct kunit *test, u64 leaf_flags, u64 frame)
{
	int levels = pvisor_host.paging_levels, l;

	for (l = levels; l > 1; l--)
		put_entry(test, TABLE_PAGE(l), va_index(SHADOW_VA, l),
			  TABLE_PAGE(l - 1) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
	put_entry(test, TABLE_PAGE(1), va_index(SHADOW_VA, 1), frame | leaf_flags);
	return TABLE_PAGE(levels);
}

static int shadow_test_init(struct kunit *test)
{
	struct pvisor_kunit_vm *t;
	int ret = pvisor_kunit_vm_init(test);

	if (ret)
		return ret;
	t = test->priv;
	KUNIT_ASSERT_EQ(test, pvisor_shadow_init(&t->vcpu.shadow), 0);
	return 0;
}

static void shadow_test_exit(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;

	pvisor_shadow_destroy(&t->vcpu.shadow);
	pvisor_kunit_vm_exit(test);
}

/* The shadow leaf for @va in root @mode, or 0. */
static u64 shadow_leaf(struct pvisor_vcpu *vcpu, u32 mode, u64 va)
{
	u64 *table = phys_to_virt(pvisor_shadow_root(&vcpu->shadow, mode));
	int l;

	for (l = pvisor_host.paging_levels; l > 1; l--) {
		u64 e = table[va_index(va, l)];

		if (!(e & _PAGE_PRESENT))
			return 0;
		if (e == PVISOR_SHADOW_ABSENT)
			return e;	/* a whole page directory entry */
		table = phys_to_virt(e & PTE_PFN_MASK);
	}
	return table[va_index(va, 1)];
}

static void shadow_fill_maps_the_guest_frame(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	struct page *page;
	u32 err;
	u64 leaf;

	v->cr3_kernel = build_tables(test, _PAGE_PRESENT | _PAGE_RW, DATA_GPA);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	leaf = shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA);
	KUNIT_ASSERT_TRUE(test, leaf & _PAGE_PRESENT);
	/* The leaf points at the launcher page behind DATA_GPA. */
	KUNIT_ASSERT_EQ(test, get_user_pages_fast((unsigned long)t->mem + 2 * PAGE_SIZE,
						  1, 0, &page), 1);
	KUNIT_EXPECT_EQ(test, leaf & PTE_PFN_MASK, (u64)page_to_phys(page));
	put_page(page);
	/* U=1 always; read-only until the guest's D bit is set; A set. */
	KUNIT_EXPECT_TRUE(test, leaf & _PAGE_USER);
	KUNIT_EXPECT_FALSE(test, leaf & _PAGE_RW);
	KUNIT_EXPECT_TRUE(test, get_entry(test, TABLE_PAGE(1), va_index(SHADOW_VA, 1)) &
			  _PAGE_ACCESSED);
	/* The guest marked it kernel-only: the user root must not have it. */
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA), 0ULL);

	/* A write sets D in the guest and makes the shadow writable. */
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA,
						  X86_PF_USER | X86_PF_WRITE | X86_PF_PROT,
						  &err), 0);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA) & _PAGE_RW);
	KUNIT_EXPECT_TRUE(test, get_entry(test, TABLE_PAGE(1), va_index(SHADOW_VA, 1)) &
			  _PAGE_DIRTY);

	/* A zap forgets it all; the page stays pinned, once. */
	pvisor_shadow_zap(&v->shadow);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA), 0ULL);
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pins, 1UL);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pins, 1UL);
	/* A new memory layout lets every pin go before the next fill. */
	t->vm.mem_generation++;
	pvisor_shadow_zap(&v->shadow);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pins, 1UL);
}

static void shadow_refuses_what_the_guest_denies(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	u32 err;

	/* Not present in the guest: the guest's own #PF, not-present. */
	v->cr3_kernel = build_tables(test, 0, DATA_GPA);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 1);
	KUNIT_EXPECT_EQ(test, err, 0U);

	/* User mode touching a kernel page: #PF with U and P. */
	build_tables(test, _PAGE_PRESENT | _PAGE_RW, DATA_GPA);
	v->mode = PVISOR_MODE_USER;
	v->cr3_user = v->cr3_kernel;
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 1);
	KUNIT_EXPECT_EQ(test, err, (u32)(X86_PF_USER | X86_PF_PROT));
	v->mode = PVISOR_MODE_KERNEL;

	/* Writing a read-only page. */
	build_tables(test, _PAGE_PRESENT, DATA_GPA);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER | X86_PF_WRITE,
						  &err), 1);
	KUNIT_EXPECT_EQ(test, err, (u32)(X86_PF_WRITE | X86_PF_PROT));

	/* The hypervisor slot is never the guest's. */
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, pvisor_host.paging_levels == 5 ?
						  0xff00000000001000ULL :
						  0xffff800000001000ULL, X86_PF_USER, &err), 1);
	/* An implicit supervisor access cannot be fixed by a shadow entry. */
	build_tables(test, _PAGE_PRESENT | _PAGE_RW, DATA_GPA);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_PROT, &err), 1);
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pins, 0UL);
}

/* A kernel-half address: top-level slot 273, as Linux's direct map. */
static u64 kernel_va(void)
{
	return pvisor_host.paging_levels == 5 ? 0xff11000000042000ULL :
						0xffff888000042000ULL;
}

/* Also map @va -> @frame through the same guest table pages. */
static void map_more(struct kunit *test, u64 va, u64 frame, u64 leaf_flags)
{
	int l;

	for (l = pvisor_host.paging_levels; l > 1; l--)
		put_entry(test, TABLE_PAGE(l), va_index(va, l),
			  TABLE_PAGE(l - 1) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
	put_entry(test, TABLE_PAGE(1), va_index(va, 1), frame | leaf_flags);
}

/* Load guest root @root for both modes, keeping what @keep says. */
static void load(struct pvisor_vcpu *v, u64 root, unsigned int keep)
{
	pvisor_shadow_load(&v->shadow, root, root, keep);
	v->cr3_kernel = root;
	v->cr3_user = root;
}

/*
 * Address spaces work as PCIDs: a load that keeps the user half finds the
 * translations of the last time; one that does not starts afresh; the
 * kernel half is shared by all and survives both, and a user flush.
 */
static void shadow_spaces_are_kept_as_pcids(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	u64 a, b = GUEST_BASE + 14 * PAGE_SIZE, kva = kernel_va();
	u32 err;

	a = build_tables(test, _PAGE_PRESENT | _PAGE_USER, DATA_GPA);
	map_more(test, kva, DATA_GPA, _PAGE_PRESENT);
	load(v, a, 0);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, kva, 0, &err), 0);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA) & _PAGE_PRESENT);

	load(v, b, PVISOR_SHADOW_KEEP_KERNEL);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA), 0ULL);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, kva) & _PAGE_PRESENT);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, kva), 0ULL);

	load(v, a, PVISOR_SHADOW_KEEP_KERNEL | PVISOR_SHADOW_KEEP_USER);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA) & _PAGE_PRESENT);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA) & _PAGE_PRESENT);

	pvisor_shadow_flush_user(&v->shadow);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA), 0ULL);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA), 0ULL);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, kva) & _PAGE_PRESENT);

	/* Without KEEP_USER the space starts afresh; without KEEP_KERNEL all. */
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	load(v, b, PVISOR_SHADOW_KEEP_KERNEL);
	load(v, a, PVISOR_SHADOW_KEEP_KERNEL);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA), 0ULL);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, kva) & _PAGE_PRESENT);
	load(v, a, 0);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, kva), 0ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->vm.nr_shadow_tables), 0);
}

/*
 * Spaces go: the least recently loaded one when a ninth root comes, one
 * whose root the guest releases, and others when the VM's shadow tables
 * reach max_shadow_tables.
 */
static void shadow_spaces_are_bounded(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	unsigned int i, saved = pvisor_max_shadow_tables;
	const unsigned int keep = PVISOR_SHADOW_KEEP_KERNEL | PVISOR_SHADOW_KEEP_USER;
	u64 a, b = GUEST_BASE + 14 * PAGE_SIZE, b_top;
	u32 err;
	int used;

	a = build_tables(test, _PAGE_PRESENT | _PAGE_USER, DATA_GPA);
	load(v, a, 0);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	for (i = 0; i < PVISOR_SHADOW_SPACES; i++)
		load(v, GUEST_BASE + i * PAGE_SIZE, keep);
	load(v, a, keep);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA), 0ULL);

	/* Released as a table: its space is forgotten. */
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	load(v, b, keep);
	pvisor_shadow_forget_root(&v->shadow, a);
	load(v, a, keep);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA), 0ULL);

	/* The table limit: a fill in b evicts a's tables. */
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	used = atomic_read(&t->vm.nr_shadow_tables);
	KUNIT_EXPECT_GT(test, used, 0);
	b_top = get_entry(test, a, va_index(SHADOW_VA, pvisor_host.paging_levels));
	put_entry(test, b, va_index(SHADOW_VA, pvisor_host.paging_levels), b_top);
	load(v, b, keep);
	pvisor_max_shadow_tables = used + 2 * PVISOR_MAX_LEVELS - 1;	/* one short */
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	pvisor_max_shadow_tables = saved;
	KUNIT_EXPECT_EQ(test, atomic_read(&t->vm.nr_shadow_tables), used);
	load(v, a, keep);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA), 0ULL);
	put_entry(test, b, va_index(SHADOW_VA, pvisor_host.paging_levels), 0);
}

/*
 * A fill maps ahead what a TLB could hold: the other entries of the guest
 * table that are accessed and whose frames are pinned, never an entry the
 * guest has not used, and write access only where the guest's D is set.
 */
static void shadow_fill_maps_ahead_what_the_guest_used(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	u64 va2 = SHADOW_VA + PAGE_SIZE, va3 = SHADOW_VA + 2 * PAGE_SIZE;
	u64 f2 = GUEST_BASE + 3 * PAGE_SIZE, f3 = GUEST_BASE + 4 * PAGE_SIZE;
	u64 ad = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
	u32 err;

	v->cr3_kernel = build_tables(test, _PAGE_PRESENT, DATA_GPA);
	map_more(test, va2, f2, ad);
	map_more(test, va3, f3, ad);
	/* Pin f2 and f3 with a first fill of each, then forget the shadows. */
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va2, 0, &err), 0);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va3, 0, &err), 0);
	pvisor_shadow_zap(&v->shadow);
	/* va3 not accessed any more (the guest cleared A, as reclaim does). */
	map_more(test, va3, f3, ad & ~_PAGE_ACCESSED);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, 0, &err), 0);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va2) & _PAGE_RW);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va3), 0ULL);
	/* Clean, so read-only: the first write must still set D. */
	pvisor_shadow_zap(&v->shadow);
	map_more(test, va2, f2, ad & ~_PAGE_DIRTY);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, 0, &err), 0);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va2) & _PAGE_PRESENT);
	KUNIT_EXPECT_FALSE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va2) & _PAGE_RW);
	/* Kernel-only entries never reach the user root. */
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, va2), 0ULL);
}

/*
 * TLB semantics for an entry the guest rewrites behind the host's back (a
 * plain store, no MMU_UPDATE): the old translation may live until the
 * guest's flush, never after it; and a table two roots share is seen
 * through both, each keeping its stale view only until its own flush.
 */
static void shadow_stale_only_until_the_flush(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	const unsigned int keep = PVISOR_SHADOW_KEEP_KERNEL | PVISOR_SHADOW_KEEP_USER;
	u64 a, b = GUEST_BASE + 14 * PAGE_SIZE, f2 = GUEST_BASE + 3 * PAGE_SIZE;
	unsigned int top = va_index(SHADOW_VA, pvisor_host.paging_levels);
	struct page *page;
	u32 err;

	a = build_tables(test, _PAGE_PRESENT | _PAGE_USER, DATA_GPA);
	put_entry(test, b, top, get_entry(test, a, top));	/* shared below */
	load(v, a, 0);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	load(v, b, keep);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	/* The guest points SHADOW_VA at f2 with a plain store. */
	put_entry(test, TABLE_PAGE(1), va_index(SHADOW_VA, 1),
		  f2 | _PAGE_PRESENT | _PAGE_USER);
	/* For writing: a read of untouched memory would be the zero page. */
	KUNIT_ASSERT_EQ(test, get_user_pages_fast((unsigned long)t->mem + 3 * PAGE_SIZE,
						  1, FOLL_WRITE, &page), 1);
	/* Stale until flushed, in b; then the new frame. */
	KUNIT_EXPECT_NE(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA) & PTE_PFN_MASK,
			(u64)page_to_phys(page));
	pvisor_shadow_invalidate(&v->shadow, SHADOW_VA, 1);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA), 0ULL);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA) & PTE_PFN_MASK,
			(u64)page_to_phys(page));
	/* a kept its own view; a load without KEEP_USER drops it. */
	load(v, a, keep);
	KUNIT_EXPECT_NE(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA) & PTE_PFN_MASK,
			(u64)page_to_phys(page));
	load(v, a, PVISOR_SHADOW_KEEP_KERNEL);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA) & PTE_PFN_MASK,
			(u64)page_to_phys(page));
	put_page(page);
}

/*
 * A flush of one address inside a large guest page drops the whole page's
 * shadow, as the CPU drops the whole large TLB entry; inside a 4 KiB
 * mapping it drops that page only.
 */
static void shadow_flush_in_a_large_page_drops_it_all(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	u64 base = SHADOW_VA & ~(SZ_2M - 1);
	/* gpa 0 + offset: the pages at DATA_GPA and the one after it */
	u64 va1 = base + DATA_GPA, va2 = va1 + PAGE_SIZE;
	u32 err;

	v->cr3_kernel = build_tables(test, _PAGE_PRESENT | _PAGE_RW, DATA_GPA);
	put_entry(test, TABLE_PAGE(2), va_index(SHADOW_VA, 2),
		  _PAGE_PRESENT | _PAGE_RW | _PAGE_PSE);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va1, X86_PF_USER, &err), 0);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va2, X86_PF_USER, &err), 0);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va2) & _PAGE_PRESENT);
	pvisor_shadow_invalidate(&v->shadow, base, 1);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va1), 0ULL);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va2), 0ULL);

	/* The same two pages through a 4 KiB table: the neighbour stays. */
	pvisor_shadow_zap(&v->shadow);
	put_entry(test, TABLE_PAGE(2), va_index(SHADOW_VA, 2),
		  TABLE_PAGE(1) | _PAGE_PRESENT | _PAGE_RW);
	put_entry(test, TABLE_PAGE(1), va_index(va1, 1), DATA_GPA | _PAGE_PRESENT);
	put_entry(test, TABLE_PAGE(1), va_index(va2, 1),
		  (DATA_GPA + PAGE_SIZE) | _PAGE_PRESENT);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va1, X86_PF_USER, &err), 0);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va2, X86_PF_USER, &err), 0);
	pvisor_shadow_invalidate(&v->shadow, va1, 1);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va1), 0ULL);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va2) & _PAGE_PRESENT);
}

/*
 * Entries absent from the guest's table: a user-mode miss there holds it,
 * and the table's other absent entries, as PVISOR_SHADOW_ABSENT in the user
 * root only (the switcher delivers the next such faults itself), and so
 * for an absent page directory entry.  Once the
 * guest maps one (no flush needed), the fault with RSVD fills it; a
 * mapping the access may not use leaves it to the ordinary miss; a flush
 * forgets it.
 */
static void shadow_absent_entries_fault_to_the_guest(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	u64 va2 = SHADOW_VA + PAGE_SIZE, va3 = SHADOW_VA + 2 * PAGE_SIZE;
	u64 va4 = SHADOW_VA + SZ_2M, va5 = SHADOW_VA + 2 * SZ_2M;
	u64 f2 = GUEST_BASE + 3 * PAGE_SIZE;
	const u32 rsvd = X86_PF_USER | X86_PF_PROT | X86_PF_RSVD;
	u32 err;

	if (!pvisor_shadow_absent_on())
		kunit_skip(test, "this CPU has 52 physical address bits (or shadow_absent=0)");
	v->mode = PVISOR_MODE_USER;
	v->cr3_kernel = build_tables(test, _PAGE_PRESENT | _PAGE_USER, DATA_GPA);
	v->cr3_user = v->cr3_kernel;
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va2, X86_PF_USER, &err), 1);
	KUNIT_EXPECT_EQ(test, err, (u32)X86_PF_USER);	/* not present */
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, va2), PVISOR_SHADOW_ABSENT);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, va3), PVISOR_SHADOW_ABSENT);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va2), 0ULL);
	KUNIT_EXPECT_EQ(test, v->shadow.last_absent, va2);
	/* The marker maps nothing a user or the host could reach. */
	KUNIT_EXPECT_FALSE(test, PVISOR_SHADOW_ABSENT & (_PAGE_USER | _PAGE_RW));
	KUNIT_EXPECT_GE(test, PVISOR_SHADOW_ABSENT & PTE_PFN_MASK,
			1ULL << boot_cpu_data.x86_phys_bits);

	/* Mapped behind the shadow's back: the RSVD fault fills it. */
	map_more(test, va2, f2, _PAGE_PRESENT | _PAGE_USER);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va2, rsvd, &err), 0);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_USER, va2) & _PAGE_USER);
	/* Mapped read-only, written: the guest's fault, and no marker left. */
	map_more(test, va3, f2, _PAGE_PRESENT | _PAGE_USER);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va3, rsvd | X86_PF_WRITE, &err), 1);
	KUNIT_EXPECT_EQ(test, err, (u32)(X86_PF_USER | X86_PF_PROT | X86_PF_WRITE));
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, va3), 0ULL);
	/* A flush forgets markers as it forgets translations. */
	map_more(test, va3, 0, 0);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va3, X86_PF_USER, &err), 1);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, va3), PVISOR_SHADOW_ABSENT);
	pvisor_shadow_invalidate(&v->shadow, va3, 1);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, va3), 0ULL);

	/* A page directory entry absent: held as absent for all its 2 MiB. */
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va4, X86_PF_USER, &err), 1);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, va4), PVISOR_SHADOW_ABSENT);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, va4 + PAGE_SIZE),
			PVISOR_SHADOW_ABSENT);
	/* The guest gives it a table: the fault puts a shadow table there. */
	map_more(test, va4, f2, _PAGE_PRESENT | _PAGE_USER);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va4, rsvd, &err), 0);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_USER, va4) & _PAGE_USER);
	/* And a flush of an address under a held directory entry drops it. */
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va5, X86_PF_USER, &err), 1);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, va5), PVISOR_SHADOW_ABSENT);
	pvisor_shadow_invalidate(&v->shadow, va5 + PAGE_SIZE, 1);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, va5), 0ULL);
}

/*
 * Read-only shadows still pin the launcher's page for writing: a read-only
 * pin of untouched memory would be the host's zero page, and a later write
 * by the launcher (a virtio read into that frame) would never be seen.
 */
static void shadow_read_only_leaf_sees_later_launcher_writes(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	u64 va = SHADOW_VA, leaf, token = 0x5eed5eed5eedULL, seen;
	u64 frame = GUEST_BASE + 5 * PAGE_SIZE;	/* never written */
	u32 err;

	v->cr3_kernel = build_tables(test, _PAGE_PRESENT, frame);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va, X86_PF_USER, &err), 0);
	leaf = shadow_leaf(v, PVISOR_MODE_KERNEL, va);
	KUNIT_ASSERT_TRUE(test, leaf & _PAGE_PRESENT);
	KUNIT_EXPECT_FALSE(test, leaf & _PAGE_RW);
	put_guest(test, frame, &token, sizeof(token));
	seen = *(u64 *)phys_to_virt(leaf & PTE_PFN_MASK);
	KUNIT_EXPECT_EQ(test, seen, token);
}

static void shadow_never_maps_outside_guest_memory(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	u32 err;

	/* A leaf frame beyond guest memory, and one at 1 TiB. */
	v->cr3_kernel = build_tables(test, _PAGE_PRESENT, GUEST_BASE + GUEST_SIZE);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err),
			-EFAULT);
	build_tables(test, _PAGE_PRESENT, 1ULL << 40);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err),
			-EFAULT);
	/* A table beyond guest memory. */
	put_entry(test, TABLE_PAGE(2), va_index(SHADOW_VA, 2),
		  0x7000000ULL | _PAGE_PRESENT | _PAGE_RW);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err),
			-EFAULT);
	/* Reserved high bits in a table entry. */
	put_entry(test, TABLE_PAGE(2), va_index(SHADOW_VA, 2),
		  (1ULL << 50) | TABLE_PAGE(1) | _PAGE_PRESENT | _PAGE_RW);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pins, 0UL);
}

/*
 * The quick fill (run.c's quick exits, host interrupts off) serves only a
 * fill from a frame already pinned, into shadow tables that exist, under
 * the layout the pins came from; for everything else it changes nothing
 * and leaves the fault to pvisor_shadow_fault().  Run here with interrupts
 * off, as the run loop runs it: on the debug host a sleep would splat.
 */
static bool quick_fault(struct pvisor_vcpu *v, u64 va, u32 error)
{
	unsigned long flags;
	bool served;

	local_irq_save(flags);
	served = pvisor_shadow_fault_quick(v, va, error);
	local_irq_restore(flags);
	return served;
}

static void shadow_quick_fill_only_without_sleeping(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	u64 absent = SHADOW_VA + PAGE_SIZE;
	u32 err;

	v->cr3_kernel = build_tables(test, _PAGE_PRESENT | _PAGE_RW, DATA_GPA);
	/* Not pinned yet, and no shadow table to hold it: the slow way. */
	KUNIT_EXPECT_FALSE(test, quick_fault(v, SHADOW_VA, X86_PF_USER));
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA), 0ULL);
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pins, 0UL);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);

	/* Pinned, tables in place: after a flush the quick fill serves it. */
	pvisor_shadow_invalidate(&v->shadow, SHADOW_VA, 1);
	KUNIT_ASSERT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA), 0ULL);
	KUNIT_EXPECT_TRUE(test, quick_fault(v, SHADOW_VA, X86_PF_USER));
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA) & _PAGE_PRESENT);
	KUNIT_EXPECT_FALSE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA) & _PAGE_RW);
	/* A write: D set in the guest's entry, the leaf writable. */
	KUNIT_EXPECT_TRUE(test, quick_fault(v, SHADOW_VA,
					    X86_PF_USER | X86_PF_WRITE | X86_PF_PROT));
	KUNIT_EXPECT_TRUE(test, get_entry(test, TABLE_PAGE(1), va_index(SHADOW_VA, 1)) &
			  _PAGE_DIRTY);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA) & _PAGE_RW);

	/* The guest's own fault is delivered by C: nothing placed here. */
	KUNIT_EXPECT_FALSE(test, quick_fault(v, absent, X86_PF_USER));
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, absent), 0ULL);
	/* So is a denied one: the guest's leaf is read-only. */
	put_entry(test, TABLE_PAGE(1), va_index(SHADOW_VA, 1),
		  DATA_GPA | _PAGE_PRESENT | _PAGE_ACCESSED);
	pvisor_shadow_invalidate(&v->shadow, SHADOW_VA, 1);
	KUNIT_EXPECT_FALSE(test, quick_fault(v, SHADOW_VA, X86_PF_USER | X86_PF_WRITE));
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA), 0ULL);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER | X86_PF_WRITE,
						  &err), 1);

	/* A new memory layout: the pins must go first, which only C does. */
	pvisor_shadow_invalidate(&v->shadow, SHADOW_VA, 1);
	t->vm.mem_generation++;
	KUNIT_EXPECT_FALSE(test, quick_fault(v, SHADOW_VA, X86_PF_USER));
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pins, 1UL);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	/* Guest tables outside guest memory: never a quick fill either. */
	put_entry(test, TABLE_PAGE(2), va_index(SHADOW_VA, 2),
		  PVISOR_MAX_GPA | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
	pvisor_shadow_zap(&v->shadow);
	KUNIT_EXPECT_FALSE(test, quick_fault(v, SHADOW_VA, X86_PF_USER));
}

/*
 * A fill that needs a frame pins the frame's whole 2 MiB block when the
 * block lies in one writable slot; the next fill there is quick.
 */
static void shadow_pins_a_block_at_once(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	struct pvisor_mem_region req = {
		.slot = 1, .guest_phys_addr = SZ_4M, .size = SZ_2M,
	};
	unsigned long uaddr;
	u32 err;

	uaddr = kunit_vm_mmap(test, NULL, 0, SZ_2M, PROT_READ | PROT_WRITE,
			      MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, uaddr, 0UL, "no user memory for the slot");
	req.userspace_addr = uaddr;
	KUNIT_ASSERT_EQ(test, pvisor_mem_set_region(&t->vm, &req), 0);

	v->cr3_kernel = build_tables(test, _PAGE_PRESENT | _PAGE_RW, SZ_4M + 5 * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pins, 512UL);
	put_entry(test, TABLE_PAGE(1), va_index(SHADOW_VA, 1),
		  (SZ_4M + 300 * PAGE_SIZE) | _PAGE_PRESENT | _PAGE_RW);
	pvisor_shadow_invalidate(&v->shadow, SHADOW_VA, 1);
	KUNIT_EXPECT_TRUE(test, quick_fault(v, SHADOW_VA, X86_PF_USER));
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pins, 512UL);
	/* A frame of the fixture's 64 KiB slot: no whole block, one pin. */
	put_entry(test, TABLE_PAGE(1), va_index(SHADOW_VA, 1),
		  DATA_GPA | _PAGE_PRESENT | _PAGE_RW);
	pvisor_shadow_invalidate(&v->shadow, SHADOW_VA, 1);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pins, 513UL);
}

/* pvisor_shared.unmapped_va of the fixture's shared page (page 1). */
static u64 unmapped(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	u64 va = 0;

	KUNIT_EXPECT_EQ(test, pvisor_read_guest(&t->vm, GUEST_BASE + PAGE_SIZE +
						offsetof(struct pvisor_shared, unmapped_va),
						&va, 8), 0);
	return va;
}

/*
 * A copy-on-write: the guest's own #PF on a page its table maps read-only.
 * The host drops the page from both roots and names it in the shared page
 * (PVISOR_HF_UNMAPPED_VA), so that the guest may skip its flush of it; the
 * next fill and the next CR3 load name no page, and a kernel-half page is
 * never named.
 */
static void shadow_denied_write_drops_and_names_the_page(struct kunit *test)
{
	struct pvisor_vcpu *v = &((struct pvisor_kunit_vm *)test->priv)->vcpu;
	const u32 write = X86_PF_USER | X86_PF_WRITE | X86_PF_PROT;
	u64 root;
	u32 err;

	KUNIT_ASSERT_EQ(test, hc(test, PVISOR_HC_SET_SHARED_PAGE,
				 GUEST_BASE + PAGE_SIZE, 0, 0), 0L);
	KUNIT_EXPECT_EQ(test, unmapped(test), PVISOR_UNMAPPED_NONE);
	root = build_tables(test, _PAGE_PRESENT | _PAGE_USER, DATA_GPA);
	map_more(test, kernel_va(), DATA_GPA, _PAGE_PRESENT);
	load(v, root, 0);
	v->mode = PVISOR_MODE_USER;
	/* A read fills both roots (one set of tables); the write is denied. */
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	KUNIT_ASSERT_NE(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA), 0ULL);
	KUNIT_ASSERT_NE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA), 0ULL);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, write, &err), 1);
	KUNIT_EXPECT_EQ(test, err, (u32)write);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA), 0ULL);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA), 0ULL);
	KUNIT_EXPECT_EQ(test, unmapped(test), SHADOW_VA);
	/* Any fill may map it again: no page is named after it. */
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	KUNIT_EXPECT_EQ(test, unmapped(test), PVISOR_UNMAPPED_NONE);
	/* Nor after a CR3 load, even one that keeps the space. */
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, write, &err), 1);
	KUNIT_EXPECT_EQ(test, unmapped(test), SHADOW_VA);
	load(v, root, PVISOR_SHADOW_KEEP_KERNEL | PVISOR_SHADOW_KEEP_USER);
	KUNIT_EXPECT_EQ(test, unmapped(test), PVISOR_UNMAPPED_NONE);
	/* The guest kernel writing its read-only page: not a user page. */
	v->mode = PVISOR_MODE_KERNEL;
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, kernel_va(), write, &err), 1);
	KUNIT_EXPECT_EQ(test, unmapped(test), PVISOR_UNMAPPED_NONE);
}

static struct kunit_case pvisor_shadow_cases[] = {
	KUNIT_CASE(shadow_fill_maps_the_guest_frame),
	KUNIT_CASE(shadow_refuses_what_the_guest_denies),
	KUNIT_CASE(shadow_never_maps_outside_guest_memory),
	KUNIT_CASE(shadow_spaces_are_kept_as_pcids),
	KUNIT_CASE(shadow_spaces_are_bounded),
	KUNIT_CASE(shadow_fill_maps_ahead_what_the_guest_used),
	KUNIT_CASE(shadow_stale_only_until_the_flush),
	KUNIT_CASE(shadow_flush_in_a_large_page_drops_it_all),
	KUNIT_CASE(shadow_read_only_leaf_sees_later_launcher_writes),
	KUNIT_CASE(shadow_absent_entries_fault_to_the_guest),
	KUNIT_CASE(shadow_quick_fill_only_without_sleeping),
	KUNIT_CASE(shadow_pins_a_block_at_once),
	KUNIT_CASE(shadow_denied_write_drops_and_names_the_page),
	{}
};

static struct kunit_suite pvisor_shadow_suite = {
	.name = "pvisor_shadow",
	.init = shadow_test_init,
	.exit = shadow_test_exit,
	.test_cases = pvisor_shadow_cases,
};

kunit_test_suite(pvisor_shadow_suite);
