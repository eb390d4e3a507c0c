// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk: what reaches the image file, and what the guest reads.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/virtio_blk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"

#define IMG_SIZE	(4 << 20)

/*
 * fdatasync() is interposed for the whole test binary (the library is
 * linked statically into it), so a test can see that FLUSH really
 * reached it, and on which file.
 */
static int fdatasync_calls;
static int fdatasync_last_fd = -1;

int fdatasync(int fd)
{
	__atomic_add_fetch(&fdatasync_calls, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fdatasync_last_fd, fd, __ATOMIC_SEQ_CST);
	return syscall(SYS_fdatasync, fd);
}

struct blk_t {
	struct virtio_opts o;
	struct virtio_set *set;
	struct tg g;
	struct tg_dev d;
	uint64_t hdr, status, data;	/* gpa */
	char path[2][320];
};

struct blk_hdr {
	uint32_t type, ioprio;
	uint64_t sector;
};

/* Image(s), set, guest, driver init.  disk_args: extra ",ro" etc. */
static int blk_setup(struct blk_t *t, unsigned int ndisks, const char *suffix,
		     int fill, uint64_t accept)
{
	char arg[2][400], why[128];
	const char *argv[6] = { NULL };
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < ndisks; i++) {
		snprintf(t->path[i], sizeof(t->path[i]), "%s", tmppath(i ? "disk1.img" : "disk0.img"));
		if (make_file(t->path[i], IMG_SIZE, fill))
			return -1;
		snprintf(arg[i], sizeof(arg[i]), "%s%s", t->path[i], suffix);
		argv[2 * i] = "--disk";
		argv[2 * i + 1] = arg[i];
	}
	if (tg_init(&t->g, GUEST_MEM, GUEST_BASE) || opts_from(&t->o, argv))
		return -1;
	t->set = make_set(&t->o, &t->g, true);
	if (!t->set)
		return -1;
	if (tg_dev_init(&t->d, &t->g, t->set, 0, accept, 128, why, sizeof(why))) {
		tap_diag("init: %s", why);
		return -1;
	}
	t->hdr = tg_alloc(&t->g, 4096, 16);
	t->status = tg_alloc(&t->g, 64, 8);
	t->data = tg_alloc(&t->g, 1 << 20, 4096);
	return 0;
}

static void blk_teardown(struct blk_t *t)
{
	virtio_set_destroy(t->set);
	virtio_opts_free(&t->o);
	tg_fini(&t->g);
}

/*
 * One request: header, then the data split into `pieces` descriptors
 * (device-readable for OUT-like types, writable for IN/GET_ID), then
 * the status byte.  Returns the status (or -1 on timeout); *usedp gets
 * the used length.
 */
static int blk_req(struct blk_t *t, struct tg_dev *d, uint32_t type,
		   uint64_t sector, uint64_t data, uint32_t len, bool write_data,
		   unsigned int pieces, bool indirect, uint32_t *usedp)
{
	struct blk_hdr *h = tg_ptr(&t->g, t->hdr);
	uint8_t *st = tg_ptr(&t->g, t->status);
	struct tg_buf b[18];
	unsigned int n = 0, i;
	uint32_t used = 0, off = 0;

	h->type = htole32(type);
	h->ioprio = 0;
	h->sector = htole64(sector);
	*st = 0xee;
	b[n++] = (struct tg_buf){ t->hdr, 16, false };
	for (i = 0; len && i < pieces; i++) {
		uint32_t l = i + 1 < pieces ? len / pieces : len - off;

		b[n++] = (struct tg_buf){ data + off, l, write_data };
		off += l;
	}
	b[n++] = (struct tg_buf){ t->status, 1, true };
	if (tg_vq_add(&d->vq[0], b, n, indirect) < 0)
		return -1;
	tg_vq_kick(&d->vq[0]);
	if (tg_vq_wait(&d->vq[0], &used, WAIT_MS) < 0)
		return -1;
	if (usedp)
		*usedp = used;
	return *st;
}

static int file_read(const char *path, uint64_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = pread(fd, buf, len, off);
	close(fd);
	return r == (ssize_t)len ? 0 : -1;
}

static void test_write_read_back(void)
{
	static uint8_t want[8192], disk[8192];
	struct blk_t t;
	uint32_t used;
	uint8_t *buf;

	CHECK(blk_setup(&t, 1, "", 0, ALL_FEATURES) == 0, "setup: %s", log_text());
	buf = tg_ptr(&t.g, t.data);
	fill_pattern(want, sizeof(want), 1);
	memcpy(buf, want, sizeof(want));
	/* Write 16 sectors at sector 16, the data in 3 descriptors. */
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_OUT, 16, t.data, 8192, false, 3, false, &used),
		 VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 1);
	memset(buf, 0, 8192);
	/* Read them back through an indirect table, in 5 pieces. */
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_IN, 16, t.data, 8192, true, 5, true, &used),
		 VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 8193);
	CHECK(!memcmp(buf, want, 8192), "read back differs from what was written");
	/* And the file itself holds them, at 16 * 512. */
	CHECK(file_read(t.path[0], 16 * 512, disk, sizeof(disk)) == 0, "pread");
	CHECK(!memcmp(disk, want, sizeof(disk)), "file differs from what was written");
	CHECK(file_read(t.path[0], 16 * 512 - 512, disk, 512) == 0, "pread");
	CHECK(disk[0] == 0 && disk[511] == 0, "sector before untouched");
	CHECK(file_read(t.path[0], 32 * 512, disk, 512) == 0, "pread");
	CHECK(disk[0] == 0 && disk[511] == 0, "sector after untouched");
	/* Reading the last sector works; the capacity is exact. */
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_IN, IMG_SIZE / 512 - 1, t.data, 512, true, 1, false, &used),
		 VIRTIO_BLK_S_OK);
	CHECK_EQ(tg_cfg_read(&t.d, 0, 8), IMG_SIZE / 512);
out:
	blk_teardown(&t);
}

static void test_queue_depth(void)
{
	struct blk_t t;
	struct blk_hdr *h;
	unsigned int i, got = 0;
	uint8_t *st, *buf;
	static uint8_t want[64 * 4096];

	CHECK(blk_setup(&t, 1, "", 0, ALL_FEATURES) == 0, "setup");
	h = tg_ptr(&t.g, t.hdr);
	st = tg_ptr(&t.g, t.status);
	buf = tg_ptr(&t.g, t.data);
	fill_pattern(want, sizeof(want), 7);
	memcpy(buf, want, sizeof(want));
	/* 64 writes in flight at once, one kick. */
	for (i = 0; i < 64; i++) {
		struct tg_buf b[3] = {
			{ t.hdr + 16 * i, 16, false },
			{ t.data + 4096 * i, 4096, false },
			{ t.status + i % 64, 1, true },
		};

		h[i].type = htole32(VIRTIO_BLK_T_OUT);
		h[i].sector = htole64(8 * (63 - i));	/* reverse order on disk */
		st[i] = 0xee;
		CHECK(tg_vq_add(&t.d.vq[0], b, 3, i & 1) >= 0, "add %u", i);
	}
	tg_vq_kick(&t.d.vq[0]);
	while (got < 64) {
		uint32_t len;

		CHECK(tg_vq_wait(&t.d.vq[0], &len, WAIT_MS) >= 0, "completion %u", got);
		got++;
	}
	for (i = 0; i < 64; i++)
		CHECK_EQ(st[i], VIRTIO_BLK_S_OK);
	for (i = 0; i < 64; i++) {
		uint8_t disk[4096];

		CHECK(file_read(t.path[0], 4096 * (63 - i), disk, 4096) == 0, "pread");
		CHECK(!memcmp(disk, want + 4096 * i, 4096), "block %u on disk differs", i);
	}
out:
	blk_teardown(&t);
}

static void test_flush_reaches_fdatasync(void)
{
	struct blk_t t;
	struct stat a, b;
	int before, fd;
	uint32_t used;

	CHECK(blk_setup(&t, 1, "", 0, ALL_FEATURES) == 0, "setup");
	CHECK(tg_offered(&t.d) & (1ULL << VIRTIO_BLK_F_FLUSH), "FLUSH offered");
	before = __atomic_load_n(&fdatasync_calls, __ATOMIC_SEQ_CST);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, 0, false, &used),
		 VIRTIO_BLK_S_OK);
	CHECK_EQ(__atomic_load_n(&fdatasync_calls, __ATOMIC_SEQ_CST), before + 1);
	fd = __atomic_load_n(&fdatasync_last_fd, __ATOMIC_SEQ_CST);
	CHECK(fstat(fd, &a) == 0 && stat(t.path[0], &b) == 0, "stat");
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "fdatasync went to another file");
	/* A write alone does not sync. */
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_OUT, 0, t.data, 512, false, 1, false, &used),
		 VIRTIO_BLK_S_OK);
	CHECK_EQ(__atomic_load_n(&fdatasync_calls, __ATOMIC_SEQ_CST), before + 1);
out:
	blk_teardown(&t);
}

static int dz_req(struct blk_t *t, uint32_t type, const uint64_t *sectors,
		  const uint32_t *nums, const uint32_t *flags, unsigned int n)
{
	struct virtio_blk_discard_write_zeroes *s = tg_ptr(&t->g, t->data);
	unsigned int i;

	for (i = 0; i < n; i++) {
		s[i].sector = htole64(sectors[i]);
		s[i].num_sectors = htole32(nums[i]);
		s[i].flags = htole32(flags ? flags[i] : 0);
	}
	return blk_req(t, &t->d, type, 0, t->data, 16 * n, false, 1, false, NULL);
}

static long long blocks_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long long)st.st_blocks;
}

static bool can_punch(const char *dir)
{
	char p[400];
	bool ok;
	int fd;

	snprintf(p, sizeof(p), "%s/punch-probe", dir);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return false;
	ok = ftruncate(fd, 65536) == 0 &&
	     fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096) == 0;
	close(fd);
	unlink(p);
	return ok;
}

static void test_discard_frees_blocks(void)
{
	static const uint64_t sec[2] = { 2048, 4096 };	/* 1 MiB and 2 MiB */
	static const uint32_t num[2] = { 1024, 2048 };	/* 512 KiB and 1 MiB */
	static uint8_t chunk[512 * 1024];
	struct blk_t t = { 0 };
	long long before, after;
	unsigned int i;

	if (!can_punch(tmpdir()))
		SKIP("the filesystem of %s cannot punch holes", tmpdir());
	CHECK(blk_setup(&t, 1, "", 0x77, ALL_FEATURES) == 0, "setup");
	CHECK(tg_offered(&t.d) & (1ULL << VIRTIO_BLK_F_DISCARD), "DISCARD offered");
	CHECK(t.d.features & (1ULL << VIRTIO_BLK_F_DISCARD), "negotiated");
	sync();
	before = blocks_of(t.path[0]);
	CHECK(before >= IMG_SIZE / 512, "image is fully allocated (%lld blocks)", before);
	CHECK_EQ(dz_req(&t, VIRTIO_BLK_T_DISCARD, sec, num, NULL, 2), VIRTIO_BLK_S_OK);
	after = blocks_of(t.path[0]);
	/* 1.5 MiB freed = 3072 sectors (st_blocks counts 512-byte units). */
	CHECK(before - after >= 3072 - 64, "st_blocks %lld -> %lld: not freed", before, after);
	CHECK(file_read(t.path[0], 2048 * 512, chunk, sizeof(chunk)) == 0, "pread");
	for (i = 0; i < sizeof(chunk); i++)
		CHECK(chunk[i] == 0, "discarded byte %u reads %#x", i, chunk[i]);
	/* Neighbours keep their data. */
	CHECK(file_read(t.path[0], 2048 * 512 - 512, chunk, 512) == 0, "pread");
	CHECK_EQ(chunk[511], 0x77);
	CHECK(file_read(t.path[0], 3072 * 512, chunk, 512) == 0, "pread");
	CHECK_EQ(chunk[0], 0x77);
	CHECK_EQ(blocks_of(t.path[0]) > 0, 1);
	{
		struct stat st;

		CHECK(stat(t.path[0], &st) == 0 && st.st_size == IMG_SIZE, "size kept");
	}
out:
	blk_teardown(&t);
}

static void test_write_zeroes(void)
{
	static const uint64_t sec[1] = { 100 };
	static const uint32_t num[1] = { 300 };
	static const uint32_t unmap[1] = { VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP };
	static const uint64_t sec2[1] = { 4096 };
	static const uint32_t num2[1] = { 2048 };
	static uint8_t chunk[300 * 512];
	struct blk_t t = { 0 };
	long long before, after;
	unsigned int i;

	CHECK(blk_setup(&t, 1, "", 0x33, ALL_FEATURES) == 0, "setup");
	CHECK(t.d.features & (1ULL << VIRTIO_BLK_F_WRITE_ZEROES), "negotiated");
	CHECK_EQ(dz_req(&t, VIRTIO_BLK_T_WRITE_ZEROES, sec, num, NULL, 1), VIRTIO_BLK_S_OK);
	CHECK(file_read(t.path[0], 100 * 512, chunk, sizeof(chunk)) == 0, "pread");
	for (i = 0; i < sizeof(chunk); i++)
		CHECK(chunk[i] == 0, "byte %u reads %#x after WRITE_ZEROES", i, chunk[i]);
	CHECK(file_read(t.path[0], 99 * 512, chunk, 512) == 0, "pread");
	CHECK_EQ(chunk[511], 0x33);
	CHECK(file_read(t.path[0], 400 * 512, chunk, 512) == 0, "pread");
	CHECK_EQ(chunk[0], 0x33);
	/* With UNMAP the blocks may go, and on this filesystem they do. */
	if (can_punch(tmpdir())) {
		sync();
		before = blocks_of(t.path[0]);
		CHECK_EQ(dz_req(&t, VIRTIO_BLK_T_WRITE_ZEROES, sec2, num2, unmap, 1),
			 VIRTIO_BLK_S_OK);
		after = blocks_of(t.path[0]);
		/* 1 MiB = 2048 sectors; allow for a new extent-tree block. */
		CHECK(before - after >= 2048 - 64, "UNMAP freed nothing: %lld -> %lld", before, after);
	}
	CHECK(file_read(t.path[0], 4096 * 512, chunk, 512) == 0, "pread");
	CHECK_EQ(chunk[0] | chunk[511], 0);
	CHECK(tg_cfg_read(&t.d, offsetof(struct virtio_blk_config, write_zeroes_may_unmap), 1) == 1,
	      "write_zeroes_may_unmap");
out:
	blk_teardown(&t);
}

static void test_read_only(void)
{
	static const uint64_t sec[1] = { 0 };
	static const uint32_t num[1] = { 8 };
	static uint8_t disk[4096];
	struct blk_t t = { 0 };
	uint8_t *buf;
	uint32_t used;
	unsigned int i;
	uint64_t f;

	CHECK(blk_setup(&t, 1, ",ro", 0x42, ALL_FEATURES) == 0, "setup");
	f = tg_offered(&t.d);
	CHECK(f & (1ULL << VIRTIO_BLK_F_RO), "RO offered");
	CHECK(!(f & (1ULL << VIRTIO_BLK_F_DISCARD)), "no DISCARD on a read-only disk");
	buf = tg_ptr(&t.g, t.data);
	memset(buf, 0x99, 4096);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_OUT, 0, t.data, 4096, false, 1, false, &used),
		 VIRTIO_BLK_S_IOERR);
	CHECK_EQ(dz_req(&t, VIRTIO_BLK_T_DISCARD, sec, num, NULL, 1), VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ(dz_req(&t, VIRTIO_BLK_T_WRITE_ZEROES, sec, num, NULL, 1), VIRTIO_BLK_S_UNSUPP);
	CHECK(file_read(t.path[0], 0, disk, sizeof(disk)) == 0, "pread");
	for (i = 0; i < sizeof(disk); i++)
		CHECK(disk[i] == 0x42, "read-only image changed at byte %u", i);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_IN, 0, t.data, 4096, true, 2, false, &used),
		 VIRTIO_BLK_S_OK);
	CHECK_EQ(buf[0], 0x42);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, 0, false, &used),
		 VIRTIO_BLK_S_OK);
out:
	blk_teardown(&t);
}

static void test_get_id(void)
{
	struct blk_t t = { 0 };
	char arg[400];
	const char *argv[3] = { "--disk", arg, NULL };
	uint32_t used;
	uint8_t *buf;

	CHECK(blk_setup(&t, 1, ",id=pvisor-disk-7", 0, ALL_FEATURES) == 0, "setup");
	buf = tg_ptr(&t.g, t.data);
	memset(buf, 0xff, 64);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_GET_ID, 0, t.data, 20, true, 1, false, &used),
		 VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 21);
	CHECK(!memcmp(buf, "pvisor-disk-7\0\0\0\0\0\0\0", 20), "id '%.20s'", buf);
	CHECK_EQ(buf[20], 0xff);
	blk_teardown(&t);

	/* Default: the image's file name. */
	memset(&t, 0, sizeof(t));
	snprintf(arg, sizeof(arg), "%s", tmppath("my-root.img"));
	CHECK(make_file(arg, 65536, 0) == 0, "image");
	CHECK(tg_init(&t.g, GUEST_MEM, GUEST_BASE) == 0 && opts_from(&t.o, argv) == 0, "opts");
	t.set = make_set(&t.o, &t.g, true);
	CHECK(t.set, "set");
	{
		char why[100];

		CHECK(tg_dev_init(&t.d, &t.g, t.set, 0, ALL_FEATURES, 16, why, sizeof(why)) == 0, "%s", why);
	}
	t.hdr = tg_alloc(&t.g, 16, 16);
	t.status = tg_alloc(&t.g, 1, 1);
	t.data = tg_alloc(&t.g, 20, 8);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_GET_ID, 0, t.data, 20, true, 1, false, &used),
		 VIRTIO_BLK_S_OK);
	CHECK(!memcmp(tg_ptr(&t.g, t.data), "my-root.img\0", 12), "default id");
out:
	blk_teardown(&t);
}

/* Requests outside the disk fail and touch neither file nor buffer. */
static void test_out_of_range(void)
{
	static uint8_t disk[IMG_SIZE];
	const uint64_t last = IMG_SIZE / 512 - 1;
	struct blk_t t = { 0 };
	uint8_t *buf;
	uint32_t used;
	unsigned int i;

	CHECK(blk_setup(&t, 1, "", 0x11, ALL_FEATURES) == 0, "setup");
	buf = tg_ptr(&t.g, t.data);
	memset(buf, 0xcc, 2048);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_IN, last, t.data, 1024, true, 1, false, &used),
		 VIRTIO_BLK_S_IOERR);
	CHECK_EQ(buf[0], 0xcc);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_OUT, last, t.data, 1024, false, 1, false, &used),
		 VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_OUT, last + 1, t.data, 512, false, 1, false, &used),
		 VIRTIO_BLK_S_IOERR);
	/* sector * 512 would wrap around 2^64 */
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_OUT, 1ULL << 55, t.data, 512, false, 1, false, &used),
		 VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_OUT, ~0ULL, t.data, 512, false, 1, false, &used),
		 VIRTIO_BLK_S_IOERR);
	/* Not a whole number of sectors. */
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_OUT, 0, t.data, 500, false, 1, false, &used),
		 VIRTIO_BLK_S_IOERR);
	{
		static const uint64_t sec[2] = { 0, IMG_SIZE / 512 - 4 };
		static const uint32_t num[2] = { 8, 8 };

		/* One good segment and one past the end: nothing is done. */
		CHECK_EQ(dz_req(&t, VIRTIO_BLK_T_WRITE_ZEROES, sec, num, NULL, 2),
			 VIRTIO_BLK_S_IOERR);
	}
	CHECK(file_read(t.path[0], 0, disk, IMG_SIZE) == 0, "pread");
	for (i = 0; i < IMG_SIZE; i++)
		CHECK(disk[i] == 0x11, "image changed at byte %u", i);
out:
	blk_teardown(&t);
}

static void test_unsupported(void)
{
	static const uint64_t sec[1] = { 0 };
	static const uint32_t num[1] = { 8 };
	static const uint32_t unmap[1] = { VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP };
	static const uint32_t junk[1] = { 0x80 };
	struct blk_t t = { 0 };
	struct blk_hdr *h;
	uint8_t *st;
	uint32_t used;

	CHECK(blk_setup(&t, 1, "", 0x11, ~(1ULL << VIRTIO_BLK_F_WRITE_ZEROES)) == 0, "setup");
	CHECK_EQ(blk_req(&t, &t.d, 0x1234, 0, t.data, 512, false, 1, false, &used),
		 VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_SCSI_CMD, 0, t.data, 512, false, 1, false, &used),
		 VIRTIO_BLK_S_UNSUPP);
	/* DISCARD with the UNMAP flag, and unknown flags on either. */
	CHECK_EQ(dz_req(&t, VIRTIO_BLK_T_DISCARD, sec, num, unmap, 1), VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ(dz_req(&t, VIRTIO_BLK_T_DISCARD, sec, num, junk, 1), VIRTIO_BLK_S_UNSUPP);
	/* WRITE_ZEROES was offered but the driver did not accept it. */
	CHECK_EQ(dz_req(&t, VIRTIO_BLK_T_WRITE_ZEROES, sec, num, NULL, 1), VIRTIO_BLK_S_UNSUPP);
	/* A header shorter than 16 bytes. */
	h = tg_ptr(&t.g, t.hdr);
	st = tg_ptr(&t.g, t.status);
	h->type = 0;
	*st = 0xee;
	{
		struct tg_buf b[2] = { { t.hdr, 8, false }, { t.status, 1, true } };

		CHECK(tg_vq_add(&t.d.vq[0], b, 2, false) >= 0, "add");
		tg_vq_kick(&t.d.vq[0]);
		CHECK(tg_vq_wait(&t.d.vq[0], &used, WAIT_MS) >= 0, "answered");
		CHECK_EQ(*st, VIRTIO_BLK_S_IOERR);
	}
	/* The header split over two descriptors is fine (no framing rules). */
	*st = 0xee;
	h->type = htole32(VIRTIO_BLK_T_IN);
	h->sector = 0;
	{
		struct tg_buf b[4] = { { t.hdr, 5, false }, { t.hdr + 5, 11, false },
				       { t.data, 512, true }, { t.status, 1, true } };

		CHECK(tg_vq_add(&t.d.vq[0], b, 4, false) >= 0, "add");
		tg_vq_kick(&t.d.vq[0]);
		CHECK(tg_vq_wait(&t.d.vq[0], &used, WAIT_MS) >= 0, "answered");
		CHECK_EQ(*st, VIRTIO_BLK_S_OK);
		CHECK_EQ(used, 513);
	}
	CHECK_EQ(tg_read(&t.d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
out:
	blk_teardown(&t);
}

static void test_several_disks(void)
{
	struct blk_t t = { 0 };
	struct tg_dev d1;
	uint8_t disk[512];
	char why[128];
	uint8_t *buf;

	CHECK(blk_setup(&t, 2, "", 0, ALL_FEATURES) == 0, "setup");
	CHECK_EQ(virtio_set_nr_devs(t.set), 2);
	CHECK(!strcmp(virtio_dev_name(virtio_set_dev(t.set, 1)), "virtio-blk1"), "name");
	CHECK(tg_dev_init(&d1, &t.g, t.set, 1, ALL_FEATURES, 64, why, sizeof(why)) == 0, "%s", why);
	buf = tg_ptr(&t.g, t.data);
	memset(buf, 0xa0, 512);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_OUT, 3, t.data, 512, false, 1, false, NULL),
		 VIRTIO_BLK_S_OK);
	memset(buf, 0xa1, 512);
	CHECK_EQ(blk_req(&t, &d1, VIRTIO_BLK_T_OUT, 3, t.data, 512, false, 1, false, NULL),
		 VIRTIO_BLK_S_OK);
	CHECK(file_read(t.path[0], 3 * 512, disk, 512) == 0, "pread");
	CHECK_EQ(disk[0], 0xa0);
	CHECK(file_read(t.path[1], 3 * 512, disk, 512) == 0, "pread");
	CHECK_EQ(disk[0], 0xa1);
out:
	blk_teardown(&t);
}

/* Opening problems are refused with a message naming the file. */
static void test_open_errors(void)
{
	struct virtio_set *set = NULL;
	struct virtio_opts o;
	struct tg g = { 0 };
	char arg[400];
	const char *argv[5] = { "--disk", arg, NULL, NULL, NULL };

	CHECK(tg_init(&g, GUEST_MEM, GUEST_BASE) == 0, "guest");
	snprintf(arg, sizeof(arg), "%s", tmppath("missing.img"));
	CHECK(opts_from(&o, argv) == 0, "opts");
	set = make_set(&o, &g, false);
	CHECK(!set, "a missing image was accepted");
	CHECK(log_contains2("missing.img", "no such file"), "message: %s", log_text());
	virtio_opts_free(&o);

	snprintf(arg, sizeof(arg), "%s", tmpdir());
	CHECK(opts_from(&o, argv) == 0, "opts");
	set = make_set(&o, &g, false);
	CHECK(!set, "a directory was accepted");
	CHECK(log_contains("not a regular file or block device") || log_contains("Is a directory"),
	      "message: %s", log_text());
	virtio_opts_free(&o);

	snprintf(arg, sizeof(arg), "%s", tmppath("empty.img"));
	CHECK(make_file(arg, 0, -1) == 0, "empty");
	CHECK(opts_from(&o, argv) == 0, "opts");
	set = make_set(&o, &g, false);
	CHECK(!set, "an empty image was accepted");
	CHECK(log_contains("smaller than one 512-byte sector"), "message: %s", log_text());
	virtio_opts_free(&o);

	/* The same image twice read-write: the lock refuses the second. */
	snprintf(arg, sizeof(arg), "%s", tmppath("twice.img"));
	CHECK(make_file(arg, 65536, 0) == 0, "image");
	argv[2] = "--disk";
	argv[3] = arg;
	CHECK(opts_from(&o, argv) == 0, "opts");
	set = make_set(&o, &g, false);
	CHECK(!set, "one image used twice read-write");
	CHECK(log_contains2("twice.img", "in use"), "message: %s", log_text());
	virtio_opts_free(&o);
	argv[2] = NULL;
out:
	virtio_set_destroy(set);
	virtio_opts_free(&o);
	tg_fini(&g);
}

/* Permissions: run as an unprivileged user, since root reads anything. */
static void test_unreadable(void)
{
	char path[400];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s", tmppath("secret.img"));
	CHECK(make_file(path, 65536, 0) == 0, "image");
	CHECK(chmod(path, 0) == 0, "chmod");
	CHECK(chmod(tmpdir(), 0755) == 0, "chmod dir");
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		const char *argv[3] = { "--disk", path, NULL };
		struct virtio_opts o;
		struct virtio_set *set;
		struct tg g;

		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(3);
		if (tg_init(&g, 1 << 20, 0) || opts_from(&o, argv))
			_exit(4);
		log_clear();
		set = make_set(&o, &g, false);
		if (set)
			_exit(5);
		_exit(log_contains2("secret.img", "Permission denied") ? 0 : 6);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "wait");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child exit %d (3: cannot drop privileges, 5: accepted, 6: wrong message)",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
out:
	;
}

/* Is the image open with O_DIRECT in this process (its fd's flags)? */
static int image_fd_direct(const char *path)
{
	char link[64], target[400], info[96], line[128];
	int fd, found = -1;

	for (fd = 3; fd < 1024 && found < 0; fd++) {
		FILE *f;
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strcmp(target, path))
			continue;
		snprintf(info, sizeof(info), "/proc/self/fdinfo/%d", fd);
		f = fopen(info, "r");
		while (f && fgets(line, sizeof(line), f)) {
			unsigned int flags;

			if (sscanf(line, "flags: %o", &flags) == 1)
				found = !!(flags & O_DIRECT);
		}
		if (f)
			fclose(f);
	}
	return found;
}

/*
 * cache=none: the image is open with O_DIRECT, the block size is the
 * direct-I/O alignment, and data lands in place whether the guest's
 * buffers are aligned for O_DIRECT (straight through) or not (bounced).
 * FLUSH still reaches fdatasync.  Without cache=, no O_DIRECT.
 */
static void test_cache_none(void)
{
	static uint8_t want[16384], disk[16384];
	struct blk_t t;
	uint32_t used, bsz;
	uint8_t *buf;
	int calls;

	CHECK(blk_setup(&t, 1, ",cache=none", 0, ALL_FEATURES) == 0, "setup: %s", log_text());
	CHECK_EQ(image_fd_direct(t.path[0]), 1);
	bsz = tg_cfg_read(&t.d, 20, 4);
	CHECK(bsz >= 512 && bsz <= 4096 && !(bsz & (bsz - 1)), "blk_size %u", bsz);
	CHECK_EQ(tg_cfg_read(&t.d, 8, 4), 1U << 20);	/* size_max */
	buf = tg_ptr(&t.g, t.data);
	fill_pattern(want, sizeof(want), 7);
	/* Page-aligned buffers, 8 KiB at sector 64: straight to the file. */
	memcpy(buf, want, 8192);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_OUT, 64, t.data, 8192, false, 2, false, &used),
		 VIRTIO_BLK_S_OK);
	/* A buffer 512 bytes into a page, in 3 pieces: bounced. */
	memcpy(buf + 8192 + 512, want + 8192, 8192);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_OUT, 80, t.data + 8192 + 512, 8192, false, 3,
			 false, &used), VIRTIO_BLK_S_OK);
	CHECK(file_read(t.path[0], 64 * 512, disk, sizeof(disk)) == 0, "pread");
	CHECK(!memcmp(disk, want, sizeof(disk)), "file differs from what was written");
	/* Both read back, aligned and through the bounce buffer. */
	memset(buf, 0, 16384 + 1024);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_IN, 64, t.data + 100, 16384, true, 5, false, &used),
		 VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 16385);
	CHECK(!memcmp(buf + 100, want, sizeof(want)), "bounced read differs");
	memset(buf, 0, 16384);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_IN, 64, t.data, 16384, true, 4, false, &used),
		 VIRTIO_BLK_S_OK);
	CHECK(!memcmp(buf, want, sizeof(want)), "aligned read differs");
	calls = __atomic_load_n(&fdatasync_calls, __ATOMIC_SEQ_CST);
	CHECK_EQ(blk_req(&t, &t.d, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, 0, false, &used),
		 VIRTIO_BLK_S_OK);
	CHECK(__atomic_load_n(&fdatasync_calls, __ATOMIC_SEQ_CST) > calls, "FLUSH did not fdatasync");
	blk_teardown(&t);
	/* The default is the page cache. */
	CHECK(blk_setup(&t, 1, "", 0, ALL_FEATURES) == 0, "setup: %s", log_text());
	CHECK_EQ(image_fd_direct(t.path[0]), 0);
	CHECK_EQ(tg_cfg_read(&t.d, 20, 4), 512);
out:
	blk_teardown(&t);
}

const struct test_case blk_tests[] = {
	{ "blk: write then read back, file on disk holds the bytes", test_write_read_back },
	{ "blk: 64 requests in flight complete and land in place", test_queue_depth },
	{ "blk: FLUSH reaches fdatasync on the image", test_flush_reaches_fdatasync },
	{ "blk: DISCARD punches holes (st_blocks drops), neighbours kept", test_discard_frees_blocks },
	{ "blk: WRITE_ZEROES zeroes, with UNMAP frees blocks", test_write_zeroes },
	{ "blk: ro refuses writes (IOERR) and discard/zeroes (UNSUPP)", test_read_only },
	{ "blk: GET_ID returns id= or the file name", test_get_id },
	{ "blk: out-of-range and overflowing requests fail, nothing touched", test_out_of_range },
	{ "blk: unknown types and flags are UNSUPP, short header IOERR", test_unsupported },
	{ "blk: several disks go to their own files", test_several_disks },
	{ "blk: missing, directory, empty and doubly used images are refused", test_open_errors },
	{ "blk: an unreadable image is refused with the reason", test_unreadable },
	{ "blk: cache=none opens O_DIRECT, aligned and bounced I/O land in place, FLUSH syncs", test_cache_none },
	{ NULL, NULL },
};
