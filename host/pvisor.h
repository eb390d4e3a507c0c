/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvisor host module: the objects every part of the module shares.
 *
 * The module is split by concern, one file each:
 *   main.c       load-time support checks, module init and exit
 *   dev.c        /dev/pvisor and the VM file descriptor (the user interface)
 *   memory.c     guest-physical memory regions and access to guest memory
 *   hypercall.c  hypercall dispatch and argument validation
 *   switcher.S   the world switch itself (runs aliased in the hole)
 *   switcher.c   hole mappings, per-CPU areas, one round trip
 *   shadow.c     the shadow MMU
 *   run.c        the vCPU run loop, exits, host events, guest FPU
 *   cpuid.c      the guest's filtered view of CPUID
 *   emulate.c    the few guest instructions the module completes itself
 *   mmio.c       MMIO: decoding device-register accesses, ioeventfds
 *   stats.c      debugfs counters
 *   trace.h      tracepoints
 */
#ifndef PVISOR_HOST_H
#define PVISOR_HOST_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/eventfd.h>
#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
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
	u64 guest_xfeatures;		/* what a guest's XCR0 may enable (run.c) */
};

extern struct pvisor_host pvisor_host;

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

struct pvisor_vm {
	struct mutex lock;		/* protects regions, vcpu_ids */
	struct pvisor_region regions[PVISOR_MAX_MEM_REGIONS];
	unsigned long vcpu_ids;		/* bitmap of created vCPU ids */
	unsigned int id;		/* for messages and debugfs */
	refcount_t refs;		/* the VM fd and each vCPU */
	struct mm_struct *mm;		/* the launcher's, with the hole mapped */
	struct pvisor_ioeventfd_entry ioeventfds[PVISOR_MAX_IOEVENTFDS];
	unsigned int nr_ioeventfds;	/* under lock */
	/*
	 * The guest's page-table pages, as it declares them (PIN_TABLE and
	 * UNPIN_TABLE in MMU_UPDATE): guest frame number -> level, as an
	 * xa_mk_value().  At most one entry per guest page.
	 */
	struct xarray tables;
	atomic_t nr_tables;		/* entries in tables */
	bool declares_tables;		/* it has pinned one: roots are checked */
	bool tables_dropped;		/* past max_declared_tables: no checks */
};

#define PVISOR_MAX_LEVELS	5

/* The shadow page tables of one vCPU (shadow.c). */
struct pvisor_shadow {
	struct page *root[2];		/* [0] guest-kernel mode, [1] guest-user */
	struct list_head tables;	/* lower-level shadow tables */
	struct page **pinned;		/* guest pages the shadows map */
	unsigned int nr_pinned;
	struct pvisor_sw_map *swmap;	/* the hole subtree of this vCPU */
	int last_cpu;			/* whose area swmap maps, or -1 */
	unsigned int nr_tables;		/* on the tables list */
	u64 fills, zaps, invalidations;
};

/* pvisor_shadow_fault(): the access is to an MMIO slot (vcpu->mmio.gpa). */
#define PVISOR_FAULT_MMIO	2

/*
 * Shadow tables a user-half zap leaves on the list until the next full zap;
 * past this many (16 MiB per vCPU) the next CR3 load zaps everything.
 */
#define PVISOR_SHADOW_TABLES_MAX	4096

/* Longer flushes drop every shadow entry instead of walking page by page. */
#define PVISOR_SHADOW_INVALIDATE_MAX	64

/* The guest state a round trip needs beyond the frame (switcher.c). */
struct pvisor_sw_guest {
	u32 mode;			/* in/out: a direct switch may change it */
	bool direct;			/* in: the direct switch may be used */
	u64 root[2];			/* in: CR3 per mode */
	u64 fs_base;			/* in/out */
	u64 gs_base[2];			/* in/out: per mode */
	u64 syscall_entry, sp0;		/* in */
	const u64 *exception_entry;	/* in: 32 entries, or NULL */
	u64 direct_syscalls, direct_irets, direct_fallbacks;	/* out */
	u64 direct_exceptions;		/* out */
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

/*
 * Guest console output is kept per vCPU in a small ring, so that a crash
 * report can show the last lines the guest printed.
 */
#define PVISOR_CONSOLE_RING	4096
/* Console input the launcher wrote and the guest has not read yet. */
#define PVISOR_INPUT_RING	256

/*
 * The part of a vCPU that hypercalls read and change.  The switcher and
 * the run loop (later) build on this; today it holds the state the
 * hypercall layer validates and records.
 */
struct pvisor_vcpu {
	struct pvisor_vm *vm;
	u32 id;
	struct mutex run_lock;		/* one PVISOR_RUN at a time */

	u32 mode;			/* PVISOR_MODE_* */
	struct pvisor_frame frame;	/* registers while not running */
	struct pvisor_shadow shadow;
	struct pvisor_mmio mmio;
	u8 *fpu;			/* xsave/fxsave image, page aligned */
	u64 xcr0;			/* the guest's XCR0; 0 without XSAVE */

	/* Events (events.c). */
	unsigned long pending[256 / BITS_PER_LONG];	/* vectors */
	wait_queue_head_t wq;		/* a halted vCPU sleeps here */
	struct hrtimer timer;		/* PVISOR_HC_SET_TIMER */
	struct task_struct *task;	/* running PVISOR_RUN, or NULL */
	u64 time_base;			/* host ns at guest time 0 */
	u64 cr2;			/* of the last #PF delivered */
	u64 events_delivered;

	bool crashed;
	u32 crash_reason, crash_vector;
	u64 crash_error, crash_info;
	char crash_message[64];

	u64 shared_gpa;			/* 0: not registered */
	struct page *shared_page;	/* pinned, for the direct switch */
	u64 sp0;			/* guest kernel stack for events */
	u64 seg_base[PVISOR_SEG_NR];
	u64 timer_deadline_ns;		/* 0: no timer armed */
	u64 cr3_kernel, cr3_user;
	struct pvisor_entries entries;
	bool entries_set;

	bool shutdown_requested;
	u32 shutdown_type, shutdown_code;

	char console[PVISOR_CONSOLE_RING];
	u32 console_head;		/* total bytes ever written */
	u32 console_tail;		/* total bytes read by the launcher */

	spinlock_t input_lock;		/* input_*: write() runs beside RUN */
	u8 input[PVISOR_INPUT_RING];
	u32 input_head, input_tail;	/* total bytes written, read */
};

/* memory.c */
int pvisor_mem_set_region(struct pvisor_vm *vm,
			  const struct pvisor_mem_region *req);
void __user *pvisor_gpa_to_user(struct pvisor_vm *vm, u64 gpa, u64 len,
				bool write);
int pvisor_read_guest(struct pvisor_vm *vm, u64 gpa, void *dst, u64 len);
int pvisor_write_guest(struct pvisor_vm *vm, u64 gpa, const void *src,
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
void pvisor_mmio_vm_destroy(struct pvisor_vm *vm);

/* hypercall.c */
void pvisor_release_shared_page(struct pvisor_vcpu *vcpu);
struct pvisor_hc_args {
	u64 nr;
	u64 arg[5];		/* rdi, rsi, rdx, r10, r8 */
};

long pvisor_hypercall(struct pvisor_vcpu *vcpu,
		      const struct pvisor_hc_args *args);
bool pvisor_is_canonical(u64 va);
const char *pvisor_hypercall_name(u64 nr);

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
void pvisor_switcher_run(unsigned int cpu, struct pvisor_frame *frame,
			 struct pvisor_sw_guest *g, struct pvisor_sw_exit *exit);

/* shadow.c */
int pvisor_shadow_init(struct pvisor_shadow *s);
void pvisor_shadow_destroy(struct pvisor_shadow *s);
void pvisor_shadow_zap(struct pvisor_shadow *s);
void pvisor_shadow_zap_user_half(struct pvisor_shadow *s);
void pvisor_shadow_invalidate(struct pvisor_shadow *s, u64 va, u64 npages);
u64 pvisor_shadow_root(struct pvisor_shadow *s, u32 mode);
int pvisor_shadow_fault(struct pvisor_vcpu *vcpu, u64 va, u32 hw_error,
			u32 *guest_error);

/* shadow.c: guest virtual memory, through the guest's kernel tables */
int pvisor_read_guest_va(struct pvisor_vcpu *vcpu, u64 va, u64 *val);
int pvisor_write_guest_va(struct pvisor_vcpu *vcpu, u64 va, u64 val);
void pvisor_shadow_switch_mode(struct pvisor_vcpu *vcpu, u32 mode);

/* events.c */
int pvisor_deliver_exception(struct pvisor_vcpu *vcpu, unsigned int vector,
			     u64 error, u64 cr2);
int pvisor_deliver_syscall(struct pvisor_vcpu *vcpu);
int pvisor_deliver_interrupts(struct pvisor_vcpu *vcpu);
bool pvisor_irq_pending(struct pvisor_vcpu *vcpu);
void pvisor_raise_irq(struct pvisor_vcpu *vcpu, unsigned int vector);
long pvisor_hc_iret(struct pvisor_vcpu *vcpu);
void pvisor_timer_init(struct pvisor_vcpu *vcpu);
void pvisor_timer_exit(struct pvisor_vcpu *vcpu);
u64 pvisor_guest_now(struct pvisor_vcpu *vcpu);
long pvisor_set_timer(struct pvisor_vcpu *vcpu, u64 deadline);
long pvisor_halt(struct pvisor_vcpu *vcpu);

/* run.c */
void pvisor_fpu_setup(void);
void pvisor_nmi_setup(void);
void pvisor_nmi_cleanup(void);
const char *pvisor_nmi_forwarding(void);
int pvisor_fpu_alloc(struct pvisor_vcpu *vcpu);
void pvisor_fpu_free(struct pvisor_vcpu *vcpu);
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
	PVISOR_STAT_DIRECT_SYSCALLS,
	PVISOR_STAT_DIRECT_IRETS,
	PVISOR_STAT_DIRECT_FALLBACKS,
	PVISOR_STAT_DIRECT_EXCEPTIONS,
	PVISOR_STAT_EXIT_MMIO,
	PVISOR_STAT_MMIO_IOEVENTFD,
	PVISOR_STAT_MMU_BATCHES,
	PVISOR_STAT_MMU_BATCH_ENTRIES,
	PVISOR_STAT_MMU_TABLES_PINNED,
	PVISOR_STAT_MMU_TABLES_UNPINNED,
	PVISOR_STAT_LATE_INTERRUPTS,
	PVISOR_STAT_NR
};

/* Module parameter max_declared_tables (hypercall.c). */
extern unsigned int pvisor_max_declared_tables;

void pvisor_stat_inc(enum pvisor_stat stat);
void pvisor_stat_add(enum pvisor_stat stat, u64 n);
void pvisor_stats_init(void);
void pvisor_stats_exit(void);

#endif /* PVISOR_HOST_H */
