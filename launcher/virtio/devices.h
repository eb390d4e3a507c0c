/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The devices' constructors, for the set (set.c) and nobody else.
 *
 * Each opens its device's backend from the option and returns a device
 * that is not yet placed in a set, or NULL after logging a message that
 * names the option and says what to do.  A device depends on the core
 * (core.h) and its own backend only; none of them calls another.
 */
#ifndef PVISOR_VIRTIO_DEVICES_H
#define PVISOR_VIRTIO_DEVICES_H

#include "core.h"

struct virtio_dev *virtio_blk__create(struct virtio_vm *vm,
				      const struct virtio_disk_opt *o,
				      unsigned int instance);
struct virtio_dev *virtio_net__create(struct virtio_vm *vm,
				      const struct virtio_net_opt *o,
				      unsigned int instance);
struct virtio_dev *virtio_console__create(struct virtio_vm *vm,
					  enum virtio_console_kind k,
					  const char *path);
struct virtio_dev *virtio_rng__create(struct virtio_vm *vm);
struct virtio_dev *virtio_vsock__create(struct virtio_vm *vm, uint64_t cid,
					const char *uds);

#endif /* PVISOR_VIRTIO_DEVICES_H */
