// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-physical memory.
 *
 * A guest's "physical" memory is ordinary memory of the launcher process,
 * registered slot by slot with PVISOR_SET_MEM_REGION.  Everything the module
 * reads from or writes to guest memory goes through pvisor_gpa_to_user(),
 * which turns a guest-physical range into a launcher address after checking
 * that the whole range lies inside one region.  The access itself is then an
 * ordinary copy_{from,to}_user() in the launcher's context, so a launcher
 * that unmaps its memory behind our back gets -EFAULT, never a host crash.
 *
 * The run loop's quick exits (run.c) serve some shadow faults with host
 * interrupts off, where neither the mutex nor a page fault may be taken:
 * pvisor_gpa_to_user_atomic() and the copies built on it read the slot
 * table under its seqcount, once, and copy without faulting anything in.
 * They fail whenever the ordinary path might have had to wait, and the
 * caller then takes the ordinary path.
 */
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "pvisor.h"

static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* Check a request on its own, before looking at the other regions. */
static int check_region_request(const struct pvisor_mem_region *req)
{
	if (req->flags & ~(PVISOR_MEM_READONLY | PVISOR_MEM_MMIO))
		return -EINVAL;
	if ((req->flags & PVISOR_MEM_MMIO) &&
	    ((req->flags & PVISOR_MEM_READONLY) || req->userspace_addr))
		return -EINVAL;		/* MMIO slots have no memory */
	if (req->slot >= PVISOR_MAX_MEM_REGIONS)
		return -EINVAL;
	if (req->size == 0)
		return 0;		/* delete */
	if (!PAGE_ALIGNED(req->guest_phys_addr) || !PAGE_ALIGNED(req->size) ||
	    !PAGE_ALIGNED(req->userspace_addr))
		return -EINVAL;
	if (req->size > PVISOR_MAX_GUEST_MEMORY ||
	    req->guest_phys_addr >= PVISOR_MAX_GPA ||
	    req->size > PVISOR_MAX_GPA - req->guest_phys_addr)
		return -EINVAL;
	/* The launcher memory must lie wholly in user space. */
	if (req->userspace_addr >= TASK_SIZE_MAX ||
	    req->size > TASK_SIZE_MAX - req->userspace_addr)
		return -EFAULT;
	return 0;
}

/**
 * pvisor_mem_set_region() - add, replace or delete one memory slot
 * @vm: the VM
 * @req: the request, already copied from the launcher
 *
 * Return: 0, -EINVAL for a malformed request, -EFAULT for launcher memory
 * outside user space, -EEXIST for a range overlapping another slot, or
 * -ENOSPC when the VM would exceed PVISOR_MAX_GUEST_MEMORY.
 */
int pvisor_mem_set_region(struct pvisor_vm *vm,
			  const struct pvisor_mem_region *req)
{
	u64 total = 0;
	unsigned int i;
	int ret;

	ret = check_region_request(req);
	if (ret)
		return ret;

	mutex_lock(&vm->lock);
	for (i = 0; i < PVISOR_MAX_MEM_REGIONS; i++) {
		const struct pvisor_region *r = &vm->regions[i];

		if (i == req->slot || !r->size)
			continue;
		if (!(r->flags & PVISOR_MEM_MMIO))
			total += r->size;
		if (req->size && ranges_overlap(r->gpa, r->size,
						req->guest_phys_addr,
						req->size)) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (!(req->flags & PVISOR_MEM_MMIO) &&
	    total + req->size > PVISOR_MAX_GUEST_MEMORY) {
		ret = -ENOSPC;
		goto out;
	}
	write_seqcount_begin(&vm->regions_seq);
	vm->regions[req->slot] = (struct pvisor_region) {
		.gpa = req->guest_phys_addr,
		.size = req->size,
		.hva = req->userspace_addr,
		.flags = req->flags,
	};
	/* Pages the shadows pinned under the old layout must be let go. */
	WRITE_ONCE(vm->mem_generation, vm->mem_generation + 1);
	write_seqcount_end(&vm->regions_seq);
out:
	mutex_unlock(&vm->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_mem_set_region);

/* pvisor_gpa_to_user() without the lock: the caller keeps the slots still. */
static void __user *find_in_slots(struct pvisor_vm *vm, u64 gpa, u64 len,
				  bool write)
{
	unsigned int i;

	if (!len || len > PVISOR_MAX_GPA || gpa > PVISOR_MAX_GPA - len)
		return NULL;
	for (i = 0; i < PVISOR_MAX_MEM_REGIONS; i++) {
		const struct pvisor_region *r = &vm->regions[i];

		if (!r->size || gpa < r->gpa || gpa - r->gpa > r->size - len ||
		    len > r->size)
			continue;
		if ((r->flags & PVISOR_MEM_MMIO) ||
		    (write && (r->flags & PVISOR_MEM_READONLY)))
			return NULL;
		return u64_to_user_ptr(r->hva + (gpa - r->gpa));
	}
	return NULL;
}

/**
 * pvisor_gpa_to_user() - find the launcher address of a guest range
 * @vm: the VM
 * @gpa: first guest-physical byte
 * @len: length in bytes, at least 1
 * @write: the caller will write (read-only slots refuse)
 *
 * The whole range must sit inside one slot; ranges that straddle two slots
 * are refused even if the slots happen to be adjacent, which keeps every
 * access a single copy.
 *
 * Return: the launcher address, or NULL.
 */
void __user *pvisor_gpa_to_user(struct pvisor_vm *vm, u64 gpa, u64 len,
				bool write)
{
	void __user *uaddr;

	mutex_lock(&vm->lock);
	uaddr = find_in_slots(vm, gpa, len, write);
	mutex_unlock(&vm->lock);
	return uaddr;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_gpa_to_user);

/*
 * pvisor_gpa_to_user() in atomic context: NULL also while the slots are
 * being changed.  The slot found may be changed right after; the address
 * is still the launcher's, and the change bumps mem_generation, which
 * drops whatever a fill built on it (shadow.c: shadow_prepare()).
 */
void __user *pvisor_gpa_to_user_atomic(struct pvisor_vm *vm, u64 gpa, u64 len,
				       bool write)
{
	unsigned int seq = raw_read_seqcount(&vm->regions_seq);
	void __user *uaddr;

	if (seq & 1)
		return NULL;
	uaddr = find_in_slots(vm, gpa, len, write);
	return read_seqcount_retry(&vm->regions_seq, seq) ? NULL : uaddr;
}

/* Is @gpa inside an MMIO slot? */
bool pvisor_gpa_is_mmio(struct pvisor_vm *vm, u64 gpa)
{
	bool mmio = false;
	unsigned int i;

	mutex_lock(&vm->lock);
	for (i = 0; i < PVISOR_MAX_MEM_REGIONS; i++) {
		const struct pvisor_region *r = &vm->regions[i];

		if (r->size && (r->flags & PVISOR_MEM_MMIO) &&
		    gpa >= r->gpa && gpa - r->gpa < r->size) {
			mmio = true;
			break;
		}
	}
	mutex_unlock(&vm->lock);
	return mmio;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_gpa_is_mmio);

/* Copy guest memory into a host buffer.  Return: 0 or -EFAULT. */
int pvisor_read_guest(struct pvisor_vm *vm, u64 gpa, void *dst, u64 len)
{
	void __user *src = pvisor_gpa_to_user(vm, gpa, len, false);

	if (!src || copy_from_user(dst, src, len))
		return -EFAULT;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_read_guest);

/* Copy a host buffer into guest memory.  Return: 0 or -EFAULT. */
int pvisor_write_guest(struct pvisor_vm *vm, u64 gpa, const void *src,
		       u64 len)
{
	void __user *dst = pvisor_gpa_to_user(vm, gpa, len, true);

	if (!dst || copy_to_user(dst, src, len))
		return -EFAULT;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_write_guest);

/* The same two in atomic context.  Return: 0 or -EAGAIN (go the slow way). */
int pvisor_read_guest_atomic(struct pvisor_vm *vm, u64 gpa, void *dst, u64 len)
{
	void __user *src = pvisor_gpa_to_user_atomic(vm, gpa, len, false);

	if (!src || copy_from_user_nofault(dst, src, len))
		return -EAGAIN;
	return 0;
}

int pvisor_write_guest_atomic(struct pvisor_vm *vm, u64 gpa, const void *src,
			      u64 len)
{
	void __user *dst = pvisor_gpa_to_user_atomic(vm, gpa, len, true);

	if (!dst || copy_to_user_nofault(dst, src, len))
		return -EAGAIN;
	return 0;
}
