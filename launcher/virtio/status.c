// SPDX-License-Identifier: GPL-2.0
/*
 * A device's status as its driver sees it: the Status word (DRIVER_OK,
 * DEVICE_NEEDS_RESET), the features the driver accepted, and the
 * InterruptStatus bits with the interrupt that announces them.
 *
 * These are the few things the ring walker (virtqueue.c) needs of a
 * device, so they sit below it; they depend on the log and on the
 * device's struct virtio_vm only.
 */
#include <stdarg.h>
#include <stdio.h>

#include <linux/virtio_config.h>

#include "core.h"

bool virtio_dev__running(const struct virtio_dev *dev)
{
	return (dev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(dev->status & (VIRTIO_CONFIG_S_NEEDS_RESET |
				VIRTIO_CONFIG_S_FAILED));
}

bool virtio_dev__has(const struct virtio_dev *dev, unsigned int feature)
{
	return dev->driver_features & (1ULL << feature);
}

void virtio_dev__raise(struct virtio_dev *dev, unsigned int isr_bits)
{
	atomic_fetch_add(&dev->irqs, 1);
	atomic_fetch_or(&dev->isr, isr_bits);
	dev->vm->irq_fn(dev->vm->irq_opaque, dev, dev->irq);
}

void virtio_dev__fail(struct virtio_dev *dev, int queue, const char *fmt, ...)
{
	bool first = !(dev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	virtio_dev__log(dev, queue, "%s; device needs reset", msg);
	dev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	if (first) {
		dev->config_gen++;
		virtio_dev__raise(dev, VIRTIO_ISR_CONFIG);
	}
}
