/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvisor: the one ABI shared by the host module, the launcher, the test
 * guests and the guest-pv kernel.
 *
 * Two interfaces live here:
 *
 *  1. ioctls on /dev/pvisor, on VM file descriptors and on vCPU file
 *     descriptors (launcher -> module);
 *  2. hypercalls and the per-vCPU shared page (guest -> module).
 *
 * Documentation/abi.md specifies every structure and call.  Rules that hold
 * throughout: fixed-width types only, explicit padding, a flags field in
 * every input structure, and every reserved field or flag bit must be zero
 * (the module answers -EINVAL otherwise, so it can give them a meaning
 * later without breaking old callers).
 */
#ifndef _UAPI_LINUX_PVISOR_H
#define _UAPI_LINUX_PVISOR_H

#ifndef __ASSEMBLY__
#include <linux/types.h>
#include <linux/ioctl.h>
#endif

/*
 * PVISOR_ABI_VERSION changes whenever a structure or a call changes in a
 * way an old caller could notice.  Versions 0 and 1 are development ABIs:
 * no compatibility is promised between two development versions.
 * 1: boot protocol for Linux guests (section 4), PVISOR_HC_CONSOLE_READ.
 * 2: MMIO regions (PVISOR_MEM_MMIO), PVISOR_EXIT_MMIO completed through
 *    PVISOR_RUN_MMIO_COMPLETE, PVISOR_IOEVENTFD, PVISOR_CR3_SAME_KERNEL_HALF.
 * 3: PVISOR_HC_MMU_UPDATE stores entries like the guest's own stores (no
 *    shadow is dropped) and takes any value for a not-present entry.
 * 4: PVISOR_MMU_DECLARE_TABLE and PVISOR_MMU_RELEASE_TABLE are recorded
 *    and checked against; once a guest has declared a table,
 *    PVISOR_HC_NEW_CR3 takes only declared top-level tables as roots.
 *    (They were first named PVISOR_MMU_PIN_TABLE and PVISOR_MMU_UNPIN_TABLE,
 *    same values, kept as deprecated aliases in version 4 only.)
 * 5: the shadows are a cache of address spaces, like a TLB with PCIDs:
 *    PVISOR_CR3_KEEP_USER, PVISOR_FLUSH_USER.  The PIN/UNPIN aliases are
 *    gone.
 * Additions that no old caller can notice (a new ioctl, a flag that used
 * to be refused) keep the version and are announced by a capability bit.
 */
#define PVISOR_ABI_VERSION		5

/* Size checks: the header is the contract, so let the compiler hold it. */
#ifdef __KERNEL__
#include <linux/build_bug.h>
#define PVISOR_ABI_SIZE(type, size) static_assert(sizeof(type) == (size))
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define PVISOR_ABI_SIZE(type, size) _Static_assert(sizeof(type) == (size), \
						   #type " changed size")
#else
#define PVISOR_ABI_SIZE(type, size) extern int pvisor_abi_size_unchecked
#endif

/* ------------------------------------------------------------------------
 * 1. ioctls.  Type 0xB9 is unused in ioctl-number.rst.
 * ------------------------------------------------------------------------
 */
#define PVISOR_IOCTL_TYPE		0xB9

/* Capabilities reported by PVISOR_GET_VERSION (bits of .capabilities). */
#define PVISOR_CAP_VM			(1ULL << 0)  /* VMs can be created */
#define PVISOR_CAP_LA57_HOST		(1ULL << 1)  /* host uses 5-level paging */
#define PVISOR_CAP_PTI_HOST		(1ULL << 2)  /* host runs with PTI */
#define PVISOR_CAP_PCID			(1ULL << 3)  /* shadow roots use PCID */
#define PVISOR_CAP_MMU_BATCH		(1ULL << 4)  /* PVISOR_HC_MMU_UPDATE */
#define PVISOR_CAP_IOEVENTFD		(1ULL << 5)  /* notify writes to eventfds */
#define PVISOR_CAP_IRQFD		(1ULL << 6)  /* eventfds raise interrupts */
#define PVISOR_CAP_IRQ_STATUS		(1ULL << 7)  /* PVISOR_IRQ_STATUS */

/* PVISOR_GET_VERSION: on /dev/pvisor.  Set .flags to 0 before the call. */
#ifndef __ASSEMBLY__
struct pvisor_version {
	__u32 abi_version;		/* out: PVISOR_ABI_VERSION of the module */
	__u32 flags;			/* in: must be 0 */
	__u64 capabilities;		/* out: PVISOR_CAP_* */
	__u32 max_vcpus;		/* out: per VM */
	__u32 max_mem_regions;		/* out: per VM */
	__u64 max_guest_memory;		/* out: bytes per VM */
	__u32 nr_hypercalls;		/* out: PVISOR_HC_* numbers served */
	__u32 host_paging_levels;	/* out: 4 or 5 */
	char module_version[32];	/* out: NUL-terminated text */
	__u64 reserved[4];		/* out: zero */
};
PVISOR_ABI_SIZE(struct pvisor_version, 104);
#endif

/* PVISOR_CREATE_VM: on /dev/pvisor; returns a new VM file descriptor. */
#ifndef __ASSEMBLY__
struct pvisor_vm_create {
	__u32 flags;			/* in: must be 0 */
	__u32 reserved;			/* in: must be 0 */
};
PVISOR_ABI_SIZE(struct pvisor_vm_create, 8);
#endif

/*
 * PVISOR_SET_MEM_REGION: on a VM fd.  Guest-physical memory is a range of
 * the launcher's own address space (memfd or anonymous mapping).  Regions
 * may not overlap; all of gpa, size and userspace_addr are page aligned.
 * A size of 0 deletes the region in that slot.
 */
#ifndef __ASSEMBLY__
struct pvisor_mem_region {
	__u32 slot;			/* in: < max_mem_regions */
	__u32 flags;			/* in: PVISOR_MEM_* */
	__u64 guest_phys_addr;		/* in */
	__u64 size;			/* in: bytes */
	__u64 userspace_addr;		/* in: launcher virtual address */
};
PVISOR_ABI_SIZE(struct pvisor_mem_region, 32);
#endif
#define PVISOR_MEM_READONLY		(1U << 0)  /* guest writes fault */
/*
 * An MMIO slot holds no memory (userspace_addr must be 0): a guest-kernel
 * load or store there is decoded by the module and either completed in the
 * kernel (PVISOR_IOEVENTFD) or returned as PVISOR_EXIT_MMIO.  An access to
 * an address in no slot at all still ends the guest (PVISOR_CRASH_BAD_MEMORY).
 */
#define PVISOR_MEM_MMIO			(1U << 1)

/*
 * PVISOR_IOEVENTFD: on a VM fd.  A guest write of len bytes (0: any width)
 * to gpa, inside an MMIO slot, signals the eventfd instead of exiting: the
 * write costs one guest exit and no return to the launcher.  The written
 * value is dropped.  PVISOR_IOEVENTFD_DEASSIGN removes the entry with the
 * same gpa, len and fd.  At most PVISOR_MAX_IOEVENTFDS per VM.
 */
#ifndef __ASSEMBLY__
struct pvisor_ioeventfd {
	__u64 gpa;			/* in: a byte of an MMIO slot */
	__u32 len;			/* in: 0, 1, 2, 4 or 8 */
	__s32 fd;			/* in: an eventfd */
	__u32 flags;			/* in: PVISOR_IOEVENTFD_* */
	__u32 reserved;			/* in: must be 0 */
};
PVISOR_ABI_SIZE(struct pvisor_ioeventfd, 24);
#endif
#define PVISOR_IOEVENTFD_DEASSIGN	(1U << 0)
#define PVISOR_MAX_IOEVENTFDS		32

/*
 * PVISOR_IRQ_STATUS: on a VM fd.  An interrupt status register that the
 * module serves, so that a guest's interrupt handler costs no return to
 * the launcher (virtio-mmio's InterruptStatus and InterruptACK): a 4-byte
 * guest read at status_gpa returns the bits that PVISOR_INJECT_IRQ set
 * for vector, and a 4-byte guest write at ack_gpa clears the bits
 * written.  Both addresses are 4-byte aligned, inside an MMIO slot, and
 * in no other status register (a write that matches an ioeventfd signals
 * it instead).  A vector has at most one register; registers last as long
 * as the VM, at most PVISOR_MAX_IRQ_STATUS of them.
 * PVISOR_IRQ_STATUS_RESET, with the vector alone (both gpas 0), clears a
 * registered vector's bits: its device was reset.
 */
#ifndef __ASSEMBLY__
struct pvisor_irq_status {
	__u64 status_gpa;		/* in: the register the guest reads */
	__u64 ack_gpa;			/* in: the register it acknowledges in */
	__u32 vector;			/* in: 32..255 */
	__u32 flags;			/* in: PVISOR_IRQ_STATUS_* */
};
PVISOR_ABI_SIZE(struct pvisor_irq_status, 24);
#endif
#define PVISOR_IRQ_STATUS_RESET		(1U << 0)
#define PVISOR_MAX_IRQ_STATUS		32

/* PVISOR_CREATE_VCPU: on a VM fd; returns a new vCPU file descriptor. */
#ifndef __ASSEMBLY__
struct pvisor_vcpu_create {
	__u32 vcpu_id;			/* in: < max_vcpus, unique in the VM */
	__u32 flags;			/* in: must be 0 */
};
PVISOR_ABI_SIZE(struct pvisor_vcpu_create, 8);
#endif

/* Guest modes, as seen in pvisor_regs.mode. */
#define PVISOR_MODE_KERNEL		0  /* guest kernel (CPL 3, kernel root) */
#define PVISOR_MODE_USER		1  /* guest user (CPL 3, user root) */

/* PVISOR_GET_REGS / PVISOR_SET_REGS: on a vCPU fd, while it is not running. */
#ifndef __ASSEMBLY__
struct pvisor_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip;
	__u64 rflags;			/* IF, IOPL, VM, ... are ignored */
	__u64 fs_base;
	__u64 gs_base;			/* active GS base */
	__u64 gs_base_other;		/* the one swapgs would load */
	__u64 cr2;
	__u64 cr3_kernel;		/* gpa of the guest kernel root */
	__u64 cr3_user;			/* gpa of the guest user root */
	__u32 mode;			/* PVISOR_MODE_* */
	__u32 flags;			/* in: must be 0 */
	__u64 reserved[3];
};
PVISOR_ABI_SIZE(struct pvisor_regs, 224);
#endif

/* Why PVISOR_RUN returned (pvisor_run.exit_reason). */
#define PVISOR_EXIT_NONE		0
#define PVISOR_EXIT_SHUTDOWN		1  /* guest asked: see .shutdown */
#define PVISOR_EXIT_CRASH		2  /* guest killed: see .crash */
#define PVISOR_EXIT_MMIO		3  /* MMIO access for userspace */
#define PVISOR_EXIT_INTR		4  /* a signal is pending; call again */
#define PVISOR_EXIT_CONSOLE		5  /* console output: read() the vCPU fd */

/* Shutdown types (pvisor_run.shutdown.type and PVISOR_HC_SHUTDOWN). */
#define PVISOR_SHUTDOWN_POWEROFF	0
#define PVISOR_SHUTDOWN_REBOOT		1
#define PVISOR_SHUTDOWN_PANIC		2
#define PVISOR_SHUTDOWN_NR		3

/* Crash reasons (pvisor_run.crash.reason). */
#define PVISOR_CRASH_TRIPLE_FAULT	1  /* fault with no guest handler */
#define PVISOR_CRASH_BAD_HYPERCALL	2  /* argument the host had to refuse */
#define PVISOR_CRASH_BAD_MEMORY		3  /* access outside guest memory */
#define PVISOR_CRASH_BAD_MMIO		4  /* instruction pvisor cannot decode */
#define PVISOR_CRASH_BAD_STATE		5  /* unusable registers or tables */

#define PVISOR_RUN_MMIO_COMPLETE	(1U << 0)  /* in: .mmio.data is valid */

/*
 * PVISOR_RUN: on a vCPU fd.  Runs the guest until something needs the
 * launcher and describes it.  After a PVISOR_EXIT_MMIO read, the next call
 * must set PVISOR_RUN_MMIO_COMPLETE with the value in .mmio.data (the low
 * .mmio.len bytes count); the module writes it to the guest's register and
 * steps over the instruction.  A write is complete when it is reported.
 * PVISOR_RUN fails with EINVAL if a read waits and the flag is missing, or
 * the flag is set and no read waits.
 */
#ifndef __ASSEMBLY__
struct pvisor_run {
	__u32 flags;			/* in: PVISOR_RUN_* */
	__u32 exit_reason;		/* out: PVISOR_EXIT_* */
	union {
		struct {
			__u32 type;	/* PVISOR_SHUTDOWN_* */
			__u32 code;	/* exit status the guest gave */
		} shutdown;
		struct {
			__u64 gpa;
			__u64 data;	/* write: value; read: in on completion */
			__u32 len;	/* 1, 2, 4 or 8 */
			__u32 is_write;
		} mmio;
		struct {
			__u32 reason;	/* PVISOR_CRASH_* */
			__u32 vector;	/* exception vector, if any */
			__u64 error_code;
			__u64 info;	/* reason-specific: address, call nr */
		} crash;
		__u64 pad[8];
	};
	struct pvisor_regs regs;	/* out: guest registers at the exit */
	char message[64];		/* out: NUL-terminated reason text */
};
PVISOR_ABI_SIZE(struct pvisor_run, 360);
#endif

/*
 * PVISOR_INJECT_IRQ: on a vCPU fd; marks a virtual interrupt pending.  The
 * bits of flags under PVISOR_IRQ_STATUS_BITS are first set in the
 * vector's status register (PVISOR_IRQ_STATUS); they must be 0 for a
 * vector without one.
 */
#ifndef __ASSEMBLY__
struct pvisor_irq {
	__u32 vector;			/* in: 32..255 */
	__u32 flags;			/* in: status bits, or 0 */
};
PVISOR_ABI_SIZE(struct pvisor_irq, 8);
#endif
#define PVISOR_IRQ_STATUS_BITS		0xffU

#define PVISOR_GET_VERSION	_IOWR(PVISOR_IOCTL_TYPE, 0x00, struct pvisor_version)
#define PVISOR_CREATE_VM	_IOW(PVISOR_IOCTL_TYPE, 0x01, struct pvisor_vm_create)
#define PVISOR_SET_MEM_REGION	_IOW(PVISOR_IOCTL_TYPE, 0x10, struct pvisor_mem_region)
#define PVISOR_CREATE_VCPU	_IOW(PVISOR_IOCTL_TYPE, 0x11, struct pvisor_vcpu_create)
#define PVISOR_GET_REGS		_IOR(PVISOR_IOCTL_TYPE, 0x20, struct pvisor_regs)
#define PVISOR_SET_REGS		_IOW(PVISOR_IOCTL_TYPE, 0x21, struct pvisor_regs)
#define PVISOR_RUN		_IOWR(PVISOR_IOCTL_TYPE, 0x22, struct pvisor_run)
#define PVISOR_INJECT_IRQ	_IOW(PVISOR_IOCTL_TYPE, 0x23, struct pvisor_irq)
#define PVISOR_IOEVENTFD	_IOW(PVISOR_IOCTL_TYPE, 0x12, struct pvisor_ioeventfd)
#define PVISOR_IRQ_STATUS	_IOW(PVISOR_IOCTL_TYPE, 0x13, struct pvisor_irq_status)

/* ------------------------------------------------------------------------
 * 2. Hypercalls.
 *
 * A hypercall is the `syscall` instruction executed in guest-kernel mode.
 * rax holds the number, rdi, rsi, rdx, r10, r8 the arguments (the Linux
 * syscall registers, rcx and r11 being taken by the instruction itself),
 * and rax the result: >= 0 on success, a negative errno on failure.
 * rcx and r11 are clobbered; every other register is preserved.  Arguments
 * a call does not use must be zero.  `syscall` in guest-user mode is a
 * guest system call and goes to the guest kernel's syscall entry instead.
 * ------------------------------------------------------------------------
 */
#define PVISOR_HC_VERSION		0   /* () -> PVISOR_ABI_VERSION */
#define PVISOR_HC_FEATURES		1   /* () -> PVISOR_HF_* */
#define PVISOR_HC_SET_SHARED_PAGE	2   /* (gpa) */
#define PVISOR_HC_CONSOLE_WRITE		3   /* (gpa, len) -> len */
#define PVISOR_HC_SHUTDOWN		4   /* (type, code) */
#define PVISOR_HC_SET_TIMER		5   /* (deadline_ns); 0 cancels */
#define PVISOR_HC_HALT			6   /* () enables IRQs and sleeps */
#define PVISOR_HC_IRQ_ENABLE		7   /* () deliver pending IRQs */
#define PVISOR_HC_SET_STACK		8   /* (sp0) */
#define PVISOR_HC_SET_SEGMENT_BASE	9   /* (PVISOR_SEG_*, base) */
#define PVISOR_HC_SET_ENTRIES		10  /* (gpa of pvisor_entries) */
#define PVISOR_HC_IRET			11  /* () pop an event frame */
#define PVISOR_HC_NEW_CR3		12  /* (kernel root, user root, PVISOR_CR3_*) */
#define PVISOR_HC_MMU_UPDATE		13  /* (gpa of pvisor_mmu_op[], n) -> n */
#define PVISOR_HC_FLUSH_TLB		14  /* (PVISOR_FLUSH_*, va, npages) */
#define PVISOR_HC_CPUID			15  /* (leaf, subleaf, gpa of out) */
#define PVISOR_HC_CONSOLE_READ		16  /* (gpa, len) -> bytes read */
#define PVISOR_HC_NR			17

/* The vector PVISOR_HC_SET_TIMER's timer raises. */
#define PVISOR_TIMER_VECTOR		32
/* The vector raised when console input arrives (PVISOR_HC_CONSOLE_READ). */
#define PVISOR_CONSOLE_VECTOR		33
/*
 * Device interrupts injected by the launcher start here.  A guest-pv
 * kernel maps vector PVISOR_FIRST_DEVICE_VECTOR + i - 1 to its Linux IRQ
 * i, for i = 1 .. PVISOR_DEVICE_IRQS.
 */
#define PVISOR_FIRST_DEVICE_VECTOR	34
#define PVISOR_DEVICE_IRQS		32

/* Largest payloads a single hypercall accepts. */
#define PVISOR_CONSOLE_WRITE_MAX	1024
#define PVISOR_MMU_BATCH_MAX		256

/* Hypercall feature bits (PVISOR_HC_FEATURES). */
#define PVISOR_HF_MMU_BATCH		(1ULL << 0)
#define PVISOR_HF_TSC_CLOCK		(1ULL << 1)
#define PVISOR_HF_UNMAPPED_VA		(1ULL << 2)  /* pvisor_shared.unmapped_va */

/* PVISOR_HC_SET_SEGMENT_BASE selectors. */
#define PVISOR_SEG_FS			0  /* FS base (user and kernel) */
#define PVISOR_SEG_GS_KERNEL		1  /* GS base in guest-kernel mode */
#define PVISOR_SEG_GS_USER		2  /* GS base in guest-user mode */
#define PVISOR_SEG_NR			3

/*
 * PVISOR_HC_NEW_CR3 flags.  SAME_KERNEL_HALF: the upper half of the new
 * kernel root (top-level slots 256..511) maps what the old one mapped, as
 * Linux's page tables always do; the host then keeps its translations for
 * kernel addresses, as the CPU keeps global TLB entries across a CR3 load.
 * A guest that says so falsely sees its old kernel mappings, nothing else.
 */
#define PVISOR_CR3_SAME_KERNEL_HALF	(1ULL << 0)
/*
 * KEEP_USER (with SAME_KERNEL_HALF only): the translations of the new
 * roots that the host may still hold from when they were last loaded stay
 * valid, as a CR3 load with bit 63 set keeps a PCID's TLB entries.  The
 * guest promises that it changed nothing in those tables since without a
 * flush; Linux with PCIDs knows (its per-ASID tlb_gen).  Without it, the
 * new roots start with no user translations, as without PCIDs.
 */
#define PVISOR_CR3_KEEP_USER		(1ULL << 1)

/* PVISOR_HC_FLUSH_TLB operations. */
#define PVISOR_FLUSH_ALL		0  /* everything, every address space */
#define PVISOR_FLUSH_ONE		1  /* one page at va (npages = 1) */
#define PVISOR_FLUSH_RANGE		2  /* npages pages from va */
#define PVISOR_FLUSH_USER		3  /* the loaded roots' user half (v5) */
#define PVISOR_FLUSH_NR			4
#define PVISOR_FLUSH_RANGE_MAX		(1ULL << 20)  /* pages; more: ALL */

/*
 * PVISOR_HC_MMU_UPDATE: one entry of a batch.  entry_gpa names the 8-byte
 * page-table entry being written, in writable guest memory, and level its
 * level.  The module validates each value (a present entry's frame inside
 * guest memory; a not-present entry is the guest's business) and stops at
 * the first bad one: the result is the number of entries applied, or a
 * negative errno if none was.  An applied entry is a store like the guest's
 * own: translations already shadowed stay until a TLB flush names them.
 *
 * DECLARE_TABLE declares the page at value a page table of the given level
 * (entry_gpa 0; a page declared again takes the new level), and
 * RELEASE_TABLE withdraws that (the level must be the declared one, and the
 * page not a root this vCPU has loaded: -EBUSY).  The module then refuses a
 * SET_ENTRY of another level into a declared table, and, once a guest has
 * declared any table, a NEW_CR3 whose roots are not declared top-level
 * tables (level 4, or 5 with 5-level paging).  A released page stops
 * keying the shadows of any address space (PVISOR_CR3_KEEP_USER).  Shadow
 * paging needs none of the rest; it turns a guest kernel's page-table bug
 * into an error at once.
 */
#define PVISOR_MMU_SET_ENTRY		0  /* *entry_gpa = value */
#define PVISOR_MMU_DECLARE_TABLE	1  /* value = gpa of a new table page */
#define PVISOR_MMU_RELEASE_TABLE	2  /* value = gpa of a freed table page */
#define PVISOR_MMU_NR			3
/* Deprecated names of ABI 4, removed in ABI 5. */

#ifndef __ASSEMBLY__
struct pvisor_mmu_op {
	__u32 op;			/* PVISOR_MMU_* */
	__u32 level;			/* 1 (PTE) .. 5 (PML5) */
	__u64 entry_gpa;
	__u64 value;
};
PVISOR_ABI_SIZE(struct pvisor_mmu_op, 24);
#endif

/* PVISOR_HC_CPUID result, written to the gpa given. */
#ifndef __ASSEMBLY__
struct pvisor_cpuid {
	__u32 eax, ebx, ecx, edx;
};
PVISOR_ABI_SIZE(struct pvisor_cpuid, 16);
#endif

/*
 * PVISOR_HC_SET_ENTRIES: guest-kernel virtual addresses where the switcher
 * delivers events.  An address of 0 means "no handler": such an event
 * crashes the guest with PVISOR_CRASH_TRIPLE_FAULT.
 */
#ifndef __ASSEMBLY__
struct pvisor_entries {
	__u64 flags;			/* must be 0 */
	__u64 syscall;			/* `syscall` from guest user */
	__u64 interrupt;		/* virtual interrupts */
	__u64 exception[32];		/* vectors 0..31 */
	__u64 reserved[6];
};
PVISOR_ABI_SIZE(struct pvisor_entries, 328);
#endif

/*
 * The per-vCPU shared page: one page of guest memory, registered with
 * PVISOR_HC_SET_SHARED_PAGE, read and written by both guest and host.
 * The guest's cli/sti/save_fl/restore_fl touch only irq_mask; the host
 * sets irq_pending when a delivered interrupt waits.  sti with
 * irq_pending set makes one PVISOR_HC_IRQ_ENABLE hypercall.
 *
 * Time: the host rewrites the time fields with time_version odd, then even
 * again (a seqcount).  Guest ns = system_ns + ((tsc - tsc_stamp) << shift
 * (or >> -shift) * tsc_mul >> 32).
 */
#ifndef __ASSEMBLY__
struct pvisor_shared {
	__u8 irq_mask;			/* guest: nonzero = virtual IF clear */
	__u8 irq_pending;		/* host: an interrupt waits */
	__u8 pad0[6];
	__u64 pending[4];		/* host: pending vectors, bit per vector */
	__u64 cr2;			/* host: fault address of the last #PF */
	__u32 time_version;
	__s8 tsc_shift;
	__u8 pad1[3];
	__u64 tsc_stamp;
	__u64 system_ns;
	__u32 tsc_mul;
	__u32 pad2;
	__u64 wall_clock_sec;		/* host: realtime at system_ns == 0 */
	__u32 wall_clock_nsec;
	__u32 pad3;
	__u64 unmapped_va;		/* host: see PVISOR_HF_UNMAPPED_VA */
	__u64 reserved[19];
};
PVISOR_ABI_SIZE(struct pvisor_shared, 256);

/*
 * pvisor_shared.unmapped_va (PVISOR_HF_UNMAPPED_VA): a user page of which
 * the host holds no translation in the loaded address space, or
 * PVISOR_UNMAPPED_NONE.  When the host delivers a #PF of the guest's own
 * on a present entry (a write to a read-only page, a copy-on-write), it
 * drops its translation of that page, as a CPU may drop a TLB entry at any
 * time, and names the page here; any later fill or CR3 load sets NONE.  So
 * a flush of exactly that page, before anything else refilled it, has
 * nothing to do, and the guest may skip its PVISOR_HC_FLUSH_TLB.
 */
#define PVISOR_UNMAPPED_NONE		1ULL  /* never a page address */
#endif

/* ------------------------------------------------------------------------
 * 4. Booting a Linux guest (guest-pv).
 *
 * The kernel image is an ELF file (vmlinux) whose notes of name "pvisor"
 * say where the paravirtual entry point is.  The launcher loads each
 * PT_LOAD segment at its physical address, writes a pvisor_boot_info and
 * page tables into the reserved tail of guest memory, and starts the vCPU
 * in guest-kernel mode at the entry point with:
 *
 *	rdi	guest-physical address of the pvisor_boot_info, below 1 MiB
 *	cr3	those page tables: the kernel image at 0xffffffff80000000 +
 *		its physical address (the first 1 GiB), and all of guest
 *		memory at the direct-map base (0xffff888000000000 with 4-level
 *		paging, 0xff11000000000000 with 5-level), 2 MiB pages
 *	rsp	0 (the guest picks its own stack); virtual interrupts masked
 * ------------------------------------------------------------------------
 */
#define PVISOR_ELFNOTE_NAME		"pvisor"
#define PVISOR_ELFNOTE_ENTRY		1  /* desc: u64 entry virtual address */
#define PVISOR_ELFNOTE_ABI		2  /* desc: u32 PVISOR_ABI_VERSION */

#define PVISOR_BOOT_MAGIC		0x746f6f6272767670ULL /* "pvvrboot" */
#define PVISOR_CMDLINE_MAX		2048

#ifndef __ASSEMBLY__
struct pvisor_boot_info {
	__u64 magic;			/* PVISOR_BOOT_MAGIC */
	__u32 abi_version;		/* PVISOR_ABI_VERSION */
	__u32 paging_levels;		/* 4 or 5: the guest must use the same */
	__u64 mem_size;			/* guest RAM is [0, mem_size) */
	__u64 reserved_start;		/* [reserved_start, mem_size): launcher's */
	__u64 cmdline_gpa;		/* NUL-terminated, PVISOR_CMDLINE_MAX bytes */
	__u64 initrd_gpa;		/* 0: none */
	__u64 initrd_size;
	__u64 root_gpa;			/* the page tables the vCPU starts on */
	__u64 reserved[8];
};
PVISOR_ABI_SIZE(struct pvisor_boot_info, 128);
#endif

#endif /* _UAPI_LINUX_PVISOR_H */
