/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libFuzzer targets.  Each target builds one device set
 * once (no threads: devices run in the fuzzer's thread through
 * virtio_dev_process()), and for every input resets the device, drives
 * it to DRIVER_OK through virtio_mmio_access() like a driver, lays the
 * input over guest memory (descriptor tables, avail rings, buffers),
 * notifies and lets the device work.  Guest memory is a malloc()ed
 * block, so ASan catches any access outside it.
 *
 * Descriptor addresses and lengths are "steered": a descriptor whose
 * top address bit is clear is pointed into guest memory, the others
 * keep their raw (mostly hostile) values, so inputs reach both the
 * request parsers and the ring walker's refusals.
 */
#ifndef PVISOR_VIRTIO_FUZZ_COMMON_H
#define PVISOR_VIRTIO_FUZZ_COMMON_H

#include <endian.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#define VIRTIO_MMIO_NO_LEGACY
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "virtio.h"

#define GM_BASE		0x100000ULL
#define GM_SIZE		(256 * 1024)
#define QAREA		0x3000		/* per queue: desc, avail, used pages */
#define DATA_OFF	0x10000		/* buffers live from here */

static uint8_t *gmem;
static struct virtio_gmem fz_gm;

static inline void fz_quiet(const char *msg)
{
	(void)msg;
}

static inline void fz_mem_init(void)
{
	gmem = calloc(1, GM_SIZE);
	if (!gmem)
		abort();
	virtio_gmem_init(&fz_gm, gmem, GM_SIZE, GM_BASE);
	virtio_set_log_handler(fz_quiet);
}

/*
 * The set of the devices one option asks for (name NULL: none), plus
 * an rng if rng; NULL if it cannot be built.  Aborts on a bad option.
 */
static inline struct virtio_set *fz_set_create(const char *name, const char *arg,
					       bool rng)
{
	struct virtio_opts o;
	struct virtio_set *s;

	virtio_opts_init(&o);
	if (name && virtio_opts_parse(&o, name, arg))
		abort();
	o.rng = rng;
	s = virtio_set_create(&o, &fz_gm, VIRTIO_MMIO_BASE_DEFAULT, 5);
	virtio_opts_free(&o);
	return s;
}

/*
 * A 64 KiB disk image in a memfd, its path in path.  The caller closes
 * the fd once the set has opened its own.
 */
static inline int fz_disk(char *path, size_t len)
{
	int fd = memfd_create("fuzz-disk", 0);

	if (fd < 0 || ftruncate(fd, 65536))
		abort();
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

/* Unix sockets at dir/name, the other end of a device's backend. */
static inline void fz_unix_addr(struct sockaddr_un *sun, const char *dir,
				const char *name)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s", dir, name);
}

enum fz_end { FZ_BIND, FZ_CONNECT };

/* A non-blocking socket of type bound at or connected to dir/name, or -1. */
static inline int fz_unix_socket(int type, enum fz_end end, const char *dir,
				 const char *name)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, type | SOCK_NONBLOCK, 0), err;

	if (fd < 0)
		return -1;
	fz_unix_addr(&sun, dir, name);
	if (end == FZ_BIND)
		err = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	else
		err = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (err) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline uint32_t fz_rw(struct virtio_dev *dev, uint64_t off, unsigned int size,
		      bool write, uint64_t v, struct virtio_set *set)
{
	virtio_mmio_access(set, virtio_dev_mmio_base(dev) + off, size, write, &v);
	return v;
}

#define FZ_W(set, dev, off, v)	fz_rw(dev, off, 4, true, v, set)
#define FZ_R(set, dev, off)	fz_rw(dev, off, 4, false, 0, set)

/* Reset and bring the device to DRIVER_OK with nq queues of qsize. */
static inline void fz_dev_init(struct virtio_set *set, struct virtio_dev *dev,
			unsigned int nq, uint16_t qsize, uint64_t drop_features)
{
	uint64_t f;
	unsigned int q;

	FZ_W(set, dev, VIRTIO_MMIO_STATUS, 0);
	FZ_W(set, dev, VIRTIO_MMIO_STATUS, 3);
	FZ_W(set, dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)FZ_R(set, dev, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	FZ_W(set, dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f |= FZ_R(set, dev, VIRTIO_MMIO_DEVICE_FEATURES);
	f &= ~drop_features;
	FZ_W(set, dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	FZ_W(set, dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	FZ_W(set, dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	FZ_W(set, dev, VIRTIO_MMIO_DRIVER_FEATURES, f >> 32);
	FZ_W(set, dev, VIRTIO_MMIO_STATUS, 3 | VIRTIO_CONFIG_S_FEATURES_OK);
	for (q = 0; q < nq; q++) {
		uint64_t base = GM_BASE + (uint64_t)q * QAREA;

		FZ_W(set, dev, VIRTIO_MMIO_QUEUE_SEL, q);
		FZ_W(set, dev, VIRTIO_MMIO_QUEUE_NUM, qsize);
		FZ_W(set, dev, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)base);
		FZ_W(set, dev, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(base + 0x1000));
		FZ_W(set, dev, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(base + 0x2000));
		FZ_W(set, dev, VIRTIO_MMIO_QUEUE_READY, 1);
	}
	FZ_W(set, dev, VIRTIO_MMIO_STATUS, 3 | VIRTIO_CONFIG_S_FEATURES_OK |
	     VIRTIO_CONFIG_S_DRIVER_OK);
}

/* The input's flag byte: bits 0 and 1 keep INDIRECT_DESC and EVENT_IDX from the driver. */
static inline uint64_t fz_drop_features(uint8_t flags)
{
	uint64_t drop = 0;

	if (flags & 1)
		drop |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (flags & 2)
		drop |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	return drop;
}

/* Steer descriptors of one table (see the top of this file). */
static inline void fz_steer(struct vring_desc *d, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t a = le64toh(d[i].addr);
		uint32_t l = le32toh(d[i].len);

		if (le16toh(d[i].flags) & VRING_DESC_F_INDIRECT) {
			/* Aim indirect pointers at the (steered) first 4 KiB
			 * of the data area, with sane table lengths. */
			if (!(a >> 63))
				d[i].addr = htole64(GM_BASE + DATA_OFF + ((a % 4096) & ~15ULL));
			if (!(l >> 31))
				d[i].len = htole32(((l % 4096) & ~15U) + 16);
			continue;
		}
		if (!(a >> 63))
			d[i].addr = htole64(GM_BASE + DATA_OFF + a % (GM_SIZE - DATA_OFF));
		if (!(l >> 31))
			d[i].len = htole32(l % 8192);
	}
}

/*
 * Lay input over guest memory: the first bytes become queue q's
 * descriptor table and avail ring (steered), the rest the data area
 * (which may hold indirect tables, also steered on the fly).
 * avail->idx becomes `count` so at most that many chains are pending.
 */
static inline void fz_fill_queue(unsigned int q, uint16_t qsize, uint16_t count,
			  const uint8_t **data, size_t *size)
{
	uint64_t base = (uint64_t)q * QAREA;
	struct vring_desc *desc = (struct vring_desc *)(gmem + base);
	struct vring_avail *avail = (struct vring_avail *)(gmem + base + 0x1000);
	size_t n;

	memset(gmem + base, 0, 0x2000);
	memset(gmem + base + 0x2000, 0, 0x1000);	/* used ring */
	n = *size < 16u * qsize ? *size : 16u * qsize;
	memcpy(desc, *data, n);
	*data += n;
	*size -= n;
	fz_steer(desc, qsize);
	n = *size < 2u * qsize ? *size : 2u * qsize;
	memcpy(avail->ring, *data, n);
	*data += n;
	*size -= n;
	avail->idx = htole16(count);
}

static inline void fz_fill_data(const uint8_t *data, size_t size)
{
	size_t n = size < GM_SIZE - DATA_OFF ? size : GM_SIZE - DATA_OFF;

	memset(gmem + DATA_OFF, 0, GM_SIZE - DATA_OFF);
	memcpy(gmem + DATA_OFF, data, n);
	/* Indirect tables are 16-byte descriptors anywhere: steer the
	 * first 4 KiB of data as if it were one. */
	fz_steer((struct vring_desc *)(gmem + DATA_OFF), 256);
}

/* A fresh directory for sockets, under $TMPDIR (run-fuzz.sh removes it). */
static inline void fz_tmpdir(char *buf, size_t len, const char *what)
{
	const char *t = getenv("TMPDIR");

	snprintf(buf, len, "%s/pvfuzz-%s-XXXXXX", t && *t ? t : "/tmp", what);
	if (!mkdtemp(buf))
		abort();
}

static inline uint16_t fz_qsize(uint8_t b)
{
	return 1u << (b % 9);	/* 1 .. 256 */
}

#endif
