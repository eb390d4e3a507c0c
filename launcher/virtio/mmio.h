/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-mmio transport's one entry point, for the set (set.c).
 * The transport depends on the core (core.h) only.
 */
#ifndef PVISOR_VIRTIO_MMIO_H
#define PVISOR_VIRTIO_MMIO_H

#include "core.h"

/*
 * An access of size bytes at offset off of dev's 4 KiB window.  For a
 * read, *data gets the zero-extended value.  Malformed accesses are
 * logged and answered, never fatal.
 */
void virtio_mmio__dispatch(struct virtio_dev *dev, uint64_t off,
			   unsigned int size, bool is_write, uint64_t *data);

#endif /* PVISOR_VIRTIO_MMIO_H */
