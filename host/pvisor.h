/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvisor host module: the objects every part of the module shares.
 *
 * The module is split by concern, one file each:
 *   main.c       load-time support checks, module init and exit
 *   dev.c        /dev/pvisor and the VM file descriptor (the user interface)
 *   memory.c     guest-physical memory regions and access to guest memory
 *   hypercall.c  hypercall dispatch and argument validation
 *   stats.c      debugfs counters
 */
#ifndef PVISOR_HOST_H
#define PVISOR_HOST_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <uapi/linux/pvisor.h>

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
};

extern struct pvisor_host pvisor_host;

/* One slot of guest-physical memory, backed by launcher memory. */
struct pvisor_region {
	u64 gpa;
	u64 size;			/* 0: slot unused */
	u64 hva;			/* launcher virtual address */
	u32 flags;			/* PVISOR_MEM_* */
};

struct pvisor_vm {
	struct mutex lock;		/* protects regions */
	struct pvisor_region regions[PVISOR_MAX_MEM_REGIONS];
	unsigned int id;		/* for messages and debugfs */
};

/*
 * Guest console output is kept per vCPU in a small ring, so that a crash
 * report can show the last lines the guest printed.
 */
#define PVISOR_CONSOLE_RING	4096

/*
 * The part of a vCPU that hypercalls read and change.  The switcher and
 * the run loop (later) build on this; today it holds the state the
 * hypercall layer validates and records.
 */
struct pvisor_vcpu {
	struct pvisor_vm *vm;
	u32 id;

	u64 shared_gpa;			/* 0: not registered */
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
};

/* memory.c */
int pvisor_mem_set_region(struct pvisor_vm *vm,
			  const struct pvisor_mem_region *req);
void __user *pvisor_gpa_to_user(struct pvisor_vm *vm, u64 gpa, u64 len,
				bool write);
int pvisor_read_guest(struct pvisor_vm *vm, u64 gpa, void *dst, u64 len);
int pvisor_write_guest(struct pvisor_vm *vm, u64 gpa, const void *src,
		       u64 len);

/* hypercall.c */
struct pvisor_hc_args {
	u64 nr;
	u64 arg[5];		/* rdi, rsi, rdx, r10, r8 */
};

long pvisor_hypercall(struct pvisor_vcpu *vcpu,
		      const struct pvisor_hc_args *args);
bool pvisor_is_canonical(u64 va);
const char *pvisor_hypercall_name(u64 nr);

/* dev.c */
void pvisor_fill_version(struct pvisor_version *v);
int pvisor_dev_init(void);
void pvisor_dev_exit(void);

/* stats.c: counters in /sys/kernel/debug/pvisor/ */
enum pvisor_stat {
	PVISOR_STAT_HYPERCALLS,
	PVISOR_STAT_HYPERCALL_ERRORS,
	PVISOR_STAT_VMS_CREATED,
	PVISOR_STAT_NR
};

void pvisor_stat_inc(enum pvisor_stat stat);
void pvisor_stats_init(void);
void pvisor_stats_exit(void);

#endif /* PVISOR_HOST_H */
