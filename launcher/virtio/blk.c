// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk over a raw image file (or a host block device).
 *
 * Requests are served synchronously in the device thread with
 * preadv/pwritev straight into the guest's buffers.  Every request is
 * checked in full (header, sector range, discard segments) before a
 * single byte of the file is touched, so a bad request never changes
 * the image; it completes with IOERR (a valid request the backend
 * cannot do, or outside the disk) or UNSUPP (a request type or flag we
 * did not offer).  A chain that has no room for the status byte cannot
 * be answered at all: that is a broken driver, and the device asks to
 * be reset.
 *
 * cache=none opens the image with O_DIRECT: I/O goes around the host's
 * page cache, in the file system's direct-I/O alignment, which the
 * device announces as its block size so that the guest's requests come
 * aligned.  Guest buffers not aligned for it go through a bounce buffer.
 * FLUSH is fdatasync() either way: O_DIRECT does not make a write
 * durable by itself (metadata, the device's own cache).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices.h"

#define SECTOR		512ULL
#define BLK_MAX_SEGS	(VQ_MAX_SIZE - 2)	/* header and status */
#define BLK_MAX_DZ_SEGS	32
#define BLK_MAX_DZ_SECTORS 0x3fffffU		/* 2 GiB per segment */
#define BLK_BATCH	64
#define BLK_SIZE_MAX	(1U << 20)	/* per segment: VIRTIO_BLK_F_SIZE_MAX */
#define BLK_BOUNCE	(1U << 20)	/* cache=none: bytes per bounced step */

struct blk {
	int fd;
	bool ro;
	uint64_t capacity;	/* sectors */
	char path[256];
	char id[VIRTIO_BLK_ID_LEN];
	bool warned_discard;
	bool direct;		/* cache=none: O_DIRECT */
	unsigned int dio_mem_align, dio_off_align;	/* cache=none */
	uint8_t *bounce;	/* cache=none: BLK_BOUNCE bytes, aligned */
	struct vq_chain chain;
	struct iovec data[VQ_MAX_SIZE];
};

struct blk_req_hdr {
	uint32_t type;
	uint32_t ioprio;
	uint64_t sector;
};

static void blk_get_config(struct virtio_dev *dev, uint8_t *buf)
{
	struct blk *b = dev->priv;
	struct virtio_blk_config c;

	memset(&c, 0, sizeof(c));
	c.capacity = htole64(b->capacity);
	c.seg_max = htole32(BLK_MAX_SEGS);
	c.size_max = htole32(BLK_SIZE_MAX);
	c.blk_size = htole32(b->direct && b->dio_off_align > SECTOR ?
			     b->dio_off_align : (uint32_t)SECTOR);
	c.max_discard_sectors = htole32(BLK_MAX_DZ_SECTORS);
	c.max_discard_seg = htole32(BLK_MAX_DZ_SEGS);
	c.discard_sector_alignment = htole32(8);	/* 4 KiB */
	c.max_write_zeroes_sectors = htole32(BLK_MAX_DZ_SECTORS);
	c.max_write_zeroes_seg = htole32(BLK_MAX_DZ_SEGS);
	c.write_zeroes_may_unmap = 1;
	memcpy(buf, &c, sizeof(c));
}

/* [sector, sector + bytes/512) inside the disk?  Overflow-safe. */
static bool in_range(struct blk *b, uint64_t sector, uint64_t bytes)
{
	if (bytes % SECTOR)
		return false;
	return sector <= b->capacity && bytes / SECTOR <= b->capacity - sector;
}

/* preadv/pwritev until done; false on error or an unexpected EOF. */
static bool rw_all(struct blk *b, struct iovec *iov, unsigned int n,
		   uint64_t off, bool write, size_t *done)
{
	*done = 0;
	while (n) {
		ssize_t r = write ? pwritev(b->fd, iov, n, off) :
				    preadv(b->fd, iov, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		*done += r;
		off += r;
		while (n && (size_t)r >= iov->iov_len) {
			r -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (char *)iov->iov_base + r;
			iov->iov_len -= r;
		}
	}
	return true;
}

/* cache=none: may these buffers go to O_DIRECT as they are? */
static bool dio_aligned(const struct blk *b, const struct iovec *iov, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if ((uintptr_t)iov[i].iov_base % b->dio_mem_align ||
		    iov[i].iov_len % b->dio_mem_align)
			return false;
	return true;
}

/*
 * Read or write the request's data at @off.  With cache=none, guest
 * buffers O_DIRECT cannot take are copied through the bounce buffer, a
 * step of at most BLK_BOUNCE bytes at a time.
 */
static bool blk_rw(struct blk *b, struct iovec *iov, unsigned int n,
		   uint64_t off, bool write, size_t *done)
{
	size_t total = 0, pos, step, got;
	unsigned int i;

	if (!b->direct || dio_aligned(b, iov, n))
		return rw_all(b, iov, n, off, write, done);
	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	*done = 0;
	for (pos = 0; pos < total; pos += step) {
		struct iovec one;

		step = MIN(total - pos, BLK_BOUNCE);
		one = (struct iovec){ b->bounce, step };
		if (write)
			iov__to_buf(iov, n, pos, b->bounce, step);
		if (!rw_all(b, &one, 1, off + pos, write, &got))
			return false;
		if (!write)
			iov__from_buf(iov, n, pos, b->bounce, step);
		*done += got;
	}
	return true;
}

static int fallocate_zero(struct blk *b, uint64_t off, uint64_t len, bool unmap)
{
	static const char zeroes[65536] __attribute__((aligned(4096)));

	if (unmap && !fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				off, len))
		return 0;
	if (!fallocate(b->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, len))
		return 0;
	/* Some filesystems (tmpfs) only punch holes; holes read as zero. */
	if (!fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len))
		return 0;
	while (len) {
		ssize_t r = pwrite(b->fd, zeroes, MIN(len, sizeof(zeroes)), off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		off += r;
		len -= r;
	}
	return 0;
}

/* DISCARD and WRITE_ZEROES: a table of 16-byte segments after the header. */
static uint8_t blk_discard_zero(struct virtio_dev *dev, struct blk *b,
				struct vq_chain *c, uint32_t type)
{
	struct virtio_blk_discard_write_zeroes seg[BLK_MAX_DZ_SEGS];
	bool discard = type == VIRTIO_BLK_T_DISCARD;
	uint32_t len = c->out_len - sizeof(struct blk_req_hdr);
	unsigned int i, n;

	if (!virtio_dev__has(dev, discard ? VIRTIO_BLK_F_DISCARD :
					    VIRTIO_BLK_F_WRITE_ZEROES))
		return VIRTIO_BLK_S_UNSUPP;
	if (!len || len % sizeof(seg[0]) || len / sizeof(seg[0]) > BLK_MAX_DZ_SEGS)
		return VIRTIO_BLK_S_IOERR;
	n = len / sizeof(seg[0]);
	/* Copy all segments out of guest memory, check all, then act. */
	iov__to_buf(c->iov, c->nr_out, sizeof(struct blk_req_hdr), seg, len);
	for (i = 0; i < n; i++) {
		uint32_t flags = le32toh(seg[i].flags);
		uint32_t num = le32toh(seg[i].num_sectors);

		if (discard ? flags : (flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))
			return VIRTIO_BLK_S_UNSUPP;
		if (num > BLK_MAX_DZ_SECTORS ||
		    !in_range(b, le64toh(seg[i].sector), num * SECTOR))
			return VIRTIO_BLK_S_IOERR;
	}
	for (i = 0; i < n; i++) {
		uint64_t off = le64toh(seg[i].sector) * SECTOR;
		uint64_t bytes = (uint64_t)le32toh(seg[i].num_sectors) * SECTOR;

		if (!bytes)
			continue;
		if (!discard) {
			if (fallocate_zero(b, off, bytes, le32toh(seg[i].flags) &
					   VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))
				return VIRTIO_BLK_S_IOERR;
			continue;
		}
		if (fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      off, bytes)) {
			/* Discard is a hint: succeeding without freeing is allowed. */
			if (errno != EOPNOTSUPP)
				return VIRTIO_BLK_S_IOERR;
			if (!b->warned_discard)
				virtio_dev__log(dev, -1, "%s cannot punch holes; discard requests are accepted but free nothing",
						b->path);
			b->warned_discard = true;
		}
	}
	return VIRTIO_BLK_S_OK;
}

/*
 * Serve one request.  Returns the used length (bytes written to the
 * guest, status byte included), or -1 if the chain could not be
 * answered and the device has been failed.
 */
static int blk_request(struct virtio_dev *dev, struct blk *b, struct vq_chain *c)
{
	struct iovec *in = chain_in(c);
	struct blk_req_hdr hdr;
	uint32_t data_in, data_out, type;
	unsigned int n;
	uint8_t status;
	size_t done = 0;
	uint8_t *statusp;

	if (!c->in_len) {
		virtio_dev__fail(dev, 0, "request (head %u) has no device-writable status byte",
				 c->head);
		return -1;
	}
	/* The status byte is the last byte of the writable part. */
	statusp = (uint8_t *)in[c->nr_in - 1].iov_base + in[c->nr_in - 1].iov_len - 1;
	data_in = c->in_len - 1;
	if (c->out_len < sizeof(hdr)) {
		*statusp = VIRTIO_BLK_S_IOERR;
		return 1;
	}
	iov__to_buf(c->iov, c->nr_out, 0, &hdr, sizeof(hdr));	/* copy once */
	type = le32toh(hdr.type);
	data_out = c->out_len - sizeof(hdr);

	switch (type) {
	case VIRTIO_BLK_T_IN:
		if (!in_range(b, le64toh(hdr.sector), data_in)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		n = iov__slice(in, c->nr_in, 0, data_in, b->data, ARRAY_SIZE(b->data));
		status = blk_rw(b, b->data, n, le64toh(hdr.sector) * SECTOR,
				false, &done) ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_OUT:
		if (b->ro || !in_range(b, le64toh(hdr.sector), data_out)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		n = iov__slice(c->iov, c->nr_out, sizeof(hdr), data_out, b->data,
			       ARRAY_SIZE(b->data));
		status = blk_rw(b, b->data, n, le64toh(hdr.sector) * SECTOR,
				true, &done) ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		done = 0;	/* nothing written to the guest */
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = fdatasync(b->fd) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		char id[VIRTIO_BLK_ID_LEN];

		memcpy(id, b->id, sizeof(id));	/* NUL-padded, not terminated */
		done = iov__from_buf(in, c->nr_in, 0, id, MIN(data_in, sizeof(id)));
		status = VIRTIO_BLK_S_OK;
		break;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		status = b->ro ? VIRTIO_BLK_S_UNSUPP : blk_discard_zero(dev, b, c, type);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	*statusp = status;
	return done + 1;
}

static bool blk_work(struct virtio_dev *dev, struct pollfd *pfd, int n)
{
	struct blk *b = dev->priv;
	struct vq *vq = &dev->vqs[0];
	unsigned int done = 0;
	int r, len;

	(void)pfd;
	(void)n;
	for (;;) {
		while (done < BLK_BATCH &&
		       (r = vq__pop(dev, vq, &b->chain, VQ_ANY)) > 0) {
			len = blk_request(dev, b, &b->chain);
			if (len < 0)
				return false;
			vq__push(vq, b->chain.head, len);
			done++;
		}
		if (r < 0)
			return false;
		if (done)
			vq__notify(dev, vq);
		/* Let register accesses in between batches. */
		if (done >= BLK_BATCH)
			return true;
		if (!vq__enable_kicks(vq))
			return false;
	}
}

static void blk_free(struct blk *b)
{
	if (b->fd >= 0)
		close(b->fd);
	if (b->bounce)
		munmap(b->bounce, BLK_BOUNCE);
	free(b);
}

static void blk_destroy(struct virtio_dev *dev)
{
	blk_free(dev->priv);
}

static const struct virtio_dev_ops blk_ops = {
	.kind = "blk",
	.kconfig = "CONFIG_VIRTIO_BLK",
	.nr_queues = 1,
	.queue_names = { "requestq" },
	.config_size = sizeof(struct virtio_blk_config),
	.get_config = blk_get_config,
	.work = blk_work,
	.destroy = blk_destroy,
};

/*
 * cache=none: the file system's direct-I/O alignment (statx), or, where it
 * does not say, 512-byte offsets (the device's sector size for a block
 * device) and page-aligned buffers; and the bounce buffer.
 */
static int blk_direct_setup(struct blk *b, const struct virtio_disk_opt *o,
			    const struct stat *st)
{
	struct statx stx;
	int ssz;

	b->direct = true;
	b->dio_mem_align = 4096;
	b->dio_off_align = SECTOR;
	if (S_ISBLK(st->st_mode) && ioctl(b->fd, BLKSSZGET, &ssz) == 0 && ssz > 0)
		b->dio_off_align = ssz;
	if (statx(b->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
	    (stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align) {
		b->dio_mem_align = stx.stx_dio_mem_align;
		b->dio_off_align = stx.stx_dio_offset_align;
	}
	if (b->dio_off_align > 4096 || b->dio_mem_align > 4096 ||
	    b->dio_off_align & (b->dio_off_align - 1) ||
	    b->dio_mem_align & (b->dio_mem_align - 1)) {
		virtio__log("--disk %s,cache=none: direct I/O there needs an alignment of %u (offsets) and %u (buffers), which this device cannot announce; use cache=writeback",
			    o->path, b->dio_off_align, b->dio_mem_align);
		return -1;
	}
	b->bounce = mmap(NULL, BLK_BOUNCE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->bounce == MAP_FAILED) {
		b->bounce = NULL;
		virtio__log("--disk %s,cache=none: no memory for the bounce buffer", o->path);
		return -1;
	}
	return 0;
}

static int blk_open(struct blk *b, const struct virtio_disk_opt *o)
{
	bool direct = o->cache == VIRTIO_DISK_CACHE_NONE;
	struct stat st;
	uint64_t size;

	b->fd = open(o->path, (o->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC |
		     (direct ? O_DIRECT : 0));
	if (b->fd < 0) {
		int err = errno;

		if (direct && err == EINVAL)
			virtio__log("--disk %s,cache=none: the file system there does not support direct I/O (O_DIRECT); use cache=writeback",
				    o->path);
		else if (!o->ro && (err == EACCES || err == EROFS || err == EPERM) &&
		    access(o->path, R_OK) == 0)
			virtio__log("--disk %s: cannot open it for writing: %s; add ,ro to use it read-only",
				    o->path, strerror(err));
		else if (err == ENOENT)
			virtio__log("--disk %s: no such file; create a raw image first, e.g. 'truncate -s 1G %s'",
				    o->path, o->path);
		else
			virtio__log("--disk %s: cannot open: %s", o->path,
				    strerror(err));
		return -1;
	}
	if (fstat(b->fd, &st) < 0) {
		virtio__log("--disk %s: stat: %s", o->path, strerror(errno));
		return -1;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(b->fd, BLKGETSIZE64, &size) < 0) {
			virtio__log("--disk %s: cannot get the device size: %s",
				    o->path, strerror(errno));
			return -1;
		}
	} else if (S_ISREG(st.st_mode)) {
		size = st.st_size;
	} else {
		virtio__log("--disk %s: not a regular file or block device; give a raw disk image",
			    o->path);
		return -1;
	}
	if (direct && blk_direct_setup(b, o, &st))
		return -1;
	/* A read that fails now fails for the guest later: say so now. */
	{
		char probe[SECTOR] __attribute__((aligned(SECTOR)));
		void *to = direct ? (void *)b->bounce : probe;
		size_t len = direct ? b->dio_off_align : sizeof(probe);

		if (size && pread(b->fd, to, len, 0) < 0) {
			virtio__log("--disk %s: cannot read it: %s", o->path,
				    strerror(errno));
			return -1;
		}
	}
	if (size < SECTOR) {
		virtio__log("--disk %s: the image is smaller than one 512-byte sector; grow it, e.g. 'truncate -s 1G %s'",
			    o->path, o->path);
		return -1;
	}
	if (size % SECTOR)
		virtio__log("--disk %s: size is not a multiple of 512; the last %llu bytes are not visible to the guest",
			    o->path, (unsigned long long)(size % SECTOR));
	b->capacity = size / SECTOR;
	/* Two writers on one image corrupt it; two readers are fine. */
	if (flock(b->fd, (o->ro ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		virtio__log("--disk %s: the image is in use (locked by another process, maybe another pvisor-run)%s",
			    o->path, o->ro ? "" : "; add ,ro to share it read-only");
		return -1;
	}
	return 0;
}

struct virtio_dev *virtio_blk__create(struct virtio_vm *vm,
				      const struct virtio_disk_opt *o,
				      unsigned int instance)
{
	uint64_t features = (1ULL << VIRTIO_BLK_F_SEG_MAX) |
			    (1ULL << VIRTIO_BLK_F_SIZE_MAX) |
			    (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
			    (1ULL << VIRTIO_BLK_F_FLUSH);
	struct virtio_dev *dev;
	const char *base;
	struct blk *b;

	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	if (blk_open(b, o) < 0) {
		blk_free(b);
		return NULL;
	}
	b->ro = o->ro;
	snprintf(b->path, sizeof(b->path), "%s", o->path);
	/* GET_ID answers 20 bytes, NUL-padded and not necessarily terminated. */
	base = strrchr(o->path, '/');
	base = o->has_id ? o->id : base ? base + 1 : o->path;
	memcpy(b->id, base, MIN(strlen(base), sizeof(b->id)));
	if (o->ro)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	else
		features |= (1ULL << VIRTIO_BLK_F_DISCARD) |
			    (1ULL << VIRTIO_BLK_F_WRITE_ZEROES);
	dev = virtio_dev__new(vm, &blk_ops, VIRTIO_ID_BLOCK, features, instance);
	if (!dev) {
		blk_free(b);
		return NULL;
	}
	dev->priv = b;
	snprintf(dev->desc, sizeof(dev->desc), "(%.70s%s%s)", o->path,
		 o->ro ? ", ro" : "", b->direct ? ", cache=none" : "");
	return dev;
}
