/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a virtio-net device's frames go: a tap device, or a datagram
 * socket that links two launchers without root.  One datagram carries
 * one whole Ethernet frame, without the virtio_net_hdr.
 */
#ifndef PVISOR_VIRTIO_NET_BACKEND_H
#define PVISOR_VIRTIO_NET_BACKEND_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/uio.h>

#include "virtio.h"

struct net_backend {
	enum virtio_net_kind kind;
	int fd;
	char desc[160];			/* for messages */
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
/* Bytes sent, -EAGAIN (try again when writable), or another -errno (frame lost). */
ssize_t netbe__send(struct net_backend *be, const struct iovec *iov, int n);
/* Frame length, -EAGAIN when nothing is waiting, or another -errno. */
ssize_t netbe__recv(struct net_backend *be, void *buf, size_t len);

#endif
