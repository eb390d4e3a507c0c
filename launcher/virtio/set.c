// SPDX-License-Identifier: GPL-2.0
/*
 * The device set: the devices the options ask for, each placed at its
 * MMIO window and interrupt line, and the launcher's view of them.
 *
 * This is the one file that sees both the transport and the devices.  It
 * builds the devices in a fixed order (console, disks, nets, vsock,
 * rng), gives device i the window mmio_base + i * 4 KiB and the line
 * irq_base + i, routes each guest access to the transport of the device
 * whose window it hits, and starts, reports on and destroys them all.
 * The devices reach the launcher's callbacks only through the set's
 * struct virtio_vm.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "devices.h"
#include "mmio.h"

struct virtio_set {
	struct virtio_vm vm;
	uint64_t mmio_base;
	unsigned int irq_base;
	unsigned int nr_devs;
	struct virtio_dev *devs[VIRTIO_MAX_DEVICES];
	bool started;
};

static void default_irq(void *opaque, struct virtio_dev *dev, unsigned int irq)
{
	uint64_t one = 1;

	(void)opaque;
	(void)irq;
	if (write(dev->irq_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		virtio__log("%s: cannot signal irq eventfd: %s", dev->name,
			    strerror(errno));
}

static void default_quit(void *opaque)
{
	(void)opaque;
	raise(SIGTERM);
}

/* Place dev (NULL: its constructor failed) in the next window. */
static int set_add(struct virtio_set *set, struct virtio_dev *dev)
{
	if (!dev)
		return -1;
	if (set->nr_devs >= VIRTIO_MAX_DEVICES) {
		virtio__log("too many virtio devices (at most %d)",
			    VIRTIO_MAX_DEVICES);
		virtio_dev__free(dev);
		return -1;
	}
	dev->mmio_base = set->mmio_base + set->nr_devs * VIRTIO_MMIO_WINDOW;
	dev->irq = set->irq_base + set->nr_devs;
	set->devs[set->nr_devs++] = dev;
	return 0;
}

struct virtio_set *virtio_set_create(const struct virtio_opts *o,
				     const struct virtio_gmem *gm,
				     uint64_t mmio_base, unsigned int irq_base)
{
	struct virtio_set *set;
	struct virtio_vm *vm;
	unsigned int i;
	int err = 0;

	if (mmio_base & (VIRTIO_MMIO_WINDOW - 1)) {
		virtio__log("virtio MMIO base 0x%llx is not 4 KiB aligned",
			    (unsigned long long)mmio_base);
		return NULL;
	}
	if (mmio_base > UINT64_MAX - VIRTIO_MAX_DEVICES * VIRTIO_MMIO_WINDOW) {
		virtio__log("virtio MMIO base 0x%llx leaves no room for the devices",
			    (unsigned long long)mmio_base);
		return NULL;
	}
	set = calloc(1, sizeof(*set));
	if (!set)
		return NULL;
	vm = &set->vm;
	vm->gm = *gm;
	vm->irq_fn = default_irq;
	vm->quit_fn = default_quit;
	set->mmio_base = mmio_base;
	set->irq_base = irq_base;

	if (o->console != VIRTIO_CONSOLE_NONE)
		err = set_add(set, virtio_console__create(vm, o->console,
							  o->console_path));
	for (i = 0; !err && i < o->nr_disks; i++)
		err = set_add(set, virtio_blk__create(vm, &o->disk[i], i));
	for (i = 0; !err && i < o->nr_nets; i++)
		err = set_add(set, virtio_net__create(vm, &o->net[i], i));
	if (!err && o->vsock)
		err = set_add(set, virtio_vsock__create(vm, o->vsock_cid,
							o->vsock_uds));
	if (!err && o->rng)
		err = set_add(set, virtio_rng__create(vm));
	if (err) {
		virtio_set_destroy(set);
		return NULL;
	}
	return set;
}

int virtio_set_start(struct virtio_set *set)
{
	unsigned int i;

	for (i = 0; i < set->nr_devs; i++)
		if (virtio_dev__start(set->devs[i]))
			return -1;
	set->started = true;
	return 0;
}

void virtio_set_destroy(struct virtio_set *set)
{
	unsigned int i;

	if (!set)
		return;
	for (i = 0; i < set->nr_devs; i++)
		virtio_dev__stop(set->devs[i]);
	/* Backwards: the console (which owns the terminal) goes last. */
	for (i = set->nr_devs; i-- > 0;)
		virtio_dev__free(set->devs[i]);
	free(set);
}

bool virtio_mmio_access(struct virtio_set *set, uint64_t gpa, unsigned int size,
			bool is_write, uint64_t *data)
{
	uint64_t off, i;

	if (gpa < set->mmio_base)
		return false;
	off = gpa - set->mmio_base;
	i = off / VIRTIO_MMIO_WINDOW;
	if (i >= set->nr_devs)
		return false;
	virtio_mmio__dispatch(set->devs[i], off % VIRTIO_MMIO_WINDOW, size,
			      is_write, data);
	return true;
}

int virtio_set_cmdline(const struct virtio_set *set, char *buf, size_t size)
{
	unsigned int i;
	int total = 0;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < set->nr_devs; i++) {
		const struct virtio_dev *dev = set->devs[i];
		size_t off = (size_t)total < size ? (size_t)total : size;
		int n;

		n = snprintf(buf + off, size - off,
			     "%svirtio_mmio.device=4K@0x%llx:%u",
			     i ? " " : "", (unsigned long long)dev->mmio_base,
			     dev->irq);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

void virtio_set_irq_handler(struct virtio_set *set, virtio_irq_fn *fn,
			    void *opaque)
{
	set->vm.irq_fn = fn ? fn : default_irq;
	set->vm.irq_opaque = opaque;
}

void virtio_set_quit_handler(struct virtio_set *set, virtio_quit_fn *fn,
			     void *opaque)
{
	set->vm.quit_fn = fn ? fn : default_quit;
	set->vm.quit_opaque = opaque;
}

void virtio_set_print_hints(const struct virtio_set *set)
{
	unsigned int i;

	for (i = 0; i < set->nr_devs; i++) {
		struct virtio_dev *dev = set->devs[i];
		bool ok;

		pthread_mutex_lock(&dev->lock);
		ok = dev->ever_ok;
		pthread_mutex_unlock(&dev->lock);
		if (!ok)
			virtio__log("%s %s was never initialised by the guest; does the guest kernel have %s=y and CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y, and the virtio_mmio.device= options on its command line?",
				    dev->name, dev->desc, dev->ops->kconfig);
	}
}

void virtio_set_print_state(const struct virtio_set *set, FILE *f)
{
	unsigned int i;

	for (i = 0; i < set->nr_devs; i++)
		virtio_dev__print_state(set->devs[i], f);
}

unsigned int virtio_set_nr_devs(const struct virtio_set *set)
{
	return set->nr_devs;
}

struct virtio_dev *virtio_set_dev(const struct virtio_set *set, unsigned int i)
{
	return i < set->nr_devs ? set->devs[i] : NULL;
}
