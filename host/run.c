// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU run loop.
 *
 * PVISOR_RUN lands in pvisor_vcpu_run(), in the launcher's vCPU thread.  It
 * enters the guest, handles what brought it back, and enters again, until
 * something needs the launcher: a shutdown, a crash, console output, or a
 * signal.  Between two entries the thread is an ordinary preemptible task:
 * it reschedules when asked and leaves on any pending signal, so SIGKILL
 * always ends a guest, whatever the guest is doing.  Interrupts are off
 * only across one entry and exit, or a series of them joined by quick
 * exits (exits served without sleeping; see enter_guest()).
 *
 * Host events that arrive while the guest runs (interrupts, NMIs, machine
 * checks) come back through the switcher like everything else; they are
 * handed to the host's own handlers here, with interrupts still off, as if
 * the CPU had delivered them to the host directly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/sched/signal.h>
#include <asm/apic.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/trap_pf.h>
#include <asm/traps.h>

#include "pvisor.h"
#include "trace.h"

/* --- host events ------------------------------------------------------------ */

static unsigned long host_idt_handler(unsigned int vector)
{
	struct desc_ptr idt;

	store_idt(&idt);
	return gate_offset((gate_desc *)idt.address + vector);
}

/* The host's entry for NMIs taken in a guest (KVM's), if it is exported. */
static void (*host_nmi_entry)(void);

void pvisor_nmi_setup(void)
{
	host_nmi_entry = symbol_get(asm_exc_nmi_kvm_vmx);
}

void pvisor_nmi_cleanup(void)
{
	if (host_nmi_entry)
		symbol_put(asm_exc_nmi_kvm_vmx);
	host_nmi_entry = NULL;
}

const char *pvisor_nmi_forwarding(void)
{
	return host_nmi_entry ? "to the host's NMI entry" : "by self-NMI";
}

/* Hand whatever the host must see to its own handlers; irqs are off. */
static void forward_host_events(const struct pvisor_frame *f,
				const struct pvisor_sw_exit *e)
{
	if (e->nmi || f->vector == X86_TRAP_NMI) {
		pvisor_stat_inc(PVISOR_STAT_EXIT_NMI);
		if (host_nmi_entry)
			pvisor_call_host_handler((unsigned long)host_nmi_entry);
		else	/* self-NMI (x2APIC's SELF_IPI cannot send NMIs) */
			apic->send_IPI(smp_processor_id(), NMI_VECTOR);
	}
	if (e->mce || f->vector == X86_TRAP_MC) {
		pvisor_stat_inc(PVISOR_STAT_EXIT_MCE);
		pvisor_call_host_handler(host_idt_handler(X86_TRAP_MC));
	}
	if (f->vector >= FIRST_EXTERNAL_VECTOR && f->vector < 256) {
		pvisor_stat_inc(PVISOR_STAT_EXIT_HOST_IRQ);
		pvisor_call_host_handler(host_idt_handler(f->vector));
	}
}

/* --- one entry ---------------------------------------------------------------- */

static bool frame_enterable(struct pvisor_frame *f)
{
	f->cs = SW_USER_CS;
	f->ss = SW_USER_DS;
	/* The guest owns some flags (switcher.h); we own the rest. */
	f->rflags = (f->rflags & SW_GUEST_RFLAGS) | X86_EFLAGS_IF | X86_EFLAGS_FIXED;
	return pvisor_is_canonical(f->rip) && pvisor_is_canonical(f->rsp);
}

/*
 * The direct switch (switcher_asm.S) serves guest-user system calls and
 * exceptions, and the guest kernel's IRET, without a host exit.  It needs
 * everything the slow path would use: entry points, a kernel stack, the
 * shared page (for the virtual IF) and a user root.  Turn it off to compare:
 *   echo 0 > /sys/module/pvisor/parameters/direct_switch
 */
static bool direct_switch = true;
module_param(direct_switch, bool, 0644);
MODULE_PARM_DESC(direct_switch,
		 "serve guest system calls, exceptions and IRET in the switcher (default on)");

/*
 * Interrupts off, about to switch: did an interrupt come after
 * pvisor_deliver_interrupts() looked, that the guest could take now, or
 * that its shared page does not show yet (so its sti would not ask for
 * it)?  Then the entry is abandoned and the run loop goes round once more;
 * entering would leave the interrupt waiting for the guest's next exit, a
 * host tick away.  One raised from here on finds this CPU in the guest, or
 * about to be: its kick (an IPI) waits for the switch and ends it at once.
 */
static bool interrupt_came_late(struct pvisor_vcpu *vcpu)
{
	const struct pvisor_shared *sh;

	if (!vcpu->shared_page || !vcpu->entries_set || !pvisor_irq_pending(vcpu))
		return false;
	sh = page_address(vcpu->shared_page);
	return !READ_ONCE(sh->irq_mask) || !READ_ONCE(sh->irq_pending);
}

/* The guest state the switcher takes for one entry, from @vcpu. */
static void sw_guest_from_vcpu(struct pvisor_vcpu *vcpu, struct pvisor_sw_guest *g)
{
	struct pvisor_shadow *s = &vcpu->shadow;

	*g = (struct pvisor_sw_guest) {
		.mode = vcpu->mode,
		.direct = READ_ONCE(direct_switch) && vcpu->entries_set &&
			  vcpu->entries.syscall && vcpu->sp0 &&
			  vcpu->shared_page && vcpu->cr3_user,
		.root = {
			pvisor_shadow_root(s, PVISOR_MODE_KERNEL),
			pvisor_shadow_root(s, PVISOR_MODE_USER),
		},
		.fs_base = vcpu->seg_base[PVISOR_SEG_FS],
		.gs_base = {
			vcpu->seg_base[PVISOR_SEG_GS_KERNEL],
			vcpu->seg_base[PVISOR_SEG_GS_USER],
		},
		.syscall_entry = vcpu->entries.syscall,
		.sp0 = vcpu->sp0,
		.exception_entry = vcpu->entries_set ? vcpu->entries.exception : NULL,
		.direct_page_faults = pvisor_shadow_absent_on(),
		.last_page_fault = s->last_absent,
	};
}

/* What the switcher changed of it, back into @vcpu. */
static void sw_guest_to_vcpu(struct pvisor_vcpu *vcpu, const struct pvisor_sw_guest *g)
{
	vcpu->mode = g->mode;
	vcpu->shadow.last_absent = g->last_page_fault;
	vcpu->sp0 = g->sp0;
	vcpu->seg_base[PVISOR_SEG_FS] = g->fs_base;
	vcpu->seg_base[PVISOR_SEG_GS_KERNEL] = g->gs_base[PVISOR_MODE_KERNEL];
	vcpu->seg_base[PVISOR_SEG_GS_USER] = g->gs_base[PVISOR_MODE_USER];
}

/*
 * Quick exits.  An exit whose handler need not sleep is served at once,
 * host interrupts still off and the guest's FPU registers, XCR0 and MSRs
 * still loaded, and the guest is entered again: such a round trip costs
 * the switch and the handler, not the FPU's save and restore, eighteen MSR
 * accesses and the run loop.  Quick are the hypercalls whose handlers need
 * not sleep (hypercall.c: pvisor_hypercall_quick()) and the shadow fills
 * that need no new pin, table or layout (pvisor_shadow_fault_quick()).
 * Whatever the host must see in between ends the series and goes to the
 * ordinary loop below: a host interrupt (an exit of its own, taken at the
 * next entry), a signal, need_resched, an interrupt for the guest, a
 * request for the launcher.
 */
static bool quick_exits = true;
module_param(quick_exits, bool, 0644);
MODULE_PARM_DESC(quick_exits,
		 "serve exits that need not sleep without leaving the guest's FPU and MSRs (default on)");

/* A hypercall's number and arguments, from the registers of its `syscall`. */
static struct pvisor_hc_args hypercall_args(const struct pvisor_frame *f)
{
	return (struct pvisor_hc_args) {
		.nr = f->rax,
		.arg = { f->rdi, f->rsi, f->rdx, f->r10, f->r8 },
	};
}

/* Serve the exit now if it is quick; false: the ordinary loop serves it. */
static bool serve_quick_exit(struct pvisor_vcpu *vcpu, const struct pvisor_sw_exit *e)
{
	const struct pvisor_frame *f = &vcpu->frame;

	if (!READ_ONCE(quick_exits) || e->fault_vector || e->nmi || e->mce)
		return false;
	if (f->vector == SW_VECTOR_SYSCALL && vcpu->mode == PVISOR_MODE_KERNEL) {
		struct pvisor_hc_args args = hypercall_args(f);
		long ret;

		if (!pvisor_hypercall_quick(vcpu, &args, &ret))
			return false;
		pvisor_stat_inc(PVISOR_STAT_EXIT_HYPERCALL);
		vcpu->frame.rax = ret;
		return true;
	}
	if (f->vector == X86_TRAP_PF &&
	    pvisor_shadow_fault_quick(vcpu, e->cr2, f->error_code)) {
		pvisor_stat_inc(PVISOR_STAT_EXIT_PAGE_FAULT);
		return true;
	}
	return false;
}

static bool may_enter_at_once(struct pvisor_vcpu *vcpu)
{
	return !need_resched() && !signal_pending(current) && !vcpu->crashed &&
	       !vcpu->shutdown_requested && !vcpu->mmio.exit &&
	       !pvisor_irq_pending(vcpu) && frame_enterable(&vcpu->frame);
}

enum entry_result {
	ENTRY_ABANDONED,	/* for a late interrupt: nothing ran */
	ENTRY_EXIT,		/* the guest exited; handle_exit() serves it */
	ENTRY_SERVED,		/* the last exit was quick and is served */
};

/*
 * Enter @vcpu, and again after each quick exit.  Only @may_abandon allows
 * abandoning the entry for a late interrupt: never twice in a row, so a
 * shared page the launcher remapped under the guest cannot keep a vCPU
 * from running.
 */
static enum entry_result enter_guest(struct pvisor_vcpu *vcpu,
				     struct pvisor_sw_exit *e, bool may_abandon)
{
	enum entry_result result = ENTRY_EXIT;
	struct pvisor_shadow *s = &vcpu->shadow;
	struct pvisor_sw_guest g;
	struct pvisor_sw_host h;
	struct pvisor_fpu_run fpu;
	unsigned long dr7;
	unsigned int cpu;

	/* No control-word set-up: the guest's image is loaded right after. */
	kernel_fpu_begin_mask(0);
	local_irq_disable();
	if (may_abandon && interrupt_came_late(vcpu)) {
		local_irq_enable();
		kernel_fpu_end();
		return ENTRY_ABANDONED;
	}

	/*
	 * The launcher's hardware breakpoints (ptrace, perf) must not fire
	 * inside the switcher: off while the guest runs, back after.
	 */
	get_debugreg(dr7, 7);
	if (dr7 & 0xff)
		set_debugreg(0, 7);

	cpu = smp_processor_id();
	if (s->last_cpu != cpu) {
		pvisor_sw_guest_map_cpu(s->swmap, s->last_cpu, cpu);
		s->last_cpu = cpu;
	}
	pvisor_fpu_enter(vcpu, &fpu);
	pvisor_switcher_series_begin(&h);
	for (;;) {
		sw_guest_from_vcpu(vcpu, &g);
		trace_pvisor_entry(vcpu->vm->id, vcpu->id, vcpu->frame.rip);
		pvisor_switcher_run(cpu, &vcpu->frame, &g, e, &h);
		sw_guest_to_vcpu(vcpu, &g);
		trace_pvisor_exit(vcpu->vm->id, vcpu->id, vcpu->frame.vector,
				  vcpu->frame.rip, vcpu->frame.error_code);
		if (!serve_quick_exit(vcpu, e))
			break;
		pvisor_stat_inc(PVISOR_STAT_EXITS);
		pvisor_stat_inc(PVISOR_STAT_QUICK_EXITS);
		if (!may_enter_at_once(vcpu)) {
			result = ENTRY_SERVED;
			break;
		}
		/* Nothing is pending: say so, as the ordinary loop would. */
		pvisor_publish_pending(vcpu);
		memset(e, 0, sizeof(*e));
	}
	pvisor_switcher_series_end(&h);
	pvisor_fpu_leave(vcpu, &fpu);
	/*
	 * A guest #DB (a single step, icebp) left its cause in DR6, which the
	 * host's own next #DB would read as its own.
	 */
	if (vcpu->frame.vector == X86_TRAP_DB)
		set_debugreg(DR6_RESERVED, 6);
	if (dr7 & 0xff)
		hw_breakpoint_restore();
	kernel_fpu_end();
	forward_host_events(&vcpu->frame, e);
	local_irq_enable();
	return result;
}

/* --- exits ----------------------------------------------------------------------- */

/* End the guest: the reason stays until the vCPU is destroyed. */
void pvisor_vcpu_crash(struct pvisor_vcpu *vcpu, u32 reason, u32 vector,
		       u64 error, u64 info, const char *fmt, ...)
{
	va_list ap;

	if (vcpu->crashed)
		return;
	vcpu->crashed = true;
	vcpu->crash_reason = reason;
	vcpu->crash_vector = vector;
	vcpu->crash_error = error;
	vcpu->crash_info = info;
	va_start(ap, fmt);
	vsnprintf(vcpu->crash_message, sizeof(vcpu->crash_message), fmt, ap);
	va_end(ap);
	pvisor_stat_inc(PVISOR_STAT_GUEST_CRASHES);
	pr_info("vm%u/%u crashed: %s (rip %#llx)\n", vcpu->vm->id, vcpu->id,
		vcpu->crash_message, vcpu->frame.rip);
}

static void handle_syscall(struct pvisor_vcpu *vcpu)
{
	struct pvisor_frame *f = &vcpu->frame;
	struct pvisor_hc_args args = hypercall_args(f);

	if (vcpu->mode == PVISOR_MODE_USER) {
		pvisor_stat_inc(PVISOR_STAT_EXIT_USER_SYSCALL);
		pvisor_deliver_syscall(vcpu);
		return;
	}
	pvisor_stat_inc(PVISOR_STAT_EXIT_HYPERCALL);
	f->rax = pvisor_hypercall(vcpu, &args);
}

static void handle_exception(struct pvisor_vcpu *vcpu, u64 cr2)
{
	struct pvisor_frame *f = &vcpu->frame;
	u32 guest_error;
	int ret;

	if (f->vector == X86_TRAP_PF) {
		pvisor_stat_inc(PVISOR_STAT_EXIT_PAGE_FAULT);
		ret = pvisor_shadow_fault(vcpu, cr2, f->error_code, &guest_error);
		if (ret == 0)
			return;
		if (ret == PVISOR_FAULT_MMIO) {
			pvisor_mmio_fault(vcpu);
			return;
		}
		if (ret < 0) {
			pvisor_vcpu_crash(vcpu, PVISOR_CRASH_BAD_MEMORY, f->vector,
					  f->error_code, cr2,
					  "page tables map %#llx outside guest memory",
					  cr2);
			return;
		}
		/* A same-level iretq that QEMU's TCG pops as a supervisor. */
		if ((f->error_code & X86_PF_PROT) && !(f->error_code & X86_PF_USER) &&
		    pvisor_emulate_iret_to_self(vcpu))
			return;
		pvisor_deliver_exception(vcpu, X86_TRAP_PF, guest_error, cr2);
		return;
	}
	pvisor_stat_inc(PVISOR_STAT_EXIT_EXCEPTION);
	if (f->vector == X86_TRAP_GP &&
	    (pvisor_emulate_port_io(vcpu) || pvisor_emulate_xsetbv(vcpu)))
		return;
	pvisor_deliver_exception(vcpu, f->vector, f->error_code, 0);
}

static void handle_exit(struct pvisor_vcpu *vcpu, const struct pvisor_sw_exit *e)
{
	struct pvisor_frame *f = &vcpu->frame;

	if (e->fault_vector) {
		pvisor_vcpu_crash(vcpu, PVISOR_CRASH_BAD_STATE, e->fault_vector - 1,
				  e->fault_error, e->fault_rip,
				  "the CPU refused the guest's state on entry (%s, error %#llx)",
				  pvisor_exception_name(e->fault_vector - 1),
				  e->fault_error);
		return;
	}
	if (f->vector == SW_VECTOR_SYSCALL)
		handle_syscall(vcpu);
	else if (f->vector < FIRST_EXTERNAL_VECTOR && f->vector != X86_TRAP_NMI &&
		 f->vector != X86_TRAP_MC)
		handle_exception(vcpu, e->cr2);
}

/*
 * A guest runs with the launcher's LDTR (the switcher leaves it alone), so a
 * launcher that installed an LDT would hand the guest descriptors it could
 * load.  pvisor refuses to run guests in such a process.
 */
static bool launcher_has_ldt(void)
{
#ifdef CONFIG_MODIFY_LDT_SYSCALL
	return !!READ_ONCE(current->mm->context.ldt);
#else
	return false;
#endif
}

/* Does the launcher need to hear about this vCPU now? */
static bool exit_to_launcher(struct pvisor_vcpu *vcpu, struct pvisor_run *run)
{
	if (vcpu->crashed) {
		run->exit_reason = PVISOR_EXIT_CRASH;
		run->crash.reason = vcpu->crash_reason;
		run->crash.vector = vcpu->crash_vector;
		run->crash.error_code = vcpu->crash_error;
		run->crash.info = vcpu->crash_info;
		strscpy(run->message, vcpu->crash_message, sizeof(run->message));
		return true;
	}
	if (vcpu->mmio.exit) {
		vcpu->mmio.exit = false;
		run->exit_reason = PVISOR_EXIT_MMIO;
		run->mmio.gpa = vcpu->mmio.gpa;
		run->mmio.data = vcpu->mmio.data;
		run->mmio.len = vcpu->mmio.len;
		run->mmio.is_write = vcpu->mmio.is_write;
		return true;
	}
	if (vcpu->shutdown_requested) {
		run->exit_reason = PVISOR_EXIT_SHUTDOWN;
		run->shutdown.type = vcpu->shutdown_type;
		run->shutdown.code = vcpu->shutdown_code;
		return true;
	}
	if (pvisor_console_has_output(&vcpu->console)) {
		run->exit_reason = PVISOR_EXIT_CONSOLE;
		return true;
	}
	if (signal_pending(current)) {
		run->exit_reason = PVISOR_EXIT_INTR;
		pvisor_stat_inc(PVISOR_STAT_EXIT_SIGNAL);
		return true;
	}
	return false;
}

/* Give this CPU's global pages back (switcher.c: parked between runs). */
static void unpark_global_pages(void)
{
	local_irq_disable();
	pvisor_switcher_unpark();
	local_irq_enable();
}

/* Run @vcpu (its run mutex held) until the launcher is needed; fill @run. */
int pvisor_vcpu_run(struct pvisor_vcpu *vcpu, struct pvisor_run *run)
{
	enum entry_result result;
	struct pvisor_sw_exit e;
	bool abandoned = false;

	WRITE_ONCE(vcpu->task, current);
	while (!exit_to_launcher(vcpu, run)) {
		if (need_resched()) {
			unpark_global_pages();
			cond_resched();
		}
		if (launcher_has_ldt()) {
			pvisor_vcpu_crash(vcpu, PVISOR_CRASH_BAD_STATE, 0, 0, 0,
					  "the launcher installed an LDT (modify_ldt)");
			continue;
		}
		if (pvisor_deliver_interrupts(vcpu))
			continue;
		if (!frame_enterable(&vcpu->frame)) {
			pvisor_vcpu_crash(vcpu, PVISOR_CRASH_BAD_STATE, 0, 0,
					  vcpu->frame.rip,
					  "non-canonical rip %#llx or rsp %#llx",
					  vcpu->frame.rip, vcpu->frame.rsp);
			continue;
		}
		memset(&e, 0, sizeof(e));
		result = enter_guest(vcpu, &e, !abandoned);
		abandoned = result == ENTRY_ABANDONED;
		if (abandoned) {
			pvisor_stat_inc(PVISOR_STAT_LATE_INTERRUPTS);
			continue;
		}
		if (result == ENTRY_SERVED)
			continue;
		pvisor_stat_inc(PVISOR_STAT_EXITS);
		handle_exit(vcpu, &e);
	}
	unpark_global_pages();
	WRITE_ONCE(vcpu->task, NULL);
	pvisor_frame_to_regs(vcpu, &run->regs);
	return 0;
}
