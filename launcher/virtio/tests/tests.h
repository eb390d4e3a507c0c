/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PVISOR_VIRTIO_TESTS_H
#define PVISOR_VIRTIO_TESTS_H

#include <linux/virtio_config.h>
#define VIRTIO_MMIO_NO_LEGACY
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "guest.h"
#include "tap.h"
#include "virtio.h"

#define WAIT_MS		5000	/* a device that takes longer is broken */
#define GUEST_MEM	(8 << 20)
#define GUEST_BASE	0x40000000ULL	/* not 0: catches gpa/offset mix-ups */
#define ALL_FEATURES	(~0ULL)
#define NO_RING_EXTRAS	(~((1ULL << VIRTIO_RING_F_EVENT_IDX) | \
			   (1ULL << VIRTIO_RING_F_INDIRECT_DESC)))

struct test_case {
	const char *name;
	void (*fn)(void);
};

/* Each test file exports a NULL-terminated table. */
extern const struct test_case transport_tests[];
extern const struct test_case blk_tests[];
extern const struct test_case net_tests[];
extern const struct test_case console_tests[];
extern const struct test_case rng_tests[];
extern const struct test_case vsock_tests[];
extern const struct test_case hostile_tests[];
extern const struct test_case cmdline_tests[];

/* Helpers in main.c */
struct virtio_set *make_set(struct virtio_opts *o, struct tg *g, bool start);

/*
 * What a case of one set and one driven device starts from: a fake
 * guest of GUEST_MEM bytes at GUEST_BASE, the options, the set built
 * from them and a driver for its first device.  rig_close() frees
 * whatever rig_open() got to, so a case can call it at out: whatever
 * failed.
 */
struct rig {
	struct tg g;
	struct virtio_opts o;
	struct virtio_set *set;
	struct tg_dev d;	/* device 0, after rig_drive() */
	char why[128];		/* why rig_drive() failed */
};
/* Options from argv (see opts_from()), the set, started if start.  0 or -1. */
int rig_open(struct rig *r, const char *const *argv, bool start);
/* Full driver init of device 0 (tg_dev_init()).  0, or -1 with r->why. */
int rig_drive(struct rig *r, uint64_t accept, uint16_t qsize);
void rig_close(struct rig *r);
/* Build options from a NULL-terminated list of "--opt", "value" strings. */
int opts_from(struct virtio_opts *o, const char *const *argv);
int make_file(const char *path, size_t size, int fill);
void fill_pattern(void *buf, size_t len, unsigned int seed);

#endif
