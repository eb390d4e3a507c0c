// SPDX-License-Identifier: GPL-2.0
/* Fuzz virtio-rng's queue handling. */
#define FZ_NQ 1
#include "fuzz_dev.h"

static struct virtio_set *fz_setup(void)
{
	return fz_set_create(NULL, NULL, true);
}
