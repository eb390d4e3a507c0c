// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-mmio transport, version 2 (virtio 1.x, 4.2.2).
 *
 * Registers are 32 bits wide and 32-bit aligned; config space (from
 * 0x100) takes 1, 2, 4 and 8 byte accesses.  Everything the driver can
 * get wrong is either refused the spec's way (FEATURES_OK stays clear
 * when it accepts features we never offered) or logged and answered
 * with DEVICE_NEEDS_RESET; nothing here can crash the launcher or touch
 * memory outside this device.
 *
 * The transport knows registers and the core's device object (core.h),
 * and nothing about any particular device: config space comes from the
 * device's get_config op, everything else from struct virtio_dev.
 */
#include <string.h>

#include <linux/virtio_config.h>
#define VIRTIO_MMIO_NO_LEGACY
#include <linux/virtio_mmio.h>

#include "mmio.h"

#define VIRTIO_MMIO_MAGIC	0x74726976	/* "virt" */
#define VIRTIO_MMIO_VERSION_2	2
#define PVISOR_VENDOR_ID	0x53495650	/* "PVIS" */
#define CONFIG_MAX		256

static struct vq *selected_vq(struct virtio_dev *dev)
{
	if (dev->queue_sel >= dev->ops->nr_queues)
		return NULL;
	return &dev->vqs[dev->queue_sel];
}

static void config_access(struct virtio_dev *dev, uint64_t off,
			  unsigned int size, bool is_write, uint64_t *data)
{
	size_t csize = dev->ops->config_size;
	uint8_t buf[CONFIG_MAX];
	uint64_t v = 0;

	if ((size != 1 && size != 2 && size != 4 && size != 8) ||
	    off >= csize || size > csize - off) {
		if (is_write) {
			virtio_dev__fail(dev, -1,
					 "config write of %u bytes at offset 0x%llx is outside the %zu-byte config space",
					 size, (unsigned long long)off, csize);
		} else {
			virtio_dev__log(dev, -1,
					"config read of %u bytes at offset 0x%llx is outside the %zu-byte config space; reads as 0",
					size, (unsigned long long)off, csize);
			*data = 0;
		}
		return;
	}
	if (is_write)
		return;	/* no writable config fields are offered: ignore */
	dev->ops->get_config(dev, buf);
	memcpy(&v, buf + off, size);	/* little-endian host */
	*data = v;
}

static uint32_t reg_read(struct virtio_dev *dev, uint64_t off)
{
	struct vq *vq = selected_vq(dev);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_VERSION_2;
	case VIRTIO_MMIO_DEVICE_ID:
		return dev->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return PVISOR_VENDOR_ID;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (dev->dev_feat_sel > 1)
			return 0;
		return dev->host_features >> (32 * dev->dev_feat_sel);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? VQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_NUM:
		return vq ? vq->num : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return vq ? (uint32_t)vq->desc_gpa : 0;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return vq ? vq->desc_gpa >> 32 : 0;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		return vq ? (uint32_t)vq->avail_gpa : 0;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		return vq ? vq->avail_gpa >> 32 : 0;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		return vq ? (uint32_t)vq->used_gpa : 0;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		return vq ? vq->used_gpa >> 32 : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return atomic_load(&dev->isr);
	case VIRTIO_MMIO_STATUS:
		return dev->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffff;	/* no shared memory regions */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return dev->config_gen;
	default:
		virtio_dev__log(dev, -1, "read of write-only or unknown register 0x%03llx; reads as 0",
				(unsigned long long)off);
		return 0;
	}
}

/* A queue register write: only while the queue is not live. */
static struct vq *writable_vq(struct virtio_dev *dev, const char *reg)
{
	struct vq *vq = selected_vq(dev);

	if (!vq) {
		virtio_dev__fail(dev, dev->queue_sel,
				 "%s written for queue %u, which does not exist (the device has %u)",
				 reg, dev->queue_sel, dev->ops->nr_queues);
		return NULL;
	}
	if (vq->ready) {
		virtio_dev__fail(dev, vq->index,
				 "%s written while the queue is ready", reg);
		return NULL;
	}
	return vq;
}

static void set_addr(uint64_t *addr, bool high, uint32_t v)
{
	if (high)
		*addr = (*addr & 0xffffffffULL) | ((uint64_t)v << 32);
	else
		*addr = (*addr & ~0xffffffffULL) | v;
}

static bool features_ok(struct virtio_dev *dev)
{
	uint64_t extra = dev->driver_features & ~dev->host_features;

	if (extra || dev->drv_feat_bad) {
		virtio_dev__log(dev, -1,
				"driver accepted features 0x%llx%s that were never offered (offered 0x%llx); FEATURES_OK refused",
				(unsigned long long)extra,
				dev->drv_feat_bad ? " and bits above 63" : "",
				(unsigned long long)dev->host_features);
		return false;
	}
	if (!virtio_dev__has(dev, 32 /* VIRTIO_F_VERSION_1 */)) {
		virtio_dev__log(dev, -1,
				"driver did not accept VIRTIO_F_VERSION_1; legacy virtio is not supported, FEATURES_OK refused");
		return false;
	}
	return true;
}

static void status_write(struct virtio_dev *dev, uint32_t v)
{
	uint32_t old = dev->status, set_bits, cleared;

	if (!v) {
		virtio_dev__reset(dev);
		return;
	}
	/* The driver writes back what it read; NEEDS_RESET is ours. */
	v &= ~VIRTIO_CONFIG_S_NEEDS_RESET;
	set_bits = v & ~old;
	cleared = old & ~v & ~VIRTIO_CONFIG_S_NEEDS_RESET;
	if (v & ~0xffu) {
		virtio_dev__fail(dev, -1, "status 0x%x has unknown bits", v);
		return;
	}
	if (cleared) {
		virtio_dev__fail(dev, -1,
				 "driver cleared status bits 0x%x without a reset",
				 cleared);
		return;
	}
	if ((set_bits & VIRTIO_CONFIG_S_FEATURES_OK) && !features_ok(dev))
		v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	if ((set_bits & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(v & VIRTIO_CONFIG_S_FEATURES_OK)) {
		virtio_dev__fail(dev, -1, "DRIVER_OK without FEATURES_OK");
		return;
	}
	if (set_bits & VIRTIO_CONFIG_S_FAILED)
		virtio_dev__log(dev, -1, "the guest driver gave up on the device (status FAILED)");
	dev->status = v | (old & VIRTIO_CONFIG_S_NEEDS_RESET);
	if (set_bits & VIRTIO_CONFIG_S_DRIVER_OK) {
		dev->ever_ok = true;
		virtio_dev__wake(dev);
	}
}

static void notify_write(struct virtio_dev *dev, uint32_t q)
{
	if (q >= dev->ops->nr_queues) {
		virtio_dev__fail(dev, q, "notify for queue %u, but the device has %u queues",
				 q, dev->ops->nr_queues);
		return;
	}
	if (!dev->vqs[q].ready) {
		virtio_dev__fail(dev, q, "notify for a queue that is not ready");
		return;
	}
	virtio_dev__wake(dev);
}

static void queue_ready_write(struct virtio_dev *dev, uint32_t v)
{
	struct vq *vq = selected_vq(dev);

	if (!vq) {
		virtio_dev__fail(dev, dev->queue_sel,
				 "QueueReady written for queue %u, which does not exist",
				 dev->queue_sel);
		return;
	}
	if (!v) {
		/* We hold the lock, so the thread is not mid-batch. */
		uint16_t num = vq->num;
		uint64_t d = vq->desc_gpa, a = vq->avail_gpa, u = vq->used_gpa;

		vq__reset(vq);
		vq->num = num;
		vq->desc_gpa = d;
		vq->avail_gpa = a;
		vq->used_gpa = u;
		return;
	}
	if (vq->ready)
		return;
	if (!(dev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		virtio_dev__fail(dev, vq->index, "QueueReady before FEATURES_OK");
		return;
	}
	if (vq__setup(dev, vq) == 0) {
		__atomic_store_n(&vq->ready, true, __ATOMIC_RELEASE);
		virtio_dev__wake(dev);
	}
}

static void reg_write(struct virtio_dev *dev, uint64_t off, uint32_t v)
{
	struct vq *vq;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		dev->dev_feat_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		dev->drv_feat_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (dev->status & VIRTIO_CONFIG_S_FEATURES_OK) {
			virtio_dev__log(dev, -1, "driver features written after FEATURES_OK; ignored");
			break;
		}
		if (dev->drv_feat_sel > 1) {
			if (v)
				dev->drv_feat_bad = true;
			break;
		}
		if (dev->drv_feat_sel)
			dev->driver_features = (dev->driver_features & 0xffffffffULL) |
					       ((uint64_t)v << 32);
		else
			dev->driver_features = (dev->driver_features & ~0xffffffffULL) | v;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		dev->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		vq = writable_vq(dev, "QueueNum");
		if (!vq)
			break;
		if (!v || v > VQ_MAX_SIZE || (v & (v - 1))) {
			virtio_dev__fail(dev, vq->index,
					 "queue size %u is not a power of two between 1 and %u",
					 v, VQ_MAX_SIZE);
			break;
		}
		vq->num = v;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		queue_ready_write(dev, v);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		notify_write(dev, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		atomic_fetch_and(&dev->isr, ~v);
		break;
	case VIRTIO_MMIO_STATUS:
		status_write(dev, v);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		vq = writable_vq(dev, "QueueDesc");
		if (vq)
			set_addr(&vq->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		vq = writable_vq(dev, "QueueDriver");
		if (vq)
			set_addr(&vq->avail_gpa, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		vq = writable_vq(dev, "QueueDevice");
		if (vq)
			set_addr(&vq->used_gpa, off == VIRTIO_MMIO_QUEUE_USED_HIGH, v);
		break;
	case VIRTIO_MMIO_SHM_SEL:
		break;
	default:
		virtio_dev__log(dev, -1, "write of 0x%x to read-only or unknown register 0x%03llx; ignored",
				v, (unsigned long long)off);
		break;
	}
}

void virtio_mmio__dispatch(struct virtio_dev *dev, uint64_t off,
			   unsigned int size, bool is_write, uint64_t *data)
{
	/* The interrupt handler's two registers go lock-free. */
	if (size == 4 && off == VIRTIO_MMIO_INTERRUPT_STATUS && !is_write) {
		*data = atomic_load(&dev->isr);
		return;
	}
	if (size == 4 && off == VIRTIO_MMIO_INTERRUPT_ACK && is_write) {
		atomic_fetch_and(&dev->isr, ~(uint32_t)*data);
		return;
	}
	/*
	 * So does a kick for a live queue: it must not wait behind a block
	 * batch (or an fdatasync) that holds the lock.  Anything odd takes
	 * the locked path below and is judged there.
	 */
	if (size == 4 && off == VIRTIO_MMIO_QUEUE_NOTIFY && is_write &&
	    *data < dev->ops->nr_queues &&
	    __atomic_load_n(&dev->vqs[*data].ready, __ATOMIC_ACQUIRE)) {
		virtio_dev__wake(dev);
		return;
	}

	pthread_mutex_lock(&dev->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		config_access(dev, off - VIRTIO_MMIO_CONFIG, size, is_write, data);
	} else if (size != 4 || (off & 3)) {
		virtio_dev__log(dev, -1, "%u-byte %s at register offset 0x%03llx: registers take aligned 32-bit accesses; ignored",
				size, is_write ? "write" : "read",
				(unsigned long long)off);
		if (!is_write)
			*data = 0;
	} else if (is_write) {
		reg_write(dev, off, (uint32_t)*data);
	} else {
		*data = reg_read(dev, off);
	}
	pthread_mutex_unlock(&dev->lock);
}
