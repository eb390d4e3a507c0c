// SPDX-License-Identifier: GPL-2.0
/* Fuzz virtio-rng's queue handling. */
#define FZ_NQ 1
#include "fuzz_dev.h"

static struct virtio_set *fz_setup(void)
{
	struct virtio_opts o;

	virtio_opts_init(&o);
	o.rng = true;
	return virtio_set_create(&o, &fz_gm, VIRTIO_MMIO_BASE_DEFAULT, 5);
}

static void fz_backend(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
}
