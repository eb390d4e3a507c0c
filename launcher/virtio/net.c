// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net: whole Ethernet frames between the guest and a backend.
 *
 * Each frame travels in one chain with a 12-byte struct virtio_net_hdr_v1
 * in front (the VERSION_1 header always has num_buffers; no MRG_RXBUF).
 * On transmit the header is copied out and checked once; the frame goes
 * to the backend straight from guest memory, with our copy of the header
 * where the backend carries one.  On receive the frame is read into a
 * bounce buffer (we must know its length before choosing a buffer), then
 * the header (num_buffers = 1) and the frame are written.
 *
 * Offloads: on a tap backend, whose frames carry the header to the host's
 * stack and back, we offer checksum offload and TCP segmentation both
 * ways (CSUM, HOST_TSO4/6; GUEST_CSUM, GUEST_TSO4/6): a guest then sends
 * and receives TCP in frames of up to 64 KiB, with checksums left to the
 * host or already checked, and the host stack segments and sums for the
 * wire.  A guest that takes GUEST_TSO without MRG_RXBUF posts 64 KiB
 * receive buffers (Linux's "big packets").  The socket backends link two
 * guests, either of which may lack the offloads, so they offer none.  A
 * header asking for what was not negotiated, or a checksum outside its
 * frame, drops the frame with a log line.
 *
 * Backpressure: if the backend cannot take a frame now (a full peer
 * queue), the chain is kept and retried when the socket turns writable,
 * for at most NET_TX_STALL_MS; after that the frame is dropped, as a
 * switch with a full queue would, so a stuck peer cannot wedge the
 * guest's transmit queue for ever.
 */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"
#include "net_backend.h"

#define NET_HDR_LEN	sizeof(struct virtio_net_hdr_v1)	/* 12 */
#define NET_MAX_FRAME	(65536 + 14)	/* a 64 KiB segmentation frame */
#define NET_TX_STALL_MS	200
#define NET_BATCH	64

enum { NET_RX, NET_TX };

struct net {
	struct net_backend be;
	uint8_t mac[6];
	uint16_t mtu;			/* 0: not advised */
	/* transmit: a chain the backend could not take yet */
	bool tx_pending;
	uint64_t tx_deadline;
	struct vq_chain tx_chain;
	struct virtio_net_hdr_v1 tx_hdr;	/* our checked copy */
	struct iovec tx_frame[VQ_MAX_SIZE];
	unsigned int tx_frame_n;
	struct vq_chain rx_chain;
	uint64_t tx_dropped, rx_dropped;
	bool offload_failed;		/* logged once */
	uint8_t rx_buf[NET_MAX_FRAME + 1];
};

static void net_get_config(struct virtio_dev *dev, uint8_t *buf)
{
	struct net *nt = dev->priv;
	struct virtio_net_config c;

	memset(&c, 0, sizeof(c));
	memcpy(c.mac, nt->mac, sizeof(c.mac));
	c.status = htole16(VIRTIO_NET_S_LINK_UP);
	c.mtu = htole16(nt->mtu);	/* read only with VIRTIO_NET_F_MTU */
	memcpy(buf, &c, sizeof(c));
}

/* Why a transmit header cannot be honoured, or NULL if it can. */
static const char *net_tx_refusal(struct virtio_dev *dev,
				  const struct virtio_net_hdr_v1 *h,
				  uint32_t frame_len)
{
	unsigned int tso;

	if (h->flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return "header flags a driver may not set";
	if (h->flags) {
		if (!virtio_dev__has(dev, VIRTIO_NET_F_CSUM))
			return "checksum offload, which was not offered";
		if ((uint32_t)le16toh(h->csum_start) + le16toh(h->csum_offset) + 2 >
		    frame_len)
			return "a checksum outside the frame";
	}
	switch (h->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return NULL;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		tso = VIRTIO_NET_F_HOST_TSO4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		tso = VIRTIO_NET_F_HOST_TSO6;
		break;
	default:
		return "a segmentation offload that was not offered";
	}
	if (!virtio_dev__has(dev, tso) || !h->flags)
		return "TCP segmentation offload that was not offered, or without checksum offload";
	if (!h->gso_size)
		return "segmentation into segments of 0 bytes";
	return NULL;
}

/*
 * Check a transmit chain's header and build the frame's iovec.
 * Returns false (frame dropped, reason logged) if it is unusable.
 */
static bool net_tx_prepare(struct virtio_dev *dev, struct net *nt,
			   struct vq_chain *c)
{
	struct virtio_net_hdr_v1 *h = &nt->tx_hdr;
	const char *why;
	uint32_t frame_len;

	if (c->out_len < NET_HDR_LEN + 14) {
		virtio_dev__log(dev, NET_TX, "frame of %u bytes is shorter than header plus Ethernet header; dropped",
				c->out_len);
		return false;
	}
	iov__to_buf(c->iov, c->nr_out, 0, h, sizeof(*h));	/* copy once */
	frame_len = c->out_len - NET_HDR_LEN;
	if (frame_len > NET_MAX_FRAME) {
		virtio_dev__log(dev, NET_TX, "frame of %u bytes is larger than %u; dropped",
				frame_len, NET_MAX_FRAME);
		return false;
	}
	why = net_tx_refusal(dev, h, frame_len);
	if (why) {
		virtio_dev__log(dev, NET_TX, "frame asks for %s (flags 0x%x, gso_type %u, csum_start %u, csum_offset %u, gso_size %u); dropped",
				why, h->flags, h->gso_type, le16toh(h->csum_start),
				le16toh(h->csum_offset), le16toh(h->gso_size));
		return false;
	}
	nt->tx_frame_n = iov__slice(c->iov, c->nr_out, NET_HDR_LEN, frame_len,
				    nt->tx_frame, ARRAY_SIZE(nt->tx_frame));
	return true;
}

/* Returns false if the backend is full and the chain is now pending. */
static bool net_tx_send(struct virtio_dev *dev, struct net *nt)
{
	ssize_t r = netbe__send(&nt->be, &nt->tx_hdr, nt->tx_frame, nt->tx_frame_n);

	if (r == -EAGAIN || r == -ENOBUFS) {
		if (!nt->tx_pending)
			nt->tx_deadline = virtio__now_ms() + NET_TX_STALL_MS;
		if (virtio__now_ms() < nt->tx_deadline) {
			nt->tx_pending = true;
			return false;
		}
	}
	if (r < 0) {
		nt->tx_dropped++;
		if (r != -ENOTCONN && r != -ECONNREFUSED && r != -EAGAIN)
			virtio_dev__log(dev, NET_TX, "%s: send: %s; frame dropped",
					nt->be.desc, strerror(-r));
	}
	nt->tx_pending = false;
	return true;
}

/* Returns true if there is more to do right away. */
static bool net_tx(struct virtio_dev *dev, struct net *nt)
{
	struct vq *vq = &dev->vqs[NET_TX];
	unsigned int done = 0;
	int r = 0;

	if (nt->tx_pending) {
		if (!net_tx_send(dev, nt))
			return false;
		vq__push(vq, nt->tx_chain.head, 0);
		done++;
	}
	for (;;) {
		while (done < NET_BATCH &&
		       (r = vq__pop(dev, vq, &nt->tx_chain, VQ_OUT_ONLY)) > 0) {
			if (net_tx_prepare(dev, nt, &nt->tx_chain) &&
			    !net_tx_send(dev, nt))
				break;		/* pending: keep the chain */
			vq__push(vq, nt->tx_chain.head, 0);
			done++;
		}
		if (done)
			vq__notify(dev, vq);
		if (r < 0 || nt->tx_pending)
			return false;
		if (done >= NET_BATCH)
			return true;
		if (!vq__enable_kicks(vq))
			return false;
	}
}

/*
 * The header of a received frame, as the guest may see it: only the
 * offloads it accepted (the tap follows those, net_sync_offload(); a frame
 * from before a renegotiation may not), num_buffers 1.  False: drop it.
 */
static bool net_rx_header(struct virtio_dev *dev, struct virtio_net_hdr_v1 *h)
{
	bool csum = virtio_dev__has(dev, VIRTIO_NET_F_GUEST_CSUM);

	h->num_buffers = htole16(1);
	h->flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID;
	if (!csum) {
		if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			return false;
		h->flags = 0;
	}
	switch (h->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		h->gso_size = 0;
		return true;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return csum && virtio_dev__has(dev, VIRTIO_NET_F_GUEST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return csum && virtio_dev__has(dev, VIRTIO_NET_F_GUEST_TSO6);
	default:
		return false;
	}
}

/* Let the tap hand us what the guest accepted. */
static void net_sync_offload(struct virtio_dev *dev, struct net *nt)
{
	int r = netbe__set_offload(&nt->be, virtio_dev__running(dev) ?
				   dev->driver_features : 0);

	if (r < 0 && !nt->offload_failed) {
		nt->offload_failed = true;
		virtio_dev__log(dev, -1, "%s: TUNSETOFFLOAD: %s; offloaded frames from the host are dropped",
				nt->be.desc, strerror(-r));
	}
}

/* Returns true if there is more to do right away. */
static bool net_rx(struct virtio_dev *dev, struct net *nt)
{
	struct vq *vq = &dev->vqs[NET_RX];
	struct virtio_net_hdr_v1 h;
	unsigned int done = 0;
	bool more = false;
	ssize_t len;
	int r;

	while (done < NET_BATCH) {
		if (!vq__has_avail(vq) && !vq__enable_kicks(vq))
			break;		/* no buffers: wait for a kick */
		len = netbe__recv(&nt->be, &h, nt->rx_buf, NET_MAX_FRAME);
		if (len == -EAGAIN || len == -EINTR)
			break;
		if (len < 0) {
			nt->rx_dropped++;
			if (len != -EMSGSIZE && len != -ECONNREFUSED)
				virtio_dev__log(dev, NET_RX, "%s: receive: %s",
						nt->be.desc, strerror(-len));
			continue;
		}
		r = vq__pop(dev, vq, &nt->rx_chain, VQ_IN_ONLY);
		if (r <= 0)
			return false;	/* r < 0: failed; r == 0 cannot happen */
		if (nt->rx_chain.in_len < NET_HDR_LEN + len) {
			virtio_dev__log(dev, NET_RX, "receive buffer of %u bytes cannot hold a %zd-byte frame; frame dropped",
					nt->rx_chain.in_len, len);
			vq__unpop(vq);
			nt->rx_dropped++;
			continue;
		}
		if (!net_rx_header(dev, &h)) {
			vq__unpop(vq);
			nt->rx_dropped++;
			continue;
		}
		iov__from_buf(chain_in(&nt->rx_chain), nt->rx_chain.nr_in, 0, &h,
			      sizeof(h));
		iov__from_buf(chain_in(&nt->rx_chain), nt->rx_chain.nr_in,
			      NET_HDR_LEN, nt->rx_buf, len);
		vq__push(vq, nt->rx_chain.head, NET_HDR_LEN + len);
		done++;
	}
	if (done >= NET_BATCH)
		more = true;
	if (done)
		vq__notify(dev, vq);
	return more;
}

static int net_poll_setup(struct virtio_dev *dev, struct pollfd *pfd, int max,
			  int *timeout_ms)
{
	struct net *nt = dev->priv;
	struct vq *rx = &dev->vqs[NET_RX];

	if (max < 1)
		return 0;
	pfd[0].fd = nt->be.fd;
	pfd[0].events = 0;
	pfd[0].revents = 0;
	/* Only read frames we have somewhere to put. */
	if (vq__has_avail(rx) || vq__enable_kicks(rx))
		pfd[0].events |= POLLIN;
	if (nt->tx_pending) {
		uint64_t now = virtio__now_ms();

		pfd[0].events |= POLLOUT;
		*timeout_ms = nt->tx_deadline > now ? nt->tx_deadline - now : 0;
	}
	return 1;
}

static bool net_work(struct virtio_dev *dev, struct pollfd *pfd, int n)
{
	struct net *nt = dev->priv;
	bool more;

	(void)pfd;
	(void)n;
	net_sync_offload(dev, nt);
	more = net_tx(dev, nt);
	if (virtio_dev__running(dev))
		more |= net_rx(dev, nt);
	return more && virtio_dev__running(dev);
}

static void net_reset(struct virtio_dev *dev)
{
	struct net *nt = dev->priv;

	nt->tx_pending = false;
	net_sync_offload(dev, nt);
}

static void net_destroy(struct virtio_dev *dev)
{
	struct net *nt = dev->priv;

	netbe__close(&nt->be);
	free(nt);
}

static const struct virtio_dev_ops net_ops = {
	.kind = "net",
	.kconfig = "CONFIG_VIRTIO_NET",
	.nr_queues = 2,
	.queue_names = { "receiveq", "transmitq" },
	.config_size = offsetof(struct virtio_net_config, speed),
	.get_config = net_get_config,
	.poll_setup = net_poll_setup,
	.work = net_work,
	.reset = net_reset,
	.destroy = net_destroy,
};

struct virtio_dev *virtio_net__create(struct virtio_vm *vm,
				      const struct virtio_net_opt *o,
				      unsigned int instance)
{
	static const uint8_t default_mac[6] = { 0x02, 0x70, 0x76, 0x00, 0x00, 0x00 };
	uint64_t features = (1ULL << VIRTIO_NET_F_MAC) |
			    (1ULL << VIRTIO_NET_F_STATUS);
	const uint64_t offloads = (1ULL << VIRTIO_NET_F_CSUM) |
				  (1ULL << VIRTIO_NET_F_HOST_TSO4) |
				  (1ULL << VIRTIO_NET_F_HOST_TSO6) |
				  (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
				  (1ULL << VIRTIO_NET_F_GUEST_TSO4) |
				  (1ULL << VIRTIO_NET_F_GUEST_TSO6);
	struct virtio_dev *dev;
	struct net *nt;

	nt = calloc(1, sizeof(*nt));
	if (!nt)
		return NULL;
	if (netbe__open(&nt->be, o) < 0) {
		netbe__close(&nt->be);
		free(nt);
		return NULL;
	}
	if (o->has_mac) {
		memcpy(nt->mac, o->mac, 6);
	} else {
		/*
		 * Locally administered, and derived from the backend (FNV-1a
		 * of its description): stable across restarts, and different
		 * on the two ends of a socket link.
		 */
		uint32_t h = 2166136261u;
		const char *p;

		for (p = nt->be.desc; *p; p++)
			h = (h ^ (uint8_t)*p) * 16777619u;
		memcpy(nt->mac, default_mac, 6);
		nt->mac[3] = h >> 16;
		nt->mac[4] = h >> 8;
		nt->mac[5] = h;
	}
	if (nt->be.vnet_hdr)
		features |= offloads;
	nt->mtu = o->mtu;
	if (o->mtu)
		features |= 1ULL << VIRTIO_NET_F_MTU;
	dev = virtio_dev__new(vm, &net_ops, VIRTIO_ID_NET, features, instance);
	if (!dev) {
		netbe__close(&nt->be);
		free(nt);
		return NULL;
	}
	dev->priv = nt;
	snprintf(dev->desc, sizeof(dev->desc), "(%.80s)", nt->be.desc);
	return dev;
}
