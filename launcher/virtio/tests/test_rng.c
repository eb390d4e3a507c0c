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

static const char *const rng_argv[] = { "--rng", NULL, NULL };

static void test_fills(void)
{
	struct rig r;
	struct tg_vq *vq = &r.d.vq[0];
	uint64_t a, b;
	uint32_t len;
	uint8_t *pa, *pb;
	unsigned int i;

	CHECK(rig_open(&r, rng_argv, true) == 0, "set");
	CHECK(rig_drive(&r, ALL_FEATURES, 64) == 0, "%s", r.why);
	a = tg_alloc(&r.g, 8192, 8);
	b = tg_alloc(&r.g, 8192, 8);
	pa = tg_ptr(&r.g, a);
	pb = tg_ptr(&r.g, b);
	{
		/* One request in three pieces: 4096 + 100 + 1 bytes. */
		struct tg_buf bufs[3] = { { a, 4096, true }, { a + 4096, 100, true },
					  { a + 4196, 1, true } };

		CHECK(tg_vq_add(vq, bufs, 3, false) >= 0, "add");
		tg_vq_kick(vq);
		CHECK(tg_vq_wait(vq, &len, WAIT_MS) >= 0, "served");
		CHECK_EQ(len, 4197);
		CHECK(!all_zero(pa, 4096) && !all_zero(pa + 4096, 100), "zeros");
		CHECK(pa[4197] == 0 && pa[4198] == 0, "wrote past the buffer");
	}
	{
		/* 64 pieces through an indirect table. */
		struct tg_buf bufs[64];

		for (i = 0; i < 64; i++)
			bufs[i] = (struct tg_buf){ b + 128 * i, 64, true };
		CHECK(tg_vq_add(vq, bufs, 64, true) >= 0, "add");
		tg_vq_kick(vq);
		CHECK(tg_vq_wait(vq, &len, WAIT_MS) >= 0, "served");
		CHECK_EQ(len, 64 * 64);
		for (i = 0; i < 64; i++) {
			CHECK(!all_zero(pb + 128 * i, 64), "piece %u left zero", i);
			CHECK(all_zero(pb + 128 * i + 64, 64), "gap after piece %u written", i);
		}
	}
	CHECK(memcmp(pa, pb, 64), "two requests gave the same bytes");
out:
	rig_close(&r);
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
	struct rig r;
	struct tg_vq *vq = &r.d.vq[0];
	char *text = NULL;
	uint64_t a;
	uint32_t len;
	int i;

	CHECK(rig_open(&r, rng_argv, true) == 0, "set");
	CHECK(rig_drive(&r, ALL_FEATURES, 64) == 0, "%s", r.why);
	a = tg_alloc(&r.g, 4096, 8);
	{
		struct tg_buf buf = { a, 64, true };

		CHECK(tg_vq_add(vq, &buf, 1, false) >= 0, "add");
		tg_vq_kick(vq);
		CHECK(tg_vq_wait(vq, &len, WAIT_MS) >= 0, "served");
		/* Once the thread waits, a request without a kick stays put. */
		for (i = 0; i < WAIT_MS / 10; i++) {
			free(text);
			text = state_of(r.set);
			CHECK(text, "open_memstream");
			if (strstr(text, "thread waiting"))
				break;
			usleep(10000);
		}
		CHECK(strstr(text, "thread waiting"), "thread never waited:\n%s", text);
		CHECK(tg_vq_add(vq, &buf, 1, false) >= 0, "add");
	}
	free(text);
	text = state_of(r.set);
	CHECK(text, "open_memstream");
	CHECK(strstr(text, "virtio-rng0 "), "no device line:\n%s", text);
	CHECK(strstr(text, "status 0xf,") && strstr(text, ", 1 interrupts,"),
	      "device line:\n%s", text);
	CHECK(strstr(text, "requestq: size 64; driver made 2 available, device took 1; device used 1 (ring says 1), last interrupt at 1; driver wants an interrupt after 0, device a kick after 1"),
	      "queue line:\n%s", text);
out:
	free(text);
	rig_close(&r);
}

const struct test_case rng_tests[] = {
	{ "rng: fills direct and indirect buffers, exactly", test_fills },
	{ "rng: the state report shows a request made available without a kick", test_state_report },
	{ NULL, NULL },
};
