/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the device model share, and nobody else sees.
 *
 * The split follows kvmtool: a transport (mmio.c) that knows registers
 * and nothing about devices, a core (device.c) that owns threads,
 * interrupts and the device set, a virtqueue walker (virtqueue.c), and
 * one file per device that plugs in through struct virtio_dev_ops.
 */
#ifndef PVISOR_VIRTIO_INTERNAL_H
#define PVISOR_VIRTIO_INTERNAL_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/uio.h>

#include <linux/virtio_ring.h>

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

struct virtio_dev;

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
	struct virtio_set *set;
	const struct virtio_dev_ops *ops;
	char name[24];			/* "virtio-blk0" */
	char desc[96];			/* "(disk.img, ro)" for messages */
	uint32_t device_id;
	uint64_t host_features;
	uint64_t mmio_base;
	unsigned int irq;

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

struct virtio_set {
	struct virtio_gmem gm;
	uint64_t mmio_base;
	unsigned int irq_base;
	unsigned int nr_devs;
	struct virtio_dev *devs[VIRTIO_MAX_DEVICES];
	virtio_irq_fn *irq_fn;
	void *irq_opaque;
	virtio_quit_fn *quit_fn;
	void *quit_opaque;
	bool started;
};

/* device.c */
struct virtio_dev *virtio_dev__new(struct virtio_set *set,
				   const struct virtio_dev_ops *ops,
				   uint32_t device_id, uint64_t features,
				   unsigned int instance);
void virtio_dev__free(struct virtio_dev *dev);
bool virtio_dev__running(const struct virtio_dev *dev);
bool virtio_dev__has(const struct virtio_dev *dev, unsigned int feature);
void virtio_dev__raise(struct virtio_dev *dev, unsigned int isr_bits);
void virtio_dev__wake(struct virtio_dev *dev);
void virtio_dev__reset(struct virtio_dev *dev);
/* Log, set DEVICE_NEEDS_RESET, send a config-change interrupt. */
void virtio_dev__fail(struct virtio_dev *dev, int queue, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Rate-limited message naming the device (and queue if >= 0). */
void virtio_dev__log(struct virtio_dev *dev, int queue, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Unlimited message (option errors, startup). */
void virtio__log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t virtio__now_ms(void);

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

/* mmio.c */
void virtio_mmio__dispatch(struct virtio_dev *dev, uint64_t off,
			   unsigned int size, bool is_write, uint64_t *data);

/* util.c: unix socket helpers shared by backends */
int unix__listen(const char *path, int type, char *err, size_t errlen);
int unix__connect(const char *path, int type);
int unix__fill_addr(const char *path, void *sun, unsigned int *len);

/* The devices. */
int virtio_blk__create(struct virtio_set *set, const struct virtio_disk_opt *o,
		       unsigned int instance);
int virtio_net__create(struct virtio_set *set, const struct virtio_net_opt *o,
		       unsigned int instance);
int virtio_console__create(struct virtio_set *set, enum virtio_console_kind k,
			   const char *path);
int virtio_rng__create(struct virtio_set *set);
int virtio_vsock__create(struct virtio_set *set, uint64_t cid,
			 const char *uds);

#endif /* PVISOR_VIRTIO_INTERNAL_H */
