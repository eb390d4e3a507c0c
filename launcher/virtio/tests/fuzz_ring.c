// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the ring walker itself: any descriptor table, avail ring and
 * indirect tables.  Every chain vq__pop() returns must consist of
 * segments inside guest memory, readable ones first, and add up to the
 * lengths it reports.
 */
#include "fuzz_common.h"
#include "core.h"

static struct virtio_set *set;
static struct virtio_dev *dev;
static struct vq_chain chain;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_mem_init();
	set = fz_set_create(NULL, NULL, true);
	if (!set)
		abort();
	dev = virtio_set_dev(set, 0);
	return 0;
}

static bool inside(const void *p, size_t len)
{
	const uint8_t *b = p;

	return b >= gmem && len <= GM_SIZE && b - gmem <= (ptrdiff_t)(GM_SIZE - len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t qsize, count;
	uint64_t drop;
	unsigned int i, k;
	int r;

	if (size < 3)
		return 0;
	qsize = fz_qsize(data[0]);
	drop = fz_drop_features(data[1]);
	count = data[2] % (2 * qsize + 2);
	data += 3;
	size -= 3;
	fz_dev_init(set, dev, 1, qsize, drop);
	fz_fill_queue(0, qsize, count, &data, &size);
	fz_fill_data(data, size);

	pthread_mutex_lock(&dev->lock);
	for (i = 0; i < 2u * qsize + 2; i++) {
		uint64_t out = 0, in = 0;
		enum vq_dir dir = (enum vq_dir)(i % 3);

		r = vq__pop(dev, &dev->vqs[0], &chain, dir);
		if (r <= 0)
			break;
		if (chain.head >= qsize || chain.nr_out + chain.nr_in > qsize)
			abort();
		for (k = 0; k < chain.nr_out + chain.nr_in; k++) {
			if (!inside(chain.iov[k].iov_base, chain.iov[k].iov_len))
				abort();
			if (k < chain.nr_out)
				out += chain.iov[k].iov_len;
			else
				in += chain.iov[k].iov_len;
		}
		if (out != chain.out_len || in != chain.in_len)
			abort();
		if ((dir == VQ_OUT_ONLY && in) || (dir == VQ_IN_ONLY && out))
			abort();
		vq__push(&dev->vqs[0], chain.head, chain.in_len);
	}
	vq__notify(dev, &dev->vqs[0]);
	vq__enable_kicks(&dev->vqs[0]);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}
