// SPDX-License-Identifier: GPL-2.0
/*
 * pvisor: a pure-software paravirtual hypervisor for x86-64 Linux.
 *
 * This file decides whether pvisor can run on this host at all, then brings
 * up the user interface.  Every refusal says what is missing, in words a
 * user can act on, because "insmod: Operation not supported" alone helps
 * nobody.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/string_choices.h>
#include <asm/cpufeature.h>
#include <asm/pgtable.h>
#include <kunit/visibility.h>

#include "pvisor.h"

struct pvisor_host pvisor_host;
EXPORT_SYMBOL_IF_KUNIT(pvisor_host);

/* Can this host run pvisor?  If not, say what is missing and what to do. */
static bool host_supported(const char **missing, const char **hint)
{
#ifdef X86_FEATURE_FRED
	if (cpu_feature_enabled(X86_FEATURE_FRED)) {
		*missing = "the kernel delivers events with FRED, unknown to the switcher";
		*hint = "boot the host with fred=off";
		return false;
	}
#endif
	if (boot_cpu_has(X86_FEATURE_XENPV)) {
		*missing = "this kernel is itself a Xen PV guest, without a ring 0 of its own";
		*hint = "run pvisor on bare metal or in an HVM/KVM guest";
		return false;
	}
	if (!boot_cpu_has(X86_FEATURE_NX)) {
		*missing = "the CPU has no NX (execute-disable) bit, which guest page tables need";
		*hint = "use a CPU (or CPU model) with NX";
		return false;
	}
	if (boot_cpu_has(X86_FEATURE_USER_SHSTK)) {
		*missing = "user shadow stacks (CET) are on; the switcher does not save them";
		*hint = "boot the host with nousershstk";
		return false;
	}
	return true;
}

/*
 * The test rig proves that it notices failures by building the module with
 * PVISOR_RIG_PLANT set (tests/rig/selfcheck.sh); normal builds have none.
 */
#define RIG_PLANT_WARN		1
#define RIG_PLANT_LOAD_FAILURE	2
#ifndef PVISOR_RIG_PLANT
#define PVISOR_RIG_PLANT	0
#endif

static int __init pvisor_init(void)
{
	const char *missing, *hint;
	int ret;

	WARN(PVISOR_RIG_PLANT == RIG_PLANT_WARN, "rig self-check: planted WARN\n");
	if (PVISOR_RIG_PLANT == RIG_PLANT_LOAD_FAILURE)
		return -ENODEV;

	if (!host_supported(&missing, &hint)) {
		pr_err("cannot run on this host: %s (%s)\n", missing, hint);
		return -EOPNOTSUPP;
	}

	pvisor_host.paging_levels = pgtable_l5_enabled() ? 5 : 4;
	pvisor_host.pti = boot_cpu_has(X86_FEATURE_PTI);
	pvisor_host.pcid = boot_cpu_has(X86_FEATURE_PCID);

	pvisor_fpu_setup();
	ret = pvisor_switcher_init();
	if (ret)
		return ret;
	pvisor_nmi_setup();
	pvisor_stats_init();
	ret = pvisor_dev_init();
	if (ret) {
		pr_err("cannot register /dev/pvisor: error %d\n", ret);
		pvisor_stats_exit();
		pvisor_nmi_cleanup();
		pvisor_switcher_exit();
		return ret;
	}
	pr_info("version %s (ABI %d) loaded: %d-level paging, PTI %s, PCID %s, NMIs forwarded %s\n",
		PVISOR_MODULE_VERSION, PVISOR_ABI_VERSION,
		pvisor_host.paging_levels, str_on_off(pvisor_host.pti),
		str_yes_no(pvisor_host.pcid), pvisor_nmi_forwarding());
	return 0;
}

static void __exit pvisor_exit(void)
{
	pvisor_dev_exit();
	pvisor_stats_exit();
	pvisor_nmi_cleanup();
	pvisor_switcher_exit();
	pr_info("unloaded\n");
}

module_init(pvisor_init);
module_exit(pvisor_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvisor: pure-software paravirtual hypervisor");
MODULE_VERSION(PVISOR_MODULE_VERSION);
