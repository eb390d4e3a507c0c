/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of the per-device fuzzers: a device of one kind, its queues
 * laid from the input, then virtio_dev_process().  A target defines
 * FZ_NQ and fz_setup() (create the set); one that feeds the backend
 * side from the remaining input also defines FZ_BACKEND before
 * including, and fz_backend().
 */
#ifndef PVISOR_VIRTIO_FUZZ_DEV_H
#define PVISOR_VIRTIO_FUZZ_DEV_H

#include "fuzz_common.h"

static struct virtio_set *set;
static struct virtio_dev *dev;

static struct virtio_set *fz_setup(void);
#ifdef FZ_BACKEND
static void fz_backend(const uint8_t *data, size_t size);
#else
static void fz_backend(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
}
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_mem_init();
	set = fz_setup();
	if (!set)
		abort();
	dev = virtio_set_dev(set, 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t qsize, count[FZ_NQ];
	uint64_t drop;
	unsigned int q;

	if (size < 2 + FZ_NQ)
		return 0;
	qsize = fz_qsize(data[0]);
	drop = fz_drop_features(data[1]);
	for (q = 0; q < FZ_NQ; q++)
		count[q] = data[2 + q] % (qsize + 2);
	data += 2 + FZ_NQ;
	size -= 2 + FZ_NQ;
	fz_dev_init(set, dev, FZ_NQ, qsize, drop);
	for (q = 0; q < FZ_NQ; q++)
		fz_fill_queue(q, qsize, count[q], &data, &size);
	fz_fill_data(data, size);
	fz_backend(data, size);
	FZ_W(set, dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	virtio_dev_process(dev);
	/* A second round after more buffers appear. */
	for (q = 0; q < FZ_NQ; q++) {
		struct vring_avail *a = (struct vring_avail *)(gmem + q * QAREA + 0x1000);

		a->idx = htole16(le16toh(a->idx) + 1);
	}
	virtio_dev_process(dev);
	return 0;
}

#endif
