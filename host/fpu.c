// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's FPU, SSE and AVX state, and its XCR0.
 *
 * A guest's registers are its own: the run loop holds the FPU
 * (kernel_fpu_begin()) around each entry, loads the guest's image just
 * before the switch and saves it just after, with host interrupts off in
 * between.  The image lives in a page-aligned buffer per vCPU, in the
 * format xsave (or fxsave, on a CPU without XSAVE) writes.
 *
 * A vCPU runs with its own XCR0: at first every feature guests may have,
 * then what its kernel sets (emulate.c: the guest must own XCR0).
 */
#include <linux/mm.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/trapnr.h>

#include "pvisor.h"

static u64 xsave_mask;
static unsigned int xsave_size;
static bool xfd_tiles;		/* AMX tile data is enabled and has XFD */

/*
 * What a guest's XCR0 (and so its saved state) may hold: the user features
 * whose XSETBV rules pvisor_xcr0_valid() knows.  Not AMX tiles (they need
 * a permission the guest has not got), not PKRU (guests run without
 * protection keys, switcher.c: wrpkru is #UD there and no xrstor loads
 * PKRU, so it keeps the launcher's value and needs no saving), nothing a
 * later CPU adds until its rules are known here.
 */
#define GUEST_XFEATURES	(XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM | \
			 XFEATURE_MASK_BNDREGS | XFEATURE_MASK_BNDCSR | \
			 XFEATURE_MASK_AVX512)

void pvisor_fpu_setup(void)
{
	if (boot_cpu_has(X86_FEATURE_XSAVE) && boot_cpu_has(X86_FEATURE_OSXSAVE)) {
		unsigned int eax, ebx, ecx, edx;

		pvisor_host.xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		pvisor_host.guest_xfeatures = pvisor_host.xcr0 & GUEST_XFEATURES;
		xsave_mask = pvisor_host.guest_xfeatures;
		cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
		xsave_size = ebx;
		xfd_tiles = boot_cpu_has(X86_FEATURE_XFD) &&
			    (pvisor_host.xcr0 & XFEATURE_MASK_XTILE_DATA);
	} else {
		xsave_mask = 0;
		xsave_size = 512;	/* fxsave */
	}
}

int pvisor_fpu_alloc(struct pvisor_vcpu *vcpu)
{
	u8 *area = alloc_pages_exact(PAGE_ALIGN(xsave_size),
				     GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!area)
		return -ENOMEM;
	/* The state a CPU comes out of reset with: x87 control, MXCSR. */
	*(u16 *)(area + 0) = 0x37f;
	*(u32 *)(area + 24) = 0x1f80;
	vcpu->fpu = area;
	return 0;
}

/*
 * AMX tile data stays in the registers across a guest run (it is not in the
 * guest's XSAVE mask), and it may be another task's: a vCPU thread preempted
 * between two entries comes back with the registers, and the XFD MSR, of
 * whatever task last returned to user mode on this CPU.  So while the guest
 * runs, XFD is armed for tile data: a tile instruction in the guest raises
 * #NM (the guest's) instead of reading them.  Return: whether XFD changed,
 * with the value to put back in *@old.
 */
static bool xfd_arm_tiles(u64 *old)
{
	if (!xfd_tiles)
		return false;
	rdmsrl(MSR_IA32_XFD, *old);
	if (*old & XFEATURE_MASK_XTILE_DATA)
		return false;
	wrmsrl(MSR_IA32_XFD, *old | XFEATURE_MASK_XTILE_DATA);
	return true;
}

/*
 * After the run: XFD back as it was, and a guest #NM from an armed XFD
 * (ours or the task's) leaves no trace in XFD_ERR for the host.
 */
static void xfd_restore(bool armed, u64 old, unsigned int vector)
{
	if (!xfd_tiles)
		return;
	if (vector == X86_TRAP_NM)
		wrmsrl(MSR_IA32_XFD_ERR, 0);
	if (armed)
		wrmsrl(MSR_IA32_XFD, old);
}

void pvisor_fpu_free(struct pvisor_vcpu *vcpu)
{
	if (vcpu->fpu)
		free_pages_exact(vcpu->fpu, PAGE_ALIGN(xsave_size));
	vcpu->fpu = NULL;
}

/*
 * The guest's FPU state and XCR0, for one entry; @run keeps what
 * pvisor_fpu_leave() undoes.  Called with the FPU held and host interrupts
 * off.  The guest's XCR0 is loaded after the xrstor and put back before
 * the xsave, which use the host's (the image holds no feature outside it).
 * Host interrupts stay off in between, so only an NMI or #MC handler can
 * run under the guest's XCR0, and neither saves FPU state.
 */
void pvisor_fpu_enter(struct pvisor_vcpu *vcpu, struct pvisor_fpu_run *run)
{
	u32 lo = xsave_mask, hi = xsave_mask >> 32;

	run->xfd_armed = xfd_arm_tiles(&run->xfd);
	if (xsave_mask)
		asm volatile("xrstor64 %0" : : "m" (*vcpu->fpu), "a" (lo), "d" (hi));
	else
		asm volatile("fxrstor64 %0" : : "m" (*vcpu->fpu));
	run->xcr0_switched = vcpu->xcr0 && vcpu->xcr0 != pvisor_host.xcr0;
	if (run->xcr0_switched)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
}

/* After the run: the host's XCR0 back, the guest's state saved. */
void pvisor_fpu_leave(struct pvisor_vcpu *vcpu, const struct pvisor_fpu_run *run)
{
	u32 lo = xsave_mask, hi = xsave_mask >> 32;

	if (run->xcr0_switched)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, pvisor_host.xcr0);
	if (xsave_mask)
		asm volatile("xsave64 %0" : "+m" (*vcpu->fpu) : "a" (lo), "d" (hi)
			     : "memory");
	else
		asm volatile("fxsave64 %0" : "+m" (*vcpu->fpu) : : "memory");
	xfd_restore(run->xfd_armed, run->xfd, vcpu->frame.vector);
}
