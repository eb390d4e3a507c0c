// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-rng: buffers come back full of (different) random bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* virtio_set_print_state() into a string. */
static char *state_of(struct virtio_set *set)
{
	char *text = NULL;
	size_t size;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	virtio_set_print_state(set, f);
	fclose(f);
	return text;
}

/*
 * The report on a stalled guest tells who owes whom: a request made
 * available without a kick shows as available to the device but not
 * taken, and the served ones as used and signalled.
 */
static void test_state_report(void)
{
	static const char *const argv[] = { "--rng", NULL, NULL };
	struct virtio_set *set = NULL;
	struct virtio_opts o;
	struct tg g = { 0 };
	struct tg_dev d;
	char why[128], *text = NULL;
	uint64_t a;
	uint32_t len;
	int i;

	CHECK(tg_init(&g, GUEST_MEM, GUEST_BASE) == 0, "guest memory");
	CHECK(opts_from(&o, argv) == 0, "options");
	set = make_set(&o, &g, true);
	CHECK(set, "set");
	CHECK(tg_dev_init(&d, &g, set, 0, ALL_FEATURES, 64, why, sizeof(why)) == 0, "%s", why);
	a = tg_alloc(&g, 4096, 8);
	{
		struct tg_buf buf = { a, 64, true };

		CHECK(tg_vq_add(&d.vq[0], &buf, 1, false) >= 0, "add");
		tg_vq_kick(&d.vq[0]);
		CHECK(tg_vq_wait(&d.vq[0], &len, WAIT_MS) >= 0, "served");
		/* Once the thread waits, a request without a kick stays put. */
		for (i = 0; i < WAIT_MS / 10; i++) {
			free(text);
			text = state_of(set);
			CHECK(text, "open_memstream");
			if (strstr(text, "thread waiting"))
				break;
			usleep(10000);
		}
		CHECK(strstr(text, "thread waiting"), "thread never waited:\n%s", text);
		CHECK(tg_vq_add(&d.vq[0], &buf, 1, false) >= 0, "add");
	}
	free(text);
	text = state_of(set);
	CHECK(text, "open_memstream");
	CHECK(strstr(text, "virtio-rng0 "), "no device line:\n%s", text);
	CHECK(strstr(text, "status 0xf,") && strstr(text, ", 1 interrupts,"),
	      "device line:\n%s", text);
	CHECK(strstr(text, "requestq: size 64; driver made 2 available, device took 1; device used 1 (ring says 1), last interrupt at 1; driver wants an interrupt after 0, device a kick after 1"),
	      "queue line:\n%s", text);
out:
	free(text);
	virtio_set_destroy(set);
	virtio_opts_free(&o);
	tg_fini(&g);
}

const struct test_case rng_tests[] = {
	{ "rng: fills direct and indirect buffers, exactly", test_fills },
	{ "rng: the state report shows a request made available without a kick", test_state_report },
	{ NULL, NULL },
};
