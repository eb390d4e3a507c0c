// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-mmio transport: registers, negotiation, interrupts, kicks,
 * reset, the MMIO layout and the guest command-line fragment.
 */
#include <endian.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/virtio_ids.h>

#include "tests.h"

static const char *const rng_argv[] = { "--rng", NULL, NULL };

/* One request on an rng queue: returns the used length or -1. */
static int rng_roundtrip(struct tg_vq *vq, uint64_t gpa, uint32_t len)
{
	struct tg_buf b = { gpa, len, true };
	uint32_t used = 0;

	if (tg_vq_add(vq, &b, 1, false) < 0)
		return -1;
	tg_vq_kick(vq);
	if (tg_vq_wait(vq, &used, WAIT_MS) < 0)
		return -1;
	return used;
}

static void test_registers_and_layout(void)
{
	static const char *const args[] = { "--disk", NULL, "--rng", NULL, NULL };
	const char *argv[5];
	struct rig r = { 0 };
	struct virtio_set *set;
	struct tg_dev d;
	char frag[256];
	uint64_t v = 0, f;
	int n;

	memcpy(argv, args, sizeof(args));
	argv[1] = tmppath("disk.img");
	CHECK(make_file(argv[1], 1 << 20, -1) == 0, "image");
	CHECK(rig_open(&r, argv, true) == 0, "set: %s", log_text());
	set = r.set;
	CHECK_EQ(virtio_set_nr_devs(set), 2);

	/* Layout: 4 KiB windows from 0xd0000000, IRQs from 5. */
	CHECK_EQ(virtio_dev_mmio_base(virtio_set_dev(set, 0)), 0xd0000000ULL);
	CHECK_EQ(virtio_dev_mmio_base(virtio_set_dev(set, 1)), 0xd0001000ULL);
	CHECK_EQ(virtio_dev_irq(virtio_set_dev(set, 0)), 5);
	CHECK_EQ(virtio_dev_irq(virtio_set_dev(set, 1)), 6);
	CHECK(!virtio_mmio_access(set, 0xd0002000ULL, 4, false, &v), "past the last window");
	CHECK(!virtio_mmio_access(set, 0xcffffffcULL, 4, false, &v), "below the first window");
	CHECK(virtio_mmio_access(set, 0xd0001ffcULL, 4, false, &v), "last word of window 1");

	n = virtio_set_cmdline(set, frag, sizeof(frag));
	CHECK(!strcmp(frag, "virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6"),
	      "fragment: '%s'", frag);
	CHECK_EQ(n, strlen(frag));
	n = virtio_set_cmdline(set, frag, 10);
	CHECK_EQ(strlen(frag), 9);
	CHECK_EQ(n, 69);

	CHECK_EQ(tg_dev_negotiate(&d, &r.g, set, 0, ALL_FEATURES, r.why, sizeof(r.why)), 0);
	CHECK_EQ(tg_read(&d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	CHECK_EQ(tg_read(&d, VIRTIO_MMIO_VERSION), 2);
	CHECK_EQ(tg_read(&d, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	CHECK_EQ(virtio_dev_type(d.dev), VIRTIO_ID_BLOCK);
	f = tg_offered(&d);
	CHECK(f & (1ULL << VIRTIO_F_VERSION_1), "VERSION_1 offered (0x%llx)", (unsigned long long)f);
	CHECK(f & (1ULL << VIRTIO_RING_F_EVENT_IDX), "EVENT_IDX offered");
	CHECK(f & (1ULL << VIRTIO_RING_F_INDIRECT_DESC), "INDIRECT_DESC offered");
	tg_write(&d, VIRTIO_MMIO_QUEUE_SEL, 0);
	CHECK_EQ(tg_read(&d, VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
	tg_write(&d, VIRTIO_MMIO_QUEUE_SEL, 1);
	CHECK_EQ(tg_read(&d, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	/* 1 MiB image = 2048 sectors, read as one 64-bit config access. */
	CHECK_EQ(tg_cfg_read(&d, 0, 8), 2048);
	CHECK_EQ(tg_cfg_read(&d, 0, 4), 2048);
	CHECK_EQ(tg_cfg_read(&d, 1, 1), 8);
	CHECK_EQ(tg_read(&d, VIRTIO_MMIO_CONFIG_GENERATION), 0);

	CHECK_EQ(tg_dev_negotiate(&d, &r.g, set, 1, ALL_FEATURES, r.why, sizeof(r.why)), 0);
	CHECK_EQ(tg_read(&d, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_RNG);
out:
	rig_close(&r);
}

/* Works with each combination of the ring features. */
static void test_feature_combinations(void)
{
	static const uint64_t masks[] = {
		ALL_FEATURES,
		~(1ULL << VIRTIO_RING_F_EVENT_IDX),
		~(1ULL << VIRTIO_RING_F_INDIRECT_DESC),
		NO_RING_EXTRAS,
	};
	struct rig r;
	unsigned int i, k;

	CHECK(rig_open(&r, rng_argv, true) == 0, "set");
	for (i = 0; i < 4; i++) {
		uint64_t buf = tg_alloc(&r.g, 4096, 8);

		CHECK(rig_drive(&r, masks[i], 16) == 0, "init with mask %u: %s", i, r.why);
		CHECK_EQ(r.d.features & ~masks[i], 0);
		/* More requests than the queue size: the ring wraps. */
		for (k = 0; k < 40; k++) {
			memset(tg_ptr(&r.g, buf), 0, 4096);
			CHECK(rng_roundtrip(&r.d.vq[0], buf, 64 + k) == (int)(64 + k),
			      "mask %u request %u (kicks %u, irqs %u, status 0x%x)", i, k,
			      r.d.vq[0].kicks, r.d.irqs, tg_read(&r.d, VIRTIO_MMIO_STATUS));
		}
	}
out:
	rig_close(&r);
}

static struct {
	unsigned int calls, irq;
	struct virtio_dev *dev;
} irq_log;

static void record_irq(void *opaque, struct virtio_dev *dev, unsigned int irq)
{
	(void)opaque;
	__atomic_add_fetch(&irq_log.calls, 1, __ATOMIC_SEQ_CST);
	irq_log.irq = irq;
	irq_log.dev = dev;
}

static void test_irq_handler_and_isr(void)
{
	struct rig r;
	struct tg_buf b;
	uint32_t len;
	int i;

	CHECK(rig_open(&r, rng_argv, false) == 0, "set");
	virtio_set_irq_handler(r.set, record_irq, NULL);
	CHECK(virtio_set_start(r.set) == 0, "start");
	CHECK(rig_drive(&r, ALL_FEATURES, 16) == 0, "%s", r.why);
	b = (struct tg_buf){ tg_alloc(&r.g, 32, 8), 32, true };
	CHECK(tg_vq_add(&r.d.vq[0], &b, 1, false) >= 0, "add");
	tg_vq_kick(&r.d.vq[0]);
	for (i = 0; i < 500 && !__atomic_load_n(&irq_log.calls, __ATOMIC_SEQ_CST); i++)
		usleep(10000);
	CHECK_EQ(irq_log.calls, 1);
	CHECK_EQ(irq_log.irq, 5);
	CHECK(irq_log.dev == r.d.dev, "handler got the device");
	CHECK_EQ(tg_read(&r.d, VIRTIO_MMIO_INTERRUPT_STATUS), 1);
	CHECK_EQ(virtio_dev_isr(r.d.dev), 1);
	tg_write(&r.d, VIRTIO_MMIO_INTERRUPT_ACK, 1);
	CHECK_EQ(tg_read(&r.d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	CHECK(tg_vq_get(&r.d.vq[0], &len) >= 0, "used entry");
	CHECK_EQ(len, 32);
out:
	rig_close(&r);
}

/* ioeventfd style: the module writes the kick eventfd, no MMIO exit. */
static void test_kick_eventfd(void)
{
	struct rig r;
	int k;

	CHECK(rig_open(&r, rng_argv, true) == 0, "set");
	CHECK(rig_drive(&r, ALL_FEATURES, 16) == 0, "%s", r.why);
	r.d.kick_via_eventfd = true;
	CHECK(virtio_dev_kick_fd(r.d.dev) >= 0, "kick fd");
	for (k = 0; k < 20; k++)
		CHECK_EQ(rng_roundtrip(&r.d.vq[0], tg_alloc(&r.g, 16, 8), 16), 16);
	CHECK(r.d.vq[0].kicks >= 1, "kicked through the eventfd");
out:
	rig_close(&r);
}

/*
 * EVENT_IDX: with used_event set 7 entries ahead the device interrupts
 * exactly once for 8 completions, and it leaves avail_event where it
 * stopped so that the driver's next buffer triggers a kick.
 */
static void test_event_idx_suppression(void)
{
	struct rig r;
	struct tg_vq *vq = &r.d.vq[0];
	uint64_t cnt;
	int i, got = 0;
	uint32_t len;

	CHECK(rig_open(&r, rng_argv, true) == 0, "set");
	CHECK(rig_drive(&r, ALL_FEATURES, 16) == 0, "%s", r.why);
	CHECK(r.d.features & (1ULL << VIRTIO_RING_F_EVENT_IDX), "negotiated");
	vq->avail->ring[vq->num] = htole16(vq->last_used + 7);	/* used_event */
	/* Drain stale irq counts, then add 8 buffers with one kick. */
	while (read(virtio_dev_irq_fd(r.d.dev), &cnt, sizeof(cnt)) > 0)
		;
	for (i = 0; i < 8; i++) {
		struct tg_buf b = { tg_alloc(&r.g, 8, 8), 8, true };

		CHECK(tg_vq_add(vq, &b, 1, false) >= 0, "add");
	}
	tg_vq_kick(vq);
	CHECK_EQ(vq->kicks, 1);
	for (i = 0; i < 500 && got < 8; i++) {
		while (tg_vq_get(vq, &len) >= 0)
			got++;
		if (got < 8)
			usleep(10000);
	}
	CHECK_EQ(got, 8);
	usleep(50000);
	cnt = 0;
	CHECK(read(virtio_dev_irq_fd(r.d.dev), &cnt, sizeof(cnt)) == sizeof(cnt), "an interrupt came");
	CHECK_EQ(cnt, 1);
	/* The device asks to be kicked at the next new buffer. */
	CHECK_EQ(tg_avail_event(vq), vq->avail_idx);
	{
		struct tg_buf b = { tg_alloc(&r.g, 8, 8), 8, true };
		unsigned int before = vq->kicks;

		CHECK(tg_vq_add(vq, &b, 1, false) >= 0, "add");
		tg_vq_kick(vq);
		CHECK_EQ(vq->kicks, before + 1);
		CHECK(tg_vq_wait(vq, &len, WAIT_MS) >= 0, "served after the kick");
	}
out:
	rig_close(&r);
}

struct regs {
	uint32_t status, isr, feat_sel0, dev_id;
	uint32_t q[3][9];
	uint64_t cfg[8];
};

static void snapshot(struct tg_dev *d, struct regs *r)
{
	static const uint32_t qregs[] = {
		VIRTIO_MMIO_QUEUE_NUM_MAX, VIRTIO_MMIO_QUEUE_NUM, VIRTIO_MMIO_QUEUE_READY,
		VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DESC_HIGH,
		VIRTIO_MMIO_QUEUE_AVAIL_LOW, VIRTIO_MMIO_QUEUE_AVAIL_HIGH,
		VIRTIO_MMIO_QUEUE_USED_LOW, VIRTIO_MMIO_QUEUE_USED_HIGH,
	};
	unsigned int i, k;

	memset(r, 0, sizeof(*r));
	r->status = tg_read(d, VIRTIO_MMIO_STATUS);
	r->isr = tg_read(d, VIRTIO_MMIO_INTERRUPT_STATUS);
	r->dev_id = tg_read(d, VIRTIO_MMIO_DEVICE_ID);
	for (i = 0; i < 3; i++) {
		tg_write(d, VIRTIO_MMIO_QUEUE_SEL, i);
		for (k = 0; k < 9; k++)
			r->q[i][k] = tg_read(d, qregs[k]);
	}
	tg_write(d, VIRTIO_MMIO_QUEUE_SEL, 0);
	tg_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	r->feat_sel0 = tg_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
	for (i = 0; i < 8; i++)
		r->cfg[i] = tg_cfg_read(d, 8 * i, 8);
}

/*
 * Read sector 0 of a disk into gpa + 16 (header at gpa, status byte at
 * gpa + 528).  Returns the used length, or -1.
 */
static int blk_read_sector0(struct tg *g, struct tg_vq *vq, uint64_t gpa)
{
	struct tg_buf b[3] = { { gpa, 16, false }, { gpa + 16, 512, true },
			       { gpa + 528, 1, true } };
	struct {
		uint32_t type, ioprio;
		uint64_t sector;
	} *hdr = tg_ptr(g, gpa);
	uint32_t len;

	hdr->type = 0;	/* IN */
	hdr->ioprio = 0;
	hdr->sector = 0;
	if (tg_vq_add(vq, b, 3, false) < 0)
		return -1;
	tg_vq_kick(vq);
	return tg_vq_wait(vq, &len, WAIT_MS) < 0 ? -1 : (int)len;
}

/* After use, a reset must give back exactly the registers of a new device. */
static void test_reset_initial_state(void)
{
	static const char *const args[] = { "--disk", NULL, NULL };
	const char *argv[3];
	struct rig r = { 0 };
	struct regs fresh, after;
	uint8_t *buf;
	uint64_t gpa;

	memcpy(argv, args, sizeof(args));
	argv[1] = tmppath("disk.img");
	CHECK(make_file(argv[1], 1 << 20, 0x5a) == 0, "image");
	CHECK(rig_open(&r, argv, true) == 0, "set");
	r.d.set = r.set;
	r.d.dev = virtio_set_dev(r.set, 0);
	r.d.base = virtio_dev_mmio_base(r.d.dev);
	snapshot(&r.d, &fresh);
	CHECK_EQ(fresh.status, 0);

	CHECK(rig_drive(&r, ALL_FEATURES, 32) == 0, "%s", r.why);
	gpa = tg_alloc(&r.g, 16 + 512 + 1, 16);
	buf = tg_ptr(&r.g, gpa + 16);
	CHECK(blk_read_sector0(&r.g, &r.d.vq[0], gpa) >= 0, "read completes");
	CHECK_EQ(buf[0], 0x5a);
	CHECK_EQ(buf[512], 0);
	tg_write(&r.d, VIRTIO_MMIO_STATUS, 0);
	snapshot(&r.d, &after);
	CHECK(!memcmp(&fresh, &after, sizeof(fresh)),
	      "registers after reset differ from a new device (status 0x%x ready %u num %u isr %u)",
	      after.status, after.q[0][2], after.q[0][1], after.isr);
	/* And it works again from scratch, with a different queue size. */
	CHECK(rig_drive(&r, NO_RING_EXTRAS, 8) == 0, "%s", r.why);
	memset(buf, 0, 512);
	CHECK_EQ(blk_read_sector0(&r.g, &r.d.vq[0], gpa), 513);
	CHECK_EQ(buf[511], 0x5a);
out:
	rig_close(&r);
}

/* Malformed register accesses are answered and logged, never fatal. */
static void test_bad_register_access(void)
{
	struct rig r;
	uint64_t v;

	CHECK(rig_open(&r, rng_argv, true) == 0, "set");
	CHECK(rig_drive(&r, ALL_FEATURES, 16) == 0, "%s", r.why);
	v = 0x1234;
	CHECK(virtio_mmio_access(r.set, r.d.base + 1, 1, false, &v), "handled");
	CHECK_EQ(v, 0);
	CHECK(log_contains2("virtio-rng0", "registers take aligned 32-bit accesses"), "logged: %s", log_text());
	v = 0x1234;
	CHECK(virtio_mmio_access(r.set, r.d.base + 0x0f0, 4, false, &v), "handled");
	CHECK_EQ(v, 0);
	CHECK(log_contains("unknown register 0x0f0"), "logged");
	v = 7;
	CHECK(virtio_mmio_access(r.set, r.d.base + 0x000, 4, true, &v), "handled");
	CHECK(log_contains("read-only or unknown register 0x000"), "logged");
	CHECK_EQ(tg_read(&r.d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	/* Still fine. */
	CHECK_EQ(tg_read(&r.d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	CHECK_EQ(rng_roundtrip(&r.d.vq[0], tg_alloc(&r.g, 16, 8), 16), 16);
out:
	rig_close(&r);
}

const struct test_case transport_tests[] = {
	{ "transport: registers, MMIO windows, IRQs and cmdline fragment", test_registers_and_layout },
	{ "transport: every EVENT_IDX/INDIRECT combination works and wraps", test_feature_combinations },
	{ "transport: irq callback, InterruptStatus and ack", test_irq_handler_and_isr },
	{ "transport: kick through the eventfd (ioeventfd style)", test_kick_eventfd },
	{ "transport: EVENT_IDX suppresses interrupts and asks for kicks", test_event_idx_suppression },
	{ "transport: reset returns the registers to a new device's", test_reset_initial_state },
	{ "transport: malformed register accesses are logged and answered", test_bad_register_access },
	{ NULL, NULL },
};
