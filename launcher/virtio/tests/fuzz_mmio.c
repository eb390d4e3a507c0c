// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the transport: arbitrary sequences of MMIO reads and writes
 * (any offset, any size) on a set of three devices, then let them
 * work on whatever guest memory the input describes.
 */
#include "fuzz_common.h"

static struct virtio_set *set;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[64];
	int fd;

	(void)argc;
	(void)argv;
	fz_mem_init();
	fd = fz_disk(path, sizeof(path));
	set = fz_set_create("disk", path, true);
	close(fd);
	if (!set)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int sizes[4] = { 1, 2, 4, 8 };
	unsigned int i, n = virtio_set_nr_devs(set);

	/* Start each input from reset devices. */
	for (i = 0; i < n; i++)
		FZ_W(set, virtio_set_dev(set, i), VIRTIO_MMIO_STATUS, 0);
	/* Ops of 8 bytes: device, size/dir, offset (2), value (4). */
	while (size >= 8) {
		struct virtio_dev *d = virtio_set_dev(set, data[0] % (n + 1) < n ?
						       data[0] % (n + 1) : 0);
		bool write = data[1] & 0x80;
		unsigned int sz = sizes[data[1] & 3];
		uint64_t off = (data[2] | data[3] << 8) & 0x1fff;	/* spills into the next window */
		uint64_t v;

		memcpy(&v, data + 4, 4);
		if ((data[1] & 0x40) && off < 0x100)
			off &= ~3ULL, sz = 4;	/* mostly well-formed register accesses */
		/* Queue addresses: keep them in guest memory most of the time. */
		if (write && (data[1] & 0x20))
			v = GM_BASE + (v % GM_SIZE);
		virtio_mmio_access(set, virtio_dev_mmio_base(d) + off, sz, write, &v);
		data += 8;
		size -= 8;
	}
	fz_fill_data(data, size);
	memcpy(gmem, gmem + DATA_OFF, DATA_OFF);	/* rings, wherever they are */
	for (i = 0; i < n; i++)
		virtio_dev_process(virtio_set_dev(set, i));
	return 0;
}
