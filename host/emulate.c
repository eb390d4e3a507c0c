// SPDX-License-Identifier: GPL-2.0
/*
 * The few guest instructions the module completes itself.  Each
 * pvisor_emulate_*() returns true if it completed the instruction (rip is
 * past it), false to leave the guest its fault.
 *
 * iretq to the same privilege level.  Linux's sync_core() serialises with
 * an iretq to the next instruction (iret_to_self), which a CPU executes at
 * CPL 3 like any other.  QEMU's TCG, however, pops that frame with
 * supervisor-mode accesses, which SMAP refuses on our U=1 shadow pages, and
 * the guest would see a #PF no hardware ever raises.  When such a fault
 * hits an iretq in guest-kernel mode, the module performs the return as the
 * CPU would have: the frame must name the selectors the guest runs on (a
 * same-level return), and IF and IOPL stay as they are, as at CPL 3.
 *
 * Port I/O.  A guest kernel has no ports: there is no hardware behind
 * them.  Rather than an oops in every driver that probes a legacy port
 * (the 8250 UART, the DMA controller), in and out from guest-kernel mode
 * behave as they do on a machine where nothing answers: in reads all
 * ones, out is dropped: the plain forms only (an immediate port or dx,
 * any width), not ins/outs.
 *
 * xsetbv.  A guest kernel sizes its FPU save area and saves and restores
 * its processes' registers for the features XCR0 enables, while its user
 * space picks AVX and the rest from the CPU's own CPUID and XGETBV, and
 * XGETBV no host can intercept.  So the guest must own XCR0: an xsetbv from
 * guest-kernel mode that names XCR0 and a value the CPU would take, with
 * no feature beyond what the host lets guests have, becomes the vCPU's
 * XCR0, which fpu.c loads for the guest's runs.
 */
#include <kunit/visibility.h>
#include <asm/fpu/types.h>
#include <asm/processor-flags.h>

#include "pvisor.h"
#include "trace.h"

/* Read @n <= 8 bytes at guest virtual @va through the kernel's tables. */
static int read_guest_bytes(struct pvisor_vcpu *vcpu, u64 va, u8 *buf,
			    unsigned int n)
{
	u64 words[2];
	u64 base = va & ~7ULL;

	if (pvisor_read_guest_va(vcpu, base, &words[0]))
		return -EFAULT;
	if ((va & 7) + n > 8 && pvisor_read_guest_va(vcpu, base + 8, &words[1]))
		return -EFAULT;
	memcpy(buf, (u8 *)words + (va & 7), n);
	return 0;
}

bool pvisor_emulate_iret_to_self(struct pvisor_vcpu *vcpu)
{
	const u64 fixed = X86_EFLAGS_IF | X86_EFLAGS_IOPL | X86_EFLAGS_VM |
			  X86_EFLAGS_VIF | X86_EFLAGS_VIP;
	struct pvisor_frame *f = &vcpu->frame;
	u64 frame[5];		/* rip, cs, rflags, rsp, ss */
	unsigned int i;
	u8 insn[2];

	if (vcpu->mode != PVISOR_MODE_KERNEL || !IS_ALIGNED(f->rsp, 8) ||
	    read_guest_bytes(vcpu, f->rip, insn, sizeof(insn)) ||
	    insn[0] != 0x48 || insn[1] != 0xcf)		/* REX.W iret */
		return false;
	for (i = 0; i < ARRAY_SIZE(frame); i++)
		if (pvisor_read_guest_va(vcpu, f->rsp + 8 * i, &frame[i]))
			return false;
	if (frame[1] != f->cs || frame[4] != f->ss ||
	    !pvisor_is_canonical(frame[0]) || !pvisor_is_canonical(frame[3]))
		return false;
	f->rip = frame[0];
	f->rflags = (f->rflags & fixed) | (frame[2] & ~fixed) | X86_EFLAGS_FIXED;
	f->rsp = frame[3];
	return true;
}

bool pvisor_emulate_port_io(struct pvisor_vcpu *vcpu)
{
	struct pvisor_frame *f = &vcpu->frame;
	unsigned int len = 1, size;
	bool opsize = false;
	u8 insn[3];

	if (vcpu->mode != PVISOR_MODE_KERNEL || f->error_code ||
	    read_guest_bytes(vcpu, f->rip, insn, sizeof(insn)))
		return false;
	if (insn[0] == 0x66) {
		opsize = true;
		memmove(insn, insn + 1, 2);
		len++;
	}
	switch (insn[0]) {
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:	/* port in imm8 */
		len++;
		break;
	case 0xec: case 0xed: case 0xee: case 0xef:	/* port in dx */
		break;
	default:
		return false;
	}
	size = (insn[0] & 1) ? (opsize ? 2 : 4) : 1;
	if (!(insn[0] & 2)) {				/* in: nothing answers */
		if (size == 4)
			f->rax = U32_MAX;		/* 32-bit writes zero-extend */
		else
			f->rax |= size == 2 ? U16_MAX : U8_MAX;
	}
	f->rip += len;
	return true;
}

/*
 * Would the CPU take @xcr0 within @supported?  The SDM's rules for XSETBV:
 * x87 always; AVX only with SSE; the two MPX bits together; the three
 * AVX-512 bits together and only with AVX; the two AMX bits together.
 */
bool pvisor_xcr0_valid(u64 xcr0, u64 supported)
{
	u64 avx512 = XFEATURE_MASK_AVX512;
	u64 mpx = XFEATURE_MASK_BNDREGS | XFEATURE_MASK_BNDCSR;
	u64 amx = XFEATURE_MASK_XTILE;

	if (xcr0 & ~supported || !(xcr0 & XFEATURE_MASK_FP))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	if ((xcr0 & mpx) && (xcr0 & mpx) != mpx)
		return false;
	if ((xcr0 & avx512) &&
	    ((xcr0 & avx512) != avx512 || !(xcr0 & XFEATURE_MASK_YMM)))
		return false;
	return !(xcr0 & amx) || (xcr0 & amx) == amx;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_xcr0_valid);

bool pvisor_emulate_xsetbv(struct pvisor_vcpu *vcpu)
{
	struct pvisor_frame *f = &vcpu->frame;
	u64 xcr0 = (f->rdx << 32) | (u32)f->rax;
	u8 insn[3];

	if (vcpu->mode != PVISOR_MODE_KERNEL || f->error_code ||
	    !pvisor_host.guest_xfeatures ||
	    read_guest_bytes(vcpu, f->rip, insn, sizeof(insn)) ||
	    insn[0] != 0x0f || insn[1] != 0x01 || insn[2] != 0xd1)
		return false;
	if ((u32)f->rcx != 0 ||
	    !pvisor_xcr0_valid(xcr0, pvisor_host.guest_xfeatures))
		return false;
	trace_pvisor_xsetbv(vcpu->vm->id, vcpu->id, xcr0);
	vcpu->xcr0 = xcr0;
	f->rip += sizeof(insn);
	return true;
}
