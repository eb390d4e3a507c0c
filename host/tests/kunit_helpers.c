// SPDX-License-Identifier: GPL-2.0
/*
 * The guest-memory fixture of the pvisor KUnit suites (kunit_helpers.h):
 * a VM with one 16-page memory slot at GUEST_BASE, backed by an anonymous
 * user mapping of the KUnit thread, and one vCPU with its timer set up.
 */
#include <linux/mman.h>
#include <linux/timekeeping.h>

#include "kunit_helpers.h"

int pvisor_kunit_vm_init(struct kunit *test)
{
	struct pvisor_mem_region r = {
		.slot = 0, .guest_phys_addr = GUEST_BASE, .size = GUEST_SIZE,
	};
	struct pvisor_kunit_vm *t;
	unsigned long uaddr;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	mutex_init(&t->vm.lock);
	seqcount_mutex_init(&t->vm.regions_seq, &t->vm.lock);
	xa_init(&t->vm.tables);
	t->vm.id = 1000;
	t->vcpu.vm = &t->vm;
	spin_lock_init(&t->vcpu.console.in_lock);
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

void pvisor_kunit_vm_exit(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;

	pvisor_host.paging_levels = t->saved_levels;
	pvisor_max_declared_tables = t->saved_max_tables;
	pvisor_timer_exit(&t->vcpu);
	pvisor_release_shared_page(&t->vcpu);
	xa_destroy(&t->vm.tables);
	mutex_destroy(&t->vm.lock);
}
