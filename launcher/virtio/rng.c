// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-rng (entropy device): fills the guest's buffers from
 * getrandom(), the host kernel's CSPRNG.  One queue, device-writable
 * buffers only.
 */
#include <errno.h>
#include <linux/virtio_ids.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "devices.h"

#define RNG_BATCH 64

struct rng {
	struct vq_chain chain;
};

static void rng_get_config(struct virtio_dev *dev, uint8_t *buf)
{
	(void)dev;
	(void)buf;
}

/* Fill the whole chain; returns bytes written. */
static uint32_t rng_fill(struct vq_chain *c)
{
	struct iovec *in = chain_in(c);
	uint32_t total = 0;
	unsigned int i;

	for (i = 0; i < c->nr_in; i++) {
		size_t off = 0;

		while (off < in[i].iov_len) {
			ssize_t r = getrandom((char *)in[i].iov_base + off,
					      in[i].iov_len - off, 0);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return total;
			off += r;
			total += r;
		}
	}
	return total;
}

static bool rng_work(struct virtio_dev *dev, struct pollfd *pfd, int n)
{
	struct rng *rg = dev->priv;
	struct vq *vq = &dev->vqs[0];
	unsigned int done = 0;
	int r = 0;

	(void)pfd;
	(void)n;
	for (;;) {
		while (done < RNG_BATCH &&
		       (r = vq__pop(dev, vq, &rg->chain, VQ_IN_ONLY)) > 0) {
			vq__push(vq, rg->chain.head, rng_fill(&rg->chain));
			done++;
		}
		if (done)
			vq__notify(dev, vq);
		if (r < 0)
			return false;
		if (done >= RNG_BATCH)
			return true;
		if (!vq__enable_kicks(vq))
			return false;
	}
}

static void rng_destroy(struct virtio_dev *dev)
{
	free(dev->priv);
}

static const struct virtio_dev_ops rng_ops = {
	.kind = "rng",
	.kconfig = "CONFIG_HW_RANDOM_VIRTIO",
	.nr_queues = 1,
	.queue_names = { "requestq" },
	.config_size = 0,
	.get_config = rng_get_config,
	.work = rng_work,
	.destroy = rng_destroy,
};

struct virtio_dev *virtio_rng__create(struct virtio_vm *vm)
{
	struct virtio_dev *dev;
	struct rng *rg = calloc(1, sizeof(*rg));

	if (!rg)
		return NULL;
	dev = virtio_dev__new(vm, &rng_ops, VIRTIO_ID_RNG, 0, 0);
	if (!dev) {
		free(rg);
		return NULL;
	}
	dev->priv = rg;
	snprintf(dev->desc, sizeof(dev->desc), "(getrandom)");
	return dev;
}
