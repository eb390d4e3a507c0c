/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core of the device model: what the transport (mmio.c), the
 * devices and the device set share, and nobody outside launcher/virtio/
 * sees.  Everything here depends only on virtio.h and the C library.
 *
 * The split follows kvmtool.  A device is a struct virtio_dev_ops plus
 * its private state; the core (log.c, gmem.c, iov.c, status.c,
 * virtqueue.c, device.c, each using only those before it) runs it: one
 * thread per device, kicks, interrupts, reset and the rings.  The transport (mmio.c) turns register accesses into calls
 * on this interface and knows nothing about any device; the devices use
 * this interface and know nothing about the transport or the set.  Only
 * the set (set.c) sees both, and wires them together.
 *
 * A device reaches the world outside itself only through its struct
 * virtio_vm: guest memory, and the launcher's interrupt and quit
 * callbacks.
 */
#ifndef PVISOR_VIRTIO_CORE_H
#define PVISOR_VIRTIO_CORE_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/uio.h>

#include <linux/virtio_ring.h>

#include "log.h"
#include "virtio.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))

/* Largest queue we offer (QueueNumMax), and so the longest chain. */
#define VQ_MAX_SIZE		256
#define VIRTIO_MAX_QUEUES	3
#define VIRTIO_MAX_POLLFDS	80

/* Feature bits every device offers. */
#define VIRTIO_COMMON_FEATURES	((1ULL << 32 /* VIRTIO_F_VERSION_1 */) | \
				 (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | \
				 (1ULL << VIRTIO_RING_F_EVENT_IDX))

/* InterruptStatus bits. */
#define VIRTIO_ISR_VRING	1	/* VIRTIO_MMIO_INT_VRING */
#define VIRTIO_ISR_CONFIG	2	/* VIRTIO_MMIO_INT_CONFIG */

struct virtio_dev;

/*
 * What the devices see of the machine they are plugged into.  The set
 * owns it and fills it in before any device thread runs; after that it
 * does not change.
 */
struct virtio_vm {
	struct virtio_gmem gm;
	virtio_irq_fn *irq_fn;
	void *irq_opaque;
	virtio_quit_fn *quit_fn;
	void *quit_opaque;
};

/*
 * One split virtqueue.  The driver-programmed fields (num, *_gpa) change
 * only while !ready, under dev->lock; vq__setup() validates them and
 * turns them into host pointers when the driver sets QueueReady.
 */
struct vq {
	unsigned int index;
	const char *name;	/* "requestq", "rx", ... */

	uint16_t num;
	bool ready;
	bool broken;		/* hostile ring: stop touching it */
	uint64_t desc_gpa, avail_gpa, used_gpa;

	/* valid while ready */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	bool event_idx;
	bool indirect;

	uint16_t last_avail;	/* next avail entry to consume */
	uint16_t last_used;	/* our copy of used->idx */
	uint16_t signalled_used;
	bool signalled_valid;
};

/*
 * A popped descriptor chain: nr_out device-readable segments, then nr_in
 * device-writable ones, all already checked to lie in guest memory.
 * Zero-length descriptors are dropped.  The iovecs point into guest
 * memory: the guest can change the bytes under us at any time, so code
 * that makes a decision on guest data copies it out first.
 */
struct vq_chain {
	uint16_t head;
	unsigned int nr_out, nr_in;
	uint32_t out_len, in_len;
	struct iovec iov[VQ_MAX_SIZE];
};

static inline struct iovec *chain_in(struct vq_chain *c)
{
	return c->iov + c->nr_out;
}

enum vq_dir {
	VQ_ANY,			/* readable then writable (block) */
	VQ_OUT_ONLY,		/* transmit queues */
	VQ_IN_ONLY,		/* receive queues */
};

struct virtio_dev_ops {
	const char *kind;		/* "blk", "net", ... */
	const char *kconfig;		/* guest option, for hints */
	unsigned int nr_queues;
	const char *queue_names[VIRTIO_MAX_QUEUES];
	size_t config_size;
	/* Snapshot of the config space into buf[config_size]. */
	void (*get_config)(struct virtio_dev *dev, uint8_t *buf);
	/*
	 * Device thread, dev->lock held, device running: add backend fds
	 * to wait on, set *timeout_ms (-1 = none).  Returns the count.
	 */
	int (*poll_setup)(struct virtio_dev *dev, struct pollfd *pfd, int max,
			  int *timeout_ms);
	/*
	 * Device thread, dev->lock held, device running: serve the queues
	 * and backends.  pfd holds what poll_setup asked for, with revents
	 * (all zero after a kick).  Returns true if it stopped early and
	 * wants to be called again without waiting.
	 */
	bool (*work)(struct virtio_dev *dev, struct pollfd *pfd, int n);
	/* Device reset, dev->lock held, after the queues are reset. */
	void (*reset)(struct virtio_dev *dev);
	/* Free backend state; threads are gone. */
	void (*destroy)(struct virtio_dev *dev);
	/* Backend path to report (pty, socket), may be NULL. */
	const char *(*backend_path)(const struct virtio_dev *dev);
};

struct virtio_dev {
	struct virtio_vm *vm;
	const struct virtio_dev_ops *ops;
	char name[24];			/* "virtio-blk0" */
	char desc[96];			/* "(disk.img, ro)" for messages */
	uint32_t device_id;
	uint64_t host_features;
	uint64_t mmio_base;		/* set by the set when it adds the device */
	unsigned int irq;		/* likewise */

	/*
	 * lock serialises the transport registers against the device
	 * thread's work on the rings: a reset or a QueueReady=0 waits for
	 * the batch in flight, so once the driver reads back status 0 the
	 * device no longer touches the rings.  InterruptStatus and
	 * InterruptACK are atomics and skip it.
	 */
	pthread_mutex_t lock;
	uint32_t status;
	uint32_t dev_feat_sel, drv_feat_sel;
	uint64_t driver_features;
	bool drv_feat_bad;		/* bits set above bit 63 */
	uint32_t queue_sel;
	uint32_t config_gen;
	bool ever_ok;			/* reached DRIVER_OK once */
	atomic_uint isr;
	atomic_uint reset_gen;
	struct vq vqs[VIRTIO_MAX_QUEUES];

	int kick_fd;
	int irq_fd;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;

	/* for virtio_set_print_state(): what the device thread is doing */
	atomic_ulong kicks;		/* wake-ups by a kick */
	atomic_ulong irqs;		/* interrupts raised */
	atomic_bool in_poll;		/* waiting, not working */

	/* log rate limit */
	int log_tokens;
	uint64_t log_last_ms;
	unsigned int log_dropped;

	void *priv;
};

/* log.c (virtio__log() and virtio__now_ms() are in log.h) */
/* Rate-limited message naming the device (and queue if >= 0). */
void virtio_dev__log(struct virtio_dev *dev, int queue, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Give dev a full burst of log messages. */
void virtio_dev__log_init(struct virtio_dev *dev);

/* status.c: what the driver sees of a device's state */
/* DRIVER_OK, and neither DEVICE_NEEDS_RESET nor FAILED. */
bool virtio_dev__running(const struct virtio_dev *dev);
/* The driver accepted feature bit feature. */
bool virtio_dev__has(const struct virtio_dev *dev, unsigned int feature);
/* Set InterruptStatus bits and call the launcher's irq handler. */
void virtio_dev__raise(struct virtio_dev *dev, unsigned int isr_bits);
/* Log, set DEVICE_NEEDS_RESET, send a config-change interrupt. */
void virtio_dev__fail(struct virtio_dev *dev, int queue, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* device.c: the device object and its thread */
/*
 * A device of kind ops, not yet placed in a set (no mmio_base or irq),
 * named "virtio-<kind><instance>".  NULL after logging on failure.
 */
struct virtio_dev *virtio_dev__new(struct virtio_vm *vm,
				   const struct virtio_dev_ops *ops,
				   uint32_t device_id, uint64_t features,
				   unsigned int instance);
/* Only for a device whose thread is not running. */
void virtio_dev__free(struct virtio_dev *dev);
/* Make the device thread look at its queues (a kick). */
void virtio_dev__wake(struct virtio_dev *dev);
/* Device reset (Status written 0), dev->lock held. */
void virtio_dev__reset(struct virtio_dev *dev);
/* Start and stop the device thread.  0, or -1 with a message. */
int virtio_dev__start(struct virtio_dev *dev);
void virtio_dev__stop(struct virtio_dev *dev);
void virtio_dev__print_state(struct virtio_dev *dev, FILE *f);

/* virtqueue.c */
void vq__reset(struct vq *vq);
int vq__setup(struct virtio_dev *dev, struct vq *vq);
int vq__pop(struct virtio_dev *dev, struct vq *vq, struct vq_chain *c,
	    enum vq_dir dir);
void vq__unpop(struct vq *vq);
void vq__print_state(const struct vq *vq, FILE *f);
void vq__push(struct vq *vq, uint16_t head, uint32_t len);
void vq__notify(struct virtio_dev *dev, struct vq *vq);
bool vq__has_avail(struct vq *vq);
bool vq__enable_kicks(struct vq *vq);

/* iov.c */
size_t iov__to_buf(const struct iovec *iov, unsigned int n, size_t off,
		   void *buf, size_t len);
size_t iov__from_buf(const struct iovec *iov, unsigned int n, size_t off,
		     const void *buf, size_t len);
/* Sub-range [off, off + len) of iov as a new iovec array; returns count. */
unsigned int iov__slice(const struct iovec *iov, unsigned int n, size_t off,
			size_t len, struct iovec *out, unsigned int max);

#endif /* PVISOR_VIRTIO_CORE_H */
