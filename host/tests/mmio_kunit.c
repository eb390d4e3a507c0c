// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for MMIO (mmio.c, and MMIO slots in memory.c): an MMIO slot
 * holds no memory and is never reachable as memory, ioeventfds take only
 * MMIO addresses and real eventfds, interrupt status registers are checked
 * and served as the guest's interrupt handler uses them, the decoder
 * accepts exactly the mov forms it knows (table-driven, by instruction
 * bytes), and loads and stores land in registers as the CPU would put
 * them.
 *
 * The suite runs on the shared fixture (kunit_helpers.h), but only the slot
 * and status cases use its VM: the decoder cases call pvisor_mmio_decode() and the
 * register helpers on bytes and frames of their own.
 */
#include "kunit_helpers.h"

static void mmio_slots_hold_no_memory(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_mem_region r = {
		.slot = 1, .guest_phys_addr = 0xd0000000, .size = 4 * PAGE_SIZE,
		.flags = PVISOR_MEM_MMIO,
	};
	struct pvisor_ioeventfd io = { .gpa = 0xd0000050, .len = 4, .fd = -1 };

	r.userspace_addr = (unsigned long)t->mem;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EINVAL);
	r.userspace_addr = 0;
	r.flags |= PVISOR_MEM_READONLY;
	KUNIT_EXPECT_EQ(test, pvisor_mem_set_region(&t->vm, &r), -EINVAL);
	r.flags = PVISOR_MEM_MMIO;
	KUNIT_ASSERT_EQ(test, pvisor_mem_set_region(&t->vm, &r), 0);
	KUNIT_EXPECT_TRUE(test, pvisor_gpa_is_mmio(&t->vm, 0xd0003fff));
	KUNIT_EXPECT_FALSE(test, pvisor_gpa_is_mmio(&t->vm, 0xd0004000));
	KUNIT_EXPECT_FALSE(test, pvisor_gpa_is_mmio(&t->vm, GUEST_BASE));
	/* Never reachable as memory, by the module or by a shadow. */
	KUNIT_EXPECT_EQ(test, translate(&t->vm, 0xd0000000, 4, false), 0UL);
	/* ioeventfds: MMIO addresses and real eventfds only. */
	io.gpa = 0xd0000050;
	KUNIT_EXPECT_EQ(test, pvisor_ioeventfd(&t->vm, &io), -EBADF);
	io.len = 3;
	KUNIT_EXPECT_EQ(test, pvisor_ioeventfd(&t->vm, &io), -EINVAL);
	io.len = 4;
	io.gpa = GUEST_BASE;
	KUNIT_EXPECT_EQ(test, pvisor_ioeventfd(&t->vm, &io), -EINVAL);
	io.gpa = 0xd0000050;
	io.flags = 2;
	KUNIT_EXPECT_EQ(test, pvisor_ioeventfd(&t->vm, &io), -EINVAL);
}

/* The registers of a virtio-mmio device in the MMIO slot at 0xd0000000. */
#define ISR_GPA		0xd0000060ULL
#define ACK_GPA		0xd0000064ULL

static void mmio_irq_status_is_served_here(struct kunit *test)
{
	struct pvisor_kunit_vm *t = test->priv;
	struct pvisor_mem_region r = {
		.slot = 1, .guest_phys_addr = 0xd0000000, .size = 2 * PAGE_SIZE,
		.flags = PVISOR_MEM_MMIO,
	};
	struct pvisor_irq_status st = {
		.status_gpa = ISR_GPA, .ack_gpa = ACK_GPA, .vector = 34,
	};
	struct pvisor_irq_status bad;
	unsigned int i;
	u64 v;

	KUNIT_ASSERT_EQ(test, pvisor_mem_set_region(&t->vm, &r), 0);
	/* Checked: MMIO, aligned, distinct, a device vector, known flags. */
	bad = st;
	bad.status_gpa = GUEST_BASE;
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), -EINVAL);
	bad = st;
	bad.ack_gpa = 0xd0002000;	/* past the slot */
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), -EINVAL);
	bad = st;
	bad.ack_gpa = ISR_GPA + 2;
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), -EINVAL);
	bad = st;
	bad.ack_gpa = ISR_GPA;
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), -EINVAL);
	bad = st;
	bad.vector = 31;
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), -EINVAL);
	bad.vector = 256;
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), -EINVAL);
	bad = st;
	bad.flags = 2;
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), -EINVAL);
	/* Nothing registered: bits refused, accesses left to the launcher. */
	KUNIT_EXPECT_EQ(test, pvisor_irq_status_set(&t->vm, 34, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvisor_irq_status_set(&t->vm, 34, 0), 0);
	KUNIT_EXPECT_FALSE(test, pvisor_irq_status_access(&t->vm, ISR_GPA, 4,
							  false, &v));

	KUNIT_ASSERT_EQ(test, pvisor_irq_status(&t->vm, &st), 0);
	/* One register per vector and per address. */
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &st), -EEXIST);
	bad = st;
	bad.vector = 35;
	bad.status_gpa = 0xd0001060;
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), -EEXIST);

	/* The interrupt handler's read and acknowledge. */
	KUNIT_EXPECT_EQ(test, pvisor_irq_status_set(&t->vm, 34, 1), 0);
	KUNIT_EXPECT_EQ(test, pvisor_irq_status_set(&t->vm, 34, 2), 0);
	v = 0;
	KUNIT_EXPECT_TRUE(test, pvisor_irq_status_access(&t->vm, ISR_GPA, 4,
							 false, &v));
	KUNIT_EXPECT_EQ(test, v, 3ULL);
	/* Other widths and the other direction are not the register. */
	KUNIT_EXPECT_FALSE(test, pvisor_irq_status_access(&t->vm, ISR_GPA, 2,
							  false, &v));
	KUNIT_EXPECT_FALSE(test, pvisor_irq_status_access(&t->vm, ISR_GPA, 4,
							  true, &v));
	KUNIT_EXPECT_FALSE(test, pvisor_irq_status_access(&t->vm, ACK_GPA, 4,
							  false, &v));
	v = 1;
	KUNIT_EXPECT_TRUE(test, pvisor_irq_status_access(&t->vm, ACK_GPA, 4,
							 true, &v));
	KUNIT_EXPECT_TRUE(test, pvisor_irq_status_access(&t->vm, ISR_GPA, 4,
							 false, &v));
	KUNIT_EXPECT_EQ(test, v, 2ULL);
	/* A device reset clears it; unknown vectors and stray gpas refused. */
	bad = (struct pvisor_irq_status) { .vector = 34,
					   .flags = PVISOR_IRQ_STATUS_RESET };
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), 0);
	KUNIT_EXPECT_TRUE(test, pvisor_irq_status_access(&t->vm, ISR_GPA, 4,
							 false, &v));
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	bad.vector = 35;
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), -ENOENT);
	bad.vector = 34;
	bad.ack_gpa = ACK_GPA;
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), -EINVAL);

	/* A bounded table. */
	for (i = 1; i < PVISOR_MAX_IRQ_STATUS; i++) {
		bad = st;
		bad.vector = 34 + i;
		bad.status_gpa = 0xd0000100 + 8 * i;
		bad.ack_gpa = 0xd0001100 + 8 * i;
		KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), 0);
	}
	bad.vector = 200;
	bad.status_gpa = 0xd0000f00;
	bad.ack_gpa = 0xd0001f00;
	KUNIT_EXPECT_EQ(test, pvisor_irq_status(&t->vm, &bad), -ENOSPC);
}

struct decode_case {
	const char *what;
	u8 bytes[15];
	u8 avail;
	u8 len, size, dst_size, reg;
	bool is_write, high_byte, zero_extend;
	u64 imm;
};

static const struct decode_case decode_cases[] = {
	{ "mov (%rdi),%eax", { 0x8b, 0x07 }, 2, 2, 4, 4, 0 },
	{ "mov %eax,0x50(%rdi)", { 0x89, 0x47, 0x50 }, 3, 3, 4, 4, 0, true },
	{ "mov %r8d,0x10(%rax)", { 0x44, 0x89, 0x40, 0x10 }, 4, 4, 4, 4, 8, true },
	{ "mov 0x100(%rdi),%rax", { 0x48, 0x8b, 0x87, 0, 1, 0, 0 }, 7, 7, 8, 8, 0 },
	{ "mov %r15,(%rdi)", { 0x4c, 0x89, 0x3f }, 3, 3, 8, 8, 15, true },
	{ "movw %ax,(%rdi)", { 0x66, 0x89, 0x07 }, 3, 3, 2, 2, 0, true },
	{ "movw (%rdi),%dx", { 0x66, 0x8b, 0x17 }, 3, 3, 2, 2, 2 },
	{ "movb (%rdi),%al", { 0x8a, 0x07 }, 2, 2, 1, 1, 0 },
	{ "movb %ah,1(%rdi)", { 0x88, 0x67, 0x01 }, 3, 3, 1, 1, 4, true, true },
	{ "movb %sil,(%rdi)", { 0x40, 0x88, 0x37 }, 3, 3, 1, 1, 6, true },
	{ "movzbl (%rdi),%eax", { 0x0f, 0xb6, 0x07 }, 3, 3, 1, 4, 0, false,
	  false, true },
	{ "movzwl 4(%rdi),%ecx", { 0x0f, 0xb7, 0x4f, 0x04 }, 4, 4, 2, 4, 1,
	  false, false, true },
	{ "movl $1,0x50(%rdi)", { 0xc7, 0x47, 0x50, 1, 0, 0, 0 }, 7, 7, 4, 0, 0,
	  true, .imm = 1 },
	{ "movb $5,(%rsp)", { 0xc6, 0x04, 0x24, 5 }, 4, 4, 1, 0, 0, true,
	  .imm = 5 },
	{ "movw $0x1234,(%rdi)", { 0x66, 0xc7, 0x07, 0x34, 0x12 }, 5, 5, 2, 0, 0,
	  true, .imm = 0x1234 },
	{ "movq $-1,(%rdi)", { 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff }, 7, 7,
	  8, 0, 0, true, .imm = ~0ULL },
	{ "mov 0x10(%rip),%eax", { 0x8b, 0x05, 0x10, 0, 0, 0 }, 6, 6, 4, 4, 0 },
	{ "mov 0xd0000000,%eax", { 0x8b, 0x04, 0x25, 0, 0, 0, 0xd0 }, 7, 7, 4, 4,
	  0 },
	{ "mov 0x8(%rax,%rbx,4),%esi", { 0x8b, 0x74, 0x98, 0x08 }, 4, 4, 4, 4, 6 },
};

static const struct {
	const char *what;
	u8 bytes[8];
	u8 avail;
} refused_cases[] = {
	{ "rep movsl", { 0xf3, 0xa5 }, 2 },
	{ "incl (%rdi)", { 0xff, 0x07 }, 2 },
	{ "mov %eax,%eax", { 0x8b, 0xc0 }, 2 },
	{ "c7 /1 is not mov", { 0xc7, 0x4f, 0x50, 1, 0, 0, 0 }, 7 },
	{ "cut short", { 0x8b, 0x47 }, 2 },
	{ "imm cut short", { 0xc7, 0x07, 1, 0 }, 4 },
	{ "lock prefix", { 0xf0, 0x89, 0x07 }, 3 },
	{ "nothing", { 0 }, 0 },
};

static void mmio_decode_accepts_the_mov_forms(struct kunit *test)
{
	struct pvisor_mmio_insn d;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];

		KUNIT_ASSERT_EQ_MSG(test, pvisor_mmio_decode(c->bytes, c->avail, &d),
				    0, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, d.len, c->len, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, d.size, c->size, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, d.is_write, c->is_write, "%s", c->what);
		if (!d.has_imm)
			KUNIT_EXPECT_EQ_MSG(test, d.reg, c->reg, "%s", c->what);
		else
			KUNIT_EXPECT_EQ_MSG(test, d.imm, c->imm, "%s", c->what);
		if (!c->is_write)
			KUNIT_EXPECT_EQ_MSG(test, d.dst_size, c->dst_size, "%s",
					    c->what);
		KUNIT_EXPECT_EQ_MSG(test, d.high_byte, c->high_byte, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, d.zero_extend, c->zero_extend, "%s",
				    c->what);
	}
	for (i = 0; i < ARRAY_SIZE(refused_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, pvisor_mmio_decode(refused_cases[i].bytes,
							     refused_cases[i].avail,
							     &d),
				    -EINVAL, "%s", refused_cases[i].what);
}

static void mmio_results_land_as_the_cpu_would(struct kunit *test)
{
	struct pvisor_frame f = { .rax = 0x1111222233334444ULL,
				  .rcx = 0xffffffffffffffffULL };
	struct pvisor_mmio_insn d;
	static const u8 movl_load[] = { 0x8b, 0x07 };
	static const u8 movb_load_ch[] = { 0x8a, 0x2f };	/* movb (%rdi),%ch */
	static const u8 movw_load_cx[] = { 0x66, 0x8b, 0x0f };
	static const u8 movzbl_ecx[] = { 0x0f, 0xb6, 0x0f };
	static const u8 movb_store_ah[] = { 0x88, 0x27 };
	static const u8 movw_store_ax[] = { 0x66, 0x89, 0x07 };

	/* A 32-bit load clears the top half. */
	KUNIT_ASSERT_EQ(test, pvisor_mmio_decode(movl_load, 2, &d), 0);
	pvisor_mmio_read_result(&f, &d, 0xaabbccddeeff0011ULL);
	KUNIT_EXPECT_EQ(test, f.rax, 0xeeff0011ULL);
	/* 8- and 16-bit loads keep the rest of the register. */
	KUNIT_ASSERT_EQ(test, pvisor_mmio_decode(movb_load_ch, 2, &d), 0);
	pvisor_mmio_read_result(&f, &d, 0x12);
	KUNIT_EXPECT_EQ(test, f.rcx, 0xffffffffffff12ffULL);
	KUNIT_ASSERT_EQ(test, pvisor_mmio_decode(movw_load_cx, 3, &d), 0);
	pvisor_mmio_read_result(&f, &d, 0xabcd);
	KUNIT_EXPECT_EQ(test, f.rcx, 0xffffffffffffabcdULL);
	KUNIT_ASSERT_EQ(test, pvisor_mmio_decode(movzbl_ecx, 3, &d), 0);
	pvisor_mmio_read_result(&f, &d, 0x1ff);
	KUNIT_EXPECT_EQ(test, f.rcx, 0xffULL);
	/* Stores take the operand's width, high-byte registers included. */
	f.rax = 0x1111222233334455ULL;
	KUNIT_ASSERT_EQ(test, pvisor_mmio_decode(movb_store_ah, 2, &d), 0);
	KUNIT_EXPECT_EQ(test, pvisor_mmio_write_value(&f, &d), 0x44ULL);
	KUNIT_ASSERT_EQ(test, pvisor_mmio_decode(movw_store_ax, 3, &d), 0);
	KUNIT_EXPECT_EQ(test, pvisor_mmio_write_value(&f, &d), 0x4455ULL);
}

static struct kunit_case pvisor_mmio_cases[] = {
	KUNIT_CASE(mmio_slots_hold_no_memory),
	KUNIT_CASE(mmio_irq_status_is_served_here),
	KUNIT_CASE(mmio_decode_accepts_the_mov_forms),
	KUNIT_CASE(mmio_results_land_as_the_cpu_would),
	{}
};

static struct kunit_suite pvisor_mmio_suite = {
	.name = "pvisor_mmio",
	.init = pvisor_kunit_vm_init,
	.exit = pvisor_kunit_vm_exit,
	.test_cases = pvisor_mmio_cases,
};

kunit_test_suite(pvisor_mmio_suite);
