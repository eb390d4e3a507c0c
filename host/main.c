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
#include <linux/version.h>
#include <asm/cpufeature.h>
#include <asm/pgtable.h>
#include <kunit/visibility.h>

#include "pvisor.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "pvisor needs Linux 6.1 or newer"
#endif

struct pvisor_host pvisor_host;
EXPORT_SYMBOL_IF_KUNIT(pvisor_host);

/*
 * Return NULL if this host can run pvisor, or why not.  The checks name the
 * missing CPU feature or the kernel setting in the way.
 */
static const char *unsupported_reason(void)
{
#ifdef X86_FEATURE_FRED
	if (cpu_feature_enabled(X86_FEATURE_FRED))
		return "the kernel uses FRED for event delivery, which the switcher does not drive yet (boot with fred=off)";
#endif
	if (boot_cpu_has(X86_FEATURE_XENPV))
		return "this kernel is itself a Xen PV guest and cannot run ring-0 code of its own";
	if (!boot_cpu_has(X86_FEATURE_NX))
		return "the CPU has no NX (execute-disable) bit, which guest page tables need";
	if (boot_cpu_has(X86_FEATURE_USER_SHSTK))
		return "user shadow stacks (CET) are enabled and the switcher does not save their MSRs yet (boot with nousershstk)";
	return NULL;
}

static int __init pvisor_init(void)
{
	const char *why = unsupported_reason();
	int ret;

	if (why) {
		pr_err("cannot run on this host: %s\n", why);
		return -EOPNOTSUPP;
	}

	pvisor_host.paging_levels = pgtable_l5_enabled() ? 5 : 4;
	pvisor_host.pti = boot_cpu_has(X86_FEATURE_PTI);
	pvisor_host.pcid = boot_cpu_has(X86_FEATURE_PCID);

	pvisor_stats_init();
	ret = pvisor_dev_init();
	if (ret) {
		pr_err("cannot register /dev/pvisor: error %d\n", ret);
		pvisor_stats_exit();
		return ret;
	}
	pr_info("version %s (ABI %d) loaded: %d-level paging, PTI %s, PCID %s\n",
		PVISOR_MODULE_VERSION, PVISOR_ABI_VERSION,
		pvisor_host.paging_levels, str_on_off(pvisor_host.pti),
		str_yes_no(pvisor_host.pcid));
	return 0;
}

static void __exit pvisor_exit(void)
{
	pvisor_dev_exit();
	pvisor_stats_exit();
	pr_info("unloaded\n");
}

module_init(pvisor_init);
module_exit(pvisor_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvisor: pure-software paravirtual hypervisor");
MODULE_VERSION(PVISOR_MODULE_VERSION);
