// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: global counters in /sys/kernel/debug/pvisor/stats, one
 * "name value" line each: exits by reason, hypercalls, direct switches,
 * MMU batches and declared tables, MMIO and halts, and the shadow cache
 * (shadow_tables is what is held now; the others count).
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "pvisor.h"

static const char * const stat_names[PVISOR_STAT_NR] = {
	[PVISOR_STAT_HYPERCALLS] = "hypercalls",
	[PVISOR_STAT_HYPERCALL_ERRORS] = "hypercall_errors",
	[PVISOR_STAT_VMS_CREATED] = "vms_created",
	[PVISOR_STAT_EXITS] = "exits",
	[PVISOR_STAT_EXIT_HYPERCALL] = "exits_hypercall",
	[PVISOR_STAT_EXIT_USER_SYSCALL] = "exits_user_syscall",
	[PVISOR_STAT_EXIT_PAGE_FAULT] = "exits_page_fault",
	[PVISOR_STAT_EXIT_EXCEPTION] = "exits_exception",
	[PVISOR_STAT_EXIT_HOST_IRQ] = "exits_host_interrupt",
	[PVISOR_STAT_EXIT_NMI] = "exits_nmi",
	[PVISOR_STAT_EXIT_MCE] = "exits_machine_check",
	[PVISOR_STAT_EXIT_SIGNAL] = "exits_signal",
	[PVISOR_STAT_GUEST_CRASHES] = "guest_crashes",
	[PVISOR_STAT_HALTS] = "halts",
	[PVISOR_STAT_HALT_POLLS_WON] = "halt_polls_won",
	[PVISOR_STAT_HALT_POLLS_LOST] = "halt_polls_lost",
	[PVISOR_STAT_DIRECT_SYSCALLS] = "direct_syscalls",
	[PVISOR_STAT_DIRECT_IRETS] = "direct_irets",
	[PVISOR_STAT_DIRECT_FALLBACKS] = "direct_fallbacks",
	[PVISOR_STAT_DIRECT_EXCEPTIONS] = "direct_exceptions",
	[PVISOR_STAT_DIRECT_PAGE_FAULTS] = "direct_page_faults",
	[PVISOR_STAT_DIRECT_HYPERCALLS] = "direct_hypercalls",
	[PVISOR_STAT_PGE_UNPARKS] = "pge_unparks",
	[PVISOR_STAT_QUICK_EXITS] = "quick_exits",
	[PVISOR_STAT_EXIT_MMIO] = "exits_mmio",
	[PVISOR_STAT_MMIO_IOEVENTFD] = "mmio_ioeventfd",
	[PVISOR_STAT_MMIO_IRQ_STATUS] = "mmio_irq_status",
	[PVISOR_STAT_MMU_BATCHES] = "mmu_batches",
	[PVISOR_STAT_MMU_BATCH_ENTRIES] = "mmu_batch_entries",
	[PVISOR_STAT_MMU_TABLES_DECLARED] = "mmu_tables_declared",
	[PVISOR_STAT_MMU_TABLES_RELEASED] = "mmu_tables_released",
	[PVISOR_STAT_LATE_INTERRUPTS] = "late_interrupts",
	[PVISOR_STAT_IRQ_LATENCY_HALTED] = "irq_latency_halted",
	[PVISOR_STAT_IRQ_LATENCY_HALTED_NS] = "irq_latency_halted_ns",
	[PVISOR_STAT_IRQ_LATENCY_RUNNING] = "irq_latency_running",
	[PVISOR_STAT_IRQ_LATENCY_RUNNING_NS] = "irq_latency_running_ns",
	[PVISOR_STAT_SHADOW_TABLES] = "shadow_tables",
	[PVISOR_STAT_SHADOW_PREFETCHED] = "shadow_prefetched",
	[PVISOR_STAT_SHADOW_SPACES_KEPT] = "shadow_spaces_kept",
	[PVISOR_STAT_SHADOW_SPACES_EVICTED] = "shadow_spaces_evicted",
	[PVISOR_STAT_SHADOW_ABSENT] = "shadow_absent",
	[PVISOR_STAT_SHADOW_DROPPED_DENIED] = "shadow_dropped_denied",
};

static atomic64_t stats[PVISOR_STAT_NR];
static struct dentry *debugfs_dir;

void pvisor_stat_inc(enum pvisor_stat stat)
{
	atomic64_inc(&stats[stat]);
}

void pvisor_stat_add(enum pvisor_stat stat, u64 n)
{
	if (n)
		atomic64_add(n, &stats[stat]);
}

/* For a gauge (shadow_tables): what is held now. */
void pvisor_stat_sub(enum pvisor_stat stat, u64 n)
{
	if (n)
		atomic64_sub(n, &stats[stat]);
}

static int stats_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	for (i = 0; i < PVISOR_STAT_NR; i++)
		seq_printf(m, "%s %lld\n", stat_names[i],
			   (long long)atomic64_read(&stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

void pvisor_stats_init(void)
{
	/* debugfs is optional: without it pvisor runs, uncounted in public. */
	debugfs_dir = debugfs_create_dir("pvisor", NULL);
	debugfs_create_file("stats", 0400, debugfs_dir, NULL, &stats_fops);
}

void pvisor_stats_exit(void)
{
	debugfs_remove_recursive(debugfs_dir);
}
