// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the guest's view of the CPU (cpuid.c, and the XCR0 rule
 * of emulate.c): CPUID leaves filtered of what a guest must not see, leaf
 * 0xd describing the XCR0 a guest may set, and xsetbv taken only as the
 * CPU would take it.
 *
 * The cases call pvisor_cpuid() and pvisor_xcr0_valid() directly, and the
 * CPUID hypercall on the shared fixture (kunit_helpers.h).
 */
#include <asm/cpufeatures.h>
#include <asm/fpu/types.h>

#include "kunit_helpers.h"

static void cpuid_is_filtered(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_cpuid c;
	u64 gpa = GUEST_BASE + 64;

	KUNIT_ASSERT_EQ(test, hc(test, PVISOR_HC_CPUID, 1, 0, gpa), 0L);
	KUNIT_ASSERT_EQ(test, pvisor_read_guest(&t->vm, gpa, &c, sizeof(c)), 0);
	KUNIT_EXPECT_TRUE(test, c.ecx & BIT(X86_FEATURE_HYPERVISOR & 31));
	KUNIT_EXPECT_FALSE(test, c.ecx & BIT(X86_FEATURE_VMX & 31));
	KUNIT_EXPECT_FALSE(test, c.ecx & BIT(X86_FEATURE_X2APIC & 31));
	KUNIT_EXPECT_FALSE(test, c.edx & BIT(X86_FEATURE_APIC & 31));
	KUNIT_EXPECT_EQ(test, c.ebx >> 16, 0U);
	pvisor_cpuid(7, 0, pvisor_host.xcr0, &c);
	KUNIT_EXPECT_FALSE(test, c.ebx & BIT(X86_FEATURE_FSGSBASE & 31));
	KUNIT_EXPECT_FALSE(test, c.ebx & BIT(X86_FEATURE_SMEP & 31));
	KUNIT_EXPECT_FALSE(test, c.ebx & BIT(X86_FEATURE_SMAP & 31));
	KUNIT_EXPECT_FALSE(test, c.ecx & BIT(X86_FEATURE_PKU & 31));
	KUNIT_EXPECT_FALSE(test, c.ecx & BIT(X86_FEATURE_OSPKE & 31));
	pvisor_cpuid(0x40000000, 0, pvisor_host.xcr0, &c);
	KUNIT_EXPECT_MEMEQ(test, &c.ebx, "pvisorpvisor", 12);
	/* Leaves not on the list read as zeros. */
	pvisor_cpuid(6, 0, pvisor_host.xcr0, &c);
	KUNIT_EXPECT_EQ(test, c.eax | c.ebx | c.ecx | c.edx, 0U);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CPUID, 1ULL << 32, 0, gpa),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CPUID, 1, 0, 1ULL << 40),
			(long)-EFAULT);
}

static u32 pvisor_cpuid_ebx(u64 xcr0)
{
	struct pvisor_cpuid c;

	pvisor_cpuid(0xd, 0, xcr0, &c);
	return c.ebx;
}

/*
 * Leaf 0xd describes the guest's XCR0: what it may enable, the area size
 * for the XCR0 asked about, no XSAVES or XFD.
 */
static void cpuid_xsave_leaf_is_the_guests(struct kunit *test)
{
	u64 features = pvisor_host.guest_xfeatures;
	struct pvisor_cpuid c;

	if (!features)
		kunit_skip(test, "the host has no XSAVE");
	/* Never AMX or PKRU, nothing the host lacks. */
	KUNIT_EXPECT_EQ(test, features & (XFEATURE_MASK_XTILE | XFEATURE_MASK_PKRU), 0ULL);
	KUNIT_EXPECT_EQ(test, features & ~pvisor_host.xcr0, 0ULL);
	KUNIT_EXPECT_TRUE(test, pvisor_xcr0_valid(features, features));
	pvisor_cpuid(0xd, 0, XFEATURE_MASK_FPSSE, &c);
	KUNIT_EXPECT_EQ(test, c.eax | (u64)c.edx << 32, features);
	KUNIT_EXPECT_EQ(test, c.ebx, 576U);
	/* ecx is the size for all it may enable: ebx when all are on. */
	KUNIT_EXPECT_EQ(test, c.ecx, pvisor_cpuid_ebx(features));
	if (features & XFEATURE_MASK_YMM) {
		pvisor_cpuid(0xd, 0, XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM, &c);
		KUNIT_EXPECT_EQ(test, c.ebx, 576U + 256);
		pvisor_cpuid(0xd, 2, pvisor_host.xcr0, &c);
		KUNIT_EXPECT_EQ(test, c.eax, 256U);	/* AVX: size, offset */
		KUNIT_EXPECT_EQ(test, c.ebx, 576U);
	}
	pvisor_cpuid(0xd, 1, pvisor_host.xcr0, &c);
	KUNIT_EXPECT_FALSE(test, c.eax & BIT(3));	/* XSAVES */
	KUNIT_EXPECT_FALSE(test, c.eax & BIT(4));	/* XFD */
	KUNIT_EXPECT_EQ(test, c.ecx | c.edx, 0U);
	pvisor_cpuid(0xd, 63, pvisor_host.xcr0, &c);
	KUNIT_EXPECT_EQ(test, c.eax | c.ebx | c.ecx | c.edx, 0U);
}

/* A guest's xsetbv is taken only as the CPU would take it. */
static void xcr0_follows_the_cpu_rules(struct kunit *test)
{
	u64 fpsse = XFEATURE_MASK_FPSSE, avx = fpsse | XFEATURE_MASK_YMM;
	u64 all = avx | XFEATURE_MASK_AVX512 | XFEATURE_MASK_PKRU;
	u64 mpx = XFEATURE_MASK_BNDREGS | XFEATURE_MASK_BNDCSR;

	KUNIT_EXPECT_TRUE(test, pvisor_xcr0_valid(XFEATURE_MASK_FP, all));
	KUNIT_EXPECT_TRUE(test, pvisor_xcr0_valid(fpsse, all));
	KUNIT_EXPECT_TRUE(test, pvisor_xcr0_valid(avx, all));
	KUNIT_EXPECT_TRUE(test, pvisor_xcr0_valid(all, all));
	KUNIT_EXPECT_TRUE(test, pvisor_xcr0_valid(fpsse | mpx, fpsse | mpx));
	KUNIT_EXPECT_TRUE(test, pvisor_xcr0_valid(fpsse | XFEATURE_MASK_XTILE,
						  fpsse | XFEATURE_MASK_XTILE));
	/* x87 always */
	KUNIT_EXPECT_FALSE(test, pvisor_xcr0_valid(0, all));
	KUNIT_EXPECT_FALSE(test, pvisor_xcr0_valid(XFEATURE_MASK_SSE, all));
	/* AVX needs SSE; AVX-512 needs all three of its bits, and AVX */
	KUNIT_EXPECT_FALSE(test, pvisor_xcr0_valid(XFEATURE_MASK_FP |
						   XFEATURE_MASK_YMM, all));
	KUNIT_EXPECT_FALSE(test, pvisor_xcr0_valid(avx | XFEATURE_MASK_OPMASK, all));
	KUNIT_EXPECT_FALSE(test, pvisor_xcr0_valid(fpsse | XFEATURE_MASK_AVX512, all));
	/* pairs */
	KUNIT_EXPECT_FALSE(test, pvisor_xcr0_valid(fpsse | XFEATURE_MASK_BNDREGS,
						   fpsse | mpx));
	KUNIT_EXPECT_FALSE(test, pvisor_xcr0_valid(fpsse | XFEATURE_MASK_XTILE_DATA,
						   fpsse | XFEATURE_MASK_XTILE));
	/* nothing the host does not allow */
	KUNIT_EXPECT_FALSE(test, pvisor_xcr0_valid(avx, fpsse));
	KUNIT_EXPECT_FALSE(test, pvisor_xcr0_valid(all | BIT_ULL(63), all));
}

static struct kunit_case pvisor_cpuid_cases[] = {
	KUNIT_CASE(cpuid_is_filtered),
	KUNIT_CASE(cpuid_xsave_leaf_is_the_guests),
	KUNIT_CASE(xcr0_follows_the_cpu_rules),
	{}
};

static struct kunit_suite pvisor_cpuid_suite = {
	.name = "pvisor_cpuid",
	.init = pvisor_kunit_vm_init,
	.exit = pvisor_kunit_vm_exit,
	.test_cases = pvisor_cpuid_cases,
};

kunit_test_suite(pvisor_cpuid_suite);
