// SPDX-License-Identifier: GPL-2.0
/* Fuzz the block request parser (over a 64 KiB memfd image). */
#define FZ_NQ 1
#include "fuzz_dev.h"

static struct virtio_set *fz_setup(void)
{
	struct virtio_set *s;
	char path[64];
	int fd = fz_disk(path, sizeof(path));

	s = fz_set_create("disk", path, false);
	close(fd);	/* the device has its own */
	return s;
}
