// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for pvisor's hypercall layer and the state it guards.
 *
 * Each case sets up a VM whose guest memory is real user memory of the test
 * thread (kunit_vm_mmap), so the code under test does the same
 * copy_from_user() it does for a launcher, and calls pvisor_hypercall()
 * exactly as the switcher will.  Load pvisor.ko first, then this module;
 * the results appear as KTAP on the console.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/mman.h>
#include <linux/uaccess.h>
#include <asm/cpufeatures.h>
#include <asm/fpu/types.h>
#include <asm/io.h>
#include <asm/trap_pf.h>

#include "pvisor.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#ifndef PVISOR_RIG_PLANT
#define PVISOR_RIG_PLANT	0
#endif

#define GUEST_BASE	0x100000ULL		/* gpa of the test memory */
#define GUEST_PAGES	16
#define GUEST_SIZE	(GUEST_PAGES * PAGE_SIZE)

struct hc_test {
	struct pvisor_vm vm;
	struct pvisor_vcpu vcpu;
	char __user *mem;			/* backs [GUEST_BASE, +SIZE) */
	unsigned int saved_levels;
	unsigned int saved_max_tables;
};

static long hc(struct kunit *test, u64 nr, u64 a0, u64 a1, u64 a2)
{
	struct hc_test *t = test->priv;
	struct pvisor_hc_args args = { .nr = nr, .arg = { a0, a1, a2 } };

	return pvisor_hypercall(&t->vcpu, &args);
}

static void put_guest(struct kunit *test, u64 gpa, const void *src, size_t n)
{
	struct hc_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, 0UL,
			copy_to_user(t->mem + (gpa - GUEST_BASE), src, n));
}

static int hc_test_init(struct kunit *test)
{
	struct pvisor_mem_region r = {
		.slot = 0, .guest_phys_addr = GUEST_BASE, .size = GUEST_SIZE,
	};
	struct hc_test *t;
	unsigned long uaddr;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	mutex_init(&t->vm.lock);
	xa_init(&t->vm.tables);
	t->vm.id = 1000;
	t->vcpu.vm = &t->vm;
	spin_lock_init(&t->vcpu.input_lock);
	t->vcpu.time_base = ktime_get_ns();
	pvisor_timer_init(&t->vcpu);
	t->saved_levels = pvisor_host.paging_levels;
	t->saved_max_tables = pvisor_max_declared_tables;

	uaddr = kunit_vm_mmap(test, NULL, 0, GUEST_SIZE, PROT_READ | PROT_WRITE,
			      MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, uaddr, 0UL, "no user memory for the guest");
	t->mem = (char __user *)uaddr;
	r.userspace_addr = uaddr;
	KUNIT_ASSERT_EQ(test, 0, pvisor_mem_set_region(&t->vm, &r));
	return 0;
}

static void hc_test_exit(struct kunit *test)
{
	struct hc_test *t = test->priv;

	pvisor_host.paging_levels = t->saved_levels;
	pvisor_max_declared_tables = t->saved_max_tables;
	pvisor_timer_exit(&t->vcpu);
	pvisor_release_shared_page(&t->vcpu);
	xa_destroy(&t->vm.tables);
	mutex_destroy(&t->vm.lock);
}

/* The offsets guest assembly and the launcher depend on. */
static void abi_layout_is_stable(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct pvisor_shared), 256UL);
	KUNIT_EXPECT_EQ(test, offsetof(struct pvisor_shared, irq_mask), 0UL);
	KUNIT_EXPECT_EQ(test, offsetof(struct pvisor_shared, irq_pending), 1UL);
	KUNIT_EXPECT_EQ(test, offsetof(struct pvisor_shared, cr2), 40UL);
	KUNIT_EXPECT_EQ(test, offsetof(struct pvisor_run, regs), 72UL);
	KUNIT_EXPECT_EQ(test, offsetof(struct pvisor_regs, rip), 128UL);
	KUNIT_EXPECT_EQ(test, sizeof(struct pvisor_mmu_op), 24UL);
	KUNIT_EXPECT_EQ(test, _IOC_SIZE(PVISOR_RUN), sizeof(struct pvisor_run));
	KUNIT_EXPECT_EQ(test, _IOC_TYPE(PVISOR_GET_VERSION), PVISOR_IOCTL_TYPE);
}

static void version_and_features_answer(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_VERSION, 0, 0, 0),
			(long)PVISOR_ABI_VERSION);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FEATURES, 0, 0, 0), 0L);
	KUNIT_EXPECT_STREQ(test, pvisor_hypercall_name(PVISOR_HC_VERSION),
			   "VERSION");
	KUNIT_EXPECT_STREQ(test, pvisor_hypercall_name(PVISOR_HC_NR), "?");
}

static void unknown_hypercall_is_enosys(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NR, 0, 0, 0), (long)-ENOSYS);
	KUNIT_EXPECT_EQ(test, hc(test, U64_MAX, 0, 0, 0), (long)-ENOSYS);
	KUNIT_EXPECT_EQ(test, hc(test, 1ULL << 32, 0, 0, 0), (long)-ENOSYS);
}

static void unused_arguments_must_be_zero(struct kunit *test)
{
	struct hc_test *t = test->priv;
	struct pvisor_hc_args args = { .nr = PVISOR_HC_SHUTDOWN,
				       .arg = { 0, 7, 0, 0, 1 } };

	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_VERSION, 1, 0, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_hypercall(&t->vcpu, &args), (long)-EINVAL);
	KUNIT_EXPECT_FALSE(test, t->vcpu.shutdown_requested);
}

static void memory_regions_are_validated(struct kunit *test)
{
	struct hc_test *t = test->priv;
	struct pvisor_mem_region r = {
		.slot = 1, .guest_phys_addr = 0x10000000, .size = PAGE_SIZE,
		.userspace_addr = (unsigned long)t->mem,
	};

	r.guest_phys_addr += 1;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EINVAL);
	r.guest_phys_addr -= 1;
	r.flags = 0x80;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EINVAL);
	r.flags = 0;
	r.slot = PVISOR_MAX_MEM_REGIONS;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EINVAL);
	r.slot = 1;
	r.userspace_addr = TASK_SIZE_MAX;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EFAULT);
	r.userspace_addr = (unsigned long)t->mem;
	r.guest_phys_addr = PVISOR_MAX_GPA - PAGE_SIZE;
	r.size = 2 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EINVAL);
	/* Overlapping slot 0 by one page. */
	r.guest_phys_addr = GUEST_BASE + GUEST_SIZE - PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EEXIST);
	/* Adjacent is fine; deleting and re-adding too. */
	r.guest_phys_addr = GUEST_BASE + GUEST_SIZE;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), 0);
	r.size = 0;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), 0);
	KUNIT_EXPECT_EQ(test, t->vm.regions[1].size, 0ULL);
}

/* pvisor_gpa_to_user() as a number, for comparisons. */
static unsigned long translate(struct pvisor_vm *vm, u64 gpa, u64 len, bool w)
{
	return (unsigned long)pvisor_gpa_to_user(vm, gpa, len, w);
}

static void gpa_translation_stays_in_bounds(struct kunit *test)
{
	struct hc_test *t = test->priv;
	struct pvisor_vm *vm = &t->vm;
	u64 end = GUEST_BASE + GUEST_SIZE;

	KUNIT_EXPECT_EQ(test, translate(vm, GUEST_BASE + 8, 8, false),
			(unsigned long)t->mem + 8);
	KUNIT_EXPECT_EQ(test, translate(vm, end - 1, 1, true),
			(unsigned long)t->mem + GUEST_SIZE - 1);
	KUNIT_EXPECT_EQ(test, translate(vm, end - 1, 2, false), 0UL);
	KUNIT_EXPECT_EQ(test, translate(vm, end, 1, false), 0UL);
	KUNIT_EXPECT_EQ(test, translate(vm, GUEST_BASE - 1, 2, false), 0UL);
	KUNIT_EXPECT_EQ(test, translate(vm, GUEST_BASE, 0, false), 0UL);
	KUNIT_EXPECT_EQ(test, translate(vm, U64_MAX - 2, 8, false), 0UL);
	KUNIT_EXPECT_EQ(test, translate(vm, GUEST_BASE, U64_MAX, false), 0UL);
}

static void readonly_memory_refuses_writes(struct kunit *test)
{
	struct hc_test *t = test->priv;
	struct pvisor_mem_region r = {
		.slot = 0, .guest_phys_addr = GUEST_BASE, .size = GUEST_SIZE,
		.userspace_addr = (unsigned long)t->mem,
		.flags = PVISOR_MEM_READONLY,
	};
	u32 v = 0xabcd;

	KUNIT_ASSERT_EQ(test, pvisor_mem_set_region(&t->vm, &r), 0);
	KUNIT_EXPECT_EQ(test, pvisor_write_guest(&t->vm, GUEST_BASE, &v, 4),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, pvisor_read_guest(&t->vm, GUEST_BASE, &v, 4), 0);
	/* The shared page is written by the host: read-only is refused. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SHARED_PAGE, GUEST_BASE,
				 0, 0), (long)-EFAULT);
}

static void shared_page_is_checked(struct kunit *test)
{
	struct hc_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SHARED_PAGE,
				 GUEST_BASE + 8, 0, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SHARED_PAGE,
				 GUEST_BASE + GUEST_SIZE, 0, 0), (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, t->vcpu.shared_gpa, 0ULL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SHARED_PAGE,
				 GUEST_BASE + PAGE_SIZE, 0, 0), 0L);
	KUNIT_EXPECT_EQ(test, t->vcpu.shared_gpa, GUEST_BASE + PAGE_SIZE);
}

static void console_write_copies_guest_bytes(struct kunit *test)
{
	struct hc_test *t = test->priv;
	static const char msg[] = "hello, host";
	u64 gpa = GUEST_BASE + 100;

	put_guest(test, gpa, msg, sizeof(msg) - 1);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_WRITE, gpa,
				 sizeof(msg) - 1, 0), (long)sizeof(msg) - 1);
	KUNIT_EXPECT_EQ(test, t->vcpu.console_head, (u32)sizeof(msg) - 1);
	KUNIT_EXPECT_MEMEQ(test, t->vcpu.console, msg, sizeof(msg) - 1);

	/* Too long, or reaching past guest memory: refused, nothing kept. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_WRITE, gpa,
				 PVISOR_CONSOLE_WRITE_MAX + 1, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_WRITE,
				 GUEST_BASE + GUEST_SIZE - 4, 8, 0),
			(long)-EFAULT);
	KUNIT_EXPECT_EQ(test, t->vcpu.console_head, (u32)sizeof(msg) - 1);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_WRITE, gpa, 0, 0), 0L);
}

static void console_read_hands_over_input(struct kunit *test)
{
	struct hc_test *t = test->priv;
	u64 gpa = GUEST_BASE + 200;
	char got[8] = { 0 };

	memcpy(t->vcpu.input, "abcdef", 6);
	t->vcpu.input_head = 6;
	/* Invalid: nothing is taken. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_READ, gpa,
				 PVISOR_CONSOLE_WRITE_MAX + 1, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_READ,
				 GUEST_BASE + GUEST_SIZE - 2, 4, 0), (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, t->vcpu.input_tail, 0U);
	/* Up to len bytes, in order, then the rest. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_READ, gpa, 4, 0), 4L);
	KUNIT_ASSERT_EQ(test, copy_from_user(got, t->mem + 200, 4), 0UL);
	KUNIT_EXPECT_MEMEQ(test, got, "abcd", 4);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_READ, gpa, 8, 0), 2L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_READ, gpa, 8, 0), 0L);
}

static void console_ring_keeps_the_latest_bytes(struct kunit *test)
{
	struct hc_test *t = test->priv;
	const unsigned int len = PVISOR_CONSOLE_WRITE_MAX;
	unsigned int i, n = PVISOR_CONSOLE_RING / len + 1;
	char *buf = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < n; i++) {
		memset(buf, 'a' + i, len);
		put_guest(test, GUEST_BASE, buf, len);
		KUNIT_ASSERT_EQ(test, hc(test, PVISOR_HC_CONSOLE_WRITE,
					 GUEST_BASE, len, 0), (long)len);
	}
	/* The last write wrapped over the first one's bytes. */
	KUNIT_EXPECT_EQ(test, t->vcpu.console_head, n * len);
	KUNIT_EXPECT_EQ(test, t->vcpu.console[0], (char)('a' + n - 1));
	KUNIT_EXPECT_EQ(test, t->vcpu.console[PVISOR_CONSOLE_RING - 1],
			(char)('a' + n - 2));
}

static void shutdown_records_type_and_code(struct kunit *test)
{
	struct hc_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SHUTDOWN, PVISOR_SHUTDOWN_NR,
				 0, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SHUTDOWN,
				 PVISOR_SHUTDOWN_POWEROFF, 1ULL << 32, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_FALSE(test, t->vcpu.shutdown_requested);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SHUTDOWN,
				 PVISOR_SHUTDOWN_PANIC, 42, 0), 0L);
	KUNIT_EXPECT_TRUE(test, t->vcpu.shutdown_requested);
	KUNIT_EXPECT_EQ(test, t->vcpu.shutdown_type, (u32)PVISOR_SHUTDOWN_PANIC);
	KUNIT_EXPECT_EQ(test, t->vcpu.shutdown_code, 42U);
}

static void canonical_follows_paging_mode(struct kunit *test)
{
	pvisor_host.paging_levels = 4;
	KUNIT_EXPECT_TRUE(test, pvisor_is_canonical(0x00007fffffffffffULL));
	KUNIT_EXPECT_FALSE(test, pvisor_is_canonical(0x0000800000000000ULL));
	KUNIT_EXPECT_TRUE(test, pvisor_is_canonical(0xffff800000000000ULL));
	KUNIT_EXPECT_FALSE(test, pvisor_is_canonical(0xff00000000000000ULL));
	pvisor_host.paging_levels = 5;
	KUNIT_EXPECT_TRUE(test, pvisor_is_canonical(0x0000800000000000ULL));
	KUNIT_EXPECT_TRUE(test, pvisor_is_canonical(0xff00000000000000ULL));
	KUNIT_EXPECT_FALSE(test, pvisor_is_canonical(0x0100000000000000ULL));
}

static void kernel_stack_stays_out_of_the_hole(struct kunit *test)
{
	struct hc_test *t = test->priv;
	u64 hole_end = 0xffff808000000000ULL;

	pvisor_host.paging_levels = 4;
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK,
				 0xffffc90000004000ULL, 0, 0), 0L);
	KUNIT_EXPECT_EQ(test, t->vcpu.sp0, 0xffffc90000004000ULL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK,
				 0xffffc90000004008ULL, 0, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK,
				 0x0000900000000000ULL, 0, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK,
				 0xffff800000001000ULL, 0, 0), (long)-EINVAL);
	/* A frame just below sp0 would land in the hole. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK, hole_end + 16, 0, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK, 0, 0, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, t->vcpu.sp0, 0xffffc90000004000ULL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_STACK,
				 hole_end + PAGE_SIZE, 0, 0), 0L);
}

static void segment_bases_are_checked(struct kunit *test)
{
	struct hc_test *t = test->priv;

	pvisor_host.paging_levels = 4;
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_NR,
				 0, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SEGMENT_BASE, PVISOR_SEG_FS,
				 0x0000800000000000ULL, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_SEGMENT_BASE,
				 PVISOR_SEG_GS_USER, 0x7f0000001000ULL, 0), 0L);
	KUNIT_EXPECT_EQ(test, t->vcpu.seg_base[PVISOR_SEG_GS_USER],
			0x7f0000001000ULL);
	KUNIT_EXPECT_EQ(test, t->vcpu.seg_base[PVISOR_SEG_FS], 0ULL);
}

static void entry_table_is_copied_then_checked(struct kunit *test)
{
	struct hc_test *t = test->priv;
	struct pvisor_entries e = {
		.syscall = 0xffffffff81000000ULL,
		.interrupt = 0xffffffff81000100ULL,
	};
	u64 gpa = GUEST_BASE + PAGE_SIZE;

	pvisor_host.paging_levels = 4;
	e.exception[14] = 0xffffffff81000200ULL;
	put_guest(test, gpa, &e, sizeof(e));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_ENTRIES, gpa, 0, 0), 0L);
	KUNIT_EXPECT_TRUE(test, t->vcpu.entries_set);
	KUNIT_EXPECT_EQ(test, t->vcpu.entries.exception[14], e.exception[14]);

	/* An entry point in the switcher's hole is refused, and not kept. */
	e.exception[3] = 0xffff800000000000ULL;
	put_guest(test, gpa, &e, sizeof(e));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_ENTRIES, gpa, 0, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, t->vcpu.entries.exception[3], 0ULL);
	e.exception[3] = 0;
	e.reserved[5] = 1;
	put_guest(test, gpa, &e, sizeof(e));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_ENTRIES, gpa, 0, 0),
			(long)-EINVAL);
	/* A table that runs off the end of guest memory. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_ENTRIES,
				 GUEST_BASE + GUEST_SIZE - 64, 0, 0),
			(long)-EFAULT);
}

static void new_cr3_roots_must_be_guest_pages(struct kunit *test)
{
	struct hc_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE + 8, 0, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, 0x7000000, 0, 0),
			(long)-EFAULT);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE,
				 GUEST_BASE + GUEST_SIZE, 0), (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, t->vcpu.cr3_kernel, 0ULL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE,
				 GUEST_BASE + PAGE_SIZE, 0), 0L);
	KUNIT_EXPECT_EQ(test, t->vcpu.cr3_kernel, GUEST_BASE);
	KUNIT_EXPECT_EQ(test, t->vcpu.cr3_user, GUEST_BASE + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE, GUEST_BASE,
				 PVISOR_CR3_SAME_KERNEL_HALF), 0L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, GUEST_BASE, GUEST_BASE,
				 2), (long)-EINVAL);
}

static void version_ioctl_reports_limits(struct kunit *test)
{
	struct pvisor_version v;

	memset(&v, 0xff, sizeof(v));
	pvisor_fill_version(&v);
	KUNIT_EXPECT_EQ(test, v.abi_version, (u32)PVISOR_ABI_VERSION);
	KUNIT_EXPECT_EQ(test, v.flags, 0U);
	KUNIT_EXPECT_TRUE(test, v.capabilities & PVISOR_CAP_VM);
	KUNIT_EXPECT_EQ(test, v.nr_hypercalls, (u32)PVISOR_HC_NR);
	KUNIT_EXPECT_EQ(test, v.host_paging_levels, pvisor_host.paging_levels);
	KUNIT_EXPECT_EQ(test, v.max_mem_regions, (u32)PVISOR_MAX_MEM_REGIONS);
	KUNIT_EXPECT_STREQ(test, v.module_version, PVISOR_MODULE_VERSION);
	KUNIT_EXPECT_EQ(test, v.reserved[3], 0ULL);
}

#if PVISOR_RIG_PLANT == 3
/* Built only by the rig's self-check, to show a failing case fails a run. */
static void rig_planted_failure(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_VERSION, 0, 0, 0), -1L);
}
#endif

static void flush_tlb_arguments_are_checked(struct kunit *test)
{
	pvisor_host.paging_levels = 4;
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ALL, 0, 0), 0L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ALL, 4096, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ONE, 4096, 2),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ONE, 4096, 1), 0L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_RANGE, 4096, 0),
			(long)-EINVAL);
	/* A range whose end leaves the canonical lower half. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_RANGE,
				 0x00007ffffffff000ULL, 2), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_RANGE, 4096,
				 PVISOR_FLUSH_RANGE_MAX + 1), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_NR, 0, 0),
			(long)-EINVAL);
}

static void mmu_update_applies_checked_entries_only(struct kunit *test)
{
	struct hc_test *t = test->priv;
	u64 batch = GUEST_BASE + 2 * PAGE_SIZE, entry = GUEST_BASE + 8, got;
	struct pvisor_mmu_op ops[2] = {
		{ .op = PVISOR_MMU_SET_ENTRY, .level = 1, .entry_gpa = entry,
		  .value = GUEST_BASE | _PAGE_PRESENT | _PAGE_RW },
		/* Present, but the frame is not guest memory. */
		{ .op = PVISOR_MMU_SET_ENTRY, .level = 1, .entry_gpa = entry + 8,
		  .value = 0x40000000ULL | _PAGE_PRESENT },
	};

	pvisor_host.paging_levels = 4;
	put_guest(test, batch, ops, sizeof(ops));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch, 2, 0), 1L);
	KUNIT_ASSERT_EQ(test, pvisor_read_guest(&t->vm, entry, &got, 8), 0);
	KUNIT_EXPECT_EQ(test, got, ops[0].value);
	KUNIT_ASSERT_EQ(test, pvisor_read_guest(&t->vm, entry + 8, &got, 8), 0);
	KUNIT_EXPECT_EQ(test, got, 0ULL);

	/* Nothing applied at all: the error itself. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch + sizeof(ops[0]),
				 1, 0), (long)-EFAULT);
	ops[0].level = 6;
	put_guest(test, batch, ops, sizeof(ops));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch, 1, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch,
				 PVISOR_MMU_BATCH_MAX + 1, 0), (long)-EINVAL);
	/* A batch that runs off the end of guest memory. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE,
				 GUEST_BASE + GUEST_SIZE - 24, 2, 0), (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch, 0, 0), 0L);

	/*
	 * Not present: the rest is the guest's (here a PROT_NONE entry as
	 * Linux writes it, frame bits inverted), applied as it is.
	 */
	ops[0].level = 1;
	ops[0].value = (~0ULL & PTE_PFN_MASK) | _PAGE_PROTNONE;
	put_guest(test, batch, ops, sizeof(ops));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch, 1, 0), 1L);
	KUNIT_ASSERT_EQ(test, pvisor_read_guest(&t->vm, entry, &got, 8), 0);
	KUNIT_EXPECT_EQ(test, got, ops[0].value);
	/* The same frame bits present: beyond any guest memory. */
	ops[0].value |= _PAGE_PRESENT;
	put_guest(test, batch, ops, sizeof(ops));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_MMU_UPDATE, batch, 1, 0),
			(long)-EINVAL);
}

/* Send one MMU_UPDATE op, from a batch at the third guest page. */
static long mmu_op(struct kunit *test, u32 op, u32 level, u64 entry_gpa,
		   u64 value)
{
	struct pvisor_mmu_op o = {
		.op = op, .level = level, .entry_gpa = entry_gpa, .value = value,
	};
	u64 batch = GUEST_BASE + 2 * PAGE_SIZE;

	put_guest(test, batch, &o, sizeof(o));
	return hc(test, PVISOR_HC_MMU_UPDATE, batch, 1, 0);
}

static void mmu_tables_are_declared_and_checked(struct kunit *test)
{
	struct hc_test *t = test->priv;
	u64 pte_table = GUEST_BASE + 4 * PAGE_SIZE;
	u64 root = GUEST_BASE + 5 * PAGE_SIZE;
	u64 other = GUEST_BASE + 6 * PAGE_SIZE;
	u64 entry = GUEST_BASE | _PAGE_PRESENT;

	pvisor_host.paging_levels = 4;
	/* Nothing declared yet: any guest page may be a root. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, other, other, 0), 0L);
	KUNIT_EXPECT_FALSE(test, t->vm.declares_tables);

	/* Pins are checked like any page argument. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 1, 8, pte_table),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 1, 0,
				     pte_table + 8), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 1, 0,
				     GUEST_BASE + GUEST_SIZE), (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 5, 0, pte_table),
			(long)-EINVAL);
	KUNIT_EXPECT_FALSE(test, t->vm.declares_tables);

	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 1, 0, pte_table), 1L);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 4, 0, root), 1L);
	KUNIT_EXPECT_TRUE(test, t->vm.declares_tables);

	/* Into a declared table, only entries of its level. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 2, pte_table, entry),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 1, pte_table, entry),
			1L);
	/* An undeclared page takes any level, as before any pin. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 3, other, entry), 1L);

	/* Roots: only declared top-level tables, both of them. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, other, 0, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, pte_table, 0, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, root, other, 0),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, t->vcpu.cr3_kernel, other);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, root, root, 0), 0L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, root, 0, 0), 0L);

	/* Released as what it was, and not while it is loaded. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_UNPIN_TABLE, 4, 0, root),
			(long)-EBUSY);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_UNPIN_TABLE, 2, 0, pte_table),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_UNPIN_TABLE, 1, 0, pte_table),
			1L);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 2, pte_table, entry),
			1L);
	/* A page declared again takes its new level. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 1, 0, other), 1L);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 2, 0, other), 1L);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 1, other, entry),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 2, other, entry), 1L);
	/* Releasing what was never declared changes nothing. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_UNPIN_TABLE, 3, 0,
				     GUEST_BASE + 7 * PAGE_SIZE), 1L);
}

/* Past the limit the record goes, and every check with it. */
static void mmu_tables_past_the_limit_are_not_checked(struct kunit *test)
{
	struct hc_test *t = test->priv;
	u64 a = GUEST_BASE + 4 * PAGE_SIZE, b = GUEST_BASE + 5 * PAGE_SIZE;
	u64 c = GUEST_BASE + 6 * PAGE_SIZE;

	pvisor_host.paging_levels = 4;
	pvisor_max_declared_tables = 2;
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 1, 0, a), 1L);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 4, 0, b), 1L);
	/* Declared again: no new record, so still within the limit. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 1, 0, a), 1L);
	KUNIT_EXPECT_FALSE(test, t->vm.tables_dropped);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 2, a, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, c, 0, 0), (long)-EINVAL);

	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 1, 0, c), 1L);
	KUNIT_EXPECT_TRUE(test, t->vm.tables_dropped);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->vm.tables));
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_SET_ENTRY, 2, a, 0), 1L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_NEW_CR3, c, 0, 0), 0L);
	/* Later pins and releases are still checked as arguments, not kept. */
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 1, 0, a + 8),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_PIN_TABLE, 1, 0, a), 1L);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->vm.tables));
	KUNIT_EXPECT_EQ(test, mmu_op(test, PVISOR_MMU_UNPIN_TABLE, 2, 0, a), 1L);
}

static void timer_is_armed_and_cancelled(struct kunit *test)
{
	struct hc_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_TIMER, 1ULL << 62, 0, 0), 0L);
	KUNIT_EXPECT_TRUE(test, hrtimer_active(&t->vcpu.timer));
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_TIMER, 0, 0, 0), 0L);
	KUNIT_EXPECT_FALSE(test, hrtimer_active(&t->vcpu.timer));
	/* A deadline already past fires at once and marks the timer vector. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_SET_TIMER, 1, 0, 0), 0L);
	msleep(20);
	KUNIT_EXPECT_TRUE(test, test_bit(PVISOR_TIMER_VECTOR, t->vcpu.pending));
}

/*
 * The shadow MMU against guest page tables built in (user) guest memory.
 * Layout: one table per level at pages 8.., a data page at page 2, and the
 * address SHADOW_VA mapped through them.
 */
#define SHADOW_VA	0x0000123456789000ULL
#define TABLE_PAGE(l)	(GUEST_BASE + (8 + (l)) * PAGE_SIZE)
#define DATA_GPA	(GUEST_BASE + 2 * PAGE_SIZE)

static unsigned int va_index(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

static void put_entry(struct kunit *test, u64 table, unsigned int i, u64 e)
{
	put_guest(test, table + 8 * i, &e, 8);
}

static u64 get_entry(struct kunit *test, u64 table, unsigned int i)
{
	struct hc_test *t = test->priv;
	u64 e = 0;

	KUNIT_EXPECT_EQ(test, pvisor_read_guest(&t->vm, table + 8 * i, &e, 8), 0);
	return e;
}

/* Map SHADOW_VA -> DATA_GPA with @leaf_flags; return the root's gpa. */
static u64 build_tables(struct kunit *test, u64 leaf_flags, u64 frame)
{
	int levels = pvisor_host.paging_levels, l;

	for (l = levels; l > 1; l--)
		put_entry(test, TABLE_PAGE(l), va_index(SHADOW_VA, l),
			  TABLE_PAGE(l - 1) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
	put_entry(test, TABLE_PAGE(1), va_index(SHADOW_VA, 1), frame | leaf_flags);
	return TABLE_PAGE(levels);
}

static int shadow_test_init(struct kunit *test)
{
	struct hc_test *t;
	int ret = hc_test_init(test);

	if (ret)
		return ret;
	t = test->priv;
	KUNIT_ASSERT_EQ(test, pvisor_shadow_init(&t->vcpu.shadow), 0);
	return 0;
}

static void shadow_test_exit(struct kunit *test)
{
	struct hc_test *t = test->priv;

	pvisor_shadow_destroy(&t->vcpu.shadow);
	hc_test_exit(test);
}

/* The shadow leaf for @va in root @mode, or 0. */
static u64 shadow_leaf(struct pvisor_vcpu *vcpu, u32 mode, u64 va)
{
	u64 *table = phys_to_virt(pvisor_shadow_root(&vcpu->shadow, mode));
	int l;

	for (l = pvisor_host.paging_levels; l > 1; l--) {
		u64 e = table[va_index(va, l)];

		if (!(e & _PAGE_PRESENT))
			return 0;
		table = phys_to_virt(e & PTE_PFN_MASK);
	}
	return table[va_index(va, 1)];
}

static void shadow_fill_maps_the_guest_frame(struct kunit *test)
{
	struct hc_test *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	struct page *page;
	u32 err;
	u64 leaf;

	v->cr3_kernel = build_tables(test, _PAGE_PRESENT | _PAGE_RW, DATA_GPA);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 0);
	leaf = shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA);
	KUNIT_ASSERT_TRUE(test, leaf & _PAGE_PRESENT);
	/* The leaf points at the launcher page behind DATA_GPA. */
	KUNIT_ASSERT_EQ(test, get_user_pages_fast((unsigned long)t->mem + 2 * PAGE_SIZE,
						  1, 0, &page), 1);
	KUNIT_EXPECT_EQ(test, leaf & PTE_PFN_MASK, (u64)page_to_phys(page));
	put_page(page);
	/* U=1 always; read-only until the guest's D bit is set; A set. */
	KUNIT_EXPECT_TRUE(test, leaf & _PAGE_USER);
	KUNIT_EXPECT_FALSE(test, leaf & _PAGE_RW);
	KUNIT_EXPECT_TRUE(test, get_entry(test, TABLE_PAGE(1), va_index(SHADOW_VA, 1)) &
			  _PAGE_ACCESSED);
	/* The guest marked it kernel-only: the user root must not have it. */
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_USER, SHADOW_VA), 0ULL);

	/* A write sets D in the guest and makes the shadow writable. */
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA,
						  X86_PF_USER | X86_PF_WRITE | X86_PF_PROT,
						  &err), 0);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA) & _PAGE_RW);
	KUNIT_EXPECT_TRUE(test, get_entry(test, TABLE_PAGE(1), va_index(SHADOW_VA, 1)) &
			  _PAGE_DIRTY);

	/* A zap forgets it all and unpins. */
	pvisor_shadow_zap(&v->shadow);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, SHADOW_VA), 0ULL);
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pinned, 0U);
}

static void shadow_refuses_what_the_guest_denies(struct kunit *test)
{
	struct hc_test *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	u32 err;

	/* Not present in the guest: the guest's own #PF, not-present. */
	v->cr3_kernel = build_tables(test, 0, DATA_GPA);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 1);
	KUNIT_EXPECT_EQ(test, err, 0U);

	/* User mode touching a kernel page: #PF with U and P. */
	build_tables(test, _PAGE_PRESENT | _PAGE_RW, DATA_GPA);
	v->mode = PVISOR_MODE_USER;
	v->cr3_user = v->cr3_kernel;
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err), 1);
	KUNIT_EXPECT_EQ(test, err, (u32)(X86_PF_USER | X86_PF_PROT));
	v->mode = PVISOR_MODE_KERNEL;

	/* Writing a read-only page. */
	build_tables(test, _PAGE_PRESENT, DATA_GPA);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER | X86_PF_WRITE,
						  &err), 1);
	KUNIT_EXPECT_EQ(test, err, (u32)(X86_PF_WRITE | X86_PF_PROT));

	/* The hypervisor slot is never the guest's. */
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, pvisor_host.paging_levels == 5 ?
						  0xff00000000001000ULL :
						  0xffff800000001000ULL, X86_PF_USER, &err), 1);
	/* An implicit supervisor access cannot be fixed by a shadow entry. */
	build_tables(test, _PAGE_PRESENT | _PAGE_RW, DATA_GPA);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_PROT, &err), 1);
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pinned, 0U);
}

/* A CR3 load with SAME_KERNEL_HALF drops the user half only, until full. */
static void shadow_cr3_load_keeps_the_kernel_half(struct kunit *test)
{
	struct hc_test *t = test->priv;
	struct pvisor_shadow *s = &t->vcpu.shadow;
	u64 *kroot = page_address(s->root[0]), *uroot = page_address(s->root[1]);
	u64 hole = kroot[256];

	/* Stand-in top-level entries: the zap never follows them. */
	kroot[1] = 0x1001;
	kroot[300] = 0x2001;
	uroot[1] = 0x3001;
	uroot[300] = 0x4001;
	pvisor_shadow_zap_user_half(s);
	KUNIT_EXPECT_EQ(test, kroot[1], 0ULL);
	KUNIT_EXPECT_EQ(test, kroot[300], 0x2001ULL);
	KUNIT_EXPECT_EQ(test, uroot[1], 0ULL);
	KUNIT_EXPECT_EQ(test, uroot[300], 0ULL);
	KUNIT_EXPECT_EQ(test, kroot[256], hole);
	KUNIT_EXPECT_EQ(test, uroot[256], hole);
	/* With too many tables left behind, everything goes. */
	s->nr_tables = PVISOR_SHADOW_TABLES_MAX + 1;
	pvisor_shadow_zap_user_half(s);
	KUNIT_EXPECT_EQ(test, kroot[300], 0ULL);
	KUNIT_EXPECT_EQ(test, s->nr_tables, 0U);
	KUNIT_EXPECT_EQ(test, kroot[256], hole);
}

/*
 * A flush of one address inside a large guest page drops the whole page's
 * shadow, as the CPU drops the whole large TLB entry; inside a 4 KiB
 * mapping it drops that page only.
 */
static void shadow_flush_in_a_large_page_drops_it_all(struct kunit *test)
{
	struct hc_test *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	u64 base = SHADOW_VA & ~(SZ_2M - 1);
	/* gpa 0 + offset: the pages at DATA_GPA and the one after it */
	u64 va1 = base + DATA_GPA, va2 = va1 + PAGE_SIZE;
	u32 err;

	v->cr3_kernel = build_tables(test, _PAGE_PRESENT | _PAGE_RW, DATA_GPA);
	put_entry(test, TABLE_PAGE(2), va_index(SHADOW_VA, 2),
		  _PAGE_PRESENT | _PAGE_RW | _PAGE_PSE);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va1, X86_PF_USER, &err), 0);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va2, X86_PF_USER, &err), 0);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va2) & _PAGE_PRESENT);
	pvisor_shadow_invalidate(&v->shadow, base, 1);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va1), 0ULL);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va2), 0ULL);

	/* The same two pages through a 4 KiB table: the neighbour stays. */
	pvisor_shadow_zap(&v->shadow);
	put_entry(test, TABLE_PAGE(2), va_index(SHADOW_VA, 2),
		  TABLE_PAGE(1) | _PAGE_PRESENT | _PAGE_RW);
	put_entry(test, TABLE_PAGE(1), va_index(va1, 1), DATA_GPA | _PAGE_PRESENT);
	put_entry(test, TABLE_PAGE(1), va_index(va2, 1),
		  (DATA_GPA + PAGE_SIZE) | _PAGE_PRESENT);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va1, X86_PF_USER, &err), 0);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va2, X86_PF_USER, &err), 0);
	pvisor_shadow_invalidate(&v->shadow, va1, 1);
	KUNIT_EXPECT_EQ(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va1), 0ULL);
	KUNIT_EXPECT_TRUE(test, shadow_leaf(v, PVISOR_MODE_KERNEL, va2) & _PAGE_PRESENT);
}

/*
 * Read-only shadows still pin the launcher's page for writing: a read-only
 * pin of untouched memory would be the host's zero page, and a later write
 * by the launcher (a virtio read into that frame) would never be seen.
 */
static void shadow_read_only_leaf_sees_later_launcher_writes(struct kunit *test)
{
	struct hc_test *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	u64 va = SHADOW_VA, leaf, token = 0x5eed5eed5eedULL, seen;
	u64 frame = GUEST_BASE + 5 * PAGE_SIZE;	/* never written */
	u32 err;

	v->cr3_kernel = build_tables(test, _PAGE_PRESENT, frame);
	KUNIT_ASSERT_EQ(test, pvisor_shadow_fault(v, va, X86_PF_USER, &err), 0);
	leaf = shadow_leaf(v, PVISOR_MODE_KERNEL, va);
	KUNIT_ASSERT_TRUE(test, leaf & _PAGE_PRESENT);
	KUNIT_EXPECT_FALSE(test, leaf & _PAGE_RW);
	put_guest(test, frame, &token, sizeof(token));
	seen = *(u64 *)phys_to_virt(leaf & PTE_PFN_MASK);
	KUNIT_EXPECT_EQ(test, seen, token);
}

static void shadow_never_maps_outside_guest_memory(struct kunit *test)
{
	struct hc_test *t = test->priv;
	struct pvisor_vcpu *v = &t->vcpu;
	u32 err;

	/* A leaf frame beyond guest memory, and one at 1 TiB. */
	v->cr3_kernel = build_tables(test, _PAGE_PRESENT, GUEST_BASE + GUEST_SIZE);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err),
			-EFAULT);
	build_tables(test, _PAGE_PRESENT, 1ULL << 40);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err),
			-EFAULT);
	/* A table beyond guest memory. */
	put_entry(test, TABLE_PAGE(2), va_index(SHADOW_VA, 2),
		  0x7000000ULL | _PAGE_PRESENT | _PAGE_RW);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err),
			-EFAULT);
	/* Reserved high bits in a table entry. */
	put_entry(test, TABLE_PAGE(2), va_index(SHADOW_VA, 2),
		  (1ULL << 50) | TABLE_PAGE(1) | _PAGE_PRESENT | _PAGE_RW);
	KUNIT_EXPECT_EQ(test, pvisor_shadow_fault(v, SHADOW_VA, X86_PF_USER, &err),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, v->shadow.nr_pinned, 0U);
}

static void cpuid_is_filtered(struct kunit *test)
{
	struct hc_test *t = test->priv;
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

/* --- MMIO ------------------------------------------------------------------- */

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

static void mmio_slots_hold_no_memory(struct kunit *test)
{
	struct hc_test *t = test->priv;
	struct pvisor_mem_region r = {
		.slot = 1, .guest_phys_addr = 0xd0000000, .size = 4 * PAGE_SIZE,
		.flags = PVISOR_MEM_MMIO,
	};
	struct pvisor_ioeventfd io = { .gpa = 0xd0000050, .len = 4, .fd = -1 };

	r.userspace_addr = (unsigned long)t->mem;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EINVAL);
	r.userspace_addr = 0;
	r.flags |= PVISOR_MEM_READONLY;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EINVAL);
	r.flags = PVISOR_MEM_MMIO;
	KUNIT_ASSERT_EQ(test, pvisor_mem_set_region(&t->vm, &r), 0);
	KUNIT_EXPECT_TRUE(test, pvisor_gpa_is_mmio(&t->vm, 0xd0003fff));
	KUNIT_EXPECT_FALSE(test, pvisor_gpa_is_mmio(&t->vm, 0xd0004000));
	KUNIT_EXPECT_FALSE(test, pvisor_gpa_is_mmio(&t->vm, GUEST_BASE));
	/* Never reachable as memory, by the module or by a shadow. */
	KUNIT_EXPECT_EQ(test, translate(&t->vm, 0xd0000000, 4, false), 0UL);
	/* ioeventfds: MMIO addresses and real eventfds only. */
	io.gpa = 0xd0000050;
	KUNIT_EXPECT_EQ(test, pvisor_ioeventfd(&t->vm, &io), -EBADF);
	io.len = 3;
	KUNIT_EXPECT_EQ(test, pvisor_ioeventfd(&t->vm, &io), -EINVAL);
	io.len = 4;
	io.gpa = GUEST_BASE;
	KUNIT_EXPECT_EQ(test, pvisor_ioeventfd(&t->vm, &io), -EINVAL);
	io.gpa = 0xd0000050;
	io.flags = 2;
	KUNIT_EXPECT_EQ(test, pvisor_ioeventfd(&t->vm, &io), -EINVAL);
}

struct decode_case {
	const char *what;
	u8 bytes[15];
	u8 avail;
	u8 len, size, dst_size, reg;
	bool is_write, high_byte, zero_extend;
	u64 imm;
};

static const struct decode_case decode_cases[] = {
	{ "mov (%rdi),%eax", { 0x8b, 0x07 }, 2, 2, 4, 4, 0 },
	{ "mov %eax,0x50(%rdi)", { 0x89, 0x47, 0x50 }, 3, 3, 4, 4, 0, true },
	{ "mov %r8d,0x10(%rax)", { 0x44, 0x89, 0x40, 0x10 }, 4, 4, 4, 4, 8, true },
	{ "mov 0x100(%rdi),%rax", { 0x48, 0x8b, 0x87, 0, 1, 0, 0 }, 7, 7, 8, 8, 0 },
	{ "mov %r15,(%rdi)", { 0x4c, 0x89, 0x3f }, 3, 3, 8, 8, 15, true },
	{ "movw %ax,(%rdi)", { 0x66, 0x89, 0x07 }, 3, 3, 2, 2, 0, true },
	{ "movw (%rdi),%dx", { 0x66, 0x8b, 0x17 }, 3, 3, 2, 2, 2 },
	{ "movb (%rdi),%al", { 0x8a, 0x07 }, 2, 2, 1, 1, 0 },
	{ "movb %ah,1(%rdi)", { 0x88, 0x67, 0x01 }, 3, 3, 1, 1, 4, true, true },
	{ "movb %sil,(%rdi)", { 0x40, 0x88, 0x37 }, 3, 3, 1, 1, 6, true },
	{ "movzbl (%rdi),%eax", { 0x0f, 0xb6, 0x07 }, 3, 3, 1, 4, 0, false,
	  false, true },
	{ "movzwl 4(%rdi),%ecx", { 0x0f, 0xb7, 0x4f, 0x04 }, 4, 4, 2, 4, 1,
	  false, false, true },
	{ "movl $1,0x50(%rdi)", { 0xc7, 0x47, 0x50, 1, 0, 0, 0 }, 7, 7, 4, 0, 0,
	  true, .imm = 1 },
	{ "movb $5,(%rsp)", { 0xc6, 0x04, 0x24, 5 }, 4, 4, 1, 0, 0, true,
	  .imm = 5 },
	{ "movw $0x1234,(%rdi)", { 0x66, 0xc7, 0x07, 0x34, 0x12 }, 5, 5, 2, 0, 0,
	  true, .imm = 0x1234 },
	{ "movq $-1,(%rdi)", { 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff }, 7, 7,
	  8, 0, 0, true, .imm = ~0ULL },
	{ "mov 0x10(%rip),%eax", { 0x8b, 0x05, 0x10, 0, 0, 0 }, 6, 6, 4, 4, 0 },
	{ "mov 0xd0000000,%eax", { 0x8b, 0x04, 0x25, 0, 0, 0, 0xd0 }, 7, 7, 4, 4,
	  0 },
	{ "mov 0x8(%rax,%rbx,4),%esi", { 0x8b, 0x74, 0x98, 0x08 }, 4, 4, 4, 4, 6 },
};

static const struct {
	const char *what;
	u8 bytes[8];
	u8 avail;
} refused_cases[] = {
	{ "rep movsl", { 0xf3, 0xa5 }, 2 },
	{ "incl (%rdi)", { 0xff, 0x07 }, 2 },
	{ "mov %eax,%eax", { 0x8b, 0xc0 }, 2 },
	{ "c7 /1 is not mov", { 0xc7, 0x4f, 0x50, 1, 0, 0, 0 }, 7 },
	{ "cut short", { 0x8b, 0x47 }, 2 },
	{ "imm cut short", { 0xc7, 0x07, 1, 0 }, 4 },
	{ "lock prefix", { 0xf0, 0x89, 0x07 }, 3 },
	{ "nothing", { 0 }, 0 },
};

static void mmio_decode_accepts_the_mov_forms(struct kunit *test)
{
	struct pvisor_mmio_insn d;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];

		KUNIT_ASSERT_EQ_MSG(test, pvisor_mmio_decode(c->bytes, c->avail, &d),
				    0, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, d.len, c->len, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, d.size, c->size, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, d.is_write, c->is_write, "%s", c->what);
		if (!d.has_imm)
			KUNIT_EXPECT_EQ_MSG(test, d.reg, c->reg, "%s", c->what);
		else
			KUNIT_EXPECT_EQ_MSG(test, d.imm, c->imm, "%s", c->what);
		if (!c->is_write)
			KUNIT_EXPECT_EQ_MSG(test, d.dst_size, c->dst_size, "%s",
					    c->what);
		KUNIT_EXPECT_EQ_MSG(test, d.high_byte, c->high_byte, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, d.zero_extend, c->zero_extend, "%s",
				    c->what);
	}
	for (i = 0; i < ARRAY_SIZE(refused_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, pvisor_mmio_decode(refused_cases[i].bytes,
							     refused_cases[i].avail,
							     &d),
				    -EINVAL, "%s", refused_cases[i].what);
}

static void mmio_results_land_as_the_cpu_would(struct kunit *test)
{
	struct pvisor_frame f = { .rax = 0x1111222233334444ULL,
				  .rcx = 0xffffffffffffffffULL };
	struct pvisor_mmio_insn d;
	static const u8 movl_load[] = { 0x8b, 0x07 };
	static const u8 movb_load_ch[] = { 0x8a, 0x2f };	/* movb (%rdi),%ch */
	static const u8 movw_load_cx[] = { 0x66, 0x8b, 0x0f };
	static const u8 movzbl_ecx[] = { 0x0f, 0xb6, 0x0f };
	static const u8 movb_store_ah[] = { 0x88, 0x27 };
	static const u8 movw_store_ax[] = { 0x66, 0x89, 0x07 };

	/* A 32-bit load clears the top half. */
	KUNIT_ASSERT_EQ(test, pvisor_mmio_decode(movl_load, 2, &d), 0);
	pvisor_mmio_read_result(&f, &d, 0xaabbccddeeff0011ULL);
	KUNIT_EXPECT_EQ(test, f.rax, 0xeeff0011ULL);
	/* 8- and 16-bit loads keep the rest of the register. */
	KUNIT_ASSERT_EQ(test, pvisor_mmio_decode(movb_load_ch, 2, &d), 0);
	pvisor_mmio_read_result(&f, &d, 0x12);
	KUNIT_EXPECT_EQ(test, f.rcx, 0xffffffffffff12ffULL);
	KUNIT_ASSERT_EQ(test, pvisor_mmio_decode(movw_load_cx, 3, &d), 0);
	pvisor_mmio_read_result(&f, &d, 0xabcd);
	KUNIT_EXPECT_EQ(test, f.rcx, 0xffffffffffffabcdULL);
	KUNIT_ASSERT_EQ(test, pvisor_mmio_decode(movzbl_ecx, 3, &d), 0);
	pvisor_mmio_read_result(&f, &d, 0x1ff);
	KUNIT_EXPECT_EQ(test, f.rcx, 0xffULL);
	/* Stores take the operand's width, high-byte registers included. */
	f.rax = 0x1111222233334455ULL;
	KUNIT_ASSERT_EQ(test, pvisor_mmio_decode(movb_store_ah, 2, &d), 0);
	KUNIT_EXPECT_EQ(test, pvisor_mmio_write_value(&f, &d), 0x44ULL);
	KUNIT_ASSERT_EQ(test, pvisor_mmio_decode(movw_store_ax, 3, &d), 0);
	KUNIT_EXPECT_EQ(test, pvisor_mmio_write_value(&f, &d), 0x4455ULL);
}

static struct kunit_case pvisor_shadow_cases[] = {
	KUNIT_CASE(shadow_fill_maps_the_guest_frame),
	KUNIT_CASE(shadow_refuses_what_the_guest_denies),
	KUNIT_CASE(shadow_never_maps_outside_guest_memory),
	KUNIT_CASE(shadow_cr3_load_keeps_the_kernel_half),
	KUNIT_CASE(shadow_flush_in_a_large_page_drops_it_all),
	KUNIT_CASE(shadow_read_only_leaf_sees_later_launcher_writes),
	{}
};

static struct kunit_suite pvisor_shadow_suite = {
	.name = "pvisor_shadow",
	.init = shadow_test_init,
	.exit = shadow_test_exit,
	.test_cases = pvisor_shadow_cases,
};

static struct kunit_case pvisor_hypercall_cases[] = {
#if PVISOR_RIG_PLANT == 3
	KUNIT_CASE(rig_planted_failure),
#endif
	KUNIT_CASE(abi_layout_is_stable),
	KUNIT_CASE(version_and_features_answer),
	KUNIT_CASE(unknown_hypercall_is_enosys),
	KUNIT_CASE(unused_arguments_must_be_zero),
	KUNIT_CASE(memory_regions_are_validated),
	KUNIT_CASE(gpa_translation_stays_in_bounds),
	KUNIT_CASE(readonly_memory_refuses_writes),
	KUNIT_CASE(shared_page_is_checked),
	KUNIT_CASE(console_write_copies_guest_bytes),
	KUNIT_CASE(console_ring_keeps_the_latest_bytes),
	KUNIT_CASE(console_read_hands_over_input),
	KUNIT_CASE(shutdown_records_type_and_code),
	KUNIT_CASE(canonical_follows_paging_mode),
	KUNIT_CASE(kernel_stack_stays_out_of_the_hole),
	KUNIT_CASE(segment_bases_are_checked),
	KUNIT_CASE(entry_table_is_copied_then_checked),
	KUNIT_CASE(new_cr3_roots_must_be_guest_pages),
	KUNIT_CASE(version_ioctl_reports_limits),
	KUNIT_CASE(flush_tlb_arguments_are_checked),
	KUNIT_CASE(mmu_update_applies_checked_entries_only),
	KUNIT_CASE(mmu_tables_are_declared_and_checked),
	KUNIT_CASE(mmu_tables_past_the_limit_are_not_checked),
	KUNIT_CASE(timer_is_armed_and_cancelled),
	KUNIT_CASE(cpuid_is_filtered),
	KUNIT_CASE(cpuid_xsave_leaf_is_the_guests),
	KUNIT_CASE(xcr0_follows_the_cpu_rules),
	KUNIT_CASE(mmio_slots_hold_no_memory),
	KUNIT_CASE(mmio_decode_accepts_the_mov_forms),
	KUNIT_CASE(mmio_results_land_as_the_cpu_would),
	{}
};

static struct kunit_suite pvisor_hypercall_suite = {
	.name = "pvisor_hypercall",
	.init = hc_test_init,
	.exit = hc_test_exit,
	.test_cases = pvisor_hypercall_cases,
};

kunit_test_suites(&pvisor_hypercall_suite, &pvisor_shadow_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for pvisor hypercalls");
