// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: the one door between the device model and the guest.
 *
 * Every guest-physical address a device uses comes from the guest and is
 * hostile until proven otherwise.  virtio_gmem_ptr() is the proof: it
 * answers with a host pointer only if the whole range sits inside one
 * region, and it does the arithmetic so that no gpa or len, however
 * large, can wrap around.
 */
#include <string.h>

#include "virtio.h"

void virtio_gmem_init(struct virtio_gmem *gm, void *host, uint64_t size,
		      uint64_t gpa)
{
	memset(gm, 0, sizeof(*gm));
	virtio_gmem_add(gm, host, size, gpa);
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	/* [a, a+alen) and [b, b+blen), written without a + alen. */
	if (a <= b)
		return b - a < alen;
	return a - b < blen;
}

int virtio_gmem_add(struct virtio_gmem *gm, void *host, uint64_t size,
		    uint64_t gpa)
{
	unsigned int i;

	if (gm->nr >= VIRTIO_GMEM_MAX_REGIONS || !host || !size)
		return -1;
	/* The last byte must be addressable: gpa + size - 1 must not wrap. */
	if (size - 1 > UINT64_MAX - gpa)
		return -1;
	for (i = 0; i < gm->nr; i++)
		if (ranges_overlap(gpa, size, gm->region[i].gpa,
				   gm->region[i].size))
			return -1;
	gm->region[gm->nr].gpa = gpa;
	gm->region[gm->nr].size = size;
	gm->region[gm->nr].host = host;
	gm->nr++;
	return 0;
}

void *virtio_gmem_ptr(const struct virtio_gmem *gm, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	if (!len)
		return NULL;
	for (i = 0; i < gm->nr; i++) {
		const struct virtio_gmem_region *r = &gm->region[i];
		uint64_t off;

		if (gpa < r->gpa)
			continue;
		off = gpa - r->gpa;
		if (off >= r->size)
			continue;
		/* off < size, so size - off cannot underflow. */
		if (len > r->size - off)
			return NULL;
		return r->host + off;
	}
	return NULL;
}
