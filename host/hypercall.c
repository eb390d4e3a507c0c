// SPDX-License-Identifier: GPL-2.0
/*
 * Hypercalls: the guest kernel's requests to the host.
 *
 * A hypercall is `syscall` executed in guest-kernel mode (see
 * include/uapi/linux/pvisor.h for the registers).  The switcher hands the
 * registers to pvisor_hypercall(), which looks the number up in the table
 * below and calls one handler per call.  This file holds the table, its
 * dispatch and the calls that only check and record a value; the others
 * live with their concern, and the table names where:
 *
 *   console.c      CONSOLE_WRITE, CONSOLE_READ
 *   events.c       SET_SHARED_PAGE, SET_TIMER, HALT, IRET
 *   page_tables.c  NEW_CR3, MMU_UPDATE, FLUSH_TLB
 *
 * Everything here treats the guest as hostile.  Each argument is checked
 * before it is used, anything read from guest memory is copied first and
 * checked in the copy, arguments a call does not take must be zero, and a
 * bad call gets a negative errno.  Nothing a guest passes can make the host
 * oops, hang or leak.
 *
 * Calls flagged quick in the table may also be served in the run loop's
 * quick exits, with host interrupts off (pvisor_hypercall_quick()).
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "pvisor.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static long hc_version(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	return PVISOR_ABI_VERSION;
}

static long hc_features(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	return PVISOR_HF_MMU_BATCH | PVISOR_HF_TSC_CLOCK | PVISOR_HF_UNMAPPED_VA;
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

static long hc_irq_enable(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	return 0;	/* pending interrupts go in before the next entry */
}

static long hc_set_stack(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	u64 sp0 = arg[0];

	/*
	 * The switcher writes event frames just below sp0, so the frame must
	 * not reach into the hole either: check the lowest byte it may use.
	 */
	if (!IS_ALIGNED(sp0, 16) || sp0 < PAGE_SIZE ||
	    !pvisor_guest_va_ok(sp0) || !pvisor_guest_va_ok(sp0 - PAGE_SIZE) ||
	    !pvisor_guest_va_ok(sp0 - 1))
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
	if ((e.syscall && !pvisor_guest_va_ok(e.syscall)) ||
	    (e.interrupt && !pvisor_guest_va_ok(e.interrupt)))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(e.exception); i++)
		if (e.exception[i] && !pvisor_guest_va_ok(e.exception[i]))
			return -EINVAL;
	vcpu->entries = e;
	vcpu->entries_set = true;
	return 0;
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
	bool quick;		/* may run in a quick exit: see pvisor_hypercall_quick() */
};

#define HC(nr, fn_, n) \
	[nr] = { .fn = fn_, .name = #nr, .nargs = n }
#define HC_QUICK(nr, fn_, n) \
	[nr] = { .fn = fn_, .name = #nr, .nargs = n, .quick = true }

/*
 * SET_TIMER cancels an hrtimer, which on PREEMPT_RT may wait on a sleeping
 * lock for a callback running elsewhere; elsewhere it only spins.
 */
#define HC_QUICK_UNLESS_RT(nr, fn_, n) \
	[nr] = { .fn = fn_, .name = #nr, .nargs = n, \
		 .quick = !IS_ENABLED(CONFIG_PREEMPT_RT) }

static const struct pvisor_hc_desc hypercalls[PVISOR_HC_NR] = {
	HC_QUICK(PVISOR_HC_VERSION,		hc_version,		0),
	HC_QUICK(PVISOR_HC_FEATURES,		hc_features,		0),
	HC(PVISOR_HC_SET_SHARED_PAGE,		pvisor_hc_set_shared_page, 1),
	HC(PVISOR_HC_CONSOLE_WRITE,		pvisor_hc_console_write, 2),
	HC(PVISOR_HC_SHUTDOWN,			hc_shutdown,		2),
	HC_QUICK_UNLESS_RT(PVISOR_HC_SET_TIMER,	pvisor_hc_set_timer,	1),
	HC(PVISOR_HC_HALT,			pvisor_hc_halt,		0),
	HC_QUICK(PVISOR_HC_IRQ_ENABLE,		hc_irq_enable,		0),
	HC_QUICK(PVISOR_HC_SET_STACK,		hc_set_stack,		1),
	HC_QUICK(PVISOR_HC_SET_SEGMENT_BASE,	hc_set_segment_base,	2),
	HC(PVISOR_HC_SET_ENTRIES,		hc_set_entries,		1),
	/* IRET's argument registers carry the interrupted context back. */
	HC(PVISOR_HC_IRET,			pvisor_hc_iret,		5),
	HC_QUICK(PVISOR_HC_NEW_CR3,		pvisor_hc_new_cr3,	3),
	HC(PVISOR_HC_MMU_UPDATE,		pvisor_hc_mmu_update,	2),
	HC_QUICK(PVISOR_HC_FLUSH_TLB,		pvisor_hc_flush_tlb,	3),
	HC(PVISOR_HC_CPUID,			hc_cpuid,		3),
	HC(PVISOR_HC_CONSOLE_READ,		pvisor_hc_console_read,	2),
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

static long account(struct pvisor_vcpu *vcpu, const struct pvisor_hc_args *args,
		    long ret)
{
	pvisor_stat_inc(PVISOR_STAT_HYPERCALLS);
	if (ret < 0)
		pvisor_stat_inc(PVISOR_STAT_HYPERCALL_ERRORS);
	trace_pvisor_hypercall(vcpu->vm->id, vcpu->id, args->nr,
			       args->arg[0], args->arg[1], ret);
	return ret;
}

/* Serve one hypercall from the registers the guest left; return its rax. */
long pvisor_hypercall(struct pvisor_vcpu *vcpu,
		      const struct pvisor_hc_args *args)
{
	return account(vcpu, args, dispatch(vcpu, args));
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_hypercall);

/**
 * pvisor_hypercall_quick() - serve a hypercall in a quick exit, if it can be
 * @vcpu: the calling vCPU
 * @args: its registers
 * @ret: out: its rax, when served
 *
 * For the run loop's quick exits (run.c): host interrupts off, nothing may
 * sleep.  Only hypercalls flagged quick in the table are tried.  Their
 * handlers never sleep, take a mutex or fault guest memory in; one that
 * cannot finish so answers -EAGAIN before it has changed anything
 * (pvisor_hc_new_cr3() when the slot table is busy), and
 * pvisor_hypercall() then serves the call in the ordinary loop.
 *
 * Return: whether the call was served.
 */
bool pvisor_hypercall_quick(struct pvisor_vcpu *vcpu,
			    const struct pvisor_hc_args *args, long *ret)
{
	lockdep_assert_irqs_disabled();
	if (args->nr >= ARRAY_SIZE(hypercalls) ||
	    !hypercalls[array_index_nospec(args->nr, ARRAY_SIZE(hypercalls))].quick)
		return false;
	*ret = dispatch(vcpu, args);
	if (*ret == -EAGAIN)
		return false;
	account(vcpu, args, *ret);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_hypercall_quick);
