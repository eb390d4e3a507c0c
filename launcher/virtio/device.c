// SPDX-License-Identifier: GPL-2.0
/*
 * The device object: its life cycle, the kick path, reset, and the one
 * thread that serves it.  Its status and interrupts are in status.c.
 *
 * A device thread sleeps in poll() on its kick eventfd plus whatever
 * backend fds the device asks for (a tap, a socket, a terminal).  A kick
 * (QueueNotify, or an ioeventfd the module signals directly) just wakes
 * it; it then serves every ready queue, so one eventfd per device is
 * enough and a lost or merged kick costs nothing.  The transport also
 * kicks on DRIVER_OK and on reset so the thread re-reads its state.
 *
 * This file calls into a device only through its virtio_dev_ops, and
 * knows neither the transport nor the set the device is placed in.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core.h"

/* ---- kicks and reset ---------------------------------------------------- */

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

/* ---- life cycle --------------------------------------------------------- */

struct virtio_dev *virtio_dev__new(struct virtio_vm *vm,
				   const struct virtio_dev_ops *ops,
				   uint32_t device_id, uint64_t features,
				   unsigned int instance)
{
	struct virtio_dev *dev;
	unsigned int i;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->vm = vm;
	dev->ops = ops;
	snprintf(dev->name, sizeof(dev->name), "virtio-%s%u", ops->kind,
		 instance);
	dev->device_id = device_id;
	dev->host_features = features | VIRTIO_COMMON_FEATURES;
	virtio_dev__log_init(dev);
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
	return dev;
}

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

int virtio_dev__start(struct virtio_dev *dev)
{
	int err = pthread_create(&dev->thread, NULL, dev_thread, dev);

	if (err) {
		virtio__log("%s: cannot start its thread: %s", dev->name,
			    strerror(err));
		return -1;
	}
	dev->thread_started = true;
	return 0;
}

void virtio_dev__stop(struct virtio_dev *dev)
{
	if (!dev->thread_started)
		return;
	atomic_store(&dev->stop, true);
	virtio_dev__wake(dev);
	pthread_join(dev->thread, NULL);
	dev->thread_started = false;
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

/* ---- reports and accessors ---------------------------------------------- */

void virtio_dev__print_state(struct virtio_dev *dev, FILE *f)
{
	bool locked = false;
	unsigned int q, tries;

	/*
	 * A device thread stuck in its work holds the lock: say so, and
	 * read the rings anyway (a reset, which would unmap them, needs
	 * the lock too).
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

uint32_t virtio_dev_take_isr(struct virtio_dev *dev)
{
	return atomic_exchange(&dev->isr, 0);
}

const char *virtio_dev_backend_path(const struct virtio_dev *dev)
{
	return dev->ops->backend_path ? dev->ops->backend_path(dev) : NULL;
}
