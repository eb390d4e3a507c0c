/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test driver's guest side: a fake guest that owns plain memory,
 * drives a device through virtio_mmio_access() exactly as the Linux
 * virtio-mmio driver would, and builds split rings by hand.  Tests and
 * the benchmark use it; nothing here is part of the launcher.
 */
#ifndef PVISOR_VIRTIO_TEST_GUEST_H
#define PVISOR_VIRTIO_TEST_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_ring.h>

#include "virtio.h"

#define TG_MAX_QUEUES	3
#define TG_INDIRECT_MAX	64

struct tg {
	uint8_t *map;		/* whole mapping, guard pages included */
	size_t map_len;
	uint8_t *mem;		/* guest memory proper */
	uint64_t size, base;	/* guest-physical range [base, base + size) */
	uint64_t brk;		/* bump allocator, gpa */
	struct virtio_gmem gm;
};

struct tg_dev;

struct tg_vq {
	struct tg_dev *d;
	unsigned int index;
	uint16_t num;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t free_head, num_free;
	uint16_t avail_idx, kicked_idx, last_used;
	uint16_t chain_len[256];	/* descriptors per head, to free */
	uint64_t indirect_gpa[256];	/* per-head indirect table */
	unsigned int kicks;
};

struct tg_dev {
	struct tg *g;
	struct virtio_set *set;
	struct virtio_dev *dev;
	uint64_t base;
	uint64_t features;	/* negotiated */
	unsigned int nr_vqs;
	struct tg_vq vq[TG_MAX_QUEUES];
	unsigned int irqs;
	bool kick_via_eventfd;	/* ioeventfd style instead of QueueNotify */
};

struct tg_buf {
	uint64_t gpa;
	uint32_t len;
	bool write;		/* device-writable */
};

int tg_init(struct tg *g, uint64_t size, uint64_t base);
void tg_fini(struct tg *g);
uint64_t tg_alloc(struct tg *g, uint64_t size, uint64_t align);
void *tg_ptr(struct tg *g, uint64_t gpa);

uint32_t tg_read(struct tg_dev *d, uint64_t off);
void tg_write(struct tg_dev *d, uint64_t off, uint32_t v);
uint64_t tg_cfg_read(struct tg_dev *d, uint64_t off, unsigned int size);
uint64_t tg_offered(struct tg_dev *d);

/*
 * Full driver init of device idx of set: reset, negotiate (offered &
 * accept), set up every queue with qsize entries, DRIVER_OK.  0, or -1
 * with a reason in why.
 */
int tg_dev_init(struct tg_dev *d, struct tg *g, struct virtio_set *set,
		unsigned int idx, uint64_t accept, uint16_t qsize, char *why,
		size_t whylen);
/* Only up to (not including) DRIVER_OK; for transport tests. */
int tg_dev_negotiate(struct tg_dev *d, struct tg *g, struct virtio_set *set,
		     unsigned int idx, uint64_t accept, char *why, size_t whylen);
int tg_vq_setup(struct tg_vq *vq, struct tg_dev *d, unsigned int index,
		uint16_t qsize);

/* Adds a chain (out buffers must come first); returns the head or -1. */
int tg_vq_add(struct tg_vq *vq, const struct tg_buf *bufs, unsigned int n,
	      bool indirect);
/* Notifies the device if its avail_event / flags ask for it. */
void tg_vq_kick(struct tg_vq *vq);
/* Next used entry: head, or -1 if none (non-blocking). */
int tg_vq_get(struct tg_vq *vq, uint32_t *len);
/* Waits (interrupt-driven) up to timeout_ms for the next used entry. */
int tg_vq_wait(struct tg_vq *vq, uint32_t *len, int timeout_ms);
/* Waits for an interrupt with the given ISR bits; returns ISR or 0. */
uint32_t tg_wait_isr(struct tg_dev *d, uint32_t bits, int timeout_ms);
/* The device's avail_event (EVENT_IDX). */
uint16_t tg_avail_event(struct tg_vq *vq);
/* Put head in the avail ring and publish it, no checks (hostile tests). */
void tg_vq_publish_raw(struct tg_vq *vq, uint16_t head);

#endif
