// SPDX-License-Identifier: GPL-2.0
/*
 * Hypercalls: the guest kernel's requests to the host.
 *
 * A hypercall is `syscall` executed in guest-kernel mode (see
 * include/uapi/linux/pvisor.h for the registers).  The switcher hands the
 * registers to pvisor_hypercall(), which looks the number up in a table and
 * calls one small handler per call.
 *
 * Everything here treats the guest as hostile.  Each argument is checked
 * before it is used, anything read from guest memory is copied first and
 * checked in the copy, arguments a call does not take must be zero, and a
 * bad call gets a negative errno.  Nothing a guest passes can make the host
 * oops, hang or leak.
 */
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/timekeeping.h>
#include <asm/tsc.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "pvisor.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/*
 * The hypervisor hole: the part of the address space Linux keeps for a
 * hypervisor, where the switcher is mapped in every guest.  A guest may
 * point nothing of its own there.
 */
static u64 hole_start(void)
{
	return pvisor_host.paging_levels == 5 ? 0xff00000000000000ULL :
						0xffff800000000000ULL;
}

/* The first address above the hole. */
static u64 hole_end(void)
{
	return pvisor_host.paging_levels == 5 ? 0xff01000000000000ULL :
						0xffff808000000000ULL;
}

/* Is @va canonical for the host's (and so the guest's) paging mode? */
bool pvisor_is_canonical(u64 va)
{
	unsigned int bits = pvisor_host.paging_levels == 5 ? 57 : 48;

	return (u64)sign_extend64(va, bits - 1) == va;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_is_canonical);

/* A guest address the switcher may use: canonical and outside the hole. */
static bool guest_va_ok(u64 va)
{
	return pvisor_is_canonical(va) && (va < hole_start() || va >= hole_end());
}

static long hc_version(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	return PVISOR_ABI_VERSION;
}

static long hc_features(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	return 0;	/* no optional feature is served yet */
}

/*
 * Fill the shared page's clock, so the guest reads time without an exit:
 * guest ns = system_ns + (((tsc - tsc_stamp) << tsc_shift) * tsc_mul >> 32)
 * with tsc_mul = 2^32 * 10^6 / tsc_khz, halved (and tsc_shift raised) until
 * it fits 32 bits, which only a TSC slower than 1 GHz needs.
 */
static long publish_time(struct pvisor_vcpu *vcpu)
{
	struct pvisor_shared t = { 0 };
	struct timespec64 now;
	u64 khz = tsc_khz ? tsc_khz : 1000000;
	u64 mul = div_u64(1000000ULL << 32, khz);
	s8 shift = 0;

	while (mul > U32_MAX) {
		mul >>= 1;
		shift++;
	}
	t.time_version = 2;
	t.tsc_shift = shift;
	t.tsc_mul = mul;
	t.tsc_stamp = rdtsc();
	t.system_ns = vcpu->time_base ? pvisor_guest_now(vcpu) : 0;
	ktime_get_real_ts64(&now);
	t.wall_clock_sec = now.tv_sec - div_u64(t.system_ns, NSEC_PER_SEC);
	t.wall_clock_nsec = now.tv_nsec;
	return pvisor_write_guest(vcpu->vm, vcpu->shared_gpa +
				  offsetof(struct pvisor_shared, time_version),
				  &t.time_version,
				  offsetof(struct pvisor_shared, reserved) -
				  offsetof(struct pvisor_shared, time_version)) ? -EFAULT : 0;
}

/* Unpin the shared page and unmap it from the switcher. */
void pvisor_release_shared_page(struct pvisor_vcpu *vcpu)
{
	if (vcpu->shadow.swmap)
		pvisor_sw_guest_map_shared(vcpu->shadow.swmap, NULL);
	if (vcpu->shared_page)
		unpin_user_pages_dirty_lock(&vcpu->shared_page, 1, true);
	vcpu->shared_page = NULL;
	vcpu->shared_gpa = 0;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_release_shared_page);

static long hc_set_shared_page(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	void __user *hva;
	struct page *page;
	u64 gpa = arg[0];

	if (!PAGE_ALIGNED(gpa))
		return -EINVAL;
	hva = pvisor_gpa_to_user(vcpu->vm, gpa, PAGE_SIZE, true);
	if (!hva)
		return -EFAULT;
	/* The switcher writes it too: keep the page where it is. */
	if (pin_user_pages_fast((unsigned long)hva, 1, FOLL_WRITE | FOLL_LONGTERM,
				&page) != 1)
		return -EFAULT;
	pvisor_release_shared_page(vcpu);
	vcpu->shared_page = page;
	vcpu->shared_gpa = gpa;
	if (vcpu->shadow.swmap)
		pvisor_sw_guest_map_shared(vcpu->shadow.swmap, page);
	return publish_time(vcpu);
}

static void console_append(struct pvisor_vcpu *vcpu, const char *buf,
			   unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		vcpu->console[vcpu->console_head++ % PVISOR_CONSOLE_RING] = buf[i];
}

static long hc_console_write(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	u64 gpa = arg[0], len = arg[1], done;
	char chunk[64];

	if (len > PVISOR_CONSOLE_WRITE_MAX)
		return -EINVAL;
	/* Check the whole range first, so a bad one writes nothing. */
	if (len && !pvisor_gpa_to_user(vcpu->vm, gpa, len, false))
		return -EFAULT;
	for (done = 0; done < len; done += sizeof(chunk)) {
		unsigned int n = min_t(u64, len - done, sizeof(chunk));

		if (pvisor_read_guest(vcpu->vm, gpa + done, chunk, n))
			return done ? done : -EFAULT;
		console_append(vcpu, chunk, n);
	}
	return len;
}

/* Console input the launcher wrote (write() on the vCPU fd). */
static long hc_console_read(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	u64 gpa = arg[0], len = arg[1];
	u8 buf[PVISOR_INPUT_RING];
	unsigned int n;

	if (len > PVISOR_CONSOLE_WRITE_MAX)
		return -EINVAL;
	if (len && !pvisor_gpa_to_user(vcpu->vm, gpa, len, true))
		return -EFAULT;
	spin_lock(&vcpu->input_lock);
	n = min_t(u64, len, vcpu->input_head - vcpu->input_tail);
	n = min_t(unsigned int, n, sizeof(buf));
	for (unsigned int i = 0; i < n; i++)
		buf[i] = vcpu->input[(vcpu->input_tail + i) % PVISOR_INPUT_RING];
	spin_unlock(&vcpu->input_lock);
	if (n && pvisor_write_guest(vcpu->vm, gpa, buf, n))
		return -EFAULT;
	/* Consumed only once it reached the guest. */
	spin_lock(&vcpu->input_lock);
	vcpu->input_tail += n;
	spin_unlock(&vcpu->input_lock);
	return n;
}

static long hc_shutdown(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	if (arg[0] >= PVISOR_SHUTDOWN_NR || arg[1] > U32_MAX)
		return -EINVAL;
	vcpu->shutdown_type = arg[0];
	vcpu->shutdown_code = arg[1];
	vcpu->shutdown_requested = true;
	return 0;
}

static long hc_set_timer(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	vcpu->timer_deadline_ns = arg[0];
	return pvisor_set_timer(vcpu, arg[0]);
}

static long hc_halt(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	return pvisor_halt(vcpu);
}

static long hc_irq_enable(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	/* The run loop delivers what is pending before the next entry. */
	return 0;
}

static long hc_iret(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	return pvisor_hc_iret(vcpu);
}

static long hc_set_stack(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	u64 sp0 = arg[0];

	/*
	 * The switcher writes event frames just below sp0, so the frame must
	 * not reach into the hole either: check the lowest byte it may use.
	 */
	if (!IS_ALIGNED(sp0, 16) || sp0 < PAGE_SIZE ||
	    !guest_va_ok(sp0) || !guest_va_ok(sp0 - PAGE_SIZE) ||
	    !guest_va_ok(sp0 - 1))
		return -EINVAL;
	vcpu->sp0 = sp0;
	return 0;
}

static long hc_set_segment_base(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	if (arg[0] >= PVISOR_SEG_NR || !pvisor_is_canonical(arg[1]))
		return -EINVAL;
	vcpu->seg_base[arg[0]] = arg[1];
	return 0;
}

static long hc_set_entries(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	struct pvisor_entries e;
	unsigned int i;

	/* Copy once, then check only the copy. */
	if (pvisor_read_guest(vcpu->vm, arg[0], &e, sizeof(e)))
		return -EFAULT;
	if (e.flags || memchr_inv(e.reserved, 0, sizeof(e.reserved)))
		return -EINVAL;
	if ((e.syscall && !guest_va_ok(e.syscall)) ||
	    (e.interrupt && !guest_va_ok(e.interrupt)))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(e.exception); i++)
		if (e.exception[i] && !guest_va_ok(e.exception[i]))
			return -EINVAL;
	vcpu->entries = e;
	vcpu->entries_set = true;
	return 0;
}

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

static long hc_new_cr3(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	u64 kroot = arg[0], uroot = arg[1], flags = arg[2];

	if (!PAGE_ALIGNED(kroot) || !PAGE_ALIGNED(uroot) ||
	    (flags & ~PVISOR_CR3_SAME_KERNEL_HALF))
		return -EINVAL;
	if (!pvisor_gpa_to_user(vcpu->vm, kroot, PAGE_SIZE, false))
		return -EFAULT;
	/* A user root of 0 means "no user mappings", e.g. for kernel threads. */
	if (uroot && !pvisor_gpa_to_user(vcpu->vm, uroot, PAGE_SIZE, false))
		return -EFAULT;
	/* A guest that declares its tables loads only declared roots. */
	if (READ_ONCE(vcpu->vm->declares_tables) &&
	    (!is_declared_root(vcpu->vm, kroot) ||
	     (uroot && !is_declared_root(vcpu->vm, uroot))))
		return -EINVAL;
	if ((flags & PVISOR_CR3_SAME_KERNEL_HALF) && READ_ONCE(keep_kernel_half))
		pvisor_shadow_zap_user_half(&vcpu->shadow);
	else
		pvisor_shadow_zap(&vcpu->shadow);
	vcpu->cr3_kernel = kroot;
	vcpu->cr3_user = uroot;
	return 0;
}

static long hc_flush_tlb(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	u64 op = arg[0], va = arg[1], npages = arg[2];

	switch (op) {
	case PVISOR_FLUSH_ALL:
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
	case PVISOR_MMU_PIN_TABLE:
	case PVISOR_MMU_UNPIN_TABLE:
		if (op->entry_gpa || !PAGE_ALIGNED(op->value))
			return -EINVAL;
		if (!pvisor_gpa_to_user(vcpu->vm, op->value, PAGE_SIZE, false))
			return -EFAULT;
		if (op->op == PVISOR_MMU_PIN_TABLE)
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
	case PVISOR_MMU_PIN_TABLE:
		pvisor_stat_inc(PVISOR_STAT_MMU_TABLES_PINNED);
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
	default:	/* PVISOR_MMU_UNPIN_TABLE */
		pvisor_stat_inc(PVISOR_STAT_MMU_TABLES_UNPINNED);
		if (!READ_ONCE(vm->tables_dropped) && xa_erase(&vm->tables, gfn))
			atomic_dec(&vm->nr_tables);
		return 0;
	}
}

static long hc_mmu_update(struct pvisor_vcpu *vcpu, const u64 *arg)
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

static long hc_cpuid(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	struct pvisor_cpuid out;

	if (arg[0] > U32_MAX || arg[1] > U32_MAX)
		return -EINVAL;
	pvisor_cpuid(arg[0], arg[1], vcpu->xcr0, &out);
	return pvisor_write_guest(vcpu->vm, arg[2], &out, sizeof(out));
}

typedef long (*pvisor_hc_fn)(struct pvisor_vcpu *vcpu, const u64 *arg);

struct pvisor_hc_desc {
	pvisor_hc_fn fn;	/* NULL: defined in the ABI, not served yet */
	const char *name;
	unsigned int nargs;
};

#define HC(nr, fn_, n) \
	[nr] = { .fn = fn_, .name = #nr, .nargs = n }

static const struct pvisor_hc_desc hypercalls[PVISOR_HC_NR] = {
	HC(PVISOR_HC_VERSION,		hc_version,		0),
	HC(PVISOR_HC_FEATURES,		hc_features,		0),
	HC(PVISOR_HC_SET_SHARED_PAGE,	hc_set_shared_page,	1),
	HC(PVISOR_HC_CONSOLE_WRITE,	hc_console_write,	2),
	HC(PVISOR_HC_SHUTDOWN,		hc_shutdown,		2),
	HC(PVISOR_HC_SET_TIMER,		hc_set_timer,		1),
	HC(PVISOR_HC_HALT,		hc_halt,		0),
	HC(PVISOR_HC_IRQ_ENABLE,	hc_irq_enable,		0),
	HC(PVISOR_HC_SET_STACK,		hc_set_stack,		1),
	HC(PVISOR_HC_SET_SEGMENT_BASE,	hc_set_segment_base,	2),
	HC(PVISOR_HC_SET_ENTRIES,	hc_set_entries,		1),
	/*
	 * IRET takes no arguments, but the argument registers hold the
	 * interrupted context's values on their way back: none is checked.
	 */
	HC(PVISOR_HC_IRET,		hc_iret,		5),
	HC(PVISOR_HC_NEW_CR3,		hc_new_cr3,		3),
	HC(PVISOR_HC_MMU_UPDATE,	hc_mmu_update,		2),
	HC(PVISOR_HC_FLUSH_TLB,		hc_flush_tlb,		3),
	HC(PVISOR_HC_CPUID,		hc_cpuid,		3),
	HC(PVISOR_HC_CONSOLE_READ,	hc_console_read,	2),
};

/* The name of hypercall @nr for messages and traces ("?" if none). */
const char *pvisor_hypercall_name(u64 nr)
{
	if (nr >= ARRAY_SIZE(hypercalls))
		return "?";
	return hypercalls[nr].name + strlen("PVISOR_HC_");
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_hypercall_name);

static long dispatch(struct pvisor_vcpu *vcpu, const struct pvisor_hc_args *a)
{
	const struct pvisor_hc_desc *d;
	unsigned int i;

	if (a->nr >= ARRAY_SIZE(hypercalls))
		return -ENOSYS;
	d = &hypercalls[array_index_nospec(a->nr, ARRAY_SIZE(hypercalls))];
	if (!d->fn)
		return -ENOSYS;
	for (i = d->nargs; i < ARRAY_SIZE(a->arg); i++)
		if (a->arg[i])
			return -EINVAL;
	return d->fn(vcpu, a->arg);
}

/**
 * pvisor_hypercall() - serve one hypercall of a vCPU
 * @vcpu: the calling vCPU
 * @args: the number and the five argument registers, as the guest left them
 *
 * Return: the value for the guest's rax: >= 0 or a negative errno.
 */
long pvisor_hypercall(struct pvisor_vcpu *vcpu,
		      const struct pvisor_hc_args *args)
{
	long ret = dispatch(vcpu, args);

	pvisor_stat_inc(PVISOR_STAT_HYPERCALLS);
	if (ret < 0)
		pvisor_stat_inc(PVISOR_STAT_HYPERCALL_ERRORS);
	trace_pvisor_hypercall(vcpu->vm->id, vcpu->id, args->nr,
			       args->arg[0], args->arg[1], ret);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_hypercall);
