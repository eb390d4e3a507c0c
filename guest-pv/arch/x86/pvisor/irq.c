// SPDX-License-Identifier: GPL-2.0
/*
 * pvisor guest: virtual interrupts.
 *
 * The interrupt flag is a byte in the page we share with the host
 * (irq_mask: non-zero means masked), so cli, sti and pushf become plain
 * memory accesses.  Only sti that finds an interrupt already waiting
 * (irq_pending) asks the host to deliver it, with one hypercall.  Halting
 * is a hypercall that unmasks and sleeps atomically, so a wakeup cannot
 * slip in between.
 *
 * save_fl, irq_disable and irq_enable are patched inline at every call
 * site (asm/pvisor_irq.h, X86_FEATURE_PVISOR); the functions below serve
 * until the alternatives are applied early in start_kernel().
 *
 * The host delivers an interrupt to asm_pvisor_interrupt with its vector
 * in the error-code slot: the timer, console input, and device vectors
 * from PVISOR_FIRST_DEVICE_VECTOR up, which map to Linux IRQs 1.. in order.
 */
#include <linux/init.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <asm/idtentry.h>
#include <asm/irq_regs.h>
#include <asm/paravirt.h>
#include <asm/pvisor.h>

__visible unsigned long pvisor_save_fl(void)
{
	return READ_ONCE(pvisor_shared.irq_mask) ? 0 : X86_EFLAGS_IF;
}

PV_CALLEE_SAVE_REGS_THUNK(pvisor_save_fl);

__visible void pvisor_irq_disable(void)
{
	WRITE_ONCE(pvisor_shared.irq_mask, 1);
	barrier();
}

PV_CALLEE_SAVE_REGS_THUNK(pvisor_irq_disable);

__visible void pvisor_irq_enable(void)
{
	barrier();
	WRITE_ONCE(pvisor_shared.irq_mask, 0);
	barrier();
	if (READ_ONCE(pvisor_shared.irq_pending))
		pvisor_hc0(PVISOR_HC_IRQ_ENABLE);
}

PV_CALLEE_SAVE_REGS_THUNK(pvisor_irq_enable);

static void pvisor_safe_halt(void)
{
	pvisor_hc0(PVISOR_HC_HALT);
}

void __init pvisor_init_irq_ops(void)
{
	pv_ops.irq.save_fl = PV_CALLEE_SAVE(pvisor_save_fl);
	pv_ops.irq.irq_disable = PV_CALLEE_SAVE(pvisor_irq_disable);
	pv_ops.irq.irq_enable = PV_CALLEE_SAVE(pvisor_irq_enable);
	pv_ops.irq.safe_halt = pvisor_safe_halt;
	pv_ops.irq.halt = pvisor_safe_halt;
}

/*
 * Device interrupts (virtio-mmio's "virtio_mmio.device=4K@ADDR:IRQ") are
 * Linux IRQs 1..PVISOR_DEVICE_IRQS, one per vector from
 * PVISOR_FIRST_DEVICE_VECTOR.  The host raises each event once (an edge)
 * and has nothing to mask or acknowledge: the dummy chip, with the edge
 * flow handler, which remembers an edge that comes while the line is
 * disabled and replays it when it is enabled again.
 */
static int __init pvisor_device_irqs_init(void)
{
	unsigned int irq;

	if (!pvisor_guest)
		return 0;
	for (irq = 1; irq <= PVISOR_DEVICE_IRQS; irq++) {
		if (!irq_to_desc(irq) && irq_alloc_desc_at(irq, NUMA_NO_NODE) < 0)
			return -ENOMEM;
		irq_set_chip_and_handler_name(irq, &dummy_irq_chip,
					      handle_edge_irq, "pvisor");
	}
	return 0;
}
arch_initcall(pvisor_device_irqs_init);

static unsigned int pvisor_unknown_vectors;

DEFINE_IDTENTRY_IRQ(pvisor_interrupt)
{
	struct pt_regs *old_regs = set_irq_regs(regs);

	switch (vector) {
	case PVISOR_TIMER_VECTOR:
		pvisor_timer_interrupt();
		break;
	case PVISOR_CONSOLE_VECTOR:
		pvisor_console_interrupt();
		break;
	default:
		if (vector < PVISOR_FIRST_DEVICE_VECTOR ||
		    generic_handle_irq(vector - PVISOR_FIRST_DEVICE_VECTOR + 1))
			pr_warn_ratelimited("pvisor: interrupt on unknown vector %u (%u so far)\n",
					    vector, ++pvisor_unknown_vectors);
	}
	set_irq_regs(old_regs);
}
