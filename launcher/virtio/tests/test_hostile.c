// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile driver.  Every case checks the whole policy: the error is
 * logged naming the device, the queue and the reason; the device sets
 * DEVICE_NEEDS_RESET and sends a config-change interrupt (or refuses
 * the step the spec's way); the other device in the set keeps working;
 * no byte of guest memory outside the rings the device may write, and
 * no byte of the image, changes.  Guest memory has inaccessible pages
 * on both sides, so a stray access would also crash the test.
 */
#include <endian.h>
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"

#define IMG	(1 << 20)

struct hx {
	struct virtio_opts o;
	struct virtio_set *set;
	struct tg g;
	struct tg_dev blk, rng;
	uint64_t scratch;	/* 64 KiB of guest memory for requests */
	uint64_t rng_buf;
	uint8_t *snap;
	char path[320];
};

static int hx_setup(struct hx *h, uint64_t mem, uint16_t qsize, uint64_t blk_accept,
		    bool init_blk)
{
	char why[128];
	const char *argv[5] = { "--disk", h->path, "--rng", NULL, NULL };

	memset(h, 0, sizeof(*h));
	snprintf(h->path, sizeof(h->path), "%s", tmppath("disk.img"));
	if (make_file(h->path, IMG, 0x5a) || tg_init(&h->g, mem, GUEST_BASE) ||
	    opts_from(&h->o, argv))
		return -1;
	h->set = make_set(&h->o, &h->g, true);
	if (!h->set)
		return -1;
	if (tg_dev_init(&h->rng, &h->g, h->set, 1, ALL_FEATURES, 16, why, sizeof(why)))
		return -1;
	if (init_blk && tg_dev_init(&h->blk, &h->g, h->set, 0, blk_accept, qsize, why,
				    sizeof(why)))
		return -1;
	if (!init_blk && tg_dev_negotiate(&h->blk, &h->g, h->set, 0, blk_accept, why,
					  sizeof(why)))
		return -1;
	h->scratch = tg_alloc(&h->g, 65536, 4096);
	h->rng_buf = tg_alloc(&h->g, 4096, 64);
	memset(tg_ptr(&h->g, h->scratch), 0x11, 65536);
	h->snap = malloc(h->g.size);
	return h->snap ? 0 : -1;
}

static void hx_teardown(struct hx *h)
{
	virtio_set_destroy(h->set);
	virtio_opts_free(&h->o);
	tg_fini(&h->g);
	free(h->snap);
}

static void hx_snap(struct hx *h)
{
	memcpy(h->snap, h->g.mem, h->g.size);
}

static bool excluded(struct hx *h, uint64_t gpa)
{
	const struct tg_vq *q[2] = { &h->blk.vq[0], &h->rng.vq[0] };
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (q[i]->num && gpa >= q[i]->used_gpa &&
		    gpa < q[i]->used_gpa + 6 + 8 * q[i]->num)
			return true;	/* used rings: the device's to write */
	if (q[0]->num && gpa >= q[0]->avail_gpa &&
	    gpa < q[0]->avail_gpa + 6 + 2 * q[0]->num)
		return true;	/* the test itself publishes there */
	if (h->rng.vq[0].num && gpa >= h->rng.vq[0].desc_gpa &&
	    gpa < h->rng.vq[0].desc_gpa + 16 * h->rng.vq[0].num)
		return true;
	if (h->rng.vq[0].num && gpa >= h->rng.vq[0].avail_gpa &&
	    gpa < h->rng.vq[0].avail_gpa + 6 + 2 * h->rng.vq[0].num)
		return true;
	return gpa >= h->rng_buf && gpa < h->rng_buf + 4096;
}

static bool status_has(struct tg_dev *d, uint32_t bit, int ms)
{
	int i;

	for (i = 0; i <= ms / 10; i++) {
		if (tg_read(d, VIRTIO_MMIO_STATUS) & bit)
			return true;
		usleep(10000);
	}
	return false;
}

/* The other device still serves a request. */
static const char *other_works(struct hx *h, struct tg_dev *victim)
{
	uint32_t len;

	if (victim == &h->rng) {
		static uint8_t disk[512];
		uint64_t b = h->rng_buf;
		uint32_t *hdr = tg_ptr(&h->g, b);
		struct tg_buf bufs[3] = { { b, 16, false }, { b + 512, 512, true },
					  { b + 1024, 1, true } };

		memset(hdr, 0, 16);
		if (tg_vq_add(&h->blk.vq[0], bufs, 3, false) < 0)
			return "blk add";
		tg_vq_kick(&h->blk.vq[0]);
		if (tg_vq_wait(&h->blk.vq[0], &len, WAIT_MS) < 0)
			return "the blk device stopped working";
		memcpy(disk, tg_ptr(&h->g, b + 512), 512);
		return disk[0] == 0x5a ? NULL : "blk read wrong data";
	} else {
		struct tg_buf b = { h->rng_buf, 64, true };

		if (tg_vq_add(&h->rng.vq[0], &b, 1, false) < 0)
			return "rng add";
		tg_vq_kick(&h->rng.vq[0]);
		if (tg_vq_wait(&h->rng.vq[0], &len, WAIT_MS) < 0 || len != 64)
			return "the rng device stopped working";
		return NULL;
	}
}

static const char *image_unchanged(struct hx *h)
{
	static uint8_t buf[IMG];
	int fd = open(h->path, O_RDONLY);
	ssize_t r;
	size_t i;

	r = fd >= 0 ? pread(fd, buf, IMG, 0) : -1;
	if (fd >= 0)
		close(fd);
	if (r != IMG)
		return "cannot read the image";
	for (i = 0; i < IMG; i++)
		if (buf[i] != 0x5a)
			return "the image changed";
	return NULL;
}

/*
 * The common verdict.  who: "virtio-blk0: queue 0" etc.; reason: part
 * of the message; mem: compare guest memory with the snapshot.
 */
static const char *hx_verdict(struct hx *h, struct tg_dev *victim, const char *who,
			      const char *reason, bool mem)
{
	static char why[300];
	const char *e;
	uint64_t i;

	if (!status_has(victim, VIRTIO_CONFIG_S_NEEDS_RESET, WAIT_MS))
		return "DEVICE_NEEDS_RESET not set";
	if (!tg_wait_isr(victim, 2, WAIT_MS))
		return "no config-change interrupt";
	if (!log_contains2(who, reason)) {
		snprintf(why, sizeof(why), "no log line with '%s' and '%s'", who, reason);
		return why;
	}
	if (!log_contains2(who, "device needs reset"))
		return "log does not say the device needs a reset";
	if (mem) {
		for (i = 0; i < h->g.size; i++) {
			if (h->g.mem[i] == h->snap[i] || excluded(h, h->g.base + i))
				continue;
			snprintf(why, sizeof(why), "guest memory changed at gpa 0x%llx",
				 (unsigned long long)(h->g.base + i));
			return why;
		}
	}
	e = image_unchanged(h);
	if (e)
		return e;
	return other_works(h, victim);
}

/* Write descriptor i of the blk queue by hand. */
static void put_desc(struct hx *h, unsigned int i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	struct vring_desc *d = &h->blk.vq[0].desc[i];

	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

static struct vring_desc *indirect_table(struct hx *h, unsigned int n)
{
	struct vring_desc *t = tg_ptr(&h->g, h->scratch + 32768);

	memset(t, 0, 16 * n);
	return t;
}

static void set_ind(struct vring_desc *t, unsigned int i, uint64_t addr, uint32_t len,
		    uint16_t flags, uint16_t next)
{
	t[i].addr = htole64(addr);
	t[i].len = htole32(len);
	t[i].flags = htole16(flags);
	t[i].next = htole16(next);
}

/* Publish head 0 (or `head`) on the blk queue and notify. */
static void go(struct hx *h, uint16_t head)
{
	hx_snap(h);
	tg_vq_publish_raw(&h->blk.vq[0], head);
	tg_write(&h->blk, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

#define VERDICT(victim, who, reason, mem)					\
	do {								\
		const char *e_ = hx_verdict(&h, victim, who, reason, mem); \
		CHECK(!e_, "%s", e_);					\
	} while (0)

#define HX(name, mem, qsize, accept, init)				\
	struct hx h;							\
	CHECK(hx_setup(&h, mem, qsize, accept, init) == 0, "setup: %s", log_text())

static void test_loop(void)
{
	HX(loop, GUEST_MEM, 16, ALL_FEATURES, true);
	put_desc(&h, 0, h.scratch, 16, VRING_DESC_F_NEXT, 1);
	put_desc(&h, 1, h.scratch + 512, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	put_desc(&h, 2, h.scratch + 1024, 1, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0 (requestq)", "loops", true);
out:
	hx_teardown(&h);
}

static void test_outside_memory(void)
{
	HX(outside, GUEST_MEM, 16, ALL_FEATURES, true);
	/* Straddles the end of guest memory by 8 bytes. */
	put_desc(&h, 0, GUEST_BASE + GUEST_MEM - 8, 16, VRING_DESC_F_NEXT, 1);
	put_desc(&h, 1, h.scratch, 1, VRING_DESC_F_WRITE, 0);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "outside guest memory", true);
out:
	hx_teardown(&h);
}

static void test_below_memory(void)
{
	HX(below, GUEST_MEM, 16, ALL_FEATURES, true);
	put_desc(&h, 0, h.scratch, 16, VRING_DESC_F_NEXT, 1);
	put_desc(&h, 1, GUEST_BASE - 4096, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	put_desc(&h, 2, h.scratch + 1024, 1, VRING_DESC_F_WRITE, 0);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "outside guest memory", true);
out:
	hx_teardown(&h);
}

static void test_address_wraps(void)
{
	HX(wrap, GUEST_MEM, 16, ALL_FEATURES, true);
	/* addr + len wraps around 2^64 into guest memory. */
	put_desc(&h, 0, 0xfffffffffffffff0ULL, 0x20 + GUEST_BASE, VRING_DESC_F_NEXT, 1);
	put_desc(&h, 1, h.scratch, 1, VRING_DESC_F_WRITE, 0);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "outside guest memory", true);
out:
	hx_teardown(&h);
}

static void test_length_overflow(void)
{
	struct vring_desc *t;
	unsigned int i;

	/* 80 readable buffers of 60 MiB each: 4.7 GiB in one chain. */
	HX(overflow, 64 << 20, 128, ALL_FEATURES, true);
	t = indirect_table(&h, 80);
	for (i = 0; i < 80; i++)
		set_ind(t, i, GUEST_BASE, 60 << 20, i < 79 ? VRING_DESC_F_NEXT : 0, i + 1);
	put_desc(&h, 0, h.scratch + 32768, 16 * 80, VRING_DESC_F_INDIRECT, 0);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "longer than 4 GiB", true);
out:
	hx_teardown(&h);
}

static void test_readable_after_writable(void)
{
	HX(dir, GUEST_MEM, 16, ALL_FEATURES, true);
	put_desc(&h, 0, h.scratch, 16, VRING_DESC_F_NEXT, 1);
	put_desc(&h, 1, h.scratch + 512, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	put_desc(&h, 2, h.scratch + 2048, 512, 0, 0);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "follows a device-writable one", true);
out:
	hx_teardown(&h);
}

static void test_chain_longer_than_queue(void)
{
	struct vring_desc *t;
	unsigned int i;

	HX(long, GUEST_MEM, 16, ALL_FEATURES, true);
	t = indirect_table(&h, 17);
	for (i = 0; i < 17; i++)
		set_ind(t, i, h.scratch + 16 * i, 16, i < 16 ? VRING_DESC_F_NEXT : VRING_DESC_F_WRITE, i + 1);
	put_desc(&h, 0, h.scratch + 32768, 16 * 17, VRING_DESC_F_INDIRECT, 0);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "longer than the queue size 16", true);
out:
	hx_teardown(&h);
}

static void test_nested_indirect(void)
{
	struct vring_desc *t;

	HX(nested, GUEST_MEM, 16, ALL_FEATURES, true);
	t = indirect_table(&h, 2);
	set_ind(t, 0, h.scratch, 16, VRING_DESC_F_NEXT, 1);
	set_ind(t, 1, h.scratch + 32768, 32, VRING_DESC_F_INDIRECT, 0);
	put_desc(&h, 0, h.scratch + 32768, 32, VRING_DESC_F_INDIRECT, 0);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "nested indirect", true);
out:
	hx_teardown(&h);
}

static void test_indirect_and_next(void)
{
	struct vring_desc *t;

	HX(indnext, GUEST_MEM, 16, ALL_FEATURES, true);
	t = indirect_table(&h, 1);
	set_ind(t, 0, h.scratch, 1, VRING_DESC_F_WRITE, 0);
	put_desc(&h, 0, h.scratch + 32768, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	put_desc(&h, 1, h.scratch, 1, VRING_DESC_F_WRITE, 0);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "both INDIRECT and NEXT", true);
out:
	hx_teardown(&h);
}

static void test_indirect_bad_length(void)
{
	HX(indlen, GUEST_MEM, 16, ALL_FEATURES, true);
	put_desc(&h, 0, h.scratch + 32768, 24, VRING_DESC_F_INDIRECT, 0);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "not a non-zero multiple of 16", true);
out:
	hx_teardown(&h);
}

static void test_indirect_not_negotiated(void)
{
	struct vring_desc *t;

	HX(indneg, GUEST_MEM, 16, ~(1ULL << VIRTIO_RING_F_INDIRECT_DESC), true);
	t = indirect_table(&h, 1);
	set_ind(t, 0, h.scratch, 1, VRING_DESC_F_WRITE, 0);
	put_desc(&h, 0, h.scratch + 32768, 16, VRING_DESC_F_INDIRECT, 0);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "INDIRECT_DESC was not negotiated", true);
out:
	hx_teardown(&h);
}

static void test_head_out_of_range(void)
{
	HX(head, GUEST_MEM, 16, ALL_FEATURES, true);
	go(&h, 20);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "head descriptor index 20 is outside the queue", true);
out:
	hx_teardown(&h);
}

static void test_next_out_of_range(void)
{
	HX(next, GUEST_MEM, 16, ALL_FEATURES, true);
	put_desc(&h, 0, h.scratch, 16, VRING_DESC_F_NEXT, 40);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "links to index 40", true);
out:
	hx_teardown(&h);
}

static void test_avail_index_jump(void)
{
	struct tg_vq *vq;

	HX(jump, GUEST_MEM, 16, ALL_FEATURES, true);
	vq = &h.blk.vq[0];
	hx_snap(&h);
	vq->avail_idx += 17;
	__atomic_store_n(&vq->avail->idx, htole16(vq->avail_idx), __ATOMIC_RELEASE);
	hx_snap(&h);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "more than the queue size 16", true);
out:
	hx_teardown(&h);
}

static void test_no_status_byte(void)
{
	HX(nostatus, GUEST_MEM, 16, ALL_FEATURES, true);
	memset(tg_ptr(&h.g, h.scratch), 0, 16);	/* an IN request */
	put_desc(&h, 0, h.scratch, 16, 0, 0);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "no device-writable status byte", true);
out:
	hx_teardown(&h);
}

static void test_wrong_direction_queue(void)
{
	struct tg_vq *vq;

	HX(rngdir, GUEST_MEM, 16, ALL_FEATURES, true);
	vq = &h.rng.vq[0];
	{
		struct tg_buf b[2] = { { h.scratch, 16, false }, { h.scratch + 64, 16, true } };

		hx_snap(&h);
		CHECK(tg_vq_add(vq, b, 2, false) >= 0, "add");
		tg_write(&h.rng, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	}
	VERDICT(&h.rng, "virtio-rng0: queue 0", "this queue takes only device-writable buffers", false);
	CHECK_EQ(((uint8_t *)tg_ptr(&h.g, h.scratch + 64))[0], 0x11);
out:
	hx_teardown(&h);
}

/* ---- transport level ------------------------------------------------- */

static void test_queue_size_invalid(void)
{
	static const uint32_t sizes[] = { 100, 512, 0 };
	unsigned int i;
	char why[128];

	HX(qsize, GUEST_MEM, 16, ALL_FEATURES, false);
	for (i = 0; i < 3; i++) {
		char want[64];

		snprintf(want, sizeof(want), "queue size %u is not a power of two", sizes[i]);
		tg_write(&h.blk, VIRTIO_MMIO_QUEUE_SEL, 0);
		tg_write(&h.blk, VIRTIO_MMIO_QUEUE_NUM, sizes[i]);
		VERDICT(&h.blk, "virtio-blk0: queue 0", want, false);
		log_clear();
		CHECK(tg_dev_negotiate(&h.blk, &h.g, h.set, 0, ALL_FEATURES, why, sizeof(why)) == 0,
		      "reset and renegotiate: %s", why);
		CHECK_EQ(tg_read(&h.blk, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	}
out:
	hx_teardown(&h);
}

static void test_features_never_offered(void)
{
	char why[128];

	HX(feat, GUEST_MEM, 16, ALL_FEATURES, false);
	/* Accept bit 50, which nobody offered. */
	tg_write(&h.blk, VIRTIO_MMIO_STATUS, 0);
	tg_write(&h.blk, VIRTIO_MMIO_STATUS, 3);
	tg_write(&h.blk, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	tg_write(&h.blk, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)tg_offered(&h.blk));
	tg_write(&h.blk, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	tg_write(&h.blk, VIRTIO_MMIO_DRIVER_FEATURES, 1 | (1 << 18));
	tg_write(&h.blk, VIRTIO_MMIO_STATUS, 3 | VIRTIO_CONFIG_S_FEATURES_OK);
	CHECK_EQ(tg_read(&h.blk, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
	CHECK(log_contains2("virtio-blk0", "never offered"), "logged: %s", log_text());
	CHECK(log_contains("0x4000000000000"), "names the bit");
	/* ... and then DRIVER_OK anyway. */
	tg_write(&h.blk, VIRTIO_MMIO_STATUS, 3 | VIRTIO_CONFIG_S_DRIVER_OK);
	VERDICT(&h.blk, "virtio-blk0", "DRIVER_OK without FEATURES_OK", false);
	/* Feature words beyond the second one. */
	log_clear();
	tg_write(&h.blk, VIRTIO_MMIO_STATUS, 0);
	tg_write(&h.blk, VIRTIO_MMIO_STATUS, 3);
	tg_write(&h.blk, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	tg_write(&h.blk, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	tg_write(&h.blk, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 2);
	tg_write(&h.blk, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	tg_write(&h.blk, VIRTIO_MMIO_STATUS, 3 | VIRTIO_CONFIG_S_FEATURES_OK);
	CHECK_EQ(tg_read(&h.blk, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
	/* Without VERSION_1 (a legacy driver): refused too. */
	log_clear();
	tg_write(&h.blk, VIRTIO_MMIO_STATUS, 0);
	CHECK(tg_dev_negotiate(&h.blk, &h.g, h.set, 0, ~(1ULL << VIRTIO_F_VERSION_1), why,
			       sizeof(why)) != 0, "legacy driver accepted");
	CHECK(log_contains("VIRTIO_F_VERSION_1"), "logged");
out:
	hx_teardown(&h);
}

static void test_config_out_of_range(void)
{
	uint64_t v = 0x77;

	HX(cfg, GUEST_MEM, 16, ALL_FEATURES, true);
	/* Reads outside: zero and a log line, no reset. */
	CHECK(virtio_mmio_access(h.set, h.blk.base + 0x100 + 0x400, 4, false, &v), "handled");
	CHECK_EQ(v, 0);
	CHECK(log_contains2("virtio-blk0", "config read of 4 bytes at offset 0x400"), "logged");
	/* A read straddling the end. */
	v = 0x77;
	CHECK(virtio_mmio_access(h.set, h.blk.base + 0x100 + sizeof(struct virtio_blk_config) - 2,
				 4, false, &v), "handled");
	CHECK_EQ(v, 0);
	CHECK_EQ(tg_read(&h.blk, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	/* In-range writes to read-only fields are ignored. */
	v = 1;
	CHECK(virtio_mmio_access(h.set, h.blk.base + 0x100, 8, true, &v), "handled");
	CHECK_EQ(tg_cfg_read(&h.blk, 0, 8), IMG / 512);
	CHECK_EQ(tg_read(&h.blk, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	/* A write outside: device needs reset. */
	v = 0xdead;
	CHECK(virtio_mmio_access(h.set, h.blk.base + 0x100 + 0x200, 4, true, &v), "handled");
	VERDICT(&h.blk, "virtio-blk0", "config write of 4 bytes at offset 0x200", false);
out:
	hx_teardown(&h);
}

static void test_notify_not_ready(void)
{
	HX(notify, GUEST_MEM, 16, ALL_FEATURES, false);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "notify for a queue that is not ready", false);
	log_clear();
	tg_write(&h.blk, VIRTIO_MMIO_STATUS, 0);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_NOTIFY, 5);
	VERDICT(&h.blk, "virtio-blk0", "notify for queue 5, but the device has 1 queues", false);
out:
	hx_teardown(&h);
}

static void test_ring_outside_or_misaligned(void)
{
	char why[128];

	HX(ring, GUEST_MEM, 16, ALL_FEATURES, false);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_SEL, 0);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_NUM, 16);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(GUEST_BASE + GUEST_MEM - 64));
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_DESC_HIGH, (GUEST_BASE + GUEST_MEM) >> 32);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)h.scratch);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)h.scratch + 4096);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK_EQ(tg_read(&h.blk, VIRTIO_MMIO_QUEUE_READY), 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "ring outside guest memory", false);
	log_clear();
	CHECK(tg_dev_negotiate(&h.blk, &h.g, h.set, 0, ALL_FEATURES, why, sizeof(why)) == 0, "%s", why);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_SEL, 0);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_NUM, 16);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)h.scratch + 8);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)h.scratch + 1024);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)h.scratch + 4096);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_READY, 1);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "misaligned ring", false);
out:
	hx_teardown(&h);
}

static void test_status_abuse(void)
{
	char why[128];

	HX(status, GUEST_MEM, 16, ALL_FEATURES, true);
	/* Clearing DRIVER_OK without a reset. */
	tg_write(&h.blk, VIRTIO_MMIO_STATUS, 3 | VIRTIO_CONFIG_S_FEATURES_OK);
	VERDICT(&h.blk, "virtio-blk0", "cleared status bits 0x4", false);
	/* Queue registers while the queue is live. */
	log_clear();
	CHECK(tg_dev_init(&h.blk, &h.g, h.set, 0, ALL_FEATURES, 16, why, sizeof(why)) == 0, "%s", why);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_SEL, 0);
	tg_write(&h.blk, VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "QueueDesc written while the queue is ready", false);
out:
	hx_teardown(&h);
}

/* After any of this, a reset brings the device back. */
static void test_recovery(void)
{
	char why[128];
	uint32_t len;

	HX(recover, GUEST_MEM, 16, ALL_FEATURES, true);
	put_desc(&h, 0, h.scratch, 16, VRING_DESC_F_NEXT, 0);
	go(&h, 0);
	VERDICT(&h.blk, "virtio-blk0: queue 0", "loops", true);
	CHECK(tg_dev_init(&h.blk, &h.g, h.set, 0, ALL_FEATURES, 16, why, sizeof(why)) == 0, "%s", why);
	CHECK_EQ(tg_read(&h.blk, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	{
		uint8_t *p = tg_ptr(&h.g, h.scratch);
		struct tg_buf b[3] = { { h.scratch, 16, false }, { h.scratch + 512, 512, true },
				       { h.scratch + 1024, 1, true } };

		memset(p, 0, 16);
		p[1024] = 0xee;
		CHECK(tg_vq_add(&h.blk.vq[0], b, 3, false) >= 0, "add");
		tg_vq_kick(&h.blk.vq[0]);
		CHECK(tg_vq_wait(&h.blk.vq[0], &len, WAIT_MS) >= 0, "served after reset");
		CHECK_EQ(p[1024], VIRTIO_BLK_S_OK);
		CHECK_EQ(p[512], 0x5a);
	}
out:
	hx_teardown(&h);
}

/* A flood of bad accesses is rate-limited in the log. */
static void test_log_rate_limit(void)
{
	uint64_t v;
	int i;

	HX(flood, GUEST_MEM, 16, ALL_FEATURES, true);
	for (i = 0; i < 1000; i++)
		virtio_mmio_access(h.set, h.rng.base + 0x0f0, 4, false, &v);
	{
		const char *t = log_text();
		int lines = 0;

		for (; *t; t++)
			lines += *t == '\n';
		CHECK(lines <= 25, "%d log lines for 1000 bad accesses", lines);
		CHECK(lines >= 10, "only %d log lines", lines);
	}
out:
	hx_teardown(&h);
}

const struct test_case hostile_tests[] = {
	{ "hostile: descriptor loop", test_loop },
	{ "hostile: descriptor straddling the end of guest memory", test_outside_memory },
	{ "hostile: descriptor below guest memory", test_below_memory },
	{ "hostile: descriptor address + length wraps 2^64", test_address_wraps },
	{ "hostile: chain lengths add up past 4 GiB", test_length_overflow },
	{ "hostile: readable descriptor after a writable one", test_readable_after_writable },
	{ "hostile: chain longer than the queue size (indirect)", test_chain_longer_than_queue },
	{ "hostile: nested indirect table", test_nested_indirect },
	{ "hostile: INDIRECT together with NEXT", test_indirect_and_next },
	{ "hostile: indirect table length not a multiple of 16", test_indirect_bad_length },
	{ "hostile: indirect descriptor without the feature", test_indirect_not_negotiated },
	{ "hostile: head index outside the queue", test_head_out_of_range },
	{ "hostile: next index outside the table", test_next_out_of_range },
	{ "hostile: avail index more than a queue ahead", test_avail_index_jump },
	{ "hostile: block request without a status byte", test_no_status_byte },
	{ "hostile: readable buffer on a receive-only queue", test_wrong_direction_queue },
	{ "hostile: queue size not a power of two, over the max, zero", test_queue_size_invalid },
	{ "hostile: features never offered, legacy driver, DRIVER_OK anyway", test_features_never_offered },
	{ "hostile: config accesses out of range", test_config_out_of_range },
	{ "hostile: notify for a queue not ready or not there", test_notify_not_ready },
	{ "hostile: ring outside guest memory or misaligned", test_ring_outside_or_misaligned },
	{ "hostile: status bits cleared, queue rewritten while live", test_status_abuse },
	{ "hostile: a reset recovers a failed device", test_recovery },
	{ "hostile: a flood of bad accesses is rate-limited in the log", test_log_rate_limit },
	{ NULL, NULL },
};
