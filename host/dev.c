// SPDX-License-Identifier: GPL-2.0
/*
 * The user interface: /dev/pvisor and the file descriptors it hands out.
 *
 * /dev/pvisor is a misc device, mode 0600 (root only) unless the system adds
 * a udev rule for a group: whoever can open it can make the host run code of
 * their choosing at CPL 3 under page tables the module builds, pin memory,
 * and arm host timers.  That is the same trust KVM asks for /dev/kvm.
 *
 * /dev/pvisor hands out VM fds; a VM fd sets up guest memory, ioeventfds,
 * interrupt status registers and vCPU fds; a vCPU fd has the registers,
 * PVISOR_RUN, PVISOR_INJECT_IRQ (any thread, any time), and read() and
 * write() for the guest's console.
 * Anything else is -ENOTTY.  Each open VM or vCPU fd holds a module
 * reference, so the module cannot be unloaded while a VM exists; a vCPU
 * holds its VM, which goes away with the last of its fds.
 *
 * A VM belongs to the process that created it: its guest memory is that
 * process's memory, and the switcher is mapped into that process's page
 * tables.  Other processes may hold the fds but cannot run the vCPUs.
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <asm/irq_vectors.h>
#include <asm/trapnr.h>
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
	v->capabilities = PVISOR_CAP_VM | PVISOR_CAP_IOEVENTFD |
			  PVISOR_CAP_IRQ_STATUS;
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

static void vm_put(struct pvisor_vm *vm)
{
	if (!refcount_dec_and_test(&vm->refs))
		return;
	pvisor_mmio_vm_destroy(vm);
	xa_destroy(&vm->tables);
	pvisor_sw_uninstall(vm->mm);
	mmdrop(vm->mm);
	mutex_destroy(&vm->lock);
	kfree(vm);
}

static int vm_release(struct inode *inode, struct file *file)
{
	vm_put(file->private_data);
	return 0;
}

/* --- vCPUs ------------------------------------------------------------- */

void pvisor_frame_to_regs(struct pvisor_vcpu *vcpu, struct pvisor_regs *r)
{
	const struct pvisor_frame *f = &vcpu->frame;
	bool user = vcpu->mode == PVISOR_MODE_USER;

	*r = (struct pvisor_regs) {
		.rax = f->rax, .rbx = f->rbx, .rcx = f->rcx, .rdx = f->rdx,
		.rsi = f->rsi, .rdi = f->rdi, .rbp = f->rbp, .rsp = f->rsp,
		.r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .r11 = f->r11,
		.r12 = f->r12, .r13 = f->r13, .r14 = f->r14, .r15 = f->r15,
		.rip = f->rip, .rflags = f->rflags,
		.fs_base = vcpu->seg_base[PVISOR_SEG_FS],
		.gs_base = vcpu->seg_base[user ? PVISOR_SEG_GS_USER :
						 PVISOR_SEG_GS_KERNEL],
		.gs_base_other = vcpu->seg_base[user ? PVISOR_SEG_GS_KERNEL :
						       PVISOR_SEG_GS_USER],
		.cr2 = vcpu->crash_vector == X86_TRAP_PF ? vcpu->crash_info : 0,
		.cr3_kernel = vcpu->cr3_kernel, .cr3_user = vcpu->cr3_user,
		.mode = vcpu->mode,
	};
}

static int regs_to_vcpu(struct pvisor_vcpu *vcpu, const struct pvisor_regs *r)
{
	struct pvisor_frame *f = &vcpu->frame;
	bool user = r->mode == PVISOR_MODE_USER;

	if (r->flags || r->reserved[0] || r->reserved[1] || r->reserved[2] ||
	    r->mode > PVISOR_MODE_USER)
		return -EINVAL;
	if (!pvisor_is_canonical(r->rip) || !pvisor_is_canonical(r->rsp) ||
	    !pvisor_is_canonical(r->fs_base) || !pvisor_is_canonical(r->gs_base) ||
	    !pvisor_is_canonical(r->gs_base_other))
		return -EINVAL;
	if (!PAGE_ALIGNED(r->cr3_kernel) || !PAGE_ALIGNED(r->cr3_user))
		return -EINVAL;
	f->rax = r->rax; f->rbx = r->rbx; f->rcx = r->rcx; f->rdx = r->rdx;
	f->rsi = r->rsi; f->rdi = r->rdi; f->rbp = r->rbp; f->rsp = r->rsp;
	f->r8 = r->r8; f->r9 = r->r9; f->r10 = r->r10; f->r11 = r->r11;
	f->r12 = r->r12; f->r13 = r->r13; f->r14 = r->r14; f->r15 = r->r15;
	f->rip = r->rip;
	f->rflags = r->rflags;
	vcpu->seg_base[PVISOR_SEG_FS] = r->fs_base;
	vcpu->seg_base[user ? PVISOR_SEG_GS_USER : PVISOR_SEG_GS_KERNEL] = r->gs_base;
	vcpu->seg_base[user ? PVISOR_SEG_GS_KERNEL : PVISOR_SEG_GS_USER] =
		r->gs_base_other;
	if (vcpu->cr3_kernel != r->cr3_kernel || vcpu->cr3_user != r->cr3_user)
		pvisor_shadow_load(&vcpu->shadow, r->cr3_kernel, r->cr3_user, 0);
	vcpu->cr3_kernel = r->cr3_kernel;
	vcpu->cr3_user = r->cr3_user;
	vcpu->mode = r->mode;
	return 0;
}

static long ioctl_run(struct pvisor_vcpu *vcpu, void __user *argp)
{
	struct pvisor_run run;
	long ret;

	if (current->mm != vcpu->vm->mm)
		return -EPERM;
	if (copy_from_user(&run, argp, sizeof(run)))
		return -EFAULT;
	if (run.flags & ~PVISOR_RUN_MMIO_COMPLETE)
		return -EINVAL;
	if (!mutex_trylock(&vcpu->run_lock))
		return -EBUSY;
	ret = pvisor_mmio_complete(vcpu, run.flags & PVISOR_RUN_MMIO_COMPLETE,
				   run.mmio.data);
	memset(&run, 0, sizeof(run));
	if (!ret)
		ret = pvisor_vcpu_run(vcpu, &run);
	mutex_unlock(&vcpu->run_lock);
	if (!ret && copy_to_user(argp, &run, sizeof(run)))
		ret = -EFAULT;
	return ret;
}

static long vcpu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pvisor_vcpu *vcpu = file->private_data;
	void __user *argp = (void __user *)arg;
	struct pvisor_regs regs;
	long ret;

	switch (cmd) {
	case PVISOR_RUN:
		return ioctl_run(vcpu, argp);
	case PVISOR_GET_REGS:
		if (!mutex_trylock(&vcpu->run_lock))
			return -EBUSY;
		pvisor_frame_to_regs(vcpu, &regs);
		mutex_unlock(&vcpu->run_lock);
		return copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
	case PVISOR_INJECT_IRQ: {
		struct pvisor_irq irq;

		if (copy_from_user(&irq, argp, sizeof(irq)))
			return -EFAULT;
		if ((irq.flags & ~PVISOR_IRQ_STATUS_BITS) ||
		    irq.vector < FIRST_EXTERNAL_VECTOR || irq.vector > 255)
			return -EINVAL;
		ret = pvisor_irq_status_set(vcpu->vm, irq.vector, irq.flags);
		if (!ret)
			pvisor_raise_irq(vcpu, irq.vector);
		return ret;
	}
	case PVISOR_SET_REGS:
		if (copy_from_user(&regs, argp, sizeof(regs)))
			return -EFAULT;
		if (!mutex_trylock(&vcpu->run_lock))
			return -EBUSY;
		ret = regs_to_vcpu(vcpu, &regs);
		mutex_unlock(&vcpu->run_lock);
		return ret;
	default:
		return -ENOTTY;
	}
}

/* read(): the guest's console output since the last read (console.c). */
static ssize_t vcpu_read(struct file *file, char __user *buf, size_t len,
			 loff_t *off)
{
	struct pvisor_vcpu *vcpu = file->private_data;
	ssize_t done;

	if (!mutex_trylock(&vcpu->run_lock))
		return -EBUSY;
	done = pvisor_console_take_output(&vcpu->console, buf, len);
	mutex_unlock(&vcpu->run_lock);
	return done;
}

/* write(): console input for the guest (console.c), and its interrupt. */
static ssize_t vcpu_write(struct file *file, const char __user *buf,
			  size_t len, loff_t *off)
{
	struct pvisor_vcpu *vcpu = file->private_data;
	ssize_t done = pvisor_console_give_input(&vcpu->console, buf, len);

	if (done <= 0)
		return done ? done : -EAGAIN;
	pvisor_raise_irq(vcpu, PVISOR_CONSOLE_VECTOR);
	return done;
}

static int vcpu_release(struct inode *inode, struct file *file)
{
	struct pvisor_vcpu *vcpu = file->private_data;
	struct pvisor_vm *vm = vcpu->vm;

	pvisor_timer_exit(vcpu);
	pvisor_release_shared_page(vcpu);
	pvisor_shadow_destroy(&vcpu->shadow);
	pvisor_fpu_free(vcpu);
	mutex_lock(&vm->lock);
	__clear_bit(vcpu->id, &vm->vcpu_ids);
	mutex_unlock(&vm->lock);
	mutex_destroy(&vcpu->run_lock);
	vfree(vcpu);
	vm_put(vm);
	return 0;
}

static const struct file_operations vcpu_fops = {
	.owner = THIS_MODULE,
	.release = vcpu_release,
	.read = vcpu_read,
	.write = vcpu_write,
	.unlocked_ioctl = vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static long ioctl_create_vcpu(struct pvisor_vm *vm, void __user *argp)
{
	struct pvisor_vcpu_create req;
	struct pvisor_vcpu *vcpu;
	int fd, ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.vcpu_id >= PVISOR_MAX_VCPUS)
		return -EINVAL;
	if (current->mm != vm->mm)
		return -EPERM;

	vcpu = vzalloc(sizeof(*vcpu));
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = req.vcpu_id;
	vcpu->mode = PVISOR_MODE_KERNEL;
	vcpu->time_base = ktime_get_ns();
	mutex_init(&vcpu->run_lock);
	spin_lock_init(&vcpu->console.in_lock);
	pvisor_timer_init(vcpu);
	ret = pvisor_shadow_init(&vcpu->shadow);
	if (!ret)
		ret = pvisor_fpu_alloc(vcpu);
	vcpu->xcr0 = pvisor_host.guest_xfeatures;
	if (ret)
		goto fail;

	mutex_lock(&vm->lock);
	if (__test_and_set_bit(vcpu->id, &vm->vcpu_ids))
		ret = -EEXIST;
	mutex_unlock(&vm->lock);
	if (ret)
		goto fail;
	refcount_inc(&vm->refs);
	fd = anon_inode_getfd("pvisor-vcpu", &vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		mutex_lock(&vm->lock);
		__clear_bit(vcpu->id, &vm->vcpu_ids);
		mutex_unlock(&vm->lock);
		vm_put(vm);
		ret = fd;
		goto fail;
	}
	return fd;
fail:
	pvisor_timer_exit(vcpu);
	pvisor_shadow_destroy(&vcpu->shadow);
	pvisor_fpu_free(vcpu);
	mutex_destroy(&vcpu->run_lock);
	vfree(vcpu);
	return ret;
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
	case PVISOR_CREATE_VCPU:
		return ioctl_create_vcpu(vm, argp);
	case PVISOR_IOEVENTFD: {
		struct pvisor_ioeventfd req;

		if (copy_from_user(&req, argp, sizeof(req)))
			return -EFAULT;
		return pvisor_ioeventfd(vm, &req);
	}
	case PVISOR_IRQ_STATUS: {
		struct pvisor_irq_status req;

		if (copy_from_user(&req, argp, sizeof(req)))
			return -EFAULT;
		return pvisor_irq_status(vm, &req);
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
	int fd, ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	mutex_init(&vm->lock);
	seqcount_mutex_init(&vm->regions_seq, &vm->lock);
	xa_init(&vm->tables);
	refcount_set(&vm->refs, 1);
	vm->id = atomic_inc_return(&next_vm_id);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	ret = pvisor_sw_install(vm->mm);
	if (ret) {
		mmdrop(vm->mm);
		kfree(vm);
		return ret;
	}

	fd = anon_inode_getfd("pvisor-vm", &vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		vm_put(vm);
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
