/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvisor host module: the objects every part of the module shares.
 *
 * The module is split by concern, one file each, listed in the order to
 * read them (Documentation/tour.md walks through them; tests/lint.sh checks
 * that this list and the directory agree):
 *   main.c          load-time support checks, module init and exit
 *   dev.c           /dev/pvisor and the VM and vCPU fds (the user interface)
 *   memory.c        guest-physical memory regions and access to guest memory
 *   run.c           the vCPU run loop: entries, exits, host events
 *   switcher.h      the switcher's geometry, shared by C and assembly
 *   switcher.c      hole mappings, per-CPU areas, one round trip
 *   switcher_asm.S  the world switch and the direct switch (runs in the hole)
 *   fpu.c           the guest's FPU state and XCR0 across a run
 *   hypercall.c     the hypercall table, dispatch and argument checks
 *   console.c       the guest console: output ring and input
 *   events.c        exceptions, syscalls and interrupts into the guest; the
 *                   timer, the shared page and guest time
 *   page_tables.c   the MMU hypercalls and the declared page-table record
 *   shadow.c        the shadow MMU
 *   mmio.c          MMIO: decoding device-register accesses, ioeventfds
 *   emulate.c       the few guest instructions the module completes itself
 *   cpuid.c         the guest's filtered view of CPUID
 *   stats.c         debugfs counters
 *   trace.h         tracepoints
 *   pvisor.h        this file: the objects every part shares
 *   tests/          the KUnit suites, one file per part (pvisor_kunit.ko)
 */
#ifndef PVISOR_HOST_H
#define PVISOR_HOST_H

#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/types.h>
#include <linux/eventfd.h>
#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/refcount.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <asm/desc_defs.h>
#include <uapi/linux/pvisor.h>

#include "switcher.h"

#define PVISOR_MODULE_VERSION	"0.1"
#define PVISOR_MAX_VCPUS	8
#define PVISOR_MAX_MEM_REGIONS	8
/* Upper bound on guest memory per VM, so a bad size cannot overflow math. */
#define PVISOR_MAX_GUEST_MEMORY	(64ULL << 30)
/* Guest-physical addresses stay below this (a 46-bit physical space). */
#define PVISOR_MAX_GPA		BIT_ULL(46)

/* Facts about the host, found once at load time. */
struct pvisor_host {
	unsigned int paging_levels;	/* 4 or 5 */
	bool pti;			/* page-table isolation is on */
	bool pcid;			/* the CPU has PCID */
	u64 xcr0;			/* the host's XCR0; 0 without XSAVE */
	u64 guest_xfeatures;		/* what a guest's XCR0 may enable (fpu.c) */
};

extern struct pvisor_host pvisor_host;

/* The hypervisor hole, where the switcher is mapped in every guest. */
static inline u64 pvisor_hole_start(void)
{
	return pvisor_host.paging_levels == 5 ? SW_HOLE_L5 : SW_HOLE_L4;
}

/* Is @va canonical for the host's (and so the guest's) paging mode? */
static inline bool pvisor_is_canonical(u64 va)
{
	unsigned int bits = pvisor_host.paging_levels == 5 ? 57 : 48;

	return (u64)sign_extend64(va, bits - 1) == va;
}

/* A guest address the switcher may use: canonical and outside the hole. */
static inline bool pvisor_guest_va_ok(u64 va)
{
	u64 hole_size = BIT_ULL(pvisor_host.paging_levels == 5 ?
				SW_TOP_SHIFT_L5 : SW_TOP_SHIFT_L4);

	return pvisor_is_canonical(va) && (va < pvisor_hole_start() ||
					   va >= pvisor_hole_start() + hole_size);
}

/* One slot of guest-physical memory, backed by launcher memory. */
struct pvisor_region {
	u64 gpa;
	u64 size;			/* 0: slot unused */
	u64 hva;			/* launcher virtual address */
	u32 flags;			/* PVISOR_MEM_* */
};

/* A guest write that signals an eventfd instead of exiting (mmio.c). */
struct pvisor_ioeventfd_entry {
	u64 gpa;
	u32 len;			/* 0: any width */
	struct eventfd_ctx *ctx;
};

/*
 * An interrupt status register the module serves (mmio.c).  Set once, then
 * published by nr_irq_status; only .bits changes afterwards.
 */
struct pvisor_irq_status_reg {
	u64 status_gpa, ack_gpa;
	u32 vector;
	atomic_t bits;
};

struct pvisor_vm {
	struct mutex lock;		/* protects regions, vcpu_ids */
	seqcount_mutex_t regions_seq;	/* regions, for lock-free readers */
	struct pvisor_region regions[PVISOR_MAX_MEM_REGIONS];
	unsigned long vcpu_ids;		/* bitmap of created vCPU ids */
	unsigned int id;		/* for messages and debugfs */
	refcount_t refs;		/* the VM fd and each vCPU */
	struct mm_struct *mm;		/* the launcher's, with the hole mapped */
	struct pvisor_ioeventfd_entry ioeventfds[PVISOR_MAX_IOEVENTFDS];
	unsigned int nr_ioeventfds;	/* under lock */
	struct pvisor_irq_status_reg irq_status[PVISOR_MAX_IRQ_STATUS];
	unsigned int nr_irq_status;	/* written under lock, read with acquire */
	/*
	 * The guest's page-table pages, as it declares them (DECLARE_TABLE
	 * and RELEASE_TABLE in MMU_UPDATE; page_tables.c): guest frame number -> level, as an
	 * xa_mk_value().  At most one entry per guest page.
	 */
	struct xarray tables;
	atomic_t nr_tables;		/* entries in tables */
	bool declares_tables;		/* it has declared one: roots are checked */
	bool tables_dropped;		/* past max_declared_tables: no checks */
	u64 mem_generation;		/* bumped by each region change */
	atomic_t nr_shadow_tables;	/* of all vCPUs, max_shadow_tables */
};

#define PVISOR_MAX_LEVELS	5

/* The shadows of one guest address space (shadow.c). */
struct pvisor_shadow_space {
	struct page *root[2];		/* [0] guest-kernel mode, [1] guest-user */
	struct list_head tables;	/* the tables of its user half */
	bool used;			/* keyed by kroot, uroot */
	u64 kroot, uroot;		/* the guest roots it shadows */
	u64 stamp;			/* when last loaded */
};

/* Guest address spaces whose shadows a vCPU keeps (as PCIDs). */
#define PVISOR_SHADOW_SPACES	8

/* The shadow page tables of one vCPU (shadow.c). */
struct pvisor_shadow {
	struct pvisor_shadow_space space[PVISOR_SHADOW_SPACES];
	struct pvisor_shadow_space *cur;	/* NULL: no shadows (KUnit) */
	struct list_head kernel_tables;	/* the kernel half's, shared */
	struct xarray pins;		/* guest frame -> pinned launcher page */
	unsigned long nr_pins;
	u64 generation;			/* vm->mem_generation of the pins */
	u64 clock;			/* for space stamps */
	void *scratch;			/* a page: a guest table, for prefetch */
	struct pvisor_sw_map *swmap;	/* the hole subtree of this vCPU */
	int last_cpu;			/* whose area swmap maps, or -1 */
	u64 last_absent;		/* page of the last absent-entry #PF */
	u64 fills, zaps, invalidations;
};

/* pvisor_shadow_load(): what of the old translations may stay. */
#define PVISOR_SHADOW_KEEP_KERNEL	1	/* the kernel half */
#define PVISOR_SHADOW_KEEP_USER		2	/* the new roots' own, too */

/*
 * A user-root leaf for an entry absent from the guest's own table: present,
 * with physical-address bit 51 set, which the CPU reserves where it has
 * fewer address bits.  Any access faults with RSVD in the error code, and
 * the switcher delivers that #PF to the guest kernel without an exit.
 * Belt and braces should bit 51 not be reserved after all: supervisor-only,
 * read-only, no-execute, at an address above all memory (as Linux's L1TF
 * mitigation keeps non-present entries).
 */
#define PVISOR_SHADOW_ABSENT	(BIT_ULL(51) | _PAGE_PRESENT | _PAGE_NX)

/* pvisor_shadow_fault(): the access is to an MMIO slot (vcpu->mmio.gpa). */
#define PVISOR_FAULT_MMIO	2

/* Longer flushes drop every shadow entry instead of walking page by page. */
#define PVISOR_SHADOW_INVALIDATE_MAX	64

/* The guest state a round trip needs beyond the frame (switcher.c). */
struct pvisor_sw_guest {
	u32 mode;			/* in/out: a direct switch may change it */
	bool direct;			/* in: the direct switch may be used */
	u64 root[2];			/* in: CR3 per mode */
	u64 fs_base;			/* in/out */
	u64 gs_base[2];			/* in/out: per mode */
	u64 syscall_entry;		/* in */
	u64 sp0;			/* in/out: SET_STACK may be direct */
	const u64 *exception_entry;	/* in: 32 entries, or NULL */
	bool direct_page_faults;	/* in: #PF on absent entries, too */
	u64 last_page_fault;		/* in/out: shadow.c's last_absent */
};

/*
 * The host's CPU state that guest runs replace (switcher.c): the MSRs for
 * a series of round trips (pvisor_switcher_series_begin() to _end()), the
 * rest for each.
 */
#define PVISOR_SW_MSRS	6
struct pvisor_sw_host {
	u64 msr[PVISOR_SW_MSRS];
	struct desc_ptr idt;
	u16 ds, es, fs, gs;
	unsigned long cr4;		/* the host's, if a guest run changes it */
};

/* What a round trip saw besides the frame (switcher.c). */
struct pvisor_sw_exit {
	u64 cr2;
	bool nmi, mce;
	u64 fault_vector;		/* vector + 1 of a fault in the switcher */
	u64 fault_rip, fault_error;
};

/* A decoded guest instruction that touched MMIO (mmio.c). */
struct pvisor_mmio_insn {
	u8 len;				/* instruction bytes */
	u8 size;			/* access width: 1, 2, 4 or 8 */
	u8 dst_size;			/* loads: register width written */
	u8 reg;				/* register operand, ModRM numbering */
	bool is_write, has_imm, high_byte, zero_extend;
	u64 imm;			/* stores of an immediate */
};

/* The MMIO access a vCPU is in the middle of. */
struct pvisor_mmio {
	u64 gpa;
	u64 data;			/* stores: the value */
	u32 len;
	bool is_write;
	bool exit;			/* the launcher must hear of it */
	bool read_pending;		/* waits for PVISOR_RUN_MMIO_COMPLETE */
	struct pvisor_mmio_insn insn;
};

/* A vCPU's console (console.c): the output ring and the pending input. */
#define PVISOR_CONSOLE_RING	4096
#define PVISOR_INPUT_RING	256

struct pvisor_console {
	char out[PVISOR_CONSOLE_RING];
	u32 out_head;			/* total bytes ever written */
	u32 out_tail;			/* total bytes read by the launcher */
	spinlock_t in_lock;		/* in_*: write() runs beside RUN */
	u8 in[PVISOR_INPUT_RING];
	u32 in_head, in_tail;		/* total bytes written, read */
};

/* One virtual CPU: what a real CPU would hold, and how its run ended. */
struct pvisor_vcpu {
	struct pvisor_vm *vm;
	u32 id;
	struct mutex run_lock;		/* one PVISOR_RUN at a time */
	struct task_struct *task;	/* running PVISOR_RUN, or NULL */

	/* Registers and modes, while the vCPU is not running. */
	u32 mode;			/* PVISOR_MODE_* */
	struct pvisor_frame frame;
	u64 seg_base[PVISOR_SEG_NR];
	u64 cr3_kernel, cr3_user;	/* guest roots, from NEW_CR3 */
	u8 *fpu;			/* xsave/fxsave image, page aligned (fpu.c) */
	u64 xcr0;			/* the guest's XCR0; 0 without XSAVE */

	/* Memory (shadow.c, mmio.c). */
	struct pvisor_shadow shadow;
	struct pvisor_mmio mmio;

	/*
	 * Events (events.c): where the guest kernel takes them, what is
	 * pending, the timer, and the shared page, which the direct switch
	 * reads and writes too (the switcher maps it).
	 */
	struct pvisor_entries entries;
	bool entries_set;
	u64 sp0;			/* guest kernel stack for events */
	unsigned long pending[256 / BITS_PER_LONG];	/* vectors */
	wait_queue_head_t wq;		/* a halted vCPU sleeps here */
	bool halted;			/* in PVISOR_HC_HALT's wait */
	u32 halt_poll_ns;		/* this vCPU's polling window now */
	/*
	 * When each device vector became pending (ktime ns; 0: not timed),
	 * and whether the vCPU was halted then: the raise-to-delivery
	 * latency in debugfs (irq_latency_*).
	 */
	u64 irq_raised_ns[PVISOR_DEVICE_IRQS];
	bool irq_raised_halted[PVISOR_DEVICE_IRQS];
	struct hrtimer timer;		/* PVISOR_HC_SET_TIMER */
	u64 time_base;			/* host ns at guest time 0 */
	u64 shared_gpa;			/* 0: not registered */
	struct page *shared_page;	/* pinned while registered */

	/* How the last run ended, for the launcher (run.c). */
	bool crashed;
	u32 crash_reason, crash_vector;
	u64 crash_error, crash_info;
	char crash_message[64];
	bool shutdown_requested;
	u32 shutdown_type, shutdown_code;

	struct pvisor_console console;
};

/* memory.c */
int pvisor_mem_set_region(struct pvisor_vm *vm,
			  const struct pvisor_mem_region *req);
void __user *pvisor_gpa_to_user(struct pvisor_vm *vm, u64 gpa, u64 len,
				bool write);
int pvisor_read_guest(struct pvisor_vm *vm, u64 gpa, void *dst, u64 len);
int pvisor_write_guest(struct pvisor_vm *vm, u64 gpa, const void *src, u64 len);
void __user *pvisor_gpa_to_user_atomic(struct pvisor_vm *vm, u64 gpa, u64 len,
				       bool write);
int pvisor_read_guest_atomic(struct pvisor_vm *vm, u64 gpa, void *dst, u64 len);
int pvisor_write_guest_atomic(struct pvisor_vm *vm, u64 gpa, const void *src,
			      u64 len);
bool pvisor_gpa_is_mmio(struct pvisor_vm *vm, u64 gpa);

/* mmio.c */
int pvisor_mmio_decode(const u8 *insn, unsigned int avail,
		       struct pvisor_mmio_insn *d);
u64 pvisor_mmio_write_value(struct pvisor_frame *f,
			    const struct pvisor_mmio_insn *d);
void pvisor_mmio_read_result(struct pvisor_frame *f,
			     const struct pvisor_mmio_insn *d, u64 data);
void pvisor_mmio_fault(struct pvisor_vcpu *vcpu);
int pvisor_mmio_complete(struct pvisor_vcpu *vcpu, bool complete, u64 data);
int pvisor_ioeventfd(struct pvisor_vm *vm, const struct pvisor_ioeventfd *req);
int pvisor_irq_status(struct pvisor_vm *vm, const struct pvisor_irq_status *req);
int pvisor_irq_status_set(struct pvisor_vm *vm, unsigned int vector, u32 bits);
bool pvisor_irq_status_access(struct pvisor_vm *vm, u64 gpa, unsigned int len,
			      bool is_write, u64 *data);
void pvisor_mmio_vm_destroy(struct pvisor_vm *vm);

/* hypercall.c: the table and dispatch */
struct pvisor_hc_args {
	u64 nr;
	u64 arg[5];		/* rdi, rsi, rdx, r10, r8 */
};

bool pvisor_hypercall_quick(struct pvisor_vcpu *vcpu,
			    const struct pvisor_hc_args *args, long *ret);
long pvisor_hypercall(struct pvisor_vcpu *vcpu,
		      const struct pvisor_hc_args *args);
const char *pvisor_hypercall_name(u64 nr);

/* console.c */
long pvisor_hc_console_write(struct pvisor_vcpu *vcpu, const u64 *arg);
long pvisor_hc_console_read(struct pvisor_vcpu *vcpu, const u64 *arg);
bool pvisor_console_has_output(const struct pvisor_console *c);
ssize_t pvisor_console_take_output(struct pvisor_console *c, char __user *buf,
				   size_t len);
ssize_t pvisor_console_give_input(struct pvisor_console *c,
				  const char __user *buf, size_t len);

/* page_tables.c: the MMU hypercalls and the declared-table record */
long pvisor_hc_new_cr3(struct pvisor_vcpu *vcpu, const u64 *arg);
long pvisor_hc_mmu_update(struct pvisor_vcpu *vcpu, const u64 *arg);
long pvisor_hc_flush_tlb(struct pvisor_vcpu *vcpu, const u64 *arg);
/* Module parameter max_declared_tables. */
extern unsigned int pvisor_max_declared_tables;
/* Module parameter max_shadow_tables (shadow.c). */
extern unsigned int pvisor_max_shadow_tables;

/* switcher.c */
struct pvisor_sw_map;
int pvisor_switcher_init(void);
void pvisor_switcher_exit(void);
int pvisor_sw_install(struct mm_struct *mm);
void pvisor_sw_uninstall(struct mm_struct *mm);
struct pvisor_sw_map *pvisor_sw_guest_map_alloc(void);
void pvisor_sw_guest_map_free(struct pvisor_sw_map *m);
u64 pvisor_sw_guest_top_entry(struct pvisor_sw_map *m);
void pvisor_sw_guest_map_cpu(struct pvisor_sw_map *m, int old_cpu,
			     unsigned int cpu);
void pvisor_sw_guest_map_shared(struct pvisor_sw_map *m, struct page *page);
void pvisor_switcher_unpark(void);
void pvisor_switcher_series_begin(struct pvisor_sw_host *h);
void pvisor_switcher_run(unsigned int cpu, struct pvisor_frame *frame,
			 struct pvisor_sw_guest *g, struct pvisor_sw_exit *exit,
			 struct pvisor_sw_host *h);
void pvisor_switcher_series_end(const struct pvisor_sw_host *h);

/* shadow.c */
int pvisor_shadow_init(struct pvisor_shadow *s);
void pvisor_shadow_destroy(struct pvisor_shadow *s);
void pvisor_shadow_zap(struct pvisor_shadow *s);
void pvisor_shadow_flush_user(struct pvisor_shadow *s);
void pvisor_shadow_load(struct pvisor_shadow *s, u64 kroot, u64 uroot,
			unsigned int keep);
void pvisor_shadow_forget_root(struct pvisor_shadow *s, u64 gpa);
void pvisor_shadow_invalidate(struct pvisor_shadow *s, u64 va, u64 npages);
u64 pvisor_shadow_root(struct pvisor_shadow *s, u32 mode);
bool pvisor_shadow_absent_on(void);
int pvisor_shadow_fault(struct pvisor_vcpu *vcpu, u64 va, u32 hw_error,
			u32 *guest_error);
bool pvisor_shadow_fault_quick(struct pvisor_vcpu *vcpu, u64 va, u32 hw_error);

/* shadow.c: guest virtual memory, through the guest's kernel tables */
int pvisor_read_guest_va(struct pvisor_vcpu *vcpu, u64 va, u64 *val);
int pvisor_write_guest_va(struct pvisor_vcpu *vcpu, u64 va, u64 val);
void pvisor_shadow_switch_mode(struct pvisor_vcpu *vcpu, u32 mode);

/* events.c: event delivery, the timer, the shared page */
const char *pvisor_exception_name(u64 vector);
int pvisor_deliver_exception(struct pvisor_vcpu *vcpu, unsigned int vector,
			     u64 error, u64 cr2);
int pvisor_deliver_syscall(struct pvisor_vcpu *vcpu);
int pvisor_deliver_interrupts(struct pvisor_vcpu *vcpu);
int pvisor_publish_pending(struct pvisor_vcpu *vcpu);
bool pvisor_irq_pending(struct pvisor_vcpu *vcpu);
void pvisor_raise_irq(struct pvisor_vcpu *vcpu, unsigned int vector);
long pvisor_hc_iret(struct pvisor_vcpu *vcpu, const u64 *arg);
void pvisor_timer_init(struct pvisor_vcpu *vcpu);
void pvisor_timer_exit(struct pvisor_vcpu *vcpu);
long pvisor_hc_set_timer(struct pvisor_vcpu *vcpu, const u64 *arg);
long pvisor_hc_halt(struct pvisor_vcpu *vcpu, const u64 *arg);
long pvisor_hc_set_shared_page(struct pvisor_vcpu *vcpu, const u64 *arg);
void pvisor_release_shared_page(struct pvisor_vcpu *vcpu);
void pvisor_shared_set_unmapped(struct pvisor_vcpu *vcpu, u64 va);

/* fpu.c */
struct pvisor_fpu_run {
	bool xfd_armed, xcr0_switched;
	u64 xfd;			/* the XFD MSR to put back */
};

void pvisor_fpu_setup(void);
int pvisor_fpu_alloc(struct pvisor_vcpu *vcpu);
void pvisor_fpu_free(struct pvisor_vcpu *vcpu);
void pvisor_fpu_enter(struct pvisor_vcpu *vcpu, struct pvisor_fpu_run *run);
void pvisor_fpu_leave(struct pvisor_vcpu *vcpu, const struct pvisor_fpu_run *run);

/* run.c */
void pvisor_nmi_setup(void);
void pvisor_nmi_cleanup(void);
const char *pvisor_nmi_forwarding(void);
int pvisor_vcpu_run(struct pvisor_vcpu *vcpu, struct pvisor_run *run);
__printf(6, 7)
void pvisor_vcpu_crash(struct pvisor_vcpu *vcpu, u32 reason, u32 vector,
		       u64 error, u64 info, const char *fmt, ...);

/* emulate.c */
bool pvisor_emulate_iret_to_self(struct pvisor_vcpu *vcpu);
bool pvisor_emulate_port_io(struct pvisor_vcpu *vcpu);
bool pvisor_xcr0_valid(u64 xcr0, u64 supported);
bool pvisor_emulate_xsetbv(struct pvisor_vcpu *vcpu);

/* cpuid.c */
void pvisor_cpuid(u32 leaf, u32 sub, u64 xcr0, struct pvisor_cpuid *out);

/* dev.c */
void pvisor_frame_to_regs(struct pvisor_vcpu *vcpu, struct pvisor_regs *r);
void pvisor_fill_version(struct pvisor_version *v);
int pvisor_dev_init(void);
void pvisor_dev_exit(void);

/* stats.c: counters in /sys/kernel/debug/pvisor/ */
enum pvisor_stat {
	PVISOR_STAT_HYPERCALLS,
	PVISOR_STAT_HYPERCALL_ERRORS,
	PVISOR_STAT_VMS_CREATED,
	PVISOR_STAT_EXITS,
	PVISOR_STAT_EXIT_HYPERCALL,
	PVISOR_STAT_EXIT_USER_SYSCALL,
	PVISOR_STAT_EXIT_PAGE_FAULT,
	PVISOR_STAT_EXIT_EXCEPTION,
	PVISOR_STAT_EXIT_HOST_IRQ,
	PVISOR_STAT_EXIT_NMI,
	PVISOR_STAT_EXIT_MCE,
	PVISOR_STAT_EXIT_SIGNAL,
	PVISOR_STAT_GUEST_CRASHES,
	PVISOR_STAT_HALTS,
	PVISOR_STAT_HALT_POLLS_WON,
	PVISOR_STAT_HALT_POLLS_LOST,
	PVISOR_STAT_DIRECT_SYSCALLS,
	PVISOR_STAT_DIRECT_IRETS,
	PVISOR_STAT_DIRECT_FALLBACKS,
	PVISOR_STAT_DIRECT_EXCEPTIONS,
	PVISOR_STAT_DIRECT_PAGE_FAULTS,
	PVISOR_STAT_DIRECT_HYPERCALLS,
	PVISOR_STAT_PGE_UNPARKS,
	PVISOR_STAT_QUICK_EXITS,
	PVISOR_STAT_EXIT_MMIO,
	PVISOR_STAT_MMIO_IOEVENTFD,
	PVISOR_STAT_MMIO_IRQ_STATUS,
	PVISOR_STAT_MMU_BATCHES,
	PVISOR_STAT_MMU_BATCH_ENTRIES,
	PVISOR_STAT_MMU_TABLES_DECLARED,
	PVISOR_STAT_MMU_TABLES_RELEASED,
	PVISOR_STAT_LATE_INTERRUPTS,
	PVISOR_STAT_IRQ_LATENCY_HALTED,
	PVISOR_STAT_IRQ_LATENCY_HALTED_NS,
	PVISOR_STAT_IRQ_LATENCY_RUNNING,
	PVISOR_STAT_IRQ_LATENCY_RUNNING_NS,
	PVISOR_STAT_SHADOW_TABLES,
	PVISOR_STAT_SHADOW_PREFETCHED,
	PVISOR_STAT_SHADOW_SPACES_KEPT,
	PVISOR_STAT_SHADOW_SPACES_EVICTED,
	PVISOR_STAT_SHADOW_ABSENT,
	PVISOR_STAT_SHADOW_DROPPED_DENIED,
	PVISOR_STAT_NR
};

void pvisor_stat_inc(enum pvisor_stat stat);
void pvisor_stat_add(enum pvisor_stat stat, u64 n);
void pvisor_stat_sub(enum pvisor_stat stat, u64 n);
void pvisor_stats_init(void);
void pvisor_stats_exit(void);

#endif /* PVISOR_HOST_H */
