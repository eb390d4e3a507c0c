/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a virtio-net device's frames go: a tap device, or a datagram
 * socket that links two launchers without root.  One datagram carries
 * one whole Ethernet frame, without the virtio_net_hdr.  A tap device
 * carries the header too (IFF_VNET_HDR), so checksum and segmentation
 * offloads pass between the guest and the host's network stack.
 */
#ifndef PVISOR_VIRTIO_NET_BACKEND_H
#define PVISOR_VIRTIO_NET_BACKEND_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/uio.h>

#include "virtio.h"

struct net_backend {
	enum virtio_net_kind kind;
	int fd;
	char desc[160];			/* for messages */
	bool vnet_hdr;			/* frames carry a virtio_net_hdr_v1 */
	unsigned int offload;		/* tap: TUN_F_* the kernel may send us */
	/* unix datagrams */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool fixed_peer;		/* peer= given */
	bool have_peer;
	bool connected;
	struct sockaddr_un peer;
	unsigned int peer_len;
};

/* 0, or -1 after logging what is wrong with the option. */
int netbe__open(struct net_backend *be, const struct virtio_net_opt *o);
void netbe__close(struct net_backend *be);
#define NETBE_MAX_IOV	256		/* pieces of one frame */

/*
 * Send one frame, with its (checked) header where be->vnet_hdr; without
 * it, hdr must ask for no offload.  Bytes of the frame sent, -EAGAIN (try
 * again when writable), or another -errno (frame lost).
 */
ssize_t netbe__send(struct net_backend *be, const struct virtio_net_hdr_v1 *hdr,
		    const struct iovec *iov, int n);
/*
 * Receive one frame into buf and its header into *hdr (all zero without
 * be->vnet_hdr).  Frame length, -EAGAIN when nothing is waiting, or
 * another -errno.
 */
ssize_t netbe__recv(struct net_backend *be, struct virtio_net_hdr_v1 *hdr,
		    void *buf, size_t len);
/*
 * Tap: let the kernel use, in the frames it gives us, the offloads the
 * guest accepted (its VIRTIO_NET_F_GUEST_CSUM, _GUEST_TSO4 and _GUEST_TSO6
 * bits in guest_features).  0, or -errno.
 */
int netbe__set_offload(struct net_backend *be, uint64_t guest_features);

#endif
