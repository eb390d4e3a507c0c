// SPDX-License-Identifier: GPL-2.0
/*
 * The device core: the device set, one thread per device, the kick and
 * interrupt paths, reset, logging and the guest command-line fragment.
 *
 * A device thread sleeps in poll() on its kick eventfd plus whatever
 * backend fds the device asks for (a tap, a socket, a terminal).  A kick
 * (QueueNotify, or an ioeventfd the module signals directly) just wakes
 * it; it then serves every ready queue, so one eventfd per device is
 * enough and a lost or merged kick costs nothing.  The transport also
 * kicks on DRIVER_OK and on reset so the thread re-reads its state.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#include "internal.h"

/* ---- logging ---------------------------------------------------------- */

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

/*
 * A guest that keeps doing something wrong must not fill the host's
 * disk with our complaints: each device may log a burst of 20 messages,
 * then one a second, and says how many it swallowed.
 */
#define LOG_BURST 20

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

void virtio_dev__fail(struct virtio_dev *dev, int queue, const char *fmt, ...)
{
	bool first = !(dev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	virtio_dev__log(dev, queue, "%s; device needs reset", msg);
	dev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	if (first) {
		dev->config_gen++;
		virtio_dev__raise(dev, 2 /* VIRTIO_MMIO_INT_CONFIG */);
	}
}

/* ---- state ------------------------------------------------------------ */

bool virtio_dev__running(const struct virtio_dev *dev)
{
	return (dev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(dev->status & (VIRTIO_CONFIG_S_NEEDS_RESET |
				VIRTIO_CONFIG_S_FAILED));
}

bool virtio_dev__has(const struct virtio_dev *dev, unsigned int feature)
{
	return dev->driver_features & (1ULL << feature);
}

static void default_irq(void *opaque, struct virtio_dev *dev, unsigned int irq)
{
	uint64_t one = 1;

	(void)opaque;
	(void)irq;
	if (write(dev->irq_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		virtio__log("%s: cannot signal irq eventfd: %s", dev->name,
			    strerror(errno));
}

void virtio_dev__raise(struct virtio_dev *dev, unsigned int isr_bits)
{
	atomic_fetch_add(&dev->irqs, 1);
	atomic_fetch_or(&dev->isr, isr_bits);
	dev->set->irq_fn(dev->set->irq_opaque, dev, dev->irq);
}

void virtio_dev__wake(struct virtio_dev *dev)
{
	uint64_t one = 1;

	if (write(dev->kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		virtio__log("%s: cannot signal kick eventfd: %s", dev->name,
			    strerror(errno));
}

/* Device reset (status write 0), dev->lock held. */
void virtio_dev__reset(struct virtio_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->ops->nr_queues; i++)
		vq__reset(&dev->vqs[i]);
	dev->status = 0;
	dev->dev_feat_sel = dev->drv_feat_sel = 0;
	dev->driver_features = 0;
	dev->drv_feat_bad = false;
	dev->queue_sel = 0;
	atomic_store(&dev->isr, 0);
	atomic_fetch_add(&dev->reset_gen, 1);
	if (dev->ops->reset)
		dev->ops->reset(dev);
	virtio_dev__wake(dev);
}

struct virtio_dev *virtio_dev__new(struct virtio_set *set,
				   const struct virtio_dev_ops *ops,
				   uint32_t device_id, uint64_t features,
				   unsigned int instance)
{
	struct virtio_dev *dev;
	unsigned int i;

	if (set->nr_devs >= VIRTIO_MAX_DEVICES) {
		virtio__log("too many virtio devices (at most %d)",
			    VIRTIO_MAX_DEVICES);
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->set = set;
	dev->ops = ops;
	snprintf(dev->name, sizeof(dev->name), "virtio-%s%u", ops->kind,
		 instance);
	dev->device_id = device_id;
	dev->host_features = features | VIRTIO_COMMON_FEATURES;
	dev->log_tokens = LOG_BURST;
	dev->log_last_ms = virtio__now_ms();
	pthread_mutex_init(&dev->lock, NULL);
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		dev->vqs[i].index = i;
		dev->vqs[i].name = ops->queue_names[i];
		vq__reset(&dev->vqs[i]);
	}
	dev->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	dev->irq_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dev->kick_fd < 0 || dev->irq_fd < 0) {
		virtio__log("%s: eventfd: %s", dev->name, strerror(errno));
		virtio_dev__free(dev);
		return NULL;
	}
	dev->mmio_base = set->mmio_base + set->nr_devs * VIRTIO_MMIO_WINDOW;
	dev->irq = set->irq_base + set->nr_devs;
	set->devs[set->nr_devs++] = dev;
	return dev;
}

/* Only for a device that is not in a set yet or whose thread is gone. */
void virtio_dev__free(struct virtio_dev *dev)
{
	if (!dev)
		return;
	if (dev->ops->destroy && dev->priv)
		dev->ops->destroy(dev);
	if (dev->kick_fd >= 0)
		close(dev->kick_fd);
	if (dev->irq_fd >= 0)
		close(dev->irq_fd);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

/* ---- the device thread -------------------------------------------------- */

static bool drain_kick(int fd)
{
	uint64_t v;

	return read(fd, &v, sizeof(v)) == sizeof(v);
}

/*
 * One round: ask the device what to wait for, wait (at most timeout_ms;
 * 0 = just look), then let it work.  A reset between the two halves
 * changes reset_gen and throws the poll results away, since the fds they
 * describe may be gone.
 */
static void dev_round(struct virtio_dev *dev, int timeout_ms, bool *again)
{
	struct pollfd pfd[VIRTIO_MAX_POLLFDS];
	int n = 1, dev_timeout = -1, i;
	unsigned int gen;

	pfd[0].fd = dev->kick_fd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	pthread_mutex_lock(&dev->lock);
	gen = atomic_load(&dev->reset_gen);
	if (virtio_dev__running(dev) && dev->ops->poll_setup)
		n += dev->ops->poll_setup(dev, pfd + 1, VIRTIO_MAX_POLLFDS - 1,
					  &dev_timeout);
	pthread_mutex_unlock(&dev->lock);

	if (*again)
		timeout_ms = 0;
	else if (dev_timeout >= 0 && (timeout_ms < 0 || dev_timeout < timeout_ms))
		timeout_ms = dev_timeout;
	atomic_store(&dev->in_poll, true);
	if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR) {
		virtio__log("%s: poll: %s", dev->name, strerror(errno));
		usleep(10000);
	}
	atomic_store(&dev->in_poll, false);
	if ((pfd[0].revents & POLLIN) && drain_kick(dev->kick_fd))
		atomic_fetch_add(&dev->kicks, 1);
	if (*again)	/* we did not wait for them: ignore stale revents */
		for (i = 1; i < n; i++)
			pfd[i].revents &= ~(POLLERR | POLLHUP);

	pthread_mutex_lock(&dev->lock);
	*again = false;
	if (gen != atomic_load(&dev->reset_gen)) {
		/* Stale fds; but the kick we drained may be for the new
		 * incarnation, so go round again at once. */
		*again = true;
	} else if (!atomic_load(&dev->stop) && virtio_dev__running(dev)) {
		*again = dev->ops->work(dev, pfd + 1, n - 1);
	}
	pthread_mutex_unlock(&dev->lock);
}

static void *dev_thread(void *arg)
{
	struct virtio_dev *dev = arg;
	bool again = false;
	sigset_t all;

	/* Signals belong to the launcher's main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!atomic_load(&dev->stop))
		dev_round(dev, -1, &again);
	return NULL;
}

void virtio_dev_process(struct virtio_dev *dev)
{
	bool again = false;
	int rounds = 0;

	if (dev->thread_started)
		return;
	do
		dev_round(dev, 0, &again);
	while (again && ++rounds < 64);
}

/* ---- the set ------------------------------------------------------------ */

static void default_quit(void *opaque)
{
	(void)opaque;
	raise(SIGTERM);
}

struct virtio_set *virtio_set_create(const struct virtio_opts *o,
				     const struct virtio_gmem *gm,
				     uint64_t mmio_base, unsigned int irq_base)
{
	struct virtio_set *set;
	unsigned int i;
	int err = 0;

	if (mmio_base & (VIRTIO_MMIO_WINDOW - 1)) {
		virtio__log("virtio MMIO base 0x%llx is not 4 KiB aligned",
			    (unsigned long long)mmio_base);
		return NULL;
	}
	if (mmio_base > UINT64_MAX - VIRTIO_MAX_DEVICES * VIRTIO_MMIO_WINDOW) {
		virtio__log("virtio MMIO base 0x%llx leaves no room for the devices",
			    (unsigned long long)mmio_base);
		return NULL;
	}
	set = calloc(1, sizeof(*set));
	if (!set)
		return NULL;
	set->gm = *gm;
	set->mmio_base = mmio_base;
	set->irq_base = irq_base;
	set->irq_fn = default_irq;
	set->quit_fn = default_quit;

	if (o->console != VIRTIO_CONSOLE_NONE)
		err = virtio_console__create(set, o->console, o->console_path);
	for (i = 0; !err && i < o->nr_disks; i++)
		err = virtio_blk__create(set, &o->disk[i], i);
	for (i = 0; !err && i < o->nr_nets; i++)
		err = virtio_net__create(set, &o->net[i], i);
	if (!err && o->vsock)
		err = virtio_vsock__create(set, o->vsock_cid, o->vsock_uds);
	if (!err && o->rng)
		err = virtio_rng__create(set);
	if (err) {
		virtio_set_destroy(set);
		return NULL;
	}
	return set;
}

int virtio_set_start(struct virtio_set *set)
{
	unsigned int i;
	int err;

	for (i = 0; i < set->nr_devs; i++) {
		struct virtio_dev *dev = set->devs[i];

		err = pthread_create(&dev->thread, NULL, dev_thread, dev);
		if (err) {
			virtio__log("%s: cannot start its thread: %s", dev->name,
				    strerror(err));
			return -1;
		}
		dev->thread_started = true;
	}
	set->started = true;
	return 0;
}

void virtio_set_destroy(struct virtio_set *set)
{
	unsigned int i;

	if (!set)
		return;
	for (i = 0; i < set->nr_devs; i++) {
		struct virtio_dev *dev = set->devs[i];

		if (!dev->thread_started)
			continue;
		atomic_store(&dev->stop, true);
		virtio_dev__wake(dev);
		pthread_join(dev->thread, NULL);
		dev->thread_started = false;
	}
	/* Backwards: the console (which owns the terminal) goes last. */
	for (i = set->nr_devs; i-- > 0;)
		virtio_dev__free(set->devs[i]);
	free(set);
}

bool virtio_mmio_access(struct virtio_set *set, uint64_t gpa, unsigned int size,
			bool is_write, uint64_t *data)
{
	uint64_t off, i;

	if (gpa < set->mmio_base)
		return false;
	off = gpa - set->mmio_base;
	i = off / VIRTIO_MMIO_WINDOW;
	if (i >= set->nr_devs)
		return false;
	virtio_mmio__dispatch(set->devs[i], off % VIRTIO_MMIO_WINDOW, size,
			      is_write, data);
	return true;
}

int virtio_set_cmdline(const struct virtio_set *set, char *buf, size_t size)
{
	unsigned int i;
	int total = 0;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < set->nr_devs; i++) {
		const struct virtio_dev *dev = set->devs[i];
		size_t off = (size_t)total < size ? (size_t)total : size;
		int n;

		n = snprintf(buf + off, size - off,
			     "%svirtio_mmio.device=4K@0x%llx:%u",
			     i ? " " : "", (unsigned long long)dev->mmio_base,
			     dev->irq);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

void virtio_set_irq_handler(struct virtio_set *set, virtio_irq_fn *fn,
			    void *opaque)
{
	set->irq_fn = fn ? fn : default_irq;
	set->irq_opaque = opaque;
}

void virtio_set_quit_handler(struct virtio_set *set, virtio_quit_fn *fn,
			     void *opaque)
{
	set->quit_fn = fn ? fn : default_quit;
	set->quit_opaque = opaque;
}

void virtio_set_print_hints(const struct virtio_set *set)
{
	unsigned int i;

	for (i = 0; i < set->nr_devs; i++) {
		struct virtio_dev *dev = set->devs[i];
		bool ok;

		pthread_mutex_lock(&dev->lock);
		ok = dev->ever_ok;
		pthread_mutex_unlock(&dev->lock);
		if (!ok)
			virtio__log("%s %s was never initialised by the guest; does the guest kernel have %s=y and CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y, and the virtio_mmio.device= options on its command line?",
				    dev->name, dev->desc, dev->ops->kconfig);
	}
}

void virtio_set_print_state(const struct virtio_set *set, FILE *f)
{
	unsigned int i, q, tries;

	for (i = 0; i < set->nr_devs; i++) {
		struct virtio_dev *dev = set->devs[i];
		bool locked = false;

		/*
		 * A device thread stuck in its work holds the lock: say so,
		 * and read the rings anyway (a reset, which would unmap
		 * them, needs the lock too).
		 */
		for (tries = 0; tries < 20 && !locked; tries++) {
			locked = !pthread_mutex_trylock(&dev->lock);
			if (!locked)
				usleep(5000);
		}
		fprintf(f, "  %s %s: status %#x, interrupt status %#x, %lu kicks, %lu interrupts, thread %s\n",
			dev->name, dev->desc, dev->status, atomic_load(&dev->isr),
			atomic_load(&dev->kicks), atomic_load(&dev->irqs),
			!locked ? "busy for 100 ms (holds the device lock)" :
			atomic_load(&dev->in_poll) ? "waiting" : "working");
		for (q = 0; q < dev->ops->nr_queues; q++)
			vq__print_state(&dev->vqs[q], f);
		if (locked)
			pthread_mutex_unlock(&dev->lock);
	}
}

unsigned int virtio_set_nr_devs(const struct virtio_set *set)
{
	return set->nr_devs;
}

struct virtio_dev *virtio_set_dev(const struct virtio_set *set, unsigned int i)
{
	return i < set->nr_devs ? set->devs[i] : NULL;
}

const char *virtio_dev_name(const struct virtio_dev *dev)
{
	return dev->name;
}

uint32_t virtio_dev_type(const struct virtio_dev *dev)
{
	return dev->device_id;
}

uint64_t virtio_dev_mmio_base(const struct virtio_dev *dev)
{
	return dev->mmio_base;
}

unsigned int virtio_dev_irq(const struct virtio_dev *dev)
{
	return dev->irq;
}

int virtio_dev_kick_fd(const struct virtio_dev *dev)
{
	return dev->kick_fd;
}

int virtio_dev_irq_fd(const struct virtio_dev *dev)
{
	return dev->irq_fd;
}

uint32_t virtio_dev_isr(const struct virtio_dev *dev)
{
	return atomic_load(&((struct virtio_dev *)dev)->isr);
}

const char *virtio_dev_backend_path(const struct virtio_dev *dev)
{
	return dev->ops->backend_path ? dev->ops->backend_path(dev) : NULL;
}
