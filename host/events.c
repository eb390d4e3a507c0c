// SPDX-License-Identifier: GPL-2.0
/*
 * Events into the guest: exceptions, system calls from guest user mode,
 * and virtual interrupts, delivered to the entry points the guest kernel
 * registered with PVISOR_HC_SET_ENTRIES; and the way back (PVISOR_HC_IRET).
 *
 * Delivery does in software what the CPU does for a kernel that owns it:
 * pick the stack (the current one in guest-kernel mode; sp0 from guest user
 * mode, which also switches to the kernel's shadow root and GS base), align
 * it to 16 bytes, push the event frame (switcher.h: EVF_*: the error code,
 * or the vector of an interrupt; rip, cs, rflags showing the virtual IF,
 * rsp, ss), mask virtual interrupts as an interrupt gate would, and go on
 * at the entry point.  The direct switch delivers a guest user's system
 * calls and exceptions the same way without a host exit; what it leaves to
 * the host comes here.
 *
 * This file also keeps the shared page (the virtual IF, pending vectors,
 * cr2 and the guest's clock) and the one-shot timer.
 */
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/stat.h>
#include <linux/timekeeping.h>
#include <asm/tsc.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>
#include <kunit/visibility.h>
#include <asm/trapnr.h>

#include "pvisor.h"

static const char * const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO",
	"#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC",
	"#SX", "#31",
};

/* The mnemonic of exception @vector, for messages ("?" past 31). */
const char *pvisor_exception_name(u64 vector)
{
	return vector < ARRAY_SIZE(exception_names) ? exception_names[vector] : "?";
}

/*
 * Read and write the guest's shared page (its virtual IF, the pending
 * vectors, CR2) in place: the page the guest registered is pinned, and the
 * switcher reads and writes the same page, so these need no look-up of the
 * guest address and no user copy on every round trip.  If the launcher
 * maps something else at that guest address, the guest sees the new page
 * and the host still the pinned one: only that guest's interrupts suffer.
 */
static int read_irq_mask(struct pvisor_vcpu *vcpu, u8 *mask)
{
	const struct pvisor_shared *sh;

	*mask = 1;
	if (!vcpu->shared_page)
		return 0;	/* no shared page: interrupts stay masked */
	sh = page_address(vcpu->shared_page);
	*mask = READ_ONCE(sh->irq_mask);
	return 0;
}

static int write_shared(struct pvisor_vcpu *vcpu, size_t off, const void *v,
			size_t len)
{
	if (vcpu->shared_page)
		memcpy((u8 *)page_address(vcpu->shared_page) + off, v, len);
	return 0;
}

/*
 * Mirror the pending vectors into the shared page for the guest's sti,
 * which it is owed before every entry.  Atomic: the page is pinned.
 */
int pvisor_publish_pending(struct pvisor_vcpu *vcpu)
{
	u64 pending[4];
	u8 any;
	unsigned int i;

	for (i = 0; i < 4; i++)
		pending[i] = READ_ONCE(vcpu->pending[i]);
	any = !!(pending[0] | pending[1] | pending[2] | pending[3]);
	if (write_shared(vcpu, offsetof(struct pvisor_shared, pending),
			 pending, sizeof(pending)))
		return -EFAULT;
	return write_shared(vcpu, offsetof(struct pvisor_shared, irq_pending),
			    &any, 1);
}

/*
 * Deliver an event with @error (an interrupt's vector) to the guest's
 * handler @entry.  Return: 0, or -EFAULT after crashing the guest.
 */
static int deliver(struct pvisor_vcpu *vcpu, u64 entry, u64 error,
		   const char *what)
{
	struct pvisor_frame *f = &vcpu->frame;
	bool from_user = vcpu->mode == PVISOR_MODE_USER;
	u64 rsp = from_user ? vcpu->sp0 : f->rsp;
	u8 mask, one = 1;
	u64 frame[EVF_SIZE / 8];
	unsigned int i;

	if (!entry || (from_user && !vcpu->sp0)) {
		pvisor_vcpu_crash(vcpu, PVISOR_CRASH_TRIPLE_FAULT, f->vector,
				  error, f->rip, "%s with no guest handler", what);
		return -EFAULT;
	}
	if (read_irq_mask(vcpu, &mask))
		goto bad_stack;
	frame[EVF_ERROR / 8] = error;
	frame[EVF_RIP / 8] = f->rip;
	frame[EVF_CS / 8] = from_user ? SW_USER_CS : SW_KERNEL_CS;
	frame[EVF_RFLAGS / 8] = (f->rflags & ~X86_EFLAGS_IF) |
				(mask ? 0 : X86_EFLAGS_IF);
	frame[EVF_RSP / 8] = f->rsp;
	frame[EVF_SS / 8] = from_user ? SW_USER_DS : SW_KERNEL_DS;
	rsp &= ~15ULL;
	for (i = ARRAY_SIZE(frame); i-- > 0;) {
		rsp -= 8;
		if (pvisor_write_guest_va(vcpu, rsp, frame[i]))
			goto bad_stack;
	}
	if (write_shared(vcpu, offsetof(struct pvisor_shared, irq_mask), &one, 1))
		goto bad_stack;
	if (from_user)
		pvisor_shadow_switch_mode(vcpu, PVISOR_MODE_KERNEL);
	f->rsp = rsp;
	f->rip = entry;
	f->rflags &= ~SW_EVENT_CLEARS;
	return 0;
bad_stack:
	pvisor_vcpu_crash(vcpu, PVISOR_CRASH_TRIPLE_FAULT, f->vector, error,
			  rsp, "%s: cannot push its frame at %#llx (double fault)",
			  what, rsp);
	return -EFAULT;
}

/*
 * Hand exception @vector (0..31) with @error to the guest kernel; for a
 * #PF, @cr2 goes in the shared page too.
 */
int pvisor_deliver_exception(struct pvisor_vcpu *vcpu, unsigned int vector,
			     u64 error, u64 cr2)
{
	char what[48];

	if (vector == X86_TRAP_PF) {
		if (write_shared(vcpu, offsetof(struct pvisor_shared, cr2), &cr2, 8))
			return -EFAULT;
		snprintf(what, sizeof(what), "page fault at %#llx (error %#llx)",
			 cr2, error);
	} else {
		snprintf(what, sizeof(what), "exception %s (error %#llx)",
			 pvisor_exception_name(vector), error);
	}
	return deliver(vcpu, vcpu->entries_set ? vcpu->entries.exception[vector & 31] : 0,
		       error, what);
}

/* `syscall` in guest user mode: the guest kernel's system call entry. */
int pvisor_deliver_syscall(struct pvisor_vcpu *vcpu)
{
	return deliver(vcpu, vcpu->entries_set ? vcpu->entries.syscall : 0, 0,
		       "system call from guest user mode");
}

/*
 * Device interrupts are timed from the raise to the delivery into the
 * guest kernel, apart for a vCPU that was halted (woken from its wait) and
 * one that was running (kicked out of the guest, or in the run loop).
 */
static int device_irq(unsigned int vector)
{
	if (vector < PVISOR_FIRST_DEVICE_VECTOR ||
	    vector >= PVISOR_FIRST_DEVICE_VECTOR + PVISOR_DEVICE_IRQS)
		return -1;
	return vector - PVISOR_FIRST_DEVICE_VECTOR;
}

static void irq_raised(struct pvisor_vcpu *vcpu, unsigned int vector)
{
	int i = device_irq(vector);

	if (i < 0 || test_bit(vector, (unsigned long *)vcpu->pending))
		return;		/* not timed, or timed since the first raise */
	WRITE_ONCE(vcpu->irq_raised_halted[i], READ_ONCE(vcpu->halted));
	WRITE_ONCE(vcpu->irq_raised_ns[i], ktime_get_ns());
}

static void irq_delivered(struct pvisor_vcpu *vcpu, unsigned int vector)
{
	int i = device_irq(vector);
	u64 t;

	if (i < 0)
		return;
	t = xchg(&vcpu->irq_raised_ns[i], 0);
	if (!t)
		return;
	if (READ_ONCE(vcpu->irq_raised_halted[i])) {
		pvisor_stat_inc(PVISOR_STAT_IRQ_LATENCY_HALTED);
		pvisor_stat_add(PVISOR_STAT_IRQ_LATENCY_HALTED_NS, ktime_get_ns() - t);
	} else {
		pvisor_stat_inc(PVISOR_STAT_IRQ_LATENCY_RUNNING);
		pvisor_stat_add(PVISOR_STAT_IRQ_LATENCY_RUNNING_NS, ktime_get_ns() - t);
	}
}

/*
 * Before each entry: deliver the lowest pending interrupt if the guest's
 * virtual IF allows it.  Return: 0, or -EFAULT if the guest was ended.
 */
int pvisor_deliver_interrupts(struct pvisor_vcpu *vcpu)
{
	unsigned int vector;
	u8 mask;

	if (pvisor_publish_pending(vcpu) || read_irq_mask(vcpu, &mask))
		return -EFAULT;
	if (mask || !vcpu->entries_set)
		return 0;
	vector = find_first_bit((unsigned long *)vcpu->pending, 256);
	if (vector >= 256 || !test_and_clear_bit(vector, (unsigned long *)vcpu->pending))
		return 0;
	irq_delivered(vcpu, vector);
	if (deliver(vcpu, vcpu->entries.interrupt, vector, "interrupt"))
		return -EFAULT;
	return pvisor_publish_pending(vcpu);
}

bool pvisor_irq_pending(struct pvisor_vcpu *vcpu)
{
	return !bitmap_empty((unsigned long *)vcpu->pending, 256);
}

/* Make @vector pending and get the vCPU to notice: wake or kick it. */
void pvisor_raise_irq(struct pvisor_vcpu *vcpu, unsigned int vector)
{
	struct task_struct *task;

	irq_raised(vcpu, vector);
	set_bit(vector, (unsigned long *)vcpu->pending);
	wake_up(&vcpu->wq);
	/* The vCPU thread may leave PVISOR_RUN and exit meanwhile. */
	rcu_read_lock();
	task = READ_ONCE(vcpu->task);
	if (task)
		kick_process(task);
	rcu_read_unlock();
}

/*
 * PVISOR_HC_IRET: pop the IRET frame (switcher.h: IRF_*) from the guest
 * stack and resume there.  The argument registers hold the interrupted
 * context's values on their way back: none is checked.
 */
long pvisor_hc_iret(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	struct pvisor_frame *f = &vcpu->frame;
	u64 frame[IRF_SIZE / 8], rsp = f->rsp;
	unsigned int i;
	u8 mask;

	if (vcpu->mode != PVISOR_MODE_KERNEL)
		return -EPERM;
	for (i = 0; i < ARRAY_SIZE(frame); i++)
		if (pvisor_read_guest_va(vcpu, rsp + 8 * i, &frame[i]))
			return -EFAULT;
	if (frame[IRF_CS / 8] != SW_USER_CS && frame[IRF_CS / 8] != SW_KERNEL_CS)
		return -EINVAL;
	if (!pvisor_is_canonical(frame[IRF_RIP / 8]) ||
	    !pvisor_is_canonical(frame[IRF_RSP / 8]))
		return -EINVAL;
	mask = !(frame[IRF_RFLAGS / 8] & X86_EFLAGS_IF);
	if (write_shared(vcpu, offsetof(struct pvisor_shared, irq_mask), &mask, 1))
		return -EFAULT;
	f->r11 = frame[IRF_R11 / 8];
	f->rcx = frame[IRF_RCX / 8];
	f->rip = frame[IRF_RIP / 8];
	f->rflags = frame[IRF_RFLAGS / 8];
	f->rsp = frame[IRF_RSP / 8];
	if (frame[IRF_CS / 8] == SW_USER_CS)
		pvisor_shadow_switch_mode(vcpu, PVISOR_MODE_USER);
	/* The hypercall's return value goes in rax: the guest's own. */
	return frame[IRF_RAX / 8];
}

/* --- the one-shot timer and halt ---------------------------------------- */

static enum hrtimer_restart timer_fired(struct hrtimer *t)
{
	struct pvisor_vcpu *vcpu = container_of(t, struct pvisor_vcpu, timer);

	pvisor_raise_irq(vcpu, PVISOR_TIMER_VECTOR);
	return HRTIMER_NORESTART;
}

void pvisor_timer_init(struct pvisor_vcpu *vcpu)
{
	hrtimer_init(&vcpu->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	vcpu->timer.function = timer_fired;
	init_waitqueue_head(&vcpu->wq);
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_timer_init);

void pvisor_timer_exit(struct pvisor_vcpu *vcpu)
{
	hrtimer_cancel(&vcpu->timer);
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_timer_exit);

/*
 * PVISOR_HC_SET_TIMER(deadline): one PVISOR_TIMER_VECTOR at guest time
 * @deadline (ns), replacing any earlier one; 0 cancels.
 */
long pvisor_hc_set_timer(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	u64 deadline = arg[0];

	hrtimer_cancel(&vcpu->timer);
	if (deadline)
		hrtimer_start(&vcpu->timer, ns_to_ktime(vcpu->time_base + deadline),
			      HRTIMER_MODE_ABS);
	return 0;
}

/*
 * Halt polling: a guest that halts while it waits for a device often gets
 * its interrupt within a few hundred microseconds, sooner than the host
 * scheduler can put the vCPU thread to sleep and wake it again.  So HALT
 * first watches for a pending interrupt for a short window, on a CPU no
 * other task wants, and sleeps only if none came.  The window adapts per
 * vCPU, as KVM's does: it grows when a sleep turned out short enough to
 * have been polled, and goes to zero after a long sleep (a guest that is
 * really idle costs no polling).  halt_poll_ns=0 turns it off.  The limit,
 * 1 ms, is five times KVM's: under QEMU's TCG, where pvisor is measured,
 * a device's answer takes several hundred microseconds (the same-boot A/B
 * in Documentation/performance.md: a 200 us limit polled too rarely).
 */
static unsigned int halt_poll_ns = 1000000;
module_param(halt_poll_ns, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns,
		 "longest a halted vCPU watches for an interrupt before it sleeps, in ns (0: never)");

#define HALT_POLL_START_NS	10000

static bool halt_poll(struct pvisor_vcpu *vcpu, u64 window)
{
	u64 start = ktime_get_ns();

	do {
		if (pvisor_irq_pending(vcpu))
			return true;
		cpu_relax();
	} while (!need_resched() && !signal_pending(current) &&
		 single_task_running() && ktime_get_ns() - start < window);
	return false;
}

/*
 * PVISOR_HC_HALT: enable virtual interrupts and sleep until one is pending
 * (or a signal comes), atomically: an interrupt raised between the guest's
 * decision to halt and this sleep is seen by the wait condition.
 */
long pvisor_hc_halt(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	u32 max = READ_ONCE(halt_poll_ns);
	u8 zero = 0;
	u64 slept;

	if (write_shared(vcpu, offsetof(struct pvisor_shared, irq_mask), &zero, 1))
		return -EFAULT;
	pvisor_stat_inc(PVISOR_STAT_HALTS);
	WRITE_ONCE(vcpu->halted, true);
	if (vcpu->halt_poll_ns > max)
		vcpu->halt_poll_ns = max;
	if (vcpu->halt_poll_ns) {
		if (halt_poll(vcpu, vcpu->halt_poll_ns)) {
			pvisor_stat_inc(PVISOR_STAT_HALT_POLLS_WON);
			WRITE_ONCE(vcpu->halted, false);
			return 0;
		}
		pvisor_stat_inc(PVISOR_STAT_HALT_POLLS_LOST);
	}
	/* A signal ends the wait too: the run loop leaves for it. */
	slept = ktime_get_ns();
	wait_event_interruptible(vcpu->wq, pvisor_irq_pending(vcpu));
	slept = ktime_get_ns() - slept;
	WRITE_ONCE(vcpu->halted, false);
	/* A short sleep could have been polled: widen; a long one: stop. */
	if (slept > max)
		vcpu->halt_poll_ns = 0;
	else if (max)
		vcpu->halt_poll_ns = min_t(u64, max, vcpu->halt_poll_ns ?
					   2 * (u64)vcpu->halt_poll_ns : HALT_POLL_START_NS);
	return 0;
}

/* --- the shared page and guest time ------------------------------------- */

/*
 * Fill the shared page's clock, so the guest reads time without an exit.
 * Guest time, host CLOCK_MONOTONIC since the vCPU's creation, is then
 * system_ns + (((tsc - tsc_stamp) << tsc_shift) * tsc_mul >> 32)
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
	t.system_ns = vcpu->time_base ? ktime_get_ns() - vcpu->time_base : 0;
	ktime_get_real_ts64(&now);
	t.wall_clock_sec = now.tv_sec - div_u64(t.system_ns, NSEC_PER_SEC);
	t.wall_clock_nsec = now.tv_nsec;
	return pvisor_write_guest(vcpu->vm, vcpu->shared_gpa +
				  offsetof(struct pvisor_shared, time_version),
				  &t.time_version,
				  offsetof(struct pvisor_shared, unmapped_va) -
				  offsetof(struct pvisor_shared, time_version)) ? -EFAULT : 0;
}

/*
 * Name the user page the shadow now holds no translation of, or
 * PVISOR_UNMAPPED_NONE (pvisor_shared.unmapped_va in the ABI).  Atomic:
 * the page is pinned.  The guest only reads it, to skip a flush.
 */
void pvisor_shared_set_unmapped(struct pvisor_vcpu *vcpu, u64 va)
{
	struct pvisor_shared *sh;

	if (!vcpu->shared_page)
		return;
	sh = page_address(vcpu->shared_page);
	if (READ_ONCE(sh->unmapped_va) != va)
		WRITE_ONCE(sh->unmapped_va, va);
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

/* PVISOR_HC_SET_SHARED_PAGE(gpa): where the guest wants its shared page. */
long pvisor_hc_set_shared_page(struct pvisor_vcpu *vcpu, const u64 *arg)
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
	pvisor_shared_set_unmapped(vcpu, PVISOR_UNMAPPED_NONE);
	return publish_time(vcpu);
}
