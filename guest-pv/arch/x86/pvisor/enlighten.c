// SPDX-License-Identifier: GPL-2.0
/*
 * pvisor guest: boot, and the CPU side of paravirt_ops.
 *
 * pvisor_startup (head.S) arrives here with the kernel at CPL 3 on the
 * launcher's page tables.  Before start_kernel() runs, this file makes the
 * kernel fit its world: the host's paging mode, the CPL-3 feature flag
 * that switches the entry code to the IRET hypercall, paravirt_ops for
 * everything privileged, the event entry points, its own page tables, the
 * memory map and command line in boot_params, and the platform hooks that
 * keep Linux away from firmware, port I/O and the local APIC.
 */
/* pgtable_l5_enabled() here reads the variable we set, not CPUID's bit. */
#define USE_EARLY_PGTABLE_L5

#include <linux/console.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/memblock.h>
#include <linux/panic_notifier.h>
#include <linux/pgtable.h>
#include <linux/reboot.h>
#include <linux/start_kernel.h>
#include <asm/bootparam.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/e820/types.h>
#include <asm/i8259.h>
#include <asm/idtentry.h>
#include <asm/msr-index.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/reboot.h>
#include <asm/sections.h>
#include <asm/text-patching.h>
#include <asm/setup.h>
#include <asm/x86_init.h>
#include <asm/pvisor.h>

bool pvisor_guest __ro_after_init;
struct pvisor_shared pvisor_shared __page_aligned_bss;
/* Every local_irq_*() site touches it, in modules too (asm/pvisor_irq.h). */
EXPORT_SYMBOL(pvisor_shared);
struct pvisor_boot_info pvisor_boot __ro_after_init;

static struct pvisor_entries pvisor_entries __initdata;

/* What the guest kernel believes its control registers hold. */
static unsigned long pvisor_cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET |
				  X86_CR0_NE | X86_CR0_WP | X86_CR0_AM |
				  X86_CR0_PG;
static unsigned long pvisor_cr4 = X86_CR4_PAE | X86_CR4_PSE |
				  X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

/* Segment bases the host loads for us; kept to answer rdmsr. */
static u64 pvisor_fs_base, pvisor_gs_base, pvisor_gs_user;

/* Console output before any console driver: straight to the host. */
static char pvisor_early_buf[PVISOR_CONSOLE_WRITE_MAX];
static DEFINE_RAW_SPINLOCK(pvisor_early_lock);

void pvisor_early_write(const char *s, unsigned int len)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&pvisor_early_lock, flags);
	while (len) {
		unsigned int n = min_t(unsigned int, len, sizeof(pvisor_early_buf));

		memcpy(pvisor_early_buf, s, n);
		pvisor_hc2(PVISOR_HC_CONSOLE_WRITE, __pa_symbol(pvisor_early_buf), n);
		s += n;
		len -= n;
	}
	raw_spin_unlock_irqrestore(&pvisor_early_lock, flags);
}

static void __noreturn pvisor_shutdown(unsigned int type, unsigned int code)
{
	for (;;)
		pvisor_hc2(PVISOR_HC_SHUTDOWN, type, code);
}

static void __init __noreturn pvisor_early_die(const char *msg)
{
	pvisor_early_write(msg, strlen(msg));
	pvisor_shutdown(PVISOR_SHUTDOWN_PANIC, 1);
}

/* ---- CPU operations ------------------------------------------------- */

/*
 * CPUID from the host's filtered table, minus what a CPL-3 kernel must
 * not try to use: FSGSBASE (segment bases go through the host), RDPID and
 * RDTSCP (they read the host's TSC_AUX), and PKU.
 *
 * XSAVE and AVX stay: user space finds them in the CPU's own CPUID and
 * XGETBV, which the host does not intercept, so this kernel must save and
 * restore every register its processes can use.  Its xsetbv of XCR0
 * traps, and the host takes it as this vCPU's XCR0; leaf 0xd comes from
 * the host already fitted to it (no XSAVES, no XFD).
 */
static struct pvisor_cpuid pvisor_cpuid_out;

static void pvisor_cpuid(unsigned int *ax, unsigned int *bx,
			 unsigned int *cx, unsigned int *dx)
{
	unsigned int leaf = *ax, sub = *cx;

	if (pvisor_hc3(PVISOR_HC_CPUID, leaf, sub,
		       __pa_symbol(&pvisor_cpuid_out))) {
		*ax = *bx = *cx = *dx = 0;
		return;
	}
	*ax = pvisor_cpuid_out.eax;
	*bx = pvisor_cpuid_out.ebx;
	*cx = pvisor_cpuid_out.ecx;
	*dx = pvisor_cpuid_out.edx;
	switch (leaf) {
	case 7:
		if (sub == 0) {
			*bx &= ~BIT(X86_FEATURE_FSGSBASE & 31);
			*cx &= ~(BIT(X86_FEATURE_RDPID & 31) |
				 BIT(X86_FEATURE_PKU & 31) |
				 BIT(X86_FEATURE_OSPKE & 31));
		}
		break;
	case 0x80000001:
		*dx &= ~BIT(X86_FEATURE_RDTSCP & 31);
		break;
	}
}

static unsigned long pvisor_read_cr0(void)
{
	return pvisor_cr0;
}

static void pvisor_write_cr0(unsigned long val)
{
	pvisor_cr0 = val;
}

static unsigned long pvisor_read_cr4(void)
{
	return pvisor_cr4;
}

static void pvisor_write_cr4(unsigned long val)
{
	pvisor_cr4 = val;
}

static int pvisor_set_base(unsigned int seg, u64 base, u64 *cache)
{
	long ret = pvisor_hc2(PVISOR_HC_SET_SEGMENT_BASE, seg, base);

	if (ret)
		return ret;
	*cache = base;
	return 0;
}

/*
 * The few MSRs a CPL-3 kernel touches: the segment bases become
 * hypercalls, PAT reads as Linux's default, EFER as long mode with NX;
 * writes to the syscall MSRs are meaningless here (the host delivers
 * system calls to the registered entry) and ignored.  Everything else
 * reads as absent (-EIO), which is what Linux's *_safe callers expect.
 */
static u64 pvisor_read_msr_safe(unsigned int msr, int *err)
{
	*err = 0;
	switch (msr) {
	case MSR_FS_BASE:
		return pvisor_fs_base;
	case MSR_GS_BASE:
		return pvisor_gs_base;
	case MSR_KERNEL_GS_BASE:
		return pvisor_gs_user;
	case MSR_IA32_CR_PAT:
		return 0x0407050600070106ULL;
	case MSR_EFER:
		return EFER_SCE | EFER_LME | EFER_LMA | EFER_NX;
	}
	*err = -EIO;
	return 0;
}

static int pvisor_write_msr_safe(unsigned int msr, unsigned int low,
				 unsigned int high)
{
	u64 val = ((u64)high << 32) | low;

	switch (msr) {
	case MSR_FS_BASE:
		return pvisor_set_base(PVISOR_SEG_FS, val, &pvisor_fs_base);
	case MSR_GS_BASE:
		return pvisor_set_base(PVISOR_SEG_GS_KERNEL, val, &pvisor_gs_base);
	case MSR_KERNEL_GS_BASE:
		return pvisor_set_base(PVISOR_SEG_GS_USER, val, &pvisor_gs_user);
	case MSR_STAR:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SYSCALL_MASK:
	case MSR_IA32_SYSENTER_CS:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_IA32_CR_PAT:
		return 0;
	}
	return -EIO;
}

static u64 pvisor_read_msr(unsigned int msr)
{
	int err;

	return pvisor_read_msr_safe(msr, &err);
}

static void pvisor_write_msr(unsigned int msr, unsigned int low,
			     unsigned int high)
{
	pvisor_write_msr_safe(msr, low, high);
}

static void pvisor_load_sp0(unsigned long sp0)
{
	pvisor_hc1(PVISOR_HC_SET_STACK, sp0);
}

/* Descriptor tables belong to the host's switcher; ours are only data. */
static void pvisor_load_desc_ptr(const struct desc_ptr *dtr)
{
}

static void pvisor_load_tr_desc(void)
{
}

static unsigned long pvisor_store_tr(void)
{
	return 0;
}

static void pvisor_set_ldt(const void *addr, unsigned int entries)
{
}

static void pvisor_load_tls(struct thread_struct *t, unsigned int cpu)
{
}

static void pvisor_load_gs_index(unsigned int idx)
{
}

static unsigned long pvisor_get_debugreg(int regno)
{
	return regno == 6 ? DR6_RESERVED : (regno == 7 ? DR7_FIXED_1 : 0);
}

static void pvisor_set_debugreg(int regno, unsigned long val)
{
}

static void pvisor_wbinvd(void)
{
}

static u64 pvisor_read_pmc(int counter)
{
	return 0;
}

/* ---- power ---------------------------------------------------------- */

static void pvisor_power_off(void)
{
	pvisor_shutdown(PVISOR_SHUTDOWN_POWEROFF, 0);
}

static void pvisor_restart(char *cmd)
{
	pvisor_shutdown(PVISOR_SHUTDOWN_REBOOT, 0);
}

static void pvisor_emergency_restart(void)
{
	pvisor_shutdown(PVISOR_SHUTDOWN_REBOOT, 0);
}

static int pvisor_panic_event(struct notifier_block *nb, unsigned long ev,
			      void *msg)
{
	/* panic() flushes the consoles after its notifiers: do it now. */
	console_flush_on_panic(CONSOLE_FLUSH_PENDING);
	pvisor_shutdown(PVISOR_SHUTDOWN_PANIC, 1);
	return NOTIFY_DONE;
}

static struct notifier_block pvisor_panic_nb = {
	.notifier_call = pvisor_panic_event,
	.priority = INT_MIN,	/* after everything else has printed */
};

/* ---- platform ------------------------------------------------------- */

static unsigned char pvisor_get_nmi_reason(void)
{
	return 0;
}

static int pvisor_set_wallclock(const struct timespec64 *now)
{
	return -ENODEV;
}

static void __init pvisor_arch_setup(void)
{
	/* x86_early_init_platform_quirks() reset these for a PC. */
	x86_platform.legacy.rtc = 0;
	x86_platform.legacy.i8042 = X86_LEGACY_I8042_PLATFORM_ABSENT;
	x86_platform.legacy.reserve_bios_regions = 0;
	x86_platform.legacy.warm_reset = 0;
	x86_platform.legacy.devices.pnpbios = 0;
	pvisor_init_sched_clock();
	memblock_reserve(pvisor_boot.reserved_start,
			 pvisor_boot.mem_size - pvisor_boot.reserved_start);
	atomic_notifier_chain_register(&panic_notifier_list, &pvisor_panic_nb);
}

static void __init pvisor_init_platform(void)
{
	x86_init.oem.arch_setup = pvisor_arch_setup;
	x86_init.resources.probe_roms = x86_init_noop;
	/* No firmware tables to scan: one CPU, no APIC, nothing below 1 MiB. */
	x86_init.mpparse.find_mptable = x86_init_noop;
	x86_init.mpparse.early_parse_smp_cfg = x86_init_noop;
	x86_init.mpparse.parse_smp_cfg = x86_init_noop;
	x86_platform.get_nmi_reason = pvisor_get_nmi_reason;
	/* No real mode: no trampoline for other CPUs or resume. */
	x86_platform.realmode_reserve = x86_init_noop;
	x86_platform.realmode_init = x86_init_noop;
	x86_platform.set_wallclock = pvisor_set_wallclock;
	/* The legacy devices: see pvisor_arch_setup(), after the PC quirks. */
	legacy_pic = &null_legacy_pic;

	machine_ops.power_off = pvisor_power_off;
	machine_ops.restart = pvisor_restart;
	machine_ops.halt = pvisor_power_off;
	machine_ops.emergency_restart = pvisor_emergency_restart;
	pm_power_off = pvisor_power_off;
}

static void __init pvisor_init_cpu_ops(void)
{
	pv_info.name = "pvisor";
	pv_info.extra_user_64bit_cs = __USER_CS;

	pv_ops.cpu.io_delay = paravirt_nop;
	pv_ops.cpu.cpuid = pvisor_cpuid;
	pv_ops.cpu.get_debugreg = pvisor_get_debugreg;
	pv_ops.cpu.set_debugreg = pvisor_set_debugreg;
	pv_ops.cpu.read_cr0 = pvisor_read_cr0;
	pv_ops.cpu.write_cr0 = pvisor_write_cr0;
	pv_ops.cpu.read_cr4 = pvisor_read_cr4;
	pv_ops.cpu.write_cr4 = pvisor_write_cr4;
	pv_ops.cpu.wbinvd = pvisor_wbinvd;
	pv_ops.cpu.read_msr = pvisor_read_msr;
	pv_ops.cpu.write_msr = pvisor_write_msr;
	pv_ops.cpu.read_msr_safe = pvisor_read_msr_safe;
	pv_ops.cpu.write_msr_safe = pvisor_write_msr_safe;
	pv_ops.cpu.read_pmc = pvisor_read_pmc;
	pv_ops.cpu.load_tr_desc = pvisor_load_tr_desc;
	pv_ops.cpu.load_gdt = pvisor_load_desc_ptr;
	pv_ops.cpu.load_idt = pvisor_load_desc_ptr;
	pv_ops.cpu.store_tr = pvisor_store_tr;
	pv_ops.cpu.set_ldt = pvisor_set_ldt;
	pv_ops.cpu.load_tls = pvisor_load_tls;
	pv_ops.cpu.load_gs_index = pvisor_load_gs_index;
	pv_ops.cpu.load_sp0 = pvisor_load_sp0;
}

/* Features a CPL-3 kernel cannot drive, hidden before the first CPUID. */
static void __init pvisor_init_capabilities(void)
{
	setup_force_cpu_cap(X86_FEATURE_PV_CPL3);
	/* The IRQ operations inline (asm/pvisor_irq.h), from the alternatives. */
	setup_force_cpu_cap(X86_FEATURE_PVISOR);
	setup_force_cpu_cap(X86_FEATURE_HYPERVISOR);
	/* XSAVES and XFD program MSRs: the host hides them; never use them. */
	setup_clear_cpu_cap(X86_FEATURE_XSAVES);
	setup_clear_cpu_cap(X86_FEATURE_XFD);
	setup_clear_cpu_cap(X86_FEATURE_FSGSBASE);
	setup_clear_cpu_cap(X86_FEATURE_RDPID);
	setup_clear_cpu_cap(X86_FEATURE_RDTSCP);
	/*
	 * The host's shadows act as a TLB with PCIDs and global pages
	 * (mmu.c), whatever the CPU has; INVPCID would be an instruction.
	 */
	setup_force_cpu_cap(X86_FEATURE_PCID);
	setup_force_cpu_cap(X86_FEATURE_PGE);
	setup_clear_cpu_cap(X86_FEATURE_INVPCID);
	setup_clear_cpu_cap(X86_FEATURE_MCE);
	setup_clear_cpu_cap(X86_FEATURE_MTRR);
	setup_clear_cpu_cap(X86_FEATURE_ACPI);
	setup_clear_cpu_cap(X86_FEATURE_PKU);
	setup_clear_cpu_cap(X86_FEATURE_FRED);
	setup_clear_cpu_cap(X86_FEATURE_LKGS);
}

/*
 * #DB (a single step, icebp, a hardware breakpoint) arrives on the current
 * stack: a CPL-3 kernel has no IST.  From user mode it is Linux's task-stack
 * #DB handler; from the kernel the IST one's C part, as under Xen PV.
 */
DEFINE_IDTENTRY_RAW(exc_pvisor_debug)
{
	if (user_mode(regs))
		noist_exc_debug(regs);
	else
		exc_debug(regs);
}

/* Event entry points: hardware-shaped frames go to Linux's own entries. */
static void __init pvisor_init_entries(void)
{
	struct pvisor_entries *e = &pvisor_entries;

	e->syscall = (u64)pvisor_entry_syscall;
	e->interrupt = (u64)asm_pvisor_interrupt;
	e->exception[X86_TRAP_DE] = (u64)pvisor_exc_divide_error;
	e->exception[X86_TRAP_DB] = (u64)pvisor_exc_debug;
	e->exception[X86_TRAP_BP] = (u64)pvisor_exc_int3;
	e->exception[X86_TRAP_OF] = (u64)pvisor_exc_overflow;
	e->exception[X86_TRAP_BR] = (u64)pvisor_exc_bounds;
	e->exception[X86_TRAP_UD] = (u64)pvisor_exc_invalid_op;
	e->exception[X86_TRAP_NM] = (u64)pvisor_exc_device_not_available;
	e->exception[X86_TRAP_OLD_MF] = (u64)pvisor_exc_coproc_segment_overrun;
	e->exception[X86_TRAP_TS] = (u64)asm_exc_invalid_tss;
	e->exception[X86_TRAP_NP] = (u64)asm_exc_segment_not_present;
	e->exception[X86_TRAP_SS] = (u64)asm_exc_stack_segment;
	e->exception[X86_TRAP_GP] = (u64)asm_exc_general_protection;
	e->exception[X86_TRAP_PF] = (u64)asm_exc_page_fault;
	e->exception[X86_TRAP_SPURIOUS] = (u64)pvisor_exc_spurious_interrupt_bug;
	e->exception[X86_TRAP_MF] = (u64)pvisor_exc_coprocessor_error;
	e->exception[X86_TRAP_AC] = (u64)asm_exc_alignment_check;
	e->exception[X86_TRAP_XF] = (u64)pvisor_exc_simd_coprocessor_error;
	if (pvisor_hc1(PVISOR_HC_SET_ENTRIES, __pa_symbol(e)))
		pvisor_early_die("pvisor: the host refused the entry points\n");
}

/*
 * Move onto the kernel's own page tables: swapper_pg_dir gets the kernel
 * image (the tables head_64.S assembled) and borrows the launcher's direct
 * map until init_mem_mapping() builds its own.
 */
static void __init pvisor_init_pagetables(void)
{
	pgd_t *boot = (pgd_t *)__va(pvisor_boot.root_gpa);
	unsigned int i;

	for (i = 0; i < PTRS_PER_PGD; i++)
		if (i != pgd_index(__START_KERNEL_map) && pgd_val(boot[i]))
			init_top_pgt[i] = boot[i];
	if (pgtable_l5_enabled())
		init_top_pgt[511] = __pgd(__pa_symbol(level4_kernel_pgt) |
					  _PAGE_TABLE_NOENC);
	else
		init_top_pgt[511] = __pgd(__pa_symbol(level3_kernel_pgt) |
					  _PAGE_TABLE_NOENC);
	if (pvisor_hc2(PVISOR_HC_NEW_CR3, __pa_symbol(init_top_pgt),
		       __pa_symbol(init_top_pgt)))
		pvisor_early_die("pvisor: the host refused swapper_pg_dir\n");
}

/* The memory map, command line and initrd, as a boot loader gives them. */
static void __init pvisor_init_boot_params(void)
{
	struct boot_e820_entry *e = boot_params.e820_table;
	const struct pvisor_boot_info *b = &pvisor_boot;

	e[0] = (struct boot_e820_entry){ 0, SZ_1M, E820_TYPE_RESERVED };
	/*
	 * The launcher's tail is RAM that memblock keeps reserved (see
	 * pvisor_arch_setup()): Linux must keep it in the direct map, because
	 * the direct map it builds reuses the launcher's tables.
	 */
	e[1] = (struct boot_e820_entry){ SZ_1M, b->mem_size - SZ_1M,
					 E820_TYPE_RAM };
	boot_params.e820_entries = 2;
	boot_params.hdr.type_of_loader = 0xff;
	boot_params.hdr.cmd_line_ptr = b->cmdline_gpa;
	boot_params.ext_cmd_line_ptr = b->cmdline_gpa >> 32;
	boot_params.hdr.ramdisk_image = b->initrd_gpa;
	boot_params.ext_ramdisk_image = b->initrd_gpa >> 32;
	boot_params.hdr.ramdisk_size = b->initrd_size;
	boot_params.ext_ramdisk_size = b->initrd_size >> 32;
}

static void __init pvisor_init_paging_mode(void)
{
#ifdef CONFIG_X86_5LEVEL
	if (pvisor_boot.paging_levels == 5) {
		__pgtable_l5_enabled = 1;
		pgdir_shift = 48;
		ptrs_per_p4d = 512;
		page_offset_base = __PAGE_OFFSET_BASE_L5;
		vmalloc_base = __VMALLOC_BASE_L5;
		vmemmap_base = __VMEMMAP_BASE_L5;
	}
#endif
	if (pvisor_boot.paging_levels != (pgtable_l5_enabled() ? 5 : 4))
		pvisor_early_die("pvisor: rebuild with CONFIG_X86_5LEVEL for this host\n");
}

asmlinkage __visible void __init __noreturn pvisor_start_kernel(u64 boot_gpa)
{
	const struct pvisor_boot_info *b;

	clear_bss();
	pvisor_guest = true;
	/* First: even the early console masks interrupts (in the shared page). */
	pvisor_init_irq_ops();
	/* Kernel-to-kernel returns take the IRET hypercall from the start. */
	__text_gen_insn(&early_pv_iret_patch, JMP32_INSN_OPCODE,
			&early_pv_iret_patch, &pvisor_iret, JMP32_INSN_SIZE);

	/* Below 1 MiB the image mapping reaches it whatever the paging mode. */
	if (boot_gpa >= SZ_1M - sizeof(*b))
		pvisor_early_die("pvisor: boot info out of reach\n");
	b = (const void *)(__START_KERNEL_map + boot_gpa);
	if (b->magic != PVISOR_BOOT_MAGIC || b->abi_version != PVISOR_ABI_VERSION)
		pvisor_early_die("pvisor: launcher and kernel disagree on the boot ABI\n");
	pvisor_boot = *b;
	if (pvisor_boot.reserved_start > pvisor_boot.mem_size ||
	    pvisor_boot.reserved_start < SZ_16M)
		pvisor_early_die("pvisor: bad memory layout in the boot info\n");
	pvisor_init_paging_mode();

	/* Linux boots with interrupts off: say so before the host looks. */
	pvisor_shared.irq_mask = 1;
	if (pvisor_hc1(PVISOR_HC_SET_SHARED_PAGE, __pa_symbol(&pvisor_shared)))
		pvisor_early_die("pvisor: the host refused the shared page\n");
	early_boot_irqs_disabled = true;

	pvisor_init_capabilities();
	pvisor_init_cpu_ops();
	pvisor_init_mmu();
	pvisor_init_entries();
	pvisor_init_pagetables();
	pvisor_init_boot_params();
	pvisor_init_platform();
	pvisor_init_time();
	pvisor_console_init();

	x86_64_start_reservations((char *)__pa_symbol(&boot_params));
}
