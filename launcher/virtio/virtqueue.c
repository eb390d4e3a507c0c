// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues, the device side.
 *
 * The ring lives in guest memory and the guest may rewrite it while we
 * read it.  So the walker reads each guest field exactly once into a
 * local (the avail index, each ring entry, each 16-byte descriptor) and
 * decides only on the local copy.  Every address is checked through
 * virtio_gmem_ptr(), every index against its table, and every chain is
 * bounded by the queue size, which also catches loops.
 *
 * Anything malformed is the driver's bug, not an I/O error: the device
 * logs it, sets DEVICE_NEEDS_RESET and stops touching the ring until the
 * driver resets it (virtio 1.x, 2.1.2).
 */
#include <endian.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

void vq__reset(struct vq *vq)
{
	__atomic_store_n(&vq->ready, false, __ATOMIC_RELEASE);
	vq->num = 0;
	vq->broken = false;
	vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->event_idx = vq->indirect = false;
	vq->last_avail = vq->last_used = 0;
	vq->signalled_used = 0;
	vq->signalled_valid = false;
}

static int vq__fail(struct virtio_dev *dev, struct vq *vq, const char *what)
{
	vq->broken = true;
	virtio_dev__fail(dev, vq->index, "%s", what);
	return -1;
}

/* Called with dev->lock held when the driver writes QueueReady = 1. */
int vq__setup(struct virtio_dev *dev, struct vq *vq)
{
	struct virtio_gmem *gm = &dev->vm->gm;
	uint64_t n = vq->num;
	char why[160];

	if (!n || n > VQ_MAX_SIZE || (n & (n - 1))) {
		snprintf(why, sizeof(why),
			 "QueueReady with queue size %u (must be a power of two, 1..%u)",
			 vq->num, VQ_MAX_SIZE);
		return vq__fail(dev, vq, why);
	}
	if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3)) {
		snprintf(why, sizeof(why),
			 "misaligned ring (desc 0x%llx, driver 0x%llx, device 0x%llx)",
			 (unsigned long long)vq->desc_gpa,
			 (unsigned long long)vq->avail_gpa,
			 (unsigned long long)vq->used_gpa);
		return vq__fail(dev, vq, why);
	}
	/* Sizes include used_event / avail_event: we always may use them. */
	vq->desc = virtio_gmem_ptr(gm, vq->desc_gpa, 16 * n);
	vq->avail = virtio_gmem_ptr(gm, vq->avail_gpa, 6 + 2 * n);
	vq->used = virtio_gmem_ptr(gm, vq->used_gpa, 6 + 8 * n);
	if (!vq->desc || !vq->avail || !vq->used) {
		snprintf(why, sizeof(why),
			 "ring outside guest memory (desc 0x%llx, driver 0x%llx, device 0x%llx, size %u)",
			 (unsigned long long)vq->desc_gpa,
			 (unsigned long long)vq->avail_gpa,
			 (unsigned long long)vq->used_gpa, vq->num);
		return vq__fail(dev, vq, why);
	}
	vq->event_idx = virtio_dev__has(dev, VIRTIO_RING_F_EVENT_IDX);
	vq->indirect = virtio_dev__has(dev, VIRTIO_RING_F_INDIRECT_DESC);
	vq->last_avail = 0;
	vq->last_used = 0;
	vq->signalled_used = 0;
	vq->signalled_valid = false;
	vq->broken = false;
	return 0;
}

static uint16_t vq__avail_idx(struct vq *vq)
{
	/* Acquire: the ring entries and descriptors are read after this. */
	return le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
}

bool vq__has_avail(struct vq *vq)
{
	if (!vq->ready || vq->broken)
		return false;
	return vq__avail_idx(vq) != vq->last_avail;
}

/*
 * Tell the driver to kick us when it adds the next buffer (EVENT_IDX:
 * avail_event = where we are), then look again: a buffer added before
 * the driver could see our write would otherwise wait for ever.
 */
bool vq__enable_kicks(struct vq *vq)
{
	if (!vq->ready || vq->broken)
		return false;
	if (vq->event_idx) {
		uint16_t *avail_event = (uint16_t *)&vq->used->ring[vq->num];

		__atomic_store_n(avail_event, htole16(vq->last_avail),
				 __ATOMIC_RELAXED);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vq__avail_idx(vq) != vq->last_avail;
}

struct walk {
	struct vq_chain *c;
	uint64_t total;
	bool seen_write;
	enum vq_dir dir;
};

static int walk_add(struct virtio_dev *dev, struct vq *vq, struct walk *w,
		    const struct vring_desc *d, unsigned int idx, bool indirect)
{
	uint64_t addr = le64toh(d->addr);
	uint32_t len = le32toh(d->len);
	uint16_t flags = le16toh(d->flags);
	bool write = flags & VRING_DESC_F_WRITE;
	char why[160];
	void *p;

	if (write) {
		w->seen_write = true;
	} else if (w->seen_write) {
		snprintf(why, sizeof(why),
			 "%sdescriptor %u is device-readable but follows a device-writable one",
			 indirect ? "indirect " : "", idx);
		return vq__fail(dev, vq, why);
	}
	if ((w->dir == VQ_OUT_ONLY && write) || (w->dir == VQ_IN_ONLY && !write)) {
		snprintf(why, sizeof(why),
			 "%sdescriptor %u is device-%s, this queue takes only device-%s buffers",
			 indirect ? "indirect " : "", idx,
			 write ? "writable" : "readable",
			 write ? "readable" : "writable");
		return vq__fail(dev, vq, why);
	}
	w->total += len;
	if (w->total > UINT32_MAX)
		return vq__fail(dev, vq, "chain is longer than 4 GiB in total");
	if (!len)
		return 0;	/* legal and useless: keep it out of the iovecs */
	p = virtio_gmem_ptr(&dev->vm->gm, addr, len);
	if (!p) {
		snprintf(why, sizeof(why),
			 "%sdescriptor %u (addr 0x%llx, len %u) is outside guest memory",
			 indirect ? "indirect " : "", idx,
			 (unsigned long long)addr, len);
		return vq__fail(dev, vq, why);
	}
	w->c->iov[w->c->nr_out + w->c->nr_in].iov_base = p;
	w->c->iov[w->c->nr_out + w->c->nr_in].iov_len = len;
	if (write) {
		w->c->nr_in++;
		w->c->in_len += len;
	} else {
		w->c->nr_out++;
		w->c->out_len += len;
	}
	return 0;
}

/*
 * Take the next available chain.  Returns 1 with *c filled, 0 if the
 * driver has made nothing available, -1 if the ring is malformed (the
 * device is then marked as needing a reset).
 */
int vq__pop(struct virtio_dev *dev, struct vq *vq, struct vq_chain *c,
	    enum vq_dir dir)
{
	const struct vring_desc *table;
	struct walk w = { .c = c, .dir = dir };
	uint32_t table_len, count = 0;
	uint16_t avail_idx, pending, head, idx;
	bool in_indirect = false;
	char why[160];

	if (!vq->ready || vq->broken)
		return 0;
	avail_idx = vq__avail_idx(vq);
	pending = avail_idx - vq->last_avail;
	if (!pending)
		return 0;
	if (pending > vq->num) {
		snprintf(why, sizeof(why),
			 "available index %u is %u entries ahead of the device, more than the queue size %u",
			 avail_idx, pending, vq->num);
		return vq__fail(dev, vq, why);
	}
	head = le16toh(__atomic_load_n(&vq->avail->ring[vq->last_avail % vq->num],
				       __ATOMIC_RELAXED));
	if (head >= vq->num) {
		snprintf(why, sizeof(why),
			 "head descriptor index %u is outside the queue (size %u)",
			 head, vq->num);
		return vq__fail(dev, vq, why);
	}
	vq->last_avail++;

	c->head = head;
	c->nr_out = c->nr_in = 0;
	c->out_len = c->in_len = 0;
	table = vq->desc;
	table_len = vq->num;
	idx = head;
	for (;;) {
		struct vring_desc d;
		uint16_t flags;

		memcpy(&d, &table[idx], sizeof(d));	/* copy, then check */
		flags = le16toh(d.flags);
		/*
		 * No chain may have more buffers than the queue has entries
		 * (2.7.5.3.1); a loop is a chain that would be infinitely
		 * long.  The descriptor that points to an indirect table
		 * ends the direct part and is not a buffer.
		 */
		if (!(flags & VRING_DESC_F_INDIRECT) && ++count > vq->num) {
			snprintf(why, sizeof(why),
				 "descriptor chain from head %u loops or is longer than the queue size %u",
				 head, vq->num);
			return vq__fail(dev, vq, why);
		}

		if (flags & VRING_DESC_F_INDIRECT) {
			uint64_t addr = le64toh(d.addr);
			uint32_t len = le32toh(d.len);

			if (!vq->indirect)
				return vq__fail(dev, vq,
					"indirect descriptor, but VIRTIO_RING_F_INDIRECT_DESC was not negotiated");
			if (in_indirect) {
				snprintf(why, sizeof(why),
					 "nested indirect descriptor (entry %u of an indirect table)",
					 idx);
				return vq__fail(dev, vq, why);
			}
			if (flags & VRING_DESC_F_NEXT) {
				snprintf(why, sizeof(why),
					 "descriptor %u has both INDIRECT and NEXT", idx);
				return vq__fail(dev, vq, why);
			}
			if (!len || len % sizeof(struct vring_desc)) {
				snprintf(why, sizeof(why),
					 "indirect table length %u is not a non-zero multiple of 16",
					 len);
				return vq__fail(dev, vq, why);
			}
			table = virtio_gmem_ptr(&dev->vm->gm, addr, len);
			if (!table) {
				snprintf(why, sizeof(why),
					 "indirect table (addr 0x%llx, len %u) is outside guest memory",
					 (unsigned long long)addr, len);
				return vq__fail(dev, vq, why);
			}
			table_len = len / sizeof(struct vring_desc);
			in_indirect = true;
			idx = 0;
			continue;
		}
		if (walk_add(dev, vq, &w, &d, idx, in_indirect) < 0)
			return -1;
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		idx = le16toh(d.next);
		if (idx >= table_len) {
			snprintf(why, sizeof(why),
				 "%sdescriptor chain from head %u links to index %u, outside its table of %u",
				 in_indirect ? "indirect " : "", head, idx,
				 table_len);
			return vq__fail(dev, vq, why);
		}
	}
	return 1;
}

/* Give the last popped chain back; the device could not use it yet. */
void vq__unpop(struct vq *vq)
{
	vq->last_avail--;
}

void vq__push(struct vq *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e;

	if (!vq->ready || vq->broken)
		return;
	e = &vq->used->ring[vq->last_used % vq->num];
	e->id = htole32(head);
	e->len = htole32(len);
	vq->last_used++;
	/* Release: the element (and the data) before the index. */
	__atomic_store_n(&vq->used->idx, htole16(vq->last_used),
			 __ATOMIC_RELEASE);
}

static bool vq__need_irq(struct vq *vq)
{
	uint16_t old, new;

	/* Our used->idx store must be visible before we read the guest's
	 * used_event / flags (the driver does the mirror image). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx) {
		uint16_t flags = le16toh(__atomic_load_n(&vq->avail->flags,
							 __ATOMIC_RELAXED));

		return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
	}
	old = vq->signalled_used;
	new = vq->last_used;
	vq->signalled_used = new;
	if (!vq->signalled_valid) {
		vq->signalled_valid = true;
		return true;
	}
	return vring_need_event(le16toh(__atomic_load_n(&vq->avail->ring[vq->num],
							__ATOMIC_RELAXED)),
				new, old);
}

/*
 * One line on where the queue stands, for a stalled guest's report: who
 * owes whom.  "driver made N available, device took M" (N > M: the
 * device has work it has not done), "device used U, signalled S" (used
 * entries the driver was told about), and what each side asked of the
 * other (EVENT_IDX: the index it wants to hear about; else the flag).
 */
void vq__print_state(const struct vq *vq, FILE *f)
{
	uint16_t avail_idx, used_idx, want_irq, want_kick;

	if (!vq->ready) {
		fprintf(f, "    %s: not ready\n", vq->name);
		return;
	}
	avail_idx = le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
	used_idx = le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
	fprintf(f, "    %s: size %u%s; driver made %u available, device took %u; device used %u (ring says %u), last interrupt at %u",
		vq->name, vq->num, vq->broken ? " BROKEN" : "", avail_idx,
		vq->last_avail, vq->last_used, used_idx, vq->signalled_used);
	if (vq->event_idx) {
		want_irq = le16toh(__atomic_load_n(&vq->avail->ring[vq->num],
						   __ATOMIC_RELAXED));
		want_kick = le16toh(__atomic_load_n((uint16_t *)&vq->used->ring[vq->num],
						    __ATOMIC_RELAXED));
		fprintf(f, "; driver wants an interrupt after %u, device a kick after %u\n",
			want_irq, want_kick);
	} else {
		fprintf(f, "; driver %s interrupts, device %s kicks\n",
			le16toh(vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT ?
			"suppresses" : "wants",
			le16toh(vq->used->flags) & VRING_USED_F_NO_NOTIFY ?
			"suppresses" : "wants");
	}
}

/* After pushing a batch: interrupt the driver unless it asked us not to. */
void vq__notify(struct virtio_dev *dev, struct vq *vq)
{
	if (!vq->ready || vq->broken)
		return;
	if (vq__need_irq(vq))
		virtio_dev__raise(dev, VIRTIO_ISR_VRING);
}
