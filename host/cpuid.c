// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID for guests.  The instruction itself is unprivileged and would tell
 * the guest about the host CPU, so a pvisor guest asks the host instead
 * (PVISOR_HC_CPUID), and the host answers from the real CPU *filtered*: a
 * feature the guest cannot use at CPL 3 under pvisor is never shown, and
 * the hypervisor bit and pvisor's own leaves are.  Leaves outside the list
 * below read as zeros.
 *
 * Leaf 0xd (XSAVE) describes the guest's own XCR0 (emulate.c): the
 * features a guest may enable, the area size for the XCR0 it runs with,
 * and no XSAVES or XFD (their MSRs are the host's).
 */
#include <linux/kernel.h>
#include <kunit/visibility.h>
#include <asm/cpufeatures.h>
#include <asm/processor.h>

#include "pvisor.h"

#define BIT32(n)	(1U << ((n) & 31))

/* Features the host keeps: system ones the guest kernel cannot drive. */
static const u32 leaf1_ecx_hide =
	BIT32(X86_FEATURE_DTES64) | BIT32(X86_FEATURE_MWAIT) |
	BIT32(X86_FEATURE_DSCPL) | BIT32(X86_FEATURE_VMX) |
	BIT32(X86_FEATURE_SMX) | BIT32(X86_FEATURE_EST) |
	BIT32(X86_FEATURE_TM2) | BIT32(X86_FEATURE_PDCM) |
	BIT32(X86_FEATURE_PCID) | BIT32(X86_FEATURE_DCA) |
	BIT32(X86_FEATURE_X2APIC) | BIT32(X86_FEATURE_TSC_DEADLINE_TIMER);
static const u32 leaf1_edx_hide =
	BIT32(X86_FEATURE_VME) | BIT32(X86_FEATURE_DE) |
	BIT32(X86_FEATURE_MCE) | BIT32(X86_FEATURE_APIC) |
	BIT32(X86_FEATURE_MTRR) | BIT32(X86_FEATURE_PGE) |
	BIT32(X86_FEATURE_MCA) | BIT32(X86_FEATURE_DS) |
	BIT32(X86_FEATURE_ACPI) | BIT32(X86_FEATURE_ACC) |
	BIT32(X86_FEATURE_PBE);
static const u32 leaf7_ebx_hide =
	BIT32(X86_FEATURE_FSGSBASE) |	/* #UD in a guest: CR4 bit off */
	BIT32(X86_FEATURE_SMEP) | BIT32(X86_FEATURE_INVPCID) |
	BIT32(X86_FEATURE_SMAP) | BIT32(X86_FEATURE_INTEL_PT) |
	BIT32(X86_FEATURE_HLE) | BIT32(X86_FEATURE_RTM);
static const u32 leaf7_ecx_hide =
	BIT32(X86_FEATURE_UMIP) | BIT32(X86_FEATURE_WAITPKG) |
	BIT32(X86_FEATURE_PKU) | BIT32(X86_FEATURE_OSPKE);
static const u32 leaf7_edx_hide = BIT32(X86_FEATURE_ARCH_CAPABILITIES);

/* Bytes of a standard-format XSAVE area for the features in @xcr0. */
static u32 xstate_std_size(u64 xcr0)
{
	unsigned int a, b, c, d, i;
	u32 size = 512 + 64;	/* legacy area and header */

	for (i = 2; i < 63; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &a, &b, &c, &d);
		size = max(size, a + b);
	}
	return size;
}

static void filter_xstate(u32 sub, u64 xcr0, unsigned int *a, unsigned int *b,
			  unsigned int *c, unsigned int *d)
{
	u64 features = pvisor_host.guest_xfeatures;

	if (!features || sub >= 63 || (sub >= 2 && !(features & BIT_ULL(sub)))) {
		*a = *b = *c = *d = 0;
		return;
	}
	switch (sub) {
	case 0:
		*a = lower_32_bits(features);
		*d = upper_32_bits(features);
		*b = xstate_std_size(xcr0);
		*c = xstate_std_size(features);
		break;
	case 1:
		/* XSAVEOPT, XSAVEC and XGETBV(1) run at CPL 3; XSAVES does not. */
		*a &= BIT(0) | BIT(1) | BIT(2);
		*b = *c = *d = 0;
		break;
	default:
		*c &= BIT(1);	/* 64-byte aligned when compacted; user state */
		*d = 0;
	}
}

/* The guest's view of CPUID @leaf (eax), @sub (ecx) for a vCPU with @xcr0. */
void pvisor_cpuid(u32 leaf, u32 sub, u64 xcr0, struct pvisor_cpuid *out)
{
	u32 max_basic = cpuid_eax(0), max_ext = cpuid_eax(0x80000000);
	unsigned int a, b, c, d;

	memset(out, 0, sizeof(*out));
	if (leaf == 0x40000000) {
		/* pvisor's signature, like "KVMKVMKVM" for KVM. */
		out->eax = 0x40000001;
		memcpy(&out->ebx, "pvis", 4);
		memcpy(&out->ecx, "orpv", 4);
		memcpy(&out->edx, "isor", 4);
		return;
	}
	if (leaf == 0x40000001) {
		out->eax = PVISOR_ABI_VERSION;
		return;
	}
	if ((leaf < 0x80000000 && leaf > max_basic) ||
	    (leaf >= 0x80000000 && leaf > max_ext))
		return;

	cpuid_count(leaf, sub, &a, &b, &c, &d);
	switch (leaf) {
	case 0xd:
		filter_xstate(sub, xcr0, &a, &b, &c, &d);
		break;
	case 0: case 4:
	case 0x80000000: case 0x80000002: case 0x80000003: case 0x80000004:
	case 0x80000006: case 0x80000008:
		break;
	case 1:
		c = (c & ~leaf1_ecx_hide) | BIT32(X86_FEATURE_HYPERVISOR);
		d &= ~leaf1_edx_hide;
		b &= 0x0000ffff;	/* no initial APIC ID, no CPU count */
		break;
	case 7:
		if (sub != 0)
			return;		/* subleaves past 0: zeros */
		b &= ~leaf7_ebx_hide;
		c &= ~leaf7_ecx_hide;
		/* The guest pages as the host does: LA57 only on a 5-level host. */
		if (pvisor_host.paging_levels != 5)
			c &= ~BIT32(X86_FEATURE_LA57);
		d &= ~leaf7_edx_hide;
		break;
	case 0x80000001:
		c &= ~(BIT32(X86_FEATURE_SVM) | BIT32(X86_FEATURE_SKINIT) |
		       BIT32(X86_FEATURE_WDT));
		break;
	default:
		return;
	}
	out->eax = a;
	out->ebx = b;
	out->ecx = c;
	out->edx = d;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_cpuid);
