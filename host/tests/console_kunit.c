// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the guest console (console.c): CONSOLE_WRITE copies
 * guest bytes into the vCPU's output ring, which keeps the latest ones,
 * and CONSOLE_READ hands over launcher input in order; bad ranges are
 * refused whole, with nothing taken or kept.
 *
 * Each case puts its bytes in the shared fixture's guest memory
 * (kunit_helpers.h), makes the hypercall, and looks at the vCPU's
 * struct pvisor_console.
 */
#include "kunit_helpers.h"

static void console_write_copies_guest_bytes(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	static const char msg[] = "hello, host";
	u64 gpa = GUEST_BASE + 100;

	put_guest(test, gpa, msg, sizeof(msg) - 1);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_WRITE, gpa,
				 sizeof(msg) - 1, 0), (long)sizeof(msg) - 1);
	KUNIT_EXPECT_EQ(test, t->vcpu.console.out_head, (u32)sizeof(msg) - 1);
	KUNIT_EXPECT_MEMEQ(test, t->vcpu.console.out, msg, sizeof(msg) - 1);

	/* Too long, or reaching past guest memory: refused, nothing kept. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_WRITE, gpa,
				 PVISOR_CONSOLE_WRITE_MAX + 1, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_WRITE,
				 GUEST_BASE + GUEST_SIZE - 4, 8, 0),
			(long)-EFAULT);
	KUNIT_EXPECT_EQ(test, t->vcpu.console.out_head, (u32)sizeof(msg) - 1);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_WRITE, gpa, 0, 0), 0L);
}

static void console_read_hands_over_input(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	u64 gpa = GUEST_BASE + 200;
	char got[8] = { 0 };

	memcpy(t->vcpu.console.in, "abcdef", 6);
	t->vcpu.console.in_head = 6;
	/* Invalid: nothing is taken. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_READ, gpa,
				 PVISOR_CONSOLE_WRITE_MAX + 1, 0), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_READ,
				 GUEST_BASE + GUEST_SIZE - 2, 4, 0), (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, t->vcpu.console.in_tail, 0U);
	/* Up to len bytes, in order, then the rest. */
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_READ, gpa, 4, 0), 4L);
	KUNIT_ASSERT_EQ(test, copy_from_user(got, t->mem + 200, 4), 0UL);
	KUNIT_EXPECT_MEMEQ(test, got, "abcd", 4);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_READ, gpa, 8, 0), 2L);
	KUNIT_EXPECT_EQ(test, hc(test, PVISOR_HC_CONSOLE_READ, gpa, 8, 0), 0L);
}

static void console_ring_keeps_the_latest_bytes(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	const unsigned int len = PVISOR_CONSOLE_WRITE_MAX;
	unsigned int i, n = PVISOR_CONSOLE_RING / len + 1;
	char *buf = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < n; i++) {
		memset(buf, 'a' + i, len);
		put_guest(test, GUEST_BASE, buf, len);
		KUNIT_ASSERT_EQ(test, hc(test, PVISOR_HC_CONSOLE_WRITE,
					 GUEST_BASE, len, 0), (long)len);
	}
	/* The last write wrapped over the first one's bytes. */
	KUNIT_EXPECT_EQ(test, t->vcpu.console.out_head, n * len);
	KUNIT_EXPECT_EQ(test, t->vcpu.console.out[0], (char)('a' + n - 1));
	KUNIT_EXPECT_EQ(test, t->vcpu.console.out[PVISOR_CONSOLE_RING - 1],
			(char)('a' + n - 2));
}

static struct kunit_case pvisor_console_cases[] = {
	KUNIT_CASE(console_write_copies_guest_bytes),
	KUNIT_CASE(console_ring_keeps_the_latest_bytes),
	KUNIT_CASE(console_read_hands_over_input),
	{}
};

static struct kunit_suite pvisor_console_suite = {
	.name = "pvisor_console",
	.init = pvisor_kunit_vm_init,
	.exit = pvisor_kunit_vm_exit,
	.test_cases = pvisor_console_cases,
};

kunit_test_suite(pvisor_console_suite);
