// SPDX-License-Identifier: GPL-2.0
/*
 * The switcher's C half: the hole mappings, the per-CPU areas, and one
 * round trip into the guest.
 *
 * The hole (switcher.h) is mapped by two kinds of page-table subtrees
 * hanging off top-level slot 256: the host subtree, one for the module,
 * installed in the launcher's page tables while it has a VM (the switcher
 * code and every CPU's area); and a guest subtree per vCPU, installed in
 * its shadow roots (the switcher code, the running CPU's area, and that
 * area again at the "current" alias: no other CPU's area is visible to a
 * guest).  Both hold only supervisor (U=0), non-global entries, so the
 * guest, which always runs at CPL 3, can neither read nor write them, and
 * nothing of the hole survives a CR3 load.
 *
 * A round trip (pvisor_switcher_run()), with interrupts off throughout:
 * load pvisor's GDT, TSS and IDT, clear the CR4 bits in GUEST_CR4_OFF, put
 * the guest's registers in the frame, call the switcher, and undo all of
 * it in the reverse order.  The MSRs the guest may see or change are taken
 * once for a series of round trips (pvisor_switcher_series_begin() and
 * _end()), and the FPU is the caller's business (run.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/vmalloc.h>
#include <asm/desc.h>
#include <asm/gsseg.h>
#include <asm/io.h>
#include <asm/trap_pf.h>
#include <asm/trapnr.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>

#include "pvisor.h"
#include "switcher.h"

static_assert(SW_MODE_KERNEL == PVISOR_MODE_KERNEL);
static_assert(SW_MODE_USER == PVISOR_MODE_USER);
static_assert(SW_HC_IRET == PVISOR_HC_IRET);
static_assert(SW_HC_SET_STACK == PVISOR_HC_SET_STACK);
static_assert(SW_HC_SET_SEGMENT_BASE == PVISOR_HC_SET_SEGMENT_BASE);
static_assert(SW_SEG_FS == PVISOR_SEG_FS);
static_assert(SW_SEG_GS_KERNEL == PVISOR_SEG_GS_KERNEL);
static_assert(SW_SEG_GS_USER == PVISOR_SEG_GS_USER);
static_assert(SW_PF_RSVD == X86_PF_RSVD);
static_assert(SW_PF_ACCESS == (X86_PF_WRITE | X86_PF_USER | X86_PF_INSTR));
static_assert(offsetof(struct pvisor_shared, cr2) == SW_SHARED_CR2);

/* struct pvisor_frame is the frame switcher_asm.S builds (SWF_*). */
#define FRAME_AT(field, off) \
	static_assert(offsetof(struct pvisor_frame, field) == (off))
FRAME_AT(vector, SWF_VECTOR);
FRAME_AT(error_code, SWF_ERROR);
FRAME_AT(rip, SWF_RIP);
FRAME_AT(cs, SWF_CS);
FRAME_AT(rflags, SWF_RFLAGS);
FRAME_AT(rsp, SWF_RSP);
FRAME_AT(ss, SWF_SS);
static_assert(sizeof(struct pvisor_frame) == SWF_SIZE);

/* The area's fields do not overlap, and fit below its IDT and stacks. */
static_assert(AREA_TSS + sizeof(struct x86_hw_tss) <= AREA_HOST_RSP);
static_assert(AREA_GDT + AREA_GDT_ENTRIES * 8 <= AREA_TSS);
static_assert(AREA_SAVE_RDI + 8 <= AREA_TOP_SHIFT);
static_assert(AREA_IRET_FRAME + IRF_SIZE <= AREA_DIRECT_EXCEPTIONS);
static_assert(AREA_LAST_PAGE_FAULT + 8 <= AREA_ENTRY_EXCEPTION);
static_assert(AREA_ENTRY_EXCEPTION + 32 * 8 <= AREA_DIRECT_HYPERCALLS);
static_assert(AREA_DIRECT_HYPERCALLS + 8 <= AREA_IDT);
static_assert(AREA_IDT + 256 * 16 <= AREA_STACK);
static_assert(AREA_FRAME >= AREA_STACK);
static_assert(AREA_DB_STACK_TOP <= AREA_SIZE);
static_assert(SW_AREAS_OFFSET - SW_SHARED_OFFSET >= PAGE_SIZE);
/* The guest's IRET and event frames are whole words, as the ABI says. */
static_assert(IRF_SIZE == 8 * 8 && EVF_SIZE == 6 * 8);
static_assert((SW_HOLE_L4 >> SW_TOP_SHIFT_L4) % SW_TOP_SLOTS == SW_TOP_SLOT);
static_assert((SW_HOLE_L5 >> SW_TOP_SHIFT_L5) % SW_TOP_SLOTS == SW_TOP_SLOT);

#define AREAS_PER_PT		(PTRS_PER_PTE * PAGE_SIZE / AREA_SIZE)
#define TABLE_FLAGS		(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED)
#define CODE_FLAGS		(_PAGE_PRESENT | _PAGE_ACCESSED)
#define DATA_FLAGS		(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | \
				 _PAGE_DIRTY | _PAGE_NX)

static u64 hole_base;
static unsigned int nr_code_pages;
static unsigned int nr_area_pts;
static struct page **areas;		/* per possible CPU, AREA_SIZE each */
static struct pvisor_sw_map *host_map;

/* The hole address of something in switcher_asm.S. */
static u64 sw_alias(const char *sym)
{
	return hole_base + SW_CODE_OFFSET + (sym - pvisor_switcher_start);
}

static u64 area_hole_va(unsigned int cpu)
{
	return hole_base + SW_AREAS_OFFSET + (u64)cpu * AREA_SIZE;
}

static void *area_kva(unsigned int cpu)
{
	return page_address(areas[cpu]);
}

/* One subtree: from the page under the top-level slot to the leaf tables. */
struct pvisor_sw_map {
	struct page *p4d;		/* NULL on 4-level hosts */
	struct page *pud, *pmd, *code_pt;
	struct page *area_pt[];		/* nr_area_pts */
};

static u64 *table(struct page *p)
{
	return page_address(p);
}

static u64 table_entry(struct page *p)
{
	return page_to_phys(p) | TABLE_FLAGS;
}

static void sw_map_free(struct pvisor_sw_map *m)
{
	unsigned int i;

	if (!m)
		return;
	for (i = 0; i < nr_area_pts; i++)
		if (m->area_pt[i])
			__free_page(m->area_pt[i]);
	if (m->code_pt)
		__free_page(m->code_pt);
	if (m->pmd)
		__free_page(m->pmd);
	if (m->pud)
		__free_page(m->pud);
	if (m->p4d)
		__free_page(m->p4d);
	kfree(m);
}

/* A subtree with the code pages mapped and no area yet. */
static struct pvisor_sw_map *sw_map_alloc(void)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO;
	struct pvisor_sw_map *m;
	unsigned int i;

	m = kzalloc(struct_size(m, area_pt, nr_area_pts), GFP_KERNEL_ACCOUNT);
	if (!m)
		return NULL;
	m->pud = alloc_page(gfp);
	m->pmd = alloc_page(gfp);
	m->code_pt = alloc_page(gfp);
	if (pvisor_host.paging_levels == 5)
		m->p4d = alloc_page(gfp);
	if (!m->pud || !m->pmd || !m->code_pt ||
	    (pvisor_host.paging_levels == 5 && !m->p4d))
		goto fail;
	for (i = 0; i < nr_area_pts; i++) {
		m->area_pt[i] = alloc_page(gfp);
		if (!m->area_pt[i])
			goto fail;
		/* Areas start at 2 MiB: PMD entry 1 onwards. */
		table(m->pmd)[1 + i] = table_entry(m->area_pt[i]);
	}
	if (m->p4d)
		table(m->p4d)[0] = table_entry(m->pud);
	table(m->pud)[0] = table_entry(m->pmd);
	table(m->pmd)[0] = table_entry(m->code_pt);
	for (i = 0; i < nr_code_pages; i++) {
		unsigned long pfn = vmalloc_to_pfn(pvisor_switcher_start +
						   i * PAGE_SIZE);

		table(m->code_pt)[i] = PFN_PHYS(pfn) | CODE_FLAGS;
	}
	return m;
fail:
	sw_map_free(m);
	return NULL;
}

/* Map (or unmap, with @map false) CPU @cpu's area in subtree @m. */
static void sw_map_area(struct pvisor_sw_map *m, unsigned int cpu, bool map)
{
	u64 *pt = table(m->area_pt[cpu / AREAS_PER_PT]);
	unsigned int first = (cpu % AREAS_PER_PT) * (AREA_SIZE / PAGE_SIZE);
	unsigned int i;

	for (i = 0; i < AREA_SIZE / PAGE_SIZE; i++)
		pt[first + i] = map ? (page_to_phys(areas[cpu] + i) | DATA_FLAGS) : 0;
}

/* The value for top-level slot 256 that installs subtree @m. */
static u64 sw_map_top_entry(struct pvisor_sw_map *m)
{
	return table_entry(m->p4d ? m->p4d : m->pud);
}

/* --- per-vCPU guest subtrees ------------------------------------------ */

struct pvisor_sw_map *pvisor_sw_guest_map_alloc(void)
{
	return sw_map_alloc();
}

void pvisor_sw_guest_map_free(struct pvisor_sw_map *m)
{
	sw_map_free(m);
}

u64 pvisor_sw_guest_top_entry(struct pvisor_sw_map *m)
{
	return sw_map_top_entry(m);
}

/*
 * Point a guest subtree at CPU @cpu's area (and its "current" alias),
 * dropping the area of @old_cpu (-1 if none).  Called with interrupts off,
 * before the CR3 load that enters the guest, which flushes the old entries.
 */
void pvisor_sw_guest_map_cpu(struct pvisor_sw_map *m, int old_cpu,
			     unsigned int cpu)
{
	u64 *code_pt = table(m->code_pt);
	unsigned int first = SW_CURRENT_OFFSET / PAGE_SIZE, i;

	if (old_cpu >= 0)
		sw_map_area(m, old_cpu, false);
	sw_map_area(m, cpu, true);
	for (i = 0; i < AREA_SIZE / PAGE_SIZE; i++)
		code_pt[first + i] = page_to_phys(areas[cpu] + i) | DATA_FLAGS;
}

/* Map the vCPU's shared page for the direct switch (NULL unmaps it). */
void pvisor_sw_guest_map_shared(struct pvisor_sw_map *m, struct page *page)
{
	table(m->code_pt)[SW_SHARED_OFFSET / PAGE_SIZE] =
		page ? page_to_phys(page) | DATA_FLAGS : 0;
}

/* --- the launcher's address space ------------------------------------- */

/*
 * Address spaces with the host subtree installed, and how many VMs use
 * each: a process may create several VMs, and the subtree must stay until
 * the last of them is gone.
 */
struct installed_mm {
	struct list_head node;
	struct mm_struct *mm;
	unsigned int vms;
};

static LIST_HEAD(installed_mms);
static DEFINE_MUTEX(installed_lock);

static struct installed_mm *find_installed(struct mm_struct *mm)
{
	struct installed_mm *im;

	list_for_each_entry(im, &installed_mms, node)
		if (im->mm == mm)
			return im;
	return NULL;
}

/*
 * Install the host subtree in @mm for one more VM.  Refuses if the slot
 * holds something else: no kernel we know of maps anything there, but if
 * one does, sharing it would be wrong.
 */
int pvisor_sw_install(struct mm_struct *mm)
{
	u64 *top = (u64 *)mm->pgd, want = sw_map_top_entry(host_map);
	struct installed_mm *im;
	int ret = 0;

	mutex_lock(&installed_lock);
	im = find_installed(mm);
	if (im) {
		im->vms++;
		goto out;
	}
	if (top[SW_TOP_SLOT]) {
		pr_err("the hypervisor slot of this address space is in use (%#llx)\n",
		       top[SW_TOP_SLOT]);
		ret = -EBUSY;
		goto out;
	}
	im = kzalloc(sizeof(*im), GFP_KERNEL);
	if (!im) {
		ret = -ENOMEM;
		goto out;
	}
	im->mm = mm;
	im->vms = 1;
	list_add(&im->node, &installed_mms);
	WRITE_ONCE(top[SW_TOP_SLOT], want);
out:
	mutex_unlock(&installed_lock);
	return ret;
}

/* One VM of @mm is gone; the last one takes the subtree out. */
void pvisor_sw_uninstall(struct mm_struct *mm)
{
	struct installed_mm *im;

	mutex_lock(&installed_lock);
	im = find_installed(mm);
	if (im && !--im->vms) {
		WRITE_ONCE(((u64 *)mm->pgd)[SW_TOP_SLOT], 0);
		list_del(&im->node);
		kfree(im);
	}
	mutex_unlock(&installed_lock);
}

/* --- per-CPU areas ------------------------------------------------------ */

static u64 sw_gate(u64 handler, unsigned int ist, unsigned int dpl)
{
	/* A 64-bit interrupt gate (type 0xe), as the SDM lays it out. */
	return (handler & 0xffff) | ((u64)SW_KERNEL_CS << 16) |
	       ((u64)ist << 32) | ((0x8eULL | ((u64)dpl << 5)) << 40) |
	       ((handler >> 16) & 0xffff) << 48;
}

/* The vectors on IST stacks: their gates' IST field (the TSS index + 1). */
static const u8 gate_ist[X86_TRAP_MC + 1] = {
	[X86_TRAP_DB] = IST_INDEX_DB + 1, [X86_TRAP_NMI] = IST_INDEX_NMI + 1,
	[X86_TRAP_DF] = IST_INDEX_DF + 1, [X86_TRAP_MC] = IST_INDEX_MCE + 1,
};

static void area_init(unsigned int cpu)
{
	u8 *a = area_kva(cpu);
	u64 va = area_hole_va(cpu);
	u64 *gdt = (u64 *)(a + AREA_GDT);
	u64 *idt = (u64 *)(a + AREA_IDT);
	struct x86_hw_tss *tss = (struct x86_hw_tss *)(a + AREA_TSS);
	unsigned int v;

	/* The flat segments Linux uses, at the selectors it uses. */
	gdt[SW_KERNEL_CS >> 3] = 0x00af9b000000ffffULL;
	gdt[SW_KERNEL_DS >> 3] = 0x00cf93000000ffffULL;
	gdt[SW_USER32_CS >> 3] = 0x00cffb000000ffffULL;
	gdt[SW_USER_DS >> 3] = 0x00cff3000000ffffULL;
	gdt[SW_USER_CS >> 3] = 0x00affb000000ffffULL;
	/*
	 * Linux's CPU-number segment: user code reads (node << 12 | cpu)
	 * from its limit with lsl (the vDSO's getcpu without RDPID).  Guests
	 * have one vCPU, number 0 on node 0: limit 0, read-only data, DPL 3.
	 */
	gdt[SW_CPUNODE >> 3] = 0x0040f50000000000ULL;
	set_tssldt_descriptor(&gdt[SW_TSS >> 3], va + AREA_TSS, DESC_TSS,
			      sizeof(struct x86_hw_tss) - 1);

	/* No I/O bitmap: every in/out at CPL 3 faults. */
	tss->sp0 = va + AREA_STACK_TOP;
	tss->ist[IST_INDEX_DF] = va + AREA_DF_STACK_TOP;
	tss->ist[IST_INDEX_NMI] = va + AREA_NMI_STACK_TOP;
	tss->ist[IST_INDEX_MCE] = va + AREA_MCE_STACK_TOP;
	tss->ist[IST_INDEX_DB] = va + AREA_DB_STACK_TOP;
	tss->io_bitmap_base = sizeof(struct x86_hw_tss);

	for (v = 0; v < 256; v++) {
		u64 stub = sw_alias(pvisor_idt_stubs) + 32 * v;

		/* int3 may be used by the guest; every other `int n` faults. */
		idt[2 * v] = sw_gate(stub, v < ARRAY_SIZE(gate_ist) ? gate_ist[v] : 0,
				     v == X86_TRAP_BP ? 3 : 0);
		idt[2 * v + 1] = stub >> 32;
	}
	*(u64 *)(a + AREA_RSP0_TOP) = va + AREA_STACK_TOP;
}

/* --- one round trip ----------------------------------------------------- */

/*
 * The MSRs a guest entry changes.  They hold the guest's values from
 * pvisor_switcher_series_begin() to pvisor_switcher_series_end(), across
 * every round trip in between: the host kernel reads none of them (they
 * matter only when the host returns to user mode or makes a system call),
 * so the run loop can serve an exit in between without putting them back.
 */
static const u32 switched_msrs[] = {
	MSR_LSTAR, MSR_STAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_IA32_SYSENTER_CS,
	MSR_FS_BASE,
};

static_assert(ARRAY_SIZE(switched_msrs) == PVISOR_SW_MSRS);

/*
 * CR4 bits a guest runs without.  PGE: no global host mapping shadows the
 * guest's (clearing it flushes them).  PKE: to the CPU every page of a
 * guest, its kernel's included, is a user page, so a PKRU that a guest
 * process set (wrpkru is unprivileged) would fault its own kernel forever;
 * with PKE off wrpkru is #UD and CPUID's OSPKE reads clear.  FSGSBASE: a
 * guest process could otherwise set its FS and GS bases with wrfsbase and
 * wrgsbase behind its kernel's back, which hides the feature and so does
 * not reload a base it believes unchanged on a process switch.
 */
#define GUEST_CR4_OFF	(X86_CR4_PGE | X86_CR4_PKE | X86_CR4_FSGSBASE)

/*
 * CR4 is written raw, only while pvisor's IDT is loaded (or, to set PGE
 * alone, with interrupts off): no host handler can run in between, so the
 * kernel's shadow of CR4 stays right as it is,
 * and none runs without FSGSBASE (the NMI and #MC entries use rdgsbase when
 * the kernel does).  native_write_cr4() would refuse the change: the kernel
 * pins FSGSBASE against an attacker who clears it for good.
 */
static void write_cr4_raw(unsigned long cr4)
{
	asm volatile("mov %0, %%cr4" : : "r" (cr4) : "memory");
}

/*
 * CR4.PGE stays off between two entries on a CPU ("parked"): switching it
 * back on at each exit and off again at the next entry cost two full TLB
 * flushes per round trip.  A host without global pages is only slower,
 * never wrong (every CR3 write then flushes the kernel's entries too), and
 * the kernel's shadow of CR4 still says PGE, so anything that rewrites
 * CR4 (a global flush, cr4_set_bits()) turns it back on by itself.  The
 * run loop unparks before it lets another task have the CPU and when the
 * vCPU leaves PVISOR_RUN (pvisor_switcher_unpark()).
 */
static DEFINE_PER_CPU(bool, pge_parked);

/* Interrupts off: give this CPU its global pages back if a run parked them. */
void pvisor_switcher_unpark(void)
{
	unsigned long cr4;

	lockdep_assert_irqs_disabled();
	if (!this_cpu_read(pge_parked))
		return;
	this_cpu_write(pge_parked, false);
	cr4 = native_read_cr4();
	if (!(cr4 & X86_CR4_PGE))
		write_cr4_raw(cr4 | X86_CR4_PGE);
	pvisor_stat_inc(PVISOR_STAT_PGE_UNPARKS);
}

/**
 * pvisor_switcher_series_begin() - take this CPU's MSRs for guest runs
 * @h: where the host's values are kept until pvisor_switcher_series_end()
 *
 * Interrupts stay off until pvisor_switcher_series_end(), which must come
 * before anything that could return to user mode.
 */
void pvisor_switcher_series_begin(struct pvisor_sw_host *h)
{
	u64 syscall_entry = pvisor_host.paging_levels == 5 ?
		sw_alias(pvisor_syscall_l5) : sw_alias(pvisor_syscall_l4);
	unsigned int i;

	lockdep_assert_irqs_disabled();
	for (i = 0; i < ARRAY_SIZE(switched_msrs); i++)
		rdmsrl(switched_msrs[i], h->msr[i]);
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	store_idt(&h->idt);

	wrmsrl(MSR_LSTAR, syscall_entry);
	/* 32-bit `syscall` lands on the same path and is refused there. */
	wrmsrl(MSR_CSTAR, syscall_entry);
	wrmsrl(MSR_STAR, ((u64)SW_USER32_CS << 48) | ((u64)SW_KERNEL_CS << 32));
	wrmsrl(MSR_SYSCALL_MASK, X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_IF |
	       X86_EFLAGS_IOPL | X86_EFLAGS_AC | X86_EFLAGS_NT);
	/* sysenter with a null CS faults. */
	wrmsrl(MSR_IA32_SYSENTER_CS, 0);
}

/* The host's MSRs back, after the last round trip of the series. */
void pvisor_switcher_series_end(const struct pvisor_sw_host *h)
{
	unsigned int i;

	lockdep_assert_irqs_disabled();
	for (i = 0; i < ARRAY_SIZE(switched_msrs); i++)
		wrmsrl(switched_msrs[i], h->msr[i]);
}

static void load_guest_cpu_state(unsigned int cpu, struct pvisor_sw_host *h)
{
	u64 va = area_hole_va(cpu);
	struct desc_ptr gdt = { .size = AREA_GDT_ENTRIES * 8 - 1,
				 .address = va + AREA_GDT };
	struct desc_ptr idt = { .size = 256 * 16 - 1, .address = va + AREA_IDT };

	native_load_gdt(&gdt);
	asm volatile("ltr %w0" : : "r" (SW_TSS));
	native_load_idt(&idt);

	h->cr4 = native_read_cr4();
	if (h->cr4 & GUEST_CR4_OFF)
		write_cr4_raw(h->cr4 & ~GUEST_CR4_OFF);
}

static void load_host_cpu_state(unsigned int cpu, struct pvisor_sw_host *h)
{
	u64 *gdt = (u64 *)((u8 *)area_kva(cpu) + AREA_GDT);
	u64 *host_gdt = (u64 *)get_cpu_gdt_ro(cpu);
	u64 ours[2] = { gdt[SW_TSS >> 3], gdt[(SW_TSS >> 3) + 1] };
	u16 sel;
	u64 kgs;

	/*
	 * The host's CR4 before the host's IDT (see write_cr4_raw()), without
	 * PGE, which stays parked.
	 */
	if (h->cr4 & GUEST_CR4_OFF & ~X86_CR4_PGE)
		write_cr4_raw(h->cr4 & ~X86_CR4_PGE);
	if (h->cr4 & X86_CR4_PGE)
		this_cpu_write(pge_parked, true);
	/*
	 * The host's IDT first: an NMI between these two instructions then
	 * runs the host's handler on one of our IST stacks (sized for it),
	 * never our stub on one of the host's.
	 */
	native_load_idt(&h->idt);
	/*
	 * The host's GDT is read-only and its TSS descriptor is marked busy,
	 * so `ltr` cannot use it: load the host's TSS through a non-busy copy
	 * of its descriptor in our GDT, then switch to the host's GDT.
	 */
	gdt[SW_TSS >> 3] = host_gdt[GDT_ENTRY_TSS] & ~(2ULL << 40);
	gdt[(SW_TSS >> 3) + 1] = host_gdt[GDT_ENTRY_TSS + 1];
	asm volatile("ltr %w0" : : "r" (SW_TSS));
	load_fixmap_gdt(cpu);
	gdt[SW_TSS >> 3] = ours[0] & ~(2ULL << 40);
	gdt[(SW_TSS >> 3) + 1] = ours[1];

	/*
	 * The guest may have loaded its own data selectors.  Put the
	 * launcher's back; loading FS clears the FS base (the guest's is
	 * written at each entry, the host's at the end of the series), and
	 * load_gs_index() goes through the user GS base, so keep that too.
	 */
	savesegment(ds, sel);
	if (sel != h->ds)
		loadsegment(ds, h->ds);
	savesegment(es, sel);
	if (sel != h->es)
		loadsegment(es, h->es);
	savesegment(fs, sel);
	if (sel != h->fs)
		loadsegment(fs, h->fs);
	savesegment(gs, sel);
	if (sel != h->gs) {
		rdmsrl(MSR_KERNEL_GS_BASE, kgs);
		load_gs_index(h->gs);
		wrmsrl(MSR_KERNEL_GS_BASE, kgs);
	}
}

typedef void (*switcher_enter_fn)(void *area, u64 guest_cr3);

/*
 * Back from the guest, before the host runs much: the Spectre-class
 * clean-ups the host kernel applies when leaving a guest (KVM's VM exit).
 * The switcher has already refilled the RSB.  Each step runs only where the
 * host kernel chose that mitigation.
 */
static void host_mitigations_on_exit(void)
{
	if (cpu_feature_enabled(X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT) ||
	    cpu_feature_enabled(X86_FEATURE_CLEAR_BHB_LOOP))
		clear_bhb_loop();
	if (cpu_feature_enabled(X86_FEATURE_UNRET))
		entry_untrain_ret();
	if (cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT) ||
	    cpu_feature_enabled(X86_FEATURE_ENTRY_IBPB))
		indirect_branch_prediction_barrier();
}

static void area_put(u8 *a, unsigned int off, u64 v)
{
	*(u64 *)(a + off) = v;
}

static u64 area_get(u8 *a, unsigned int off)
{
	return *(u64 *)(a + off);
}

/*
 * The tops of the IST stacks, and how much of each a guest event can
 * leave behind: the CPU's frame with an error code, the stub's vector, and
 * the three registers pvisor_exit_common borrows, rounded up.
 */
static const unsigned int ist_tops[] = {
	AREA_NMI_STACK_TOP, AREA_DF_STACK_TOP, AREA_MCE_STACK_TOP,
	AREA_DB_STACK_TOP,
};

#define IST_FRAME_MAX	128

/*
 * Enter the guest once on @cpu, interrupts off, and come back.  @frame: the
 * guest's registers, and at the exit the vector (SW_VECTOR_SYSCALL for
 * `syscall`) and error code; @g: the rest of its state, whose mode (and GS
 * base in use) a direct switch may change; @exit: what else happened; @h:
 * from pvisor_switcher_series_begin() on this CPU.
 */
void pvisor_switcher_run(unsigned int cpu, struct pvisor_frame *frame,
			 struct pvisor_sw_guest *g, struct pvisor_sw_exit *exit,
			 struct pvisor_sw_host *h)
{
	u8 *a = area_kva(cpu);
	switcher_enter_fn enter = (switcher_enter_fn)sw_alias(pvisor_switcher_enter);
	u32 mode = g->mode;
	unsigned int v;

	lockdep_assert_irqs_disabled();

	memcpy(a + AREA_FRAME, frame, sizeof(*frame));
	/*
	 * The guest registers and IRET frame the direct switch borrowed, and
	 * the syscall entry's scratch words, are the last guest's: gone before
	 * another guest (on a Meltdown-affected CPU, one that can read this
	 * area) runs here.
	 */
	memset(a + AREA_SAVE_RAX, 0, AREA_SAVE_RDI + 8 - AREA_SAVE_RAX);
	memset(a + AREA_IRET_FRAME, 0, IRF_SIZE);
	area_put(a, AREA_SCRATCH_RAX, 0);
	area_put(a, AREA_SCRATCH_RSP, 0);
	/* An NMI, #DB, #DF or #MC in a guest left its frame on an IST stack. */
	for (v = 0; v < ARRAY_SIZE(ist_tops); v++)
		memset(a + ist_tops[v] - IST_FRAME_MAX, 0, IST_FRAME_MAX);
	area_put(a, AREA_GUEST_GS_BASE, g->gs_base[mode]);
	area_put(a, AREA_NMI_PENDING, 0);
	area_put(a, AREA_MCE_PENDING, 0);
	area_put(a, AREA_FAULT_VECTOR, 0);
	area_put(a, AREA_DIRECT_ON, g->direct);
	area_put(a, AREA_MODE, mode);
	area_put(a, AREA_ROOT_KERNEL, g->root[PVISOR_MODE_KERNEL]);
	area_put(a, AREA_ROOT_USER, g->root[PVISOR_MODE_USER]);
	area_put(a, AREA_ENTRY_SYSCALL, g->syscall_entry);
	area_put(a, AREA_SP0, g->sp0);
	area_put(a, AREA_GS_KERNEL, g->gs_base[PVISOR_MODE_KERNEL]);
	area_put(a, AREA_GS_USER, g->gs_base[PVISOR_MODE_USER]);
	area_put(a, AREA_CANON_SHIFT, pvisor_host.paging_levels == 5 ?
		 SW_CANON_SHIFT_L5 : SW_CANON_SHIFT_L4);
	area_put(a, AREA_TOP_SHIFT, pvisor_host.paging_levels == 5 ?
		 SW_TOP_SHIFT_L5 : SW_TOP_SHIFT_L4);
	area_put(a, AREA_SHARED, hole_base + SW_SHARED_OFFSET);
	area_put(a, AREA_DIRECT_SYSCALLS, 0);
	area_put(a, AREA_DIRECT_IRETS, 0);
	area_put(a, AREA_DIRECT_FALLBACKS, 0);
	area_put(a, AREA_DIRECT_EXCEPTIONS, 0);
	area_put(a, AREA_DIRECT_PAGE_FAULTS, 0);
	area_put(a, AREA_DIRECT_HYPERCALLS, 0);
	area_put(a, AREA_LAST_PAGE_FAULT, g->last_page_fault);
	area_put(a, AREA_DIRECT_INFLIGHT, 0);
	for (v = 0; v < 32; v++)
		if (SW_DIRECT_EXCEPTIONS & BIT(v))
			area_put(a, AREA_ENTRY_EXCEPTION + 8 * v,
				 g->exception_entry ? g->exception_entry[v] : 0);
	area_put(a, AREA_ENTRY_EXCEPTION + 8 * X86_TRAP_PF,
		 g->direct_page_faults && g->exception_entry ?
		 g->exception_entry[X86_TRAP_PF] : 0);

	/*
	 * While pvisor's IDT is loaded nothing may trap into the kernel (a
	 * kprobe's int3, a traced MSR access): raw MSR accessors only.
	 */
	load_guest_cpu_state(cpu, h);
	__wrmsr(MSR_FS_BASE, (u32)g->fs_base, g->fs_base >> 32);
	if (cpu_feature_enabled(X86_FEATURE_CLEAR_CPU_BUF))
		asm volatile("verw %0" : : "m" (h->ds));

	enter((void *)area_hole_va(cpu), g->root[mode]);

	g->fs_base = __rdmsr(MSR_FS_BASE);
	exit->cr2 = native_read_cr2();
	load_host_cpu_state(cpu, h);
	host_mitigations_on_exit();

	memcpy(frame, a + AREA_FRAME, sizeof(*frame));
	/* The mode now, its GS base live; the other kept by the switcher. */
	mode = area_get(a, AREA_MODE) & 1;
	g->mode = mode;
	g->gs_base[mode] = area_get(a, AREA_GUEST_GS_BASE);
	g->gs_base[!mode] = area_get(a, mode ? AREA_GS_KERNEL : AREA_GS_USER);
	/* What the direct switch served on the way, and what it left to C. */
	pvisor_stat_add(PVISOR_STAT_DIRECT_SYSCALLS, area_get(a, AREA_DIRECT_SYSCALLS));
	pvisor_stat_add(PVISOR_STAT_DIRECT_IRETS, area_get(a, AREA_DIRECT_IRETS));
	pvisor_stat_add(PVISOR_STAT_DIRECT_FALLBACKS, area_get(a, AREA_DIRECT_FALLBACKS));
	pvisor_stat_add(PVISOR_STAT_DIRECT_EXCEPTIONS, area_get(a, AREA_DIRECT_EXCEPTIONS));
	pvisor_stat_add(PVISOR_STAT_DIRECT_PAGE_FAULTS, area_get(a, AREA_DIRECT_PAGE_FAULTS));
	pvisor_stat_add(PVISOR_STAT_DIRECT_HYPERCALLS, area_get(a, AREA_DIRECT_HYPERCALLS));
	g->last_page_fault = area_get(a, AREA_LAST_PAGE_FAULT);
	g->sp0 = area_get(a, AREA_SP0);
	exit->nmi = area_get(a, AREA_NMI_PENDING);
	exit->mce = area_get(a, AREA_MCE_PENDING);
	exit->fault_vector = area_get(a, AREA_FAULT_VECTOR);
	exit->fault_rip = area_get(a, AREA_FAULT_RIP);
	exit->fault_error = area_get(a, AREA_FAULT_ERROR);
}

/* --- module load and unload --------------------------------------------- */

int pvisor_switcher_init(void)
{
	unsigned int cpu;

	hole_base = pvisor_hole_start();
	nr_code_pages = (pvisor_switcher_end - pvisor_switcher_start) / PAGE_SIZE;
	if (nr_code_pages * PAGE_SIZE > SW_CODE_MAX ||
	    !PAGE_ALIGNED(pvisor_switcher_start)) {
		pr_err("switcher code is misaligned or too big (%u pages)\n",
		       nr_code_pages);
		return -EINVAL;
	}
	nr_area_pts = DIV_ROUND_UP(nr_cpu_ids, AREAS_PER_PT);
	if (nr_area_pts > PTRS_PER_PMD - 1) {
		pr_err("too many CPUs for the switcher (%u)\n", nr_cpu_ids);
		return -EINVAL;
	}

	areas = kcalloc(nr_cpu_ids, sizeof(*areas), GFP_KERNEL);
	if (!areas)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		areas[cpu] = alloc_pages(GFP_KERNEL | __GFP_ZERO,
					 get_order(AREA_SIZE));
		if (!areas[cpu])
			goto fail;
		area_init(cpu);
	}
	host_map = sw_map_alloc();
	if (!host_map)
		goto fail;
	for_each_possible_cpu(cpu)
		sw_map_area(host_map, cpu, true);
	return 0;
fail:
	pvisor_switcher_exit();
	return -ENOMEM;
}

static void flush_this_cpu(void *unused)
{
	pvisor_switcher_unpark();
	__flush_tlb_all();
}

void pvisor_switcher_exit(void)
{
	unsigned int cpu;

	/* No CPU may keep a translation of pages that go back to the host. */
	on_each_cpu(flush_this_cpu, NULL, 1);
	sw_map_free(host_map);
	host_map = NULL;
	if (areas) {
		for_each_possible_cpu(cpu)
			if (areas[cpu])
				__free_pages(areas[cpu], get_order(AREA_SIZE));
		kfree(areas);
		areas = NULL;
	}
}
