// SPDX-License-Identifier: GPL-2.0
/*
 * Events into the guest: exceptions, system calls from guest user mode,
 * and virtual interrupts, delivered to the entry points the guest kernel
 * registered with PVISOR_HC_SET_ENTRIES; and the way back (PVISOR_HC_IRET).
 *
 * Delivery does in software what the CPU does for a kernel that owns it:
 * pick the stack (the current one if the guest is in kernel mode, sp0 if
 * it is in user mode, which also switches to the kernel's shadow root and
 * GS base), align it to 16 bytes, push the frame
 *
 *	+40  ss		0x18 (kernel) or 0x2b (user)
 *	+32  the interrupted stack pointer
 *	+24  rflags	IF shows the guest's virtual IF
 *	+16  cs		0x10 (kernel) or 0x33 (user)
 *	 +8  rip
 *	 +0  error code	(the vector, for an interrupt; else 0)
 *
 * mask virtual interrupts, as an interrupt gate would, and continue at the
 * entry point.  The selectors are the ones Linux uses for __KERNEL_CS and
 * __USER_CS, so user_mode() in the guest works unchanged although both
 * modes really run at CPL 3.
 *
 * Every event here costs a host exit today; the switcher's direct path
 * for the guest's own events comes later and must keep this frame format.
 */
#include <linux/hrtimer.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>
#include <kunit/visibility.h>
#include <asm/trapnr.h>

#include "pvisor.h"

#define GUEST_KERNEL_CS		0x10
#define GUEST_KERNEL_SS		0x18
#define GUEST_USER_CS		(SW_USER_CS)
#define GUEST_USER_SS		(SW_USER_DS)

/* Read and write the guest's virtual IF in the shared page. */
static int read_irq_mask(struct pvisor_vcpu *vcpu, u8 *mask)
{
	*mask = 1;
	if (!vcpu->shared_gpa)
		return 0;	/* no shared page: interrupts stay masked */
	return pvisor_read_guest(vcpu->vm, vcpu->shared_gpa +
				 offsetof(struct pvisor_shared, irq_mask), mask, 1);
}

static int write_shared(struct pvisor_vcpu *vcpu, size_t off, const void *v,
			size_t len)
{
	if (!vcpu->shared_gpa)
		return 0;
	return pvisor_write_guest(vcpu->vm, vcpu->shared_gpa + off, v, len);
}

/* Mirror the pending vectors into the shared page for the guest's sti. */
static int publish_pending(struct pvisor_vcpu *vcpu)
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

static int push_frame(struct pvisor_vcpu *vcpu, u64 *rsp, const u64 *frame,
		      unsigned int n)
{
	unsigned int i;

	for (i = n; i-- > 0;) {
		*rsp -= 8;
		if (pvisor_write_guest_va(vcpu, *rsp, frame[i]))
			return -EFAULT;
	}
	return 0;
}

/*
 * Deliver event @vector with @error to the guest's handler @entry.
 * Return: 0, or -EFAULT after crashing the guest (no entry, bad stack).
 */
static int deliver(struct pvisor_vcpu *vcpu, u64 entry, u64 error,
		   const char *what)
{
	struct pvisor_frame *f = &vcpu->frame;
	bool from_user = vcpu->mode == PVISOR_MODE_USER;
	u64 rsp = from_user ? vcpu->sp0 : f->rsp;
	u8 mask, one = 1;
	u64 frame[6];

	if (!entry || (from_user && !vcpu->sp0)) {
		pvisor_vcpu_crash(vcpu, PVISOR_CRASH_TRIPLE_FAULT, f->vector,
				  error, f->rip, "%s with no guest handler", what);
		return -EFAULT;
	}
	if (read_irq_mask(vcpu, &mask))
		goto bad_stack;
	frame[0] = error;
	frame[1] = f->rip;
	frame[2] = from_user ? GUEST_USER_CS : GUEST_KERNEL_CS;
	frame[3] = (f->rflags & ~X86_EFLAGS_IF) | (mask ? 0 : X86_EFLAGS_IF);
	frame[4] = f->rsp;
	frame[5] = from_user ? GUEST_USER_SS : GUEST_KERNEL_SS;
	rsp &= ~15ULL;
	if (push_frame(vcpu, &rsp, frame, ARRAY_SIZE(frame)))
		goto bad_stack;
	if (write_shared(vcpu, offsetof(struct pvisor_shared, irq_mask), &one, 1))
		goto bad_stack;
	if (from_user)
		pvisor_shadow_switch_mode(vcpu, PVISOR_MODE_KERNEL);
	f->rsp = rsp;
	f->rip = entry;
	f->rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_AC);
	vcpu->events_delivered++;
	return 0;
bad_stack:
	pvisor_vcpu_crash(vcpu, PVISOR_CRASH_TRIPLE_FAULT, f->vector, error,
			  rsp, "%s: cannot push its frame at %#llx (double fault)",
			  what, rsp);
	return -EFAULT;
}

/**
 * pvisor_deliver_exception() - hand an exception to the guest kernel
 * @vcpu: the vCPU
 * @vector: 0..31
 * @error: the error code (0 if the exception has none)
 * @cr2: for #PF, the address, also written to the shared page
 */
int pvisor_deliver_exception(struct pvisor_vcpu *vcpu, unsigned int vector,
			     u64 error, u64 cr2)
{
	static const char * const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF",
		"#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC",
		"#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25", "#26",
		"#27", "#HV", "#VC", "#SX", "#31",
	};
	char what[48];

	if (vector == X86_TRAP_PF) {
		vcpu->cr2 = cr2;
		if (write_shared(vcpu, offsetof(struct pvisor_shared, cr2), &cr2, 8))
			return -EFAULT;
		snprintf(what, sizeof(what), "page fault at %#llx (error %#llx)",
			 cr2, error);
	} else {
		snprintf(what, sizeof(what), "exception %s (error %#llx)",
			 names[vector & 31], error);
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
 * Before each entry: deliver the lowest pending interrupt if the guest's
 * virtual IF allows it.  Return: 0, or -EFAULT if the guest was ended.
 */
int pvisor_deliver_interrupts(struct pvisor_vcpu *vcpu)
{
	unsigned int vector;
	u8 mask;

	if (publish_pending(vcpu) || read_irq_mask(vcpu, &mask))
		return -EFAULT;
	if (mask || !vcpu->entries_set)
		return 0;
	vector = find_first_bit((unsigned long *)vcpu->pending, 256);
	if (vector >= 256 || !test_and_clear_bit(vector, (unsigned long *)vcpu->pending))
		return 0;
	if (deliver(vcpu, vcpu->entries.interrupt, vector, "interrupt"))
		return -EFAULT;
	return publish_pending(vcpu);
}

bool pvisor_irq_pending(struct pvisor_vcpu *vcpu)
{
	return !bitmap_empty((unsigned long *)vcpu->pending, 256);
}

/* Make @vector pending and get the vCPU to notice: wake or kick it. */
void pvisor_raise_irq(struct pvisor_vcpu *vcpu, unsigned int vector)
{
	struct task_struct *task;

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
 * PVISOR_HC_IRET: pop [rax, r11, rcx, rip, cs, rflags, rsp, ss] from the
 * guest stack and resume there.  rcx and r11 travel on the stack because
 * the `syscall` that makes this hypercall overwrites them.
 */
long pvisor_hc_iret(struct pvisor_vcpu *vcpu)
{
	struct pvisor_frame *f = &vcpu->frame;
	u64 frame[8], rsp = f->rsp;
	unsigned int i;
	u8 mask;

	if (vcpu->mode != PVISOR_MODE_KERNEL)
		return -EPERM;
	for (i = 0; i < ARRAY_SIZE(frame); i++)
		if (pvisor_read_guest_va(vcpu, rsp + 8 * i, &frame[i]))
			return -EFAULT;
	if (frame[4] != GUEST_USER_CS && frame[4] != GUEST_KERNEL_CS)
		return -EINVAL;
	if (!pvisor_is_canonical(frame[3]) || !pvisor_is_canonical(frame[6]))
		return -EINVAL;
	mask = !(frame[5] & X86_EFLAGS_IF);
	if (write_shared(vcpu, offsetof(struct pvisor_shared, irq_mask), &mask, 1))
		return -EFAULT;
	f->r11 = frame[1];
	f->rcx = frame[2];
	f->rip = frame[3];
	f->rflags = frame[5];
	f->rsp = frame[6];
	if (frame[4] == GUEST_USER_CS)
		pvisor_shadow_switch_mode(vcpu, PVISOR_MODE_USER);
	/* The dispatcher puts the return value in rax: the guest's own. */
	return frame[0];
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

/* Guest time is host CLOCK_MONOTONIC minus the vCPU's creation time. */
u64 pvisor_guest_now(struct pvisor_vcpu *vcpu)
{
	return ktime_get_ns() - vcpu->time_base;
}

long pvisor_set_timer(struct pvisor_vcpu *vcpu, u64 deadline)
{
	hrtimer_cancel(&vcpu->timer);
	if (deadline)
		hrtimer_start(&vcpu->timer, ns_to_ktime(vcpu->time_base + deadline),
			      HRTIMER_MODE_ABS);
	return 0;
}

/*
 * PVISOR_HC_HALT: enable virtual interrupts and sleep until one is pending
 * (or a signal comes), atomically: an interrupt raised between the guest's
 * decision to halt and this sleep is seen by the wait condition.
 */
long pvisor_halt(struct pvisor_vcpu *vcpu)
{
	u8 zero = 0;

	if (write_shared(vcpu, offsetof(struct pvisor_shared, irq_mask), &zero, 1))
		return -EFAULT;
	pvisor_stat_inc(PVISOR_STAT_HALTS);
	if (wait_event_interruptible(vcpu->wq, pvisor_irq_pending(vcpu)))
		return 0;	/* a signal: the run loop leaves for it */
	return 0;
}
