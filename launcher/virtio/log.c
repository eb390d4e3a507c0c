// SPDX-License-Identifier: GPL-2.0
/*
 * The model's messages and its clock.
 *
 * Every message goes through one handler (virtio_set_log_handler(),
 * default: stderr).  Messages about a device name it, and the queue
 * when there is one, and are rate-limited per device: a guest that
 * keeps doing something wrong cannot fill the host's disk with our
 * complaints.  Messages about options and startup are not limited.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "core.h"

/*
 * Each device may log a burst of LOG_BURST messages, then one a
 * second, and says how many it swallowed.
 */
#define LOG_BURST 20

static void default_log(const char *msg)
{
	fprintf(stderr, "pvisor-run: %s\n", msg);
}

static _Atomic(virtio_log_fn *) log_fn = default_log;

void virtio_set_log_handler(virtio_log_fn *fn)
{
	atomic_store(&log_fn, fn ? fn : default_log);
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char msg[512];
	int n = 0;

	if (prefix)
		n = snprintf(msg, sizeof(msg), "%s", prefix);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	atomic_load(&log_fn)(msg);
}

void virtio__log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, fmt, ap);
	va_end(ap);
}

uint64_t virtio__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void virtio_dev__log_init(struct virtio_dev *dev)
{
	dev->log_tokens = LOG_BURST;
	dev->log_last_ms = virtio__now_ms();
	dev->log_dropped = 0;
}

static bool log_allowed(struct virtio_dev *dev)
{
	uint64_t now = virtio__now_ms();

	if (now - dev->log_last_ms >= 1000) {
		int refill = (now - dev->log_last_ms) / 1000;

		dev->log_tokens = MIN(LOG_BURST, dev->log_tokens + refill);
		dev->log_last_ms = now;
		if (dev->log_dropped && dev->log_tokens > 0) {
			virtio__log("%s: %u messages suppressed", dev->name,
				    dev->log_dropped);
			dev->log_dropped = 0;
		}
	}
	if (dev->log_tokens <= 0) {
		dev->log_dropped++;
		return false;
	}
	dev->log_tokens--;
	return true;
}

static void dev_vlog(struct virtio_dev *dev, int queue, const char *fmt,
		     va_list ap)
{
	char prefix[96];

	if (queue >= 0 && queue < (int)dev->ops->nr_queues)
		snprintf(prefix, sizeof(prefix), "%s: queue %d (%s): ", dev->name,
			 queue, dev->ops->queue_names[queue]);
	else if (queue >= 0)
		snprintf(prefix, sizeof(prefix), "%s: queue %d: ", dev->name,
			 queue);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", dev->name);
	vlog(prefix, fmt, ap);
}

void virtio_dev__log(struct virtio_dev *dev, int queue, const char *fmt, ...)
{
	va_list ap;

	if (!log_allowed(dev))
		return;
	va_start(ap, fmt);
	dev_vlog(dev, queue, fmt, ap);
	va_end(ap);
}
