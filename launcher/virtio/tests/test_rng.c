// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-rng: buffers come back full of (different) random bytes.
 */
#include <string.h>

#include "tests.h"

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static void test_fills(void)
{
	static const char *const argv[] = { "--rng", NULL, NULL };
	struct virtio_set *set = NULL;
	struct virtio_opts o;
	struct tg g = { 0 };
	struct tg_dev d;
	char why[128];
	uint64_t a, b;
	uint32_t len;
	uint8_t *pa, *pb;
	unsigned int i;

	CHECK(tg_init(&g, GUEST_MEM, GUEST_BASE) == 0, "guest memory");
	CHECK(opts_from(&o, argv) == 0, "options");
	set = make_set(&o, &g, true);
	CHECK(set, "set");
	CHECK(tg_dev_init(&d, &g, set, 0, ALL_FEATURES, 64, why, sizeof(why)) == 0, "%s", why);
	a = tg_alloc(&g, 8192, 8);
	b = tg_alloc(&g, 8192, 8);
	pa = tg_ptr(&g, a);
	pb = tg_ptr(&g, b);
	{
		/* One request in three pieces: 4096 + 100 + 1 bytes. */
		struct tg_buf bufs[3] = { { a, 4096, true }, { a + 4096, 100, true },
					  { a + 4196, 1, true } };

		CHECK(tg_vq_add(&d.vq[0], bufs, 3, false) >= 0, "add");
		tg_vq_kick(&d.vq[0]);
		CHECK(tg_vq_wait(&d.vq[0], &len, WAIT_MS) >= 0, "served");
		CHECK_EQ(len, 4197);
		CHECK(!all_zero(pa, 4096) && !all_zero(pa + 4096, 100), "zeros");
		CHECK(pa[4197] == 0 && pa[4198] == 0, "wrote past the buffer");
	}
	{
		/* 64 pieces through an indirect table. */
		struct tg_buf bufs[64];

		for (i = 0; i < 64; i++)
			bufs[i] = (struct tg_buf){ b + 128 * i, 64, true };
		CHECK(tg_vq_add(&d.vq[0], bufs, 64, true) >= 0, "add");
		tg_vq_kick(&d.vq[0]);
		CHECK(tg_vq_wait(&d.vq[0], &len, WAIT_MS) >= 0, "served");
		CHECK_EQ(len, 64 * 64);
		for (i = 0; i < 64; i++) {
			CHECK(!all_zero(pb + 128 * i, 64), "piece %u left zero", i);
			CHECK(all_zero(pb + 128 * i + 64, 64), "gap after piece %u written", i);
		}
	}
	CHECK(memcmp(pa, pb, 64), "two requests gave the same bytes");
out:
	virtio_set_destroy(set);
	virtio_opts_free(&o);
	tg_fini(&g);
}

const struct test_case rng_tests[] = {
	{ "rng: fills direct and indirect buffers, exactly", test_fills },
	{ NULL, NULL },
};
