// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile virtio driver.  Run with devices, e.g.
 *	pvisor-run --guest virtio.elf --console socket=S --disk F --net socket=N
 *		   --vsock cid=3,uds=U --rng
 * with --arg N (the number of devices), it maps the virtio-mmio windows
 * (0xd0000000 + i * 4K) and, for every device, breaks the transport and the rings the ways a buggy or
 * malicious driver would: register noise, a queue size that is no power
 * of two, DRIVER_OK without FEATURES_OK, a ring outside guest memory, a
 * descriptor outside guest memory, a looping chain, a head index outside
 * the table, an avail index far ahead.  After each, the device must say
 * DEVICE_NEEDS_RESET in its Status and come back after a reset.  Then a
 * well-formed request to the rng must still be answered: one broken device
 * does not stop the launcher serving the others.  Every access goes
 * through the module's MMIO decoding (8-, 16-, 32- and 64-bit movs).
 */
#include "lib/guest.h"

#define MMIO_BASE	0xd0000000UL
#define MMIO_WINDOW	0x1000UL
#define MAX_DEVICES	16

/* virtio-mmio (version 2) registers */
#define R_MAGIC		0x000
#define R_VERSION	0x004
#define R_DEVICE_ID	0x008
#define R_DRV_FEAT	0x020
#define R_DRV_FEAT_SEL	0x024
#define R_QUEUE_SEL	0x030
#define R_QUEUE_NUM_MAX	0x034
#define R_QUEUE_NUM	0x038
#define R_QUEUE_READY	0x044
#define R_QUEUE_NOTIFY	0x050
#define R_INT_STATUS	0x060
#define R_INT_ACK	0x064
#define R_STATUS	0x070
#define R_QUEUE_DESC	0x080
#define R_QUEUE_DRIVER	0x090
#define R_QUEUE_DEVICE	0x0a0
#define R_CONFIG	0x100

#define S_ACK		1
#define S_DRIVER	2
#define S_DRIVER_OK	4
#define S_FEATURES_OK	8
#define S_NEEDS_RESET	0x40

#define D_NEXT		1
#define D_WRITE		2

#define QSIZE		8
#define FAR_AWAY	0x7fff00000000UL	/* no guest memory there */

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct ring {
	struct desc desc[QSIZE];			/* 16-aligned */
	uint16_t avail_flags, avail_idx, avail[QSIZE], used_event;
	uint16_t used_flags __attribute__((aligned(4))), used_idx;
	struct { uint32_t id, len; } used[QSIZE];
} __attribute__((aligned(4096)));

static struct ring ring;
static uint8_t buf[4096] __attribute__((aligned(4096)));

/* The page directory for the device windows, 2 MiB pages. */
static uint64_t pd[512] __attribute__((aligned(4096)));

static volatile uint32_t *reg32(unsigned long base, unsigned int off)
{
	return (volatile uint32_t *)(base + off);
}

static uint32_t rd(unsigned long base, unsigned int off)
{
	return *reg32(base, off);
}

static void wr(unsigned long base, unsigned int off, uint32_t v)
{
	*reg32(base, off) = v;
}

static void wr64(unsigned long base, unsigned int off, uint64_t v)
{
	wr(base, off, (uint32_t)v);
	wr(base, off + 4, v >> 32);
}

/*
 * Map [MMIO_BASE, +2 MiB) identity, beside the loader's first 1 GiB.  The
 * loader's tables are a chain using entry 0 of each level down to a PD of
 * 2 MiB pages: find the PDPT above that PD and add a PD for the windows.
 */
static void map_windows(void)
{
	uint64_t *t = (uint64_t *)guest_page_root();

	for (;;) {
		uint64_t *next = (uint64_t *)(t[0] & 0xffffffffff000UL);

		if (next[0] & 0x80)	/* 2 MiB leaves: next is the PD */
			break;
		t = next;
	}
	pd[(MMIO_BASE >> 21) & 511] = MMIO_BASE | 0x83;	/* P, W, PS */
	t[(MMIO_BASE >> 30) & 511] = (uint64_t)pd | 3;
	hypercall3(PVISOR_HC_FLUSH_TLB, PVISOR_FLUSH_ALL, 0, 0);
}

/* Spin on Status until @bits are all set; false after many tries. */
static int wait_status(unsigned long base, uint32_t bits)
{
	int i;

	for (i = 0; i < 20000; i++)
		if ((rd(base, R_STATUS) & bits) == bits)
			return 1;
	return 0;
}

static void reset(unsigned long base)
{
	wr(base, R_STATUS, 0);
	GUEST_ASSERT_EQ(rd(base, R_STATUS), 0);
	ring = (struct ring){ 0 };
}

/* A proper driver start: features (VERSION_1 only), queue q, DRIVER_OK. */
static void start(unsigned long base, unsigned int q, uint32_t qsize)
{
	wr(base, R_STATUS, S_ACK | S_DRIVER);
	wr(base, R_DRV_FEAT_SEL, 1);
	wr(base, R_DRV_FEAT, 1);		/* VIRTIO_F_VERSION_1 */
	wr(base, R_DRV_FEAT_SEL, 0);
	wr(base, R_DRV_FEAT, 0);
	wr(base, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	GUEST_ASSERT(rd(base, R_STATUS) & S_FEATURES_OK);
	wr(base, R_QUEUE_SEL, q);
	GUEST_ASSERT(rd(base, R_QUEUE_NUM_MAX) >= QSIZE);
	wr(base, R_QUEUE_NUM, qsize);
	wr64(base, R_QUEUE_DESC, (uint64_t)ring.desc);
	wr64(base, R_QUEUE_DRIVER, (uint64_t)&ring.avail_flags);
	wr64(base, R_QUEUE_DEVICE, (uint64_t)&ring.used_flags);
	wr(base, R_QUEUE_READY, 1);
	wr(base, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

static void post(unsigned long base, unsigned int q, uint16_t head,
		 uint16_t idx)
{
	ring.avail[0] = head;
	asm volatile("" : : : "memory");
	ring.avail_idx = idx;
	asm volatile("" : : : "memory");
	wr(base, R_QUEUE_NOTIFY, q);
}

static void expect_needs_reset(unsigned long base, const char *dev,
			       const char *what)
{
	if (!wait_status(base, S_NEEDS_RESET)) {
		guest_printf("FAIL %s: %s: no DEVICE_NEEDS_RESET (status %#x)\n",
			     dev, what, rd(base, R_STATUS));
		guest_shutdown(PVISOR_SHUTDOWN_PANIC, 1);
	}
	guest_printf("virtio: %s: %s -> needs reset\n", dev, what);
	reset(base);
}

/* The queue that the device walks as soon as it is notified. */
static unsigned int tx_queue(uint32_t id)
{
	return id == 2 || id == 4 ? 0 : 1;	/* blk, rng: 0; console, net, vsock: 1 */
}

static void abuse(unsigned long base, uint32_t id)
{
	unsigned int q = tx_queue(id);
	const char *dev;
	uint16_t flags = (id == 4) ? D_WRITE : 0;	/* rng wants writable */
	volatile uint8_t *b = (volatile uint8_t *)base;
	volatile uint16_t *w = (volatile uint16_t *)base;
	volatile uint64_t *l = (volatile uint64_t *)base;
	uint64_t x;

	switch (id) {
	case 1: dev = "net"; break;
	case 2: dev = "blk"; break;
	case 3: dev = "console"; break;
	case 4: dev = "rng"; break;
	case 19: dev = "vsock"; break;
	default: dev = "?"; break;
	}
	reset(base);

	/* Register noise: answered (reads as 0) and logged, no reset. */
	GUEST_ASSERT_EQ(b[0], 0);			/* 8-bit read of Magic */
	x = w[2];					/* 16-bit read of Version */
	x += l[0];					/* 64-bit read */
	wr(base, R_MAGIC, 0);				/* read-only */
	x += rd(base, 0x0f0);				/* unknown */
	x += rd(base, R_CONFIG + 0xefc);		/* past the config */
	b[R_STATUS + 1] = 0xff;				/* 8-bit write */
	(void)x;
	GUEST_ASSERT_EQ(rd(base, R_MAGIC), 0x74726976);
	GUEST_ASSERT(!(rd(base, R_STATUS) & S_NEEDS_RESET));
	guest_printf("virtio: %s: register noise answered, no reset\n", dev);

	/* Transport: DRIVER_OK without FEATURES_OK. */
	wr(base, R_STATUS, S_ACK | S_DRIVER);
	wr(base, R_STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
	expect_needs_reset(base, dev, "DRIVER_OK without FEATURES_OK");

	/* A queue size that is not a power of two. */
	start(base, q, 3);
	post(base, q, 0, 1);
	expect_needs_reset(base, dev, "queue size 3");

	/* The descriptor table outside guest memory. */
	start(base, q, QSIZE);
	wr(base, R_STATUS, 0);
	ring = (struct ring){ 0 };
	wr(base, R_STATUS, S_ACK | S_DRIVER);
	wr(base, R_DRV_FEAT_SEL, 1);
	wr(base, R_DRV_FEAT, 1);
	wr(base, R_DRV_FEAT_SEL, 0);
	wr(base, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	wr(base, R_QUEUE_SEL, q);
	wr(base, R_QUEUE_NUM, QSIZE);
	wr64(base, R_QUEUE_DESC, FAR_AWAY);
	wr64(base, R_QUEUE_DRIVER, (uint64_t)&ring.avail_flags);
	wr64(base, R_QUEUE_DEVICE, (uint64_t)&ring.used_flags);
	wr(base, R_QUEUE_READY, 1);
	wr(base, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	post(base, q, 0, 1);
	expect_needs_reset(base, dev, "descriptor table outside guest memory");

	/* A buffer outside guest memory. */
	start(base, q, QSIZE);
	ring.desc[0] = (struct desc){ FAR_AWAY, 512, flags, 0 };
	post(base, q, 0, 1);
	expect_needs_reset(base, dev, "buffer outside guest memory");

	/* A chain that loops on itself. */
	start(base, q, QSIZE);
	ring.desc[0] = (struct desc){ (uint64_t)buf, 16, flags | D_NEXT, 0 };
	post(base, q, 0, 1);
	expect_needs_reset(base, dev, "looping descriptor chain");

	/* A head index outside the table. */
	start(base, q, QSIZE);
	post(base, q, 200, 1);
	expect_needs_reset(base, dev, "head index 200 of 8");

	/* The avail index far ahead of the device. */
	start(base, q, QSIZE);
	ring.desc[0] = (struct desc){ (uint64_t)buf, 16, flags, 0 };
	post(base, q, 0, 1000);
	expect_needs_reset(base, dev, "avail index 1000 ahead");

	/* After all that, a reset brings the device back. */
	start(base, q, QSIZE);
	GUEST_ASSERT(!(rd(base, R_STATUS) & S_NEEDS_RESET));
	GUEST_ASSERT(rd(base, R_STATUS) & S_DRIVER_OK);
	reset(base);
}

/* A well-formed rng request: 64 bytes of entropy. */
static void rng_works(unsigned long base)
{
	unsigned int i, nonzero = 0;

	reset(base);
	for (i = 0; i < 64; i++)
		buf[i] = 0;
	start(base, 0, QSIZE);
	ring.desc[0] = (struct desc){ (uint64_t)buf, 64, D_WRITE, 0 };
	post(base, 0, 0, 1);
	for (i = 0; i < 200000 && *(volatile uint16_t *)&ring.used_idx != 1; i++)
		(void)rd(base, R_INT_STATUS);
	GUEST_ASSERT_EQ(*(volatile uint16_t *)&ring.used_idx, 1);
	GUEST_ASSERT_EQ(ring.used[0].len, 64);
	for (i = 0; i < 64; i++)
		nonzero += buf[i] != 0;
	GUEST_ASSERT(nonzero > 16);
	wr(base, R_INT_ACK, rd(base, R_INT_STATUS));
	reset(base);
	guest_printf("virtio: rng: a well-formed request still gets 64 bytes\n");
}

long guest_main(unsigned long arg)
{
	unsigned long rng = 0;
	unsigned int i, found = 0;

	/* Past the last window there is nothing: an access would end us. */
	GUEST_ASSERT(arg >= 1 && arg <= MAX_DEVICES);
	map_windows();
	for (i = 0; i < arg; i++) {
		unsigned long base = MMIO_BASE + i * MMIO_WINDOW;
		uint32_t id;

		GUEST_ASSERT_EQ(rd(base, R_MAGIC), 0x74726976);
		GUEST_ASSERT_EQ(rd(base, R_VERSION), 2);
		id = rd(base, R_DEVICE_ID);
		found++;
		if (id == 4)
			rng = base;
		abuse(base, id);
	}
	guest_printf("virtio: %u devices abused\n", found);
	GUEST_ASSERT(found > 0);
	if (rng)
		rng_works(rng);
	return 0;
}
