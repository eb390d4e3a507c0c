/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The switcher's memory layout, shared by switcher_asm.S and the C code.
 *
 * The switcher lives in the hypervisor hole (slot 256 of the top-level page
 * table).  Inside it:
 *
 *   hole + 0             switcher code: an alias of the module's own
 *                        .pvisor.switcher pages (read-only, executable)
 *   hole + 1 MiB         "current CPU" alias of this CPU's area (guest only)
 *   hole + 2 MiB + n*128K CPU n's area (all CPUs in the launcher's address
 *                        space, only the running CPU's in a guest's)
 *
 * A CPU area holds everything the CPU needs while a guest runs: pvisor's
 * GDT, TSS and IDT, the ring-0 stack that guest events land on (with the
 * guest's registers at its top), IST stacks for NMI, #DB, #DF and #MC, and the
 * few host values the way back needs.  Areas are AREA_SIZE aligned, so code
 * on one of their stacks finds the area by masking the stack pointer.
 *
 * This header is the one home of that geometry; switcher.c checks with
 * static_assert() that the C structures agree with the offsets below.
 */
#ifndef PVISOR_SWITCHER_H
#define PVISOR_SWITCHER_H

#include <linux/const.h>
#include <asm/processor-flags.h>

/*
 * The hole: top-level slot 256, the first of the kernel half, which Linux
 * leaves to a hypervisor; its base and the slot's shift depend on paging.
 */
#define SW_TOP_SLOT		256
#define SW_TOP_SLOTS		512
#define SW_HOLE_L4		_AC(0xffff800000000000, UL)
#define SW_HOLE_L5		_AC(0xff00000000000000, UL)
#define SW_TOP_SHIFT_L4		39
#define SW_TOP_SHIFT_L5		48
/* sign_extend(x) == (x << shift) >> shift: a canonical address. */
#define SW_CANON_SHIFT_L4	(64 - 48)
#define SW_CANON_SHIFT_L5	(64 - 57)

#define SW_CODE_OFFSET		0x0
#define SW_CODE_MAX		0x100000	/* 1 MiB of code at most */
#define SW_CURRENT_OFFSET	0x100000
#define SW_AREAS_OFFSET		0x200000

#define AREA_SIZE		0x20000

/* The shared page's alias: right after the "current" area alias. */
#define SW_SHARED_OFFSET	(SW_CURRENT_OFFSET + AREA_SIZE)

/* Offsets inside an area. */
#define AREA_GDT		0x000	/* 16 descriptors */
#define AREA_GDT_ENTRIES	16
#define AREA_TSS		0x080	/* struct x86_hw_tss, 104 bytes */
#define AREA_HOST_RSP		0x100
#define AREA_HOST_CR3		0x108
#define AREA_HOST_GS_BASE	0x110
#define AREA_GUEST_GS_BASE	0x118
#define AREA_SCRATCH_RAX	0x120
#define AREA_SCRATCH_RSP	0x128
#define AREA_RSP0_TOP		0x130	/* hole address of the frame's end */
#define AREA_NMI_PENDING	0x138
#define AREA_MCE_PENDING	0x140
#define AREA_FAULT_VECTOR	0x148	/* vector+1 of a fault in the switcher */
#define AREA_FAULT_RIP		0x150
#define AREA_FAULT_ERROR	0x158

/*
 * The direct switch: what the switcher needs to deliver a guest-user
 * `syscall` or exception to the guest kernel, and to serve the guest
 * kernel's IRET, without leaving the guest's address space.  C fills these
 * before each entry and reads back what a direct switch changed.
 */
#define AREA_DIRECT_ON		0x200	/* 1: the direct switch may be used */
#define AREA_MODE		0x208	/* PVISOR_MODE_*, kept current */
#define AREA_ROOT_KERNEL	0x210	/* CR3 for guest-kernel mode */
#define AREA_ROOT_USER		0x218	/* CR3 for guest-user mode */
#define AREA_ENTRY_SYSCALL	0x220	/* the guest's syscall entry */
#define AREA_SP0		0x228	/* the guest's kernel stack */
#define AREA_GS_KERNEL		0x230	/* GS base of the inactive mode... */
#define AREA_GS_USER		0x238	/* ...and of the active one, on exit */
#define AREA_CANON_SHIFT	0x240	/* SW_CANON_SHIFT_L4 or _L5 */
#define AREA_SHARED		0x248	/* hole address of the shared page */
#define AREA_DIRECT_SYSCALLS	0x250	/* counters, cleared by C */
#define AREA_DIRECT_IRETS	0x258
#define AREA_DIRECT_FALLBACKS	0x260
#define AREA_DIRECT_INFLIGHT	0x268	/* 1 or 2 while touching guest memory */
#define AREA_SAVE_RAX		0x270	/* guest registers the switch borrows */
#define AREA_SAVE_RBX		0x278
#define AREA_SAVE_RCX		0x280
#define AREA_SAVE_RDX		0x288
#define AREA_SAVE_RSI		0x290
#define AREA_SAVE_RDI		0x298
#define AREA_TOP_SHIFT		0x2a0	/* SW_TOP_SHIFT_L4 or _L5 */
#define AREA_IRET_FRAME		0x2a8	/* IRF_SIZE: the IRET frame, copied */
#define AREA_DIRECT_EXCEPTIONS	0x2e8	/* counter, cleared by C */
#define AREA_DIRECT_PAGE_FAULTS	0x2f0	/* counter, cleared by C */
#define AREA_LAST_PAGE_FAULT	0x2f8	/* page of the last one delivered */
#define AREA_ENTRY_EXCEPTION	0x300	/* 32 entries: the guest's handlers */
#define AREA_DIRECT_HYPERCALLS	0x400	/* counter, cleared by C */
#define AREA_IDT		0x1000	/* 256 gates of 16 bytes */
#define AREA_STACK		0x2000	/* ring-0 stack, 8 KiB */
#define AREA_STACK_TOP		0x4000
/*
 * IST stacks, 16 KiB each like the host's own with KASAN: for a short
 * moment on the way in (pvisor's TSS, the host's IDT still loaded) a host
 * NMI, #DB or #MC handler may run on them.
 */
#define AREA_NMI_STACK_TOP	0x8000
#define AREA_DF_STACK_TOP	0xc000
#define AREA_MCE_STACK_TOP	0x10000
#define AREA_DB_STACK_TOP	0x14000

/* ABI numbers the switcher uses (checked against the ABI in switcher.c). */
#define SW_MODE_KERNEL		0
#define SW_MODE_USER		1
#define SW_HC_SET_STACK		8
#define SW_HC_SET_SEGMENT_BASE	9
#define SW_HC_IRET		11
#define SW_SEG_FS		0
#define SW_SEG_GS_KERNEL	1
#define SW_SEG_GS_USER		2

/*
 * The guest frame at the top of the ring-0 stack, struct pvisor_frame: the
 * 15 general registers the switcher pushes (r15 lowest), the vector and
 * error code, then the hardware frame.
 */
#define SWF_VECTOR		120
#define SWF_ERROR		128
#define SWF_RIP		136
#define SWF_CS		144
#define SWF_RFLAGS		152
#define SWF_RSP		160
#define SWF_SS		168
#define SWF_SIZE		176
#define AREA_FRAME		(AREA_STACK_TOP - SWF_SIZE)

/*
 * The event frame the guest kernel's handlers find on their stack, written
 * by the switcher's direct switch and by events.c alike:
 * [error, rip, cs, rflags, rsp, ss], at a 16-byte aligned stack.
 */
#define EVF_ERROR		0
#define EVF_RIP			8
#define EVF_CS			16
#define EVF_RFLAGS		24
#define EVF_RSP			32
#define EVF_SS			40
#define EVF_SIZE		48

/*
 * The frame PVISOR_HC_IRET pops from the guest kernel's stack, read by the
 * direct switch and by events.c alike: [rax, r11, rcx, rip, cs, rflags,
 * rsp, ss].  rcx and r11 travel here because the `syscall` that makes the
 * hypercall overwrites them.
 */
#define IRF_RAX			0
#define IRF_R11			8
#define IRF_RCX			16
#define IRF_RIP			24
#define IRF_CS			32
#define IRF_RFLAGS		40
#define IRF_RSP			48
#define IRF_SS			56
#define IRF_SIZE		64

/*
 * The flags a guest owns in its rflags: the arithmetic flags, TF, DF, NT,
 * AC and ID, all of which a CPL-3 program may set with popf and finds
 * again after a system call natively.  IF is always on while a guest runs
 * (its IF is virtual, in the shared page), IOPL 0; the rest are the
 * host's.  NT is harmless to the host: every way into the switcher (a
 * gate, or `syscall` with the SFMASK switcher.c sets) clears it.
 */
#define SW_GUEST_RFLAGS		(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
				 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
				 X86_EFLAGS_DF | X86_EFLAGS_OF | X86_EFLAGS_NT | \
				 X86_EFLAGS_AC | X86_EFLAGS_ID)
/* What an event delivery clears, as an interrupt gate and SFMASK do. */
#define SW_EVENT_CLEARS		(X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_NT | \
				 X86_EFLAGS_AC)

/*
 * Exceptions that are always the guest's own when they come from guest user
 * mode, which the direct switch delivers: #DE, #BP, #OF, #BR, #UD, #GP,
 * #MF, #AC, #XM.  Not the vectors on IST stacks (#DB, NMI, #DF, #MC), not
 * #NM (XFD).  #PF only on an entry the shadow holds as absent from the
 * guest's own table (PVISOR_SHADOW_ABSENT), which faults with RSVD set
 * in the error code; every other #PF may be a shadow miss, the host's.
 */
#define SW_DIRECT_EXCEPTIONS	((1 << 0) | (1 << 3) | (1 << 4) | (1 << 5) | \
				 (1 << 6) | (1 << 13) | (1 << 16) | (1 << 17) | \
				 (1 << 19))

/* Page-fault error code bits (asm/trap_pf.h's, checked in switcher.c). */
#define SW_PF_RSVD		0x08
#define SW_PF_ACCESS		0x16	/* write, user, instruction fetch */
/* Where the shared page holds cr2 (struct pvisor_shared, checked). */
#define SW_SHARED_CR2		40

/* Pseudo-vector for `syscall` from the guest. */
#define SW_VECTOR_SYSCALL	256

/*
 * Selectors in pvisor's GDT: the numbers Linux uses for __KERNEL_CS,
 * __KERNEL_DS, __USER32_CS, __USER_DS and __USER_CS, so user_mode() in the
 * guest works unchanged although both modes really run at CPL 3.  Event
 * frames carry the kernel or user ones of the interrupted mode.
 */
#define SW_KERNEL_CS		0x10
#define SW_KERNEL_DS		0x18
#define SW_USER32_CS		0x23
#define SW_USER_DS		0x2b
#define SW_USER_CS		0x33
#define SW_TSS			0x40
#define SW_CPUNODE		0x7b	/* GDT entry 15, as Linux's */

#ifndef __ASSEMBLY__
#include <linux/types.h>

/* Symbols of switcher_asm.S, at their module addresses (never run there). */
extern const char pvisor_switcher_start[], pvisor_switcher_end[];
extern const char pvisor_switcher_enter[], pvisor_syscall_l4[];
extern const char pvisor_syscall_l5[], pvisor_idt_stubs[];

/* switcher_asm.S, ordinary text: run a host IDT handler, interrupts off. */
void pvisor_call_host_handler(unsigned long handler);

/* A host IDT entry, exported only where KVM_INTEL is built (run.c). */
void asm_exc_nmi_kvm_vmx(void);

struct pvisor_frame {
	u64 r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	u64 rax, rcx, rdx, rsi, rdi;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};
#endif

#endif /* PVISOR_SWITCHER_H */
