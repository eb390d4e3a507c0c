// SPDX-License-Identifier: GPL-2.0
/* Fuzz the block request parser (over a 64 KiB memfd image). */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define FZ_NQ 1
#include "fuzz_dev.h"

static struct virtio_set *fz_setup(void)
{
	struct virtio_opts o;
	struct virtio_set *s;
	char path[64];
	int fd = memfd_create("fuzz-disk", 0);

	if (fd < 0 || ftruncate(fd, 65536))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	virtio_opts_init(&o);
	if (virtio_opts_parse(&o, "disk", path))
		abort();
	s = virtio_set_create(&o, &fz_gm, VIRTIO_MMIO_BASE_DEFAULT, 5);
	virtio_opts_free(&o);
	close(fd);	/* the device has its own */
	return s;
}

static void fz_backend(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
}
