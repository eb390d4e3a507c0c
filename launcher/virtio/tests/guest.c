// SPDX-License-Identifier: GPL-2.0
/*
 * The fake guest.  Guest memory is an mmap()ed block with an
 * inaccessible page on each side, so a device that strays outside the
 * guest's memory faults instead of corrupting the test.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#define VIRTIO_MMIO_NO_LEGACY
#include <linux/virtio_mmio.h>

#include "guest.h"

#define PAGE 4096

int tg_init(struct tg *g, uint64_t size, uint64_t base)
{
	memset(g, 0, sizeof(*g));
	size = (size + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	g->map_len = size + 2 * PAGE;
	g->map = mmap(NULL, g->map_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (g->map == MAP_FAILED)
		return -1;
	g->mem = g->map + PAGE;
	if (mprotect(g->mem, size, PROT_READ | PROT_WRITE)) {
		munmap(g->map, g->map_len);
		return -1;
	}
	g->size = size;
	g->base = base;
	g->brk = base;
	virtio_gmem_init(&g->gm, g->mem, size, base);
	return 0;
}

void tg_fini(struct tg *g)
{
	if (g->map)
		munmap(g->map, g->map_len);
	g->map = NULL;
}

uint64_t tg_alloc(struct tg *g, uint64_t size, uint64_t align)
{
	uint64_t gpa = (g->brk + align - 1) & ~(align - 1);

	if (gpa - g->base + size > g->size)
		return 0;
	g->brk = gpa + size;
	memset(tg_ptr(g, gpa), 0, size);
	return gpa;
}

void *tg_ptr(struct tg *g, uint64_t gpa)
{
	return g->mem + (gpa - g->base);
}

static uint64_t mmio(struct tg_dev *d, uint64_t off, unsigned int size,
		     bool write, uint64_t v)
{
	if (!virtio_mmio_access(d->set, d->base + off, size, write, &v))
		return ~0ULL;
	return v;
}

uint32_t tg_read(struct tg_dev *d, uint64_t off)
{
	return mmio(d, off, 4, false, 0);
}

void tg_write(struct tg_dev *d, uint64_t off, uint32_t v)
{
	mmio(d, off, 4, true, v);
}

uint64_t tg_cfg_read(struct tg_dev *d, uint64_t off, unsigned int size)
{
	return mmio(d, VIRTIO_MMIO_CONFIG + off, size, false, 0);
}

uint64_t tg_offered(struct tg_dev *d)
{
	uint64_t f;

	tg_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)tg_read(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	tg_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | tg_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
}

int tg_dev_negotiate(struct tg_dev *d, struct tg *g, struct virtio_set *set,
		     unsigned int idx, uint64_t accept, char *why, size_t whylen)
{
	uint32_t st;

	memset(d, 0, sizeof(*d));
	d->g = g;
	d->set = set;
	d->dev = virtio_set_dev(set, idx);
	if (!d->dev) {
		snprintf(why, whylen, "no device %u", idx);
		return -1;
	}
	d->base = virtio_dev_mmio_base(d->dev);
	if (tg_read(d, VIRTIO_MMIO_MAGIC_VALUE) != 0x74726976 ||
	    tg_read(d, VIRTIO_MMIO_VERSION) != 2) {
		snprintf(why, whylen, "bad magic/version");
		return -1;
	}
	tg_write(d, VIRTIO_MMIO_STATUS, 0);
	tg_write(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	tg_write(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
		 VIRTIO_CONFIG_S_DRIVER);
	d->features = tg_offered(d) & accept;
	tg_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	tg_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)d->features);
	tg_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	tg_write(d, VIRTIO_MMIO_DRIVER_FEATURES, d->features >> 32);
	tg_write(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
		 VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	st = tg_read(d, VIRTIO_MMIO_STATUS);
	if (!(st & VIRTIO_CONFIG_S_FEATURES_OK)) {
		snprintf(why, whylen, "FEATURES_OK refused (status 0x%x)", st);
		return -1;
	}
	return 0;
}

int tg_vq_setup(struct tg_vq *vq, struct tg_dev *d, unsigned int index,
		uint16_t qsize)
{
	struct tg *g = d->g;
	unsigned int i;

	memset(vq, 0, sizeof(*vq));
	vq->d = d;
	vq->index = index;
	vq->num = qsize;
	vq->desc_gpa = tg_alloc(g, 16 * qsize, 16);
	vq->avail_gpa = tg_alloc(g, 6 + 2 * qsize, 2);
	vq->used_gpa = tg_alloc(g, 6 + 8 * qsize, 4);
	if (!vq->desc_gpa || !vq->avail_gpa || !vq->used_gpa)
		return -1;
	vq->desc = tg_ptr(g, vq->desc_gpa);
	vq->avail = tg_ptr(g, vq->avail_gpa);
	vq->used = tg_ptr(g, vq->used_gpa);
	for (i = 0; i < qsize; i++)
		vq->desc[i].next = htole16(i + 1);
	vq->num_free = qsize;
	tg_write(d, VIRTIO_MMIO_QUEUE_SEL, index);
	if (tg_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX) < qsize)
		return -1;
	tg_write(d, VIRTIO_MMIO_QUEUE_NUM, qsize);
	tg_write(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)vq->desc_gpa);
	tg_write(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, vq->desc_gpa >> 32);
	tg_write(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)vq->avail_gpa);
	tg_write(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, vq->avail_gpa >> 32);
	tg_write(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)vq->used_gpa);
	tg_write(d, VIRTIO_MMIO_QUEUE_USED_HIGH, vq->used_gpa >> 32);
	tg_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
	return tg_read(d, VIRTIO_MMIO_QUEUE_READY) == 1 ? 0 : -1;
}

int tg_dev_init(struct tg_dev *d, struct tg *g, struct virtio_set *set,
		unsigned int idx, uint64_t accept, uint16_t qsize, char *why,
		size_t whylen)
{
	unsigned int i;

	if (tg_dev_negotiate(d, g, set, idx, accept, why, whylen))
		return -1;
	for (i = 0; i < TG_MAX_QUEUES; i++) {
		tg_write(d, VIRTIO_MMIO_QUEUE_SEL, i);
		if (!tg_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX))
			break;
		if (tg_vq_setup(&d->vq[i], d, i, qsize)) {
			snprintf(why, whylen, "queue %u setup failed", i);
			return -1;
		}
	}
	d->nr_vqs = i;
	tg_write(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
		 VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
		 VIRTIO_CONFIG_S_DRIVER_OK);
	if (tg_read(d, VIRTIO_MMIO_STATUS) != (VIRTIO_CONFIG_S_ACKNOWLEDGE |
	    VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
	    VIRTIO_CONFIG_S_DRIVER_OK)) {
		snprintf(why, whylen, "DRIVER_OK not accepted (status 0x%x)",
			 tg_read(d, VIRTIO_MMIO_STATUS));
		return -1;
	}
	return 0;
}

void tg_vq_publish_raw(struct tg_vq *vq, uint16_t head)
{
	vq->avail->ring[vq->avail_idx % vq->num] = htole16(head);
	vq->avail_idx++;
	__atomic_store_n(&vq->avail->idx, htole16(vq->avail_idx), __ATOMIC_RELEASE);
}

int tg_vq_add(struct tg_vq *vq, const struct tg_buf *bufs, unsigned int n,
	      bool indirect)
{
	struct tg *g = vq->d->g;
	uint16_t head, idx, prev = 0;
	unsigned int i;

	if (!n)
		return -1;
	if (indirect) {
		struct vring_desc *t;

		if (n > TG_INDIRECT_MAX || !vq->num_free)
			return -1;
		head = vq->free_head;
		if (!vq->indirect_gpa[head])
			vq->indirect_gpa[head] = tg_alloc(g, 16 * TG_INDIRECT_MAX, 16);
		if (!vq->indirect_gpa[head])
			return -1;
		t = tg_ptr(g, vq->indirect_gpa[head]);
		for (i = 0; i < n; i++) {
			t[i].addr = htole64(bufs[i].gpa);
			t[i].len = htole32(bufs[i].len);
			t[i].flags = htole16((bufs[i].write ? VRING_DESC_F_WRITE : 0) |
					     (i + 1 < n ? VRING_DESC_F_NEXT : 0));
			t[i].next = htole16(i + 1);
		}
		vq->free_head = le16toh(vq->desc[head].next);
		vq->num_free--;
		vq->desc[head].addr = htole64(vq->indirect_gpa[head]);
		vq->desc[head].len = htole32(16 * n);
		vq->desc[head].flags = htole16(VRING_DESC_F_INDIRECT);
		vq->chain_len[head] = 1;
	} else {
		if (n > vq->num_free)
			return -1;
		head = idx = vq->free_head;
		for (i = 0; i < n; i++) {
			struct vring_desc *dsc = &vq->desc[idx];

			dsc->addr = htole64(bufs[i].gpa);
			dsc->len = htole32(bufs[i].len);
			dsc->flags = htole16((bufs[i].write ? VRING_DESC_F_WRITE : 0) |
					     (i + 1 < n ? VRING_DESC_F_NEXT : 0));
			prev = idx;
			idx = le16toh(dsc->next);
		}
		(void)prev;
		vq->free_head = idx;
		vq->num_free -= n;
		vq->chain_len[head] = n;
	}
	tg_vq_publish_raw(vq, head);
	return head;
}

static void tg_notify(struct tg_vq *vq)
{
	vq->kicks++;
	if (vq->d->kick_via_eventfd) {
		uint64_t one = 1;

		if (write(virtio_dev_kick_fd(vq->d->dev), &one, sizeof(one)) < 0)
			perror("kick eventfd");
	} else {
		tg_write(vq->d, VIRTIO_MMIO_QUEUE_NOTIFY, vq->index);
	}
}

uint16_t tg_avail_event(struct tg_vq *vq)
{
	return le16toh(__atomic_load_n((uint16_t *)&vq->used->ring[vq->num],
				       __ATOMIC_RELAXED));
}

void tg_vq_kick(struct tg_vq *vq)
{
	uint16_t old = vq->kicked_idx, new = vq->avail_idx;
	bool need;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->d->features & (1ULL << VIRTIO_RING_F_EVENT_IDX)) {
		uint16_t ev = le16toh(__atomic_load_n((uint16_t *)&vq->used->ring[vq->num],
						      __ATOMIC_RELAXED));

		need = vring_need_event(ev, new, old);
	} else {
		need = !(le16toh(vq->used->flags) & VRING_USED_F_NO_NOTIFY);
	}
	vq->kicked_idx = new;
	if (need)
		tg_notify(vq);
}

int tg_vq_get(struct tg_vq *vq, uint32_t *len)
{
	uint16_t used_idx = le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
	struct vring_used_elem e;
	uint16_t head, i, idx;

	if (used_idx == vq->last_used)
		return -1;
	e = vq->used->ring[vq->last_used % vq->num];
	vq->last_used++;
	head = le32toh(e.id);
	if (len)
		*len = le32toh(e.len);
	if (head >= vq->num)
		return -2;
	/* Return the chain's descriptors to the free list. */
	idx = head;
	for (i = 1; i < vq->chain_len[head]; i++)
		idx = le16toh(vq->desc[idx].next);
	vq->desc[idx].next = htole16(vq->free_head);
	vq->free_head = head;
	vq->num_free += vq->chain_len[head];
	vq->chain_len[head] = 0;
	return head;
}

static void tg_ack(struct tg_dev *d)
{
	uint32_t isr = tg_read(d, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (isr)
		tg_write(d, VIRTIO_MMIO_INTERRUPT_ACK, isr);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Interrupt-driven on purpose: between looks at the used ring we sleep
 * on the irq eventfd only, so a device that forgets to interrupt makes
 * this time out and the test fail.
 */
int tg_vq_wait(struct tg_vq *vq, uint32_t *len, int timeout_ms)
{
	int fd = virtio_dev_irq_fd(vq->d->dev);
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left;
		uint64_t v;
		int r;

		/* Ask for an interrupt at the next used entry (EVENT_IDX). */
		vq->avail->ring[vq->num] = htole16(vq->last_used);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		r = tg_vq_get(vq, len);
		if (r != -1)
			return r;
		left = deadline - now_ms();
		if (left <= 0)
			return -1;
		r = poll(&p, 1, left);
		if (r > 0 && read(fd, &v, sizeof(v)) == sizeof(v)) {
			vq->d->irqs++;
			tg_ack(vq->d);
		}
	}
}

uint32_t tg_wait_isr(struct tg_dev *d, uint32_t bits, int timeout_ms)
{
	int fd = virtio_dev_irq_fd(d->dev);
	int waited = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint32_t isr = tg_read(d, VIRTIO_MMIO_INTERRUPT_STATUS);
		uint64_t v;

		if (isr & bits) {
			tg_write(d, VIRTIO_MMIO_INTERRUPT_ACK, isr);
			return isr;
		}
		if (waited >= timeout_ms)
			return 0;
		if (poll(&p, 1, 10) > 0 && read(fd, &v, sizeof(v)) == sizeof(v))
			d->irqs++;
		waited += 10;
	}
}
