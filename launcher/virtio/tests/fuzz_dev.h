/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of the per-device fuzzers: a device of one kind, its queues
 * laid from the input, then virtio_dev_process().  A target defines
 * FZ_NQ, fz_setup() (create the set) and optionally fz_backend()
 * (feed the backend side from the remaining input) before including.
 */
#ifndef PVISOR_VIRTIO_FUZZ_DEV_H
#define PVISOR_VIRTIO_FUZZ_DEV_H

#include "fuzz_common.h"

static struct virtio_set *set;
static struct virtio_dev *dev;

static struct virtio_set *fz_setup(void);
static void fz_backend(const uint8_t *data, size_t size);

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
	uint64_t drop = 0;
	unsigned int q;

	if (size < 2 + FZ_NQ)
		return 0;
	qsize = fz_qsize(data[0]);
	if (data[1] & 1)
		drop |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (data[1] & 2)
		drop |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
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
