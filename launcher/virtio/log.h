/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model's messages and its clock (log.c), for every file, the
 * backends included.  The per-device, rate-limited messages are in
 * core.h, since they need a device.
 */
#ifndef PVISOR_VIRTIO_LOG_H
#define PVISOR_VIRTIO_LOG_H

#include <stdint.h>

/* Unlimited message (option errors, startup), through the log handler. */
void virtio__log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* CLOCK_MONOTONIC in milliseconds. */
uint64_t virtio__now_ms(void);

#endif /* PVISOR_VIRTIO_LOG_H */
