// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching the virtio device model (launcher/virtio/) to a running VM.
 *
 *   - The devices' register windows become one MMIO slot in the module
 *     (PVISOR_MEM_MMIO): no memory, every guest access decoded there.
 *   - Each device's QueueNotify register is an ioeventfd on the device's
 *     kick eventfd, so a notify wakes the device thread straight from the
 *     module, without a return to this vCPU thread.
 *   - Each device's InterruptStatus and InterruptACK registers are a
 *     status register in the module (PVISOR_IRQ_STATUS), so the guest's
 *     interrupt handler reads and acknowledges without a return here.
 *   - Every other register access comes back as PVISOR_EXIT_MMIO and is
 *     answered by virtio_mmio_access() (devices_mmio(), from vm_run()).
 *   - A device thread raises its interrupt with PVISOR_INJECT_IRQ on the
 *     vCPU fd, handing the module the InterruptStatus bits it set: the
 *     module sets them in the status register, marks the vector pending,
 *     wakes a halted vCPU and kicks a running one out of the guest so it
 *     takes it at once.
 *
 * Interrupt line i of the model ("virtio_mmio.device=4K@ADDR:i" on the
 * guest's command line) is vector PVISOR_FIRST_DEVICE_VECTOR + i - 1,
 * which guest-pv maps back to Linux IRQ i.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "launcher.h"
#include "virtio/virtio.h"

#define DEVICES_MMIO_SLOT	1
/* virtio-mmio register offsets */
#define QUEUE_NOTIFY		0x50
#define INTERRUPT_STATUS	0x60
#define INTERRUPT_ACK		0x64
#define STATUS			0x70

static unsigned int device_vector(unsigned int irq)
{
	return PVISOR_FIRST_DEVICE_VECTOR + irq - 1;
}

static void inject_device_irq(void *opaque, struct virtio_dev *dev,
			      unsigned int irq)
{
	struct vm *vm = opaque;
	struct pvisor_irq req = {
		.vector = device_vector(irq),
		.flags = vm->irq_status ? virtio_dev_take_isr(dev) : 0,
	};

	if (ioctl(vm->vcpu, PVISOR_INJECT_IRQ, &req) < 0)
		fprintf(stderr, "pvisor-run: %s: cannot raise interrupt %u: %s\n",
			virtio_dev_name(dev), irq, strerror(errno));
}

/* Count the devices the options ask for (none: nothing to attach). */
static unsigned int nr_requested(const struct virtio_opts *o)
{
	return o->nr_disks + o->nr_nets + (o->console != VIRTIO_CONSOLE_NONE) +
	       o->vsock + o->rng;
}

int devices_attach(struct vm *vm, const struct virtio_opts *opts)
{
	struct pvisor_mem_region r = {
		.slot = DEVICES_MMIO_SLOT, .flags = PVISOR_MEM_MMIO,
		.guest_phys_addr = VIRTIO_MMIO_BASE_DEFAULT,
	};
	struct virtio_gmem gm;
	unsigned int i, n;

	if (!nr_requested(opts))
		return 0;
	if (vm->mem_size > VIRTIO_MMIO_BASE_DEFAULT) {
		fprintf(stderr, "pvisor-run: with devices, --mem can be at most %lluM: their registers start at %#llx\n",
			VIRTIO_MMIO_BASE_DEFAULT >> 20, VIRTIO_MMIO_BASE_DEFAULT);
		return -1;
	}
	virtio_gmem_init(&gm, vm->mem, vm->mem_size, 0);
	vm->devices = virtio_set_create(opts, &gm, VIRTIO_MMIO_BASE_DEFAULT,
					VIRTIO_IRQ_BASE_DEFAULT);
	if (!vm->devices)
		return -1;
	n = virtio_set_nr_devs(vm->devices);
	if (VIRTIO_IRQ_BASE_DEFAULT + n - 1 > PVISOR_DEVICE_IRQS) {
		fprintf(stderr, "pvisor-run: %u devices are more than the guest's %d interrupt lines\n",
			n, PVISOR_DEVICE_IRQS);
		return -1;
	}
	r.size = n * VIRTIO_MMIO_WINDOW;
	if (ioctl(vm->fd, PVISOR_SET_MEM_REGION, &r) < 0) {
		fprintf(stderr, "pvisor-run: cannot declare the device registers (MMIO at %#llx): %s\n",
			(unsigned long long)r.guest_phys_addr, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct virtio_dev *dev = virtio_set_dev(vm->devices, i);
		struct pvisor_ioeventfd io = {
			.gpa = virtio_dev_mmio_base(dev) + QUEUE_NOTIFY,
			.len = 4,
			.fd = virtio_dev_kick_fd(dev),
		};
		struct pvisor_irq_status st = {
			.status_gpa = virtio_dev_mmio_base(dev) + INTERRUPT_STATUS,
			.ack_gpa = virtio_dev_mmio_base(dev) + INTERRUPT_ACK,
			.vector = device_vector(virtio_dev_irq(dev)),
		};

		if (ioctl(vm->fd, PVISOR_IOEVENTFD, &io) < 0) {
			fprintf(stderr, "pvisor-run: %s: PVISOR_IOEVENTFD: %s\n",
				virtio_dev_name(dev), strerror(errno));
			return -1;
		}
		if (!(vm->capabilities & PVISOR_CAP_IRQ_STATUS))
			continue;	/* an older module: the status stays here */
		if (ioctl(vm->fd, PVISOR_IRQ_STATUS, &st) < 0) {
			fprintf(stderr, "pvisor-run: %s: PVISOR_IRQ_STATUS: %s\n",
				virtio_dev_name(dev), strerror(errno));
			return -1;
		}
	}
	vm->irq_status = vm->capabilities & PVISOR_CAP_IRQ_STATUS;
	virtio_set_irq_handler(vm->devices, inject_device_irq, vm);
	return 0;
}

/*
 * The guest command line with the devices announced.  A virtio console
 * takes hvc0, so the hypercall console steps aside (pvisor.hvc=off).
 */
int devices_cmdline(const struct vm *vm, const char *append, char *buf,
		    size_t size)
{
	bool console = false;
	unsigned int i;
	int n;

	if (!vm->devices)
		return snprintf(buf, size, "%s", append) >= (int)size ? -1 : 0;
	for (i = 0; i < virtio_set_nr_devs(vm->devices); i++)
		if (!strncmp(virtio_dev_name(virtio_set_dev(vm->devices, i)),
			     "virtio-console", 14))
			console = true;
	n = snprintf(buf, size, "%s%s%s ", append, *append ? " " : "",
		     console ? "pvisor.hvc=off" : "");
	if (n < 0 || (size_t)n >= size ||
	    virtio_set_cmdline(vm->devices, buf + n, size - n) >= (int)(size - n)) {
		fprintf(stderr, "pvisor-run: the command line with the devices is longer than %zu bytes\n",
			size - 1);
		return -1;
	}
	return 0;
}

int devices_start(struct vm *vm)
{
	return vm->devices ? virtio_set_start(vm->devices) : 0;
}

/*
 * The guest reset a device (wrote 0 to its Status): its InterruptStatus
 * reads 0 again, in the module too.
 */
static void device_reset(struct vm *vm, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < virtio_set_nr_devs(vm->devices); i++) {
		struct virtio_dev *dev = virtio_set_dev(vm->devices, i);
		struct pvisor_irq_status st = {
			.vector = device_vector(virtio_dev_irq(dev)),
			.flags = PVISOR_IRQ_STATUS_RESET,
		};

		if (gpa != virtio_dev_mmio_base(dev) + STATUS)
			continue;
		if (ioctl(vm->fd, PVISOR_IRQ_STATUS, &st) < 0)
			fprintf(stderr, "pvisor-run: %s: cannot clear its interrupt status: %s\n",
				virtio_dev_name(dev), strerror(errno));
	}
}

/* A PVISOR_EXIT_MMIO: answer it from the device model. */
void devices_mmio(struct vm *vm, struct pvisor_run *run)
{
	uint64_t data = run->mmio.is_write ? run->mmio.data : 0;
	unsigned int len = run->mmio.len;

	if (!vm->devices ||
	    !virtio_mmio_access(vm->devices, run->mmio.gpa, len,
				run->mmio.is_write, &data)) {
		fprintf(stderr, "pvisor-run: guest %s %u bytes at %#llx: no device there\n",
			run->mmio.is_write ? "wrote" : "read", len,
			(unsigned long long)run->mmio.gpa);
		data = ~0ULL;		/* reads of nothing: all ones */
	} else if (vm->irq_status && run->mmio.is_write && !data) {
		device_reset(vm, run->mmio.gpa);
	}
	if (!run->mmio.is_write) {
		run->flags = PVISOR_RUN_MMIO_COMPLETE;
		run->mmio.data = data;
	}
}

/* For the report on a stopped or crashed guest. */
void devices_print_state(const struct vm *vm)
{
	if (!vm->devices)
		return;
	fprintf(stderr, "devices:\n");
	virtio_set_print_state(vm->devices, stderr);
}

void devices_detach(struct vm *vm)
{
	if (!vm->devices)
		return;
	virtio_set_print_hints(vm->devices);
	virtio_set_destroy(vm->devices);
	vm->devices = NULL;
}
