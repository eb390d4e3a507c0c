// SPDX-License-Identifier: GPL-2.0
/*
 * The user interface: /dev/pvisor and the file descriptors it hands out.
 *
 * /dev/pvisor is a misc device, mode 0600 (root only) unless the system adds
 * a udev rule for a group: whoever can open it can make the host run code of
 * their choosing at CPL 3 under page tables the module builds, pin memory,
 * and arm host timers.  That is the same trust KVM asks for /dev/kvm.
 *
 * ioctls on /dev/pvisor:  PVISOR_GET_VERSION, PVISOR_CREATE_VM
 * ioctls on a VM fd:      PVISOR_SET_MEM_REGION
 * Anything else is -ENOTTY.  Each open VM fd holds a module reference, so
 * the module cannot be unloaded while a VM exists.
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "pvisor.h"

static atomic_t next_vm_id = ATOMIC_INIT(0);

/* Fill in the answer to PVISOR_GET_VERSION. */
void pvisor_fill_version(struct pvisor_version *v)
{
	memset(v, 0, sizeof(*v));
	v->abi_version = PVISOR_ABI_VERSION;
	v->capabilities = PVISOR_CAP_VM;
	if (pvisor_host.paging_levels == 5)
		v->capabilities |= PVISOR_CAP_LA57_HOST;
	if (pvisor_host.pti)
		v->capabilities |= PVISOR_CAP_PTI_HOST;
	v->max_vcpus = PVISOR_MAX_VCPUS;
	v->max_mem_regions = PVISOR_MAX_MEM_REGIONS;
	v->max_guest_memory = PVISOR_MAX_GUEST_MEMORY;
	v->nr_hypercalls = PVISOR_HC_NR;
	v->host_paging_levels = pvisor_host.paging_levels;
	strscpy(v->module_version, PVISOR_MODULE_VERSION,
		sizeof(v->module_version));
}
EXPORT_SYMBOL_IF_KUNIT(pvisor_fill_version);

static long ioctl_get_version(void __user *argp)
{
	struct pvisor_version v;
	u32 flags;

	if (get_user(flags, (u32 __user *)(argp +
		     offsetof(struct pvisor_version, flags))))
		return -EFAULT;
	if (flags)
		return -EINVAL;
	pvisor_fill_version(&v);
	if (copy_to_user(argp, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

static int vm_release(struct inode *inode, struct file *file)
{
	struct pvisor_vm *vm = file->private_data;

	mutex_destroy(&vm->lock);
	kfree(vm);
	return 0;
}

static long vm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pvisor_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case PVISOR_SET_MEM_REGION: {
		struct pvisor_mem_region req;

		if (copy_from_user(&req, argp, sizeof(req)))
			return -EFAULT;
		return pvisor_mem_set_region(vm, &req);
	}
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vm_fops = {
	.owner = THIS_MODULE,
	.release = vm_release,
	.unlocked_ioctl = vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static long ioctl_create_vm(void __user *argp)
{
	struct pvisor_vm_create req;
	struct pvisor_vm *vm;
	int fd;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	mutex_init(&vm->lock);
	vm->id = atomic_inc_return(&next_vm_id);

	fd = anon_inode_getfd("pvisor-vm", &vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		mutex_destroy(&vm->lock);
		kfree(vm);
		return fd;
	}
	pvisor_stat_inc(PVISOR_STAT_VMS_CREATED);
	return fd;
}

static long dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case PVISOR_GET_VERSION:
		return ioctl_get_version(argp);
	case PVISOR_CREATE_VM:
		return ioctl_create_vm(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice pvisor_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pvisor",
	.fops = &dev_fops,
	.mode = 0600,
};

int pvisor_dev_init(void)
{
	return misc_register(&pvisor_misc);
}

void pvisor_dev_exit(void)
{
	misc_deregister(&pvisor_misc);
}
