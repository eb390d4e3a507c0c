// SPDX-License-Identifier: GPL-2.0
/*
 * Network backends.
 *
 * tap=NAME attaches to (or creates) a tap interface; that needs
 * CAP_NET_ADMIN or a persistent tap owned by the user.  Its frames carry
 * the 12-byte virtio_net_hdr_v1 (IFF_VNET_HDR, TUNSETVNETHDRSZ), so a
 * guest's checksum and segmentation offloads reach the host's stack as
 * they are, and the host may hand the guest the same (TUNSETOFFLOAD, set
 * to what the guest accepted).
 *
 * socket=PATH[,peer=PATH] needs no privilege: each launcher binds a unix
 * datagram socket at its own PATH and sends to its peer's PATH.  With
 * peer= the socket is connect()ed, so the kernel drops datagrams from
 * anyone else and poll() reports when the peer's queue has room (our
 * backpressure).  Without peer= the launcher waits for the first frame
 * and then talks to whoever sent it.  So two guests are linked with
 *	A: --net socket=/tmp/a.sock,peer=/tmp/b.sock
 *	B: --net socket=/tmp/b.sock,peer=/tmp/a.sock
 * (or B alone naming the peer).
 *
 * udp=HOST:PORT[,local=PORT] does the same over UDP, for guests on two
 * hosts.  HOST is a numeric IPv4 or IPv6 address (the launcher is
 * linked statically, so no name lookup).  The socket is connected to
 * HOST:PORT, so only that peer's datagrams are accepted, and it is
 * bound to the loopback address when the peer is on loopback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "net_backend.h"
#include "unix_socket.h"

static int tap_open(struct net_backend *be, const char *name)
{
	struct ifreq ifr;
	int fd, hdr_len;

	if (strlen(name) >= IFNAMSIZ) {
		virtio__log("--net tap=%s: interface names are at most %d characters",
			    name, IFNAMSIZ - 1);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		virtio__log("--net tap=%s: cannot open /dev/net/tun: %s (is the tun module loaded?)",
			    name, strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = errno;

		if (err == EPERM)
			virtio__log("--net tap=%s: not permitted; run as root, or create it first with 'ip tuntap add %s mode tap user $USER'",
				    name, name);
		else if (err == EBUSY)
			virtio__log("--net tap=%s: the interface is in use by another process",
				    name);
		else
			virtio__log("--net tap=%s: TUNSETIFF: %s", name,
				    strerror(err));
		close(fd);
		return -1;
	}
	hdr_len = sizeof(struct virtio_net_hdr_v1);
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, 0) < 0) {
		virtio__log("--net tap=%s: cannot set up the virtio-net header: %s",
			    name, strerror(errno));
		close(fd);
		return -1;
	}
	be->fd = fd;
	be->vnet_hdr = true;
	snprintf(be->desc, sizeof(be->desc), "tap %s", name);
	return 0;
}

static void unix_try_connect(struct net_backend *be)
{
	if (be->connected || !be->have_peer)
		return;
	if (connect(be->fd, (struct sockaddr *)&be->peer, be->peer_len) == 0)
		be->connected = true;
}

static int unix_open(struct net_backend *be, const struct virtio_net_opt *o)
{
	char err[256];
	int size = 1 << 20;

	be->fd = unix__listen(o->name, SOCK_DGRAM, err, sizeof(err));
	if (be->fd < 0) {
		virtio__log("--net socket=%s: %s", o->name, err);
		return -1;
	}
	snprintf(be->path, sizeof(be->path), "%s", o->name);
	setsockopt(be->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(be->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (o->peer) {
		if (unix__fill_addr(o->peer, &be->peer, &be->peer_len)) {
			virtio__log("--net peer=%s: path is empty or too long", o->peer);
			return -1;
		}
		be->fixed_peer = be->have_peer = true;
		unix_try_connect(be);	/* fine if the peer is not up yet */
	}
	snprintf(be->desc, sizeof(be->desc), "socket %.60s%s%.60s", o->name,
		 o->peer ? " peer " : "", o->peer ? o->peer : "");
	return 0;
}

static int udp_open(struct net_backend *be, const struct virtio_net_opt *o)
{
	struct sockaddr_storage peer, local;
	socklen_t len;
	int fd, size = 1 << 20;

	memset(&peer, 0, sizeof(peer));
	memset(&local, 0, sizeof(local));
	if (strchr(o->host, ':')) {
		struct sockaddr_in6 *p = (void *)&peer, *l = (void *)&local;

		if (inet_pton(AF_INET6, o->host, &p->sin6_addr) != 1)
			goto bad_host;
		p->sin6_family = l->sin6_family = AF_INET6;
		p->sin6_port = htons(o->port);
		l->sin6_port = htons(o->local_port);
		l->sin6_addr = IN6_IS_ADDR_LOOPBACK(&p->sin6_addr) ?
			       in6addr_loopback : in6addr_any;
		len = sizeof(*p);
	} else {
		struct sockaddr_in *p = (void *)&peer, *l = (void *)&local;

		if (inet_pton(AF_INET, o->host, &p->sin_addr) != 1)
			goto bad_host;
		p->sin_family = l->sin_family = AF_INET;
		p->sin_port = htons(o->port);
		l->sin_port = htons(o->local_port);
		l->sin_addr.s_addr = (ntohl(p->sin_addr.s_addr) >> 24) == 127 ?
				     htonl(INADDR_LOOPBACK) : htonl(INADDR_ANY);
		len = sizeof(*p);
	}
	fd = socket(peer.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		virtio__log("--net udp=%s:%u: socket: %s", o->host, o->port,
			    strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&local, len) < 0) {
		virtio__log("--net udp=%s:%u: cannot bind local port %u: %s; choose another with local=PORT",
			    o->host, o->port, o->local_port, strerror(errno));
		close(fd);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&peer, len) < 0) {
		virtio__log("--net udp=%s:%u: connect: %s", o->host, o->port,
			    strerror(errno));
		close(fd);
		return -1;
	}
	be->fd = fd;
	snprintf(be->desc, sizeof(be->desc), "udp %s:%u local %u", o->host,
		 o->port, o->local_port);
	return 0;

bad_host:
	virtio__log("--net udp=%s:%u: HOST must be a numeric IPv4 or IPv6 address",
		    o->host, o->port);
	return -1;
}

int netbe__open(struct net_backend *be, const struct virtio_net_opt *o)
{
	memset(be, 0, sizeof(*be));
	be->fd = -1;
	be->kind = o->kind;
	switch (o->kind) {
	case VIRTIO_NET_TAP:
		return tap_open(be, o->name);
	case VIRTIO_NET_UNIX:
		return unix_open(be, o);
	case VIRTIO_NET_UDP:
		return udp_open(be, o);
	}
	return -1;
}

void netbe__close(struct net_backend *be)
{
	if (be->fd >= 0)
		close(be->fd);
	if (be->kind == VIRTIO_NET_UNIX && be->path[0])
		unlink(be->path);
	be->fd = -1;
}

ssize_t netbe__send(struct net_backend *be, const struct virtio_net_hdr_v1 *hdr,
		    const struct iovec *iov, int n)
{
	struct iovec v[NETBE_MAX_IOV + 1];
	struct msghdr msg;
	ssize_t r;

	if (be->vnet_hdr) {
		if (n > NETBE_MAX_IOV)
			return -EMSGSIZE;
		v[0].iov_base = (void *)hdr;
		v[0].iov_len = sizeof(*hdr);
		memcpy(v + 1, iov, n * sizeof(*iov));
		r = writev(be->fd, v, n + 1);
		if (r < 0)
			return -errno;
		return r < (ssize_t)sizeof(*hdr) ? -EIO : r - (ssize_t)sizeof(*hdr);
	}
	if (hdr->flags || hdr->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return -EOPNOTSUPP;	/* never offered on this backend */
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = (struct iovec *)iov;
	msg.msg_iovlen = n;
	if (be->kind == VIRTIO_NET_UNIX) {
		unix_try_connect(be);
		if (!be->connected)
			return -ENOTCONN;	/* no peer (yet): the frame is lost */
	}
	r = sendmsg(be->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r >= 0)
		return r;
	r = -errno;
	if (be->kind == VIRTIO_NET_UNIX &&
	    (r == -ECONNREFUSED || r == -ENOTCONN || r == -ENOENT)) {
		/* The peer went away; a restarted one binds a new socket. */
		be->connected = false;
		if (!be->fixed_peer)
			be->have_peer = false;
	}
	return r;
}

ssize_t netbe__recv(struct net_backend *be, struct virtio_net_hdr_v1 *hdr,
		    void *buf, size_t len)
{
	struct sockaddr_un from;
	socklen_t flen = sizeof(from);
	ssize_t r;

	memset(hdr, 0, sizeof(*hdr));
	if (be->vnet_hdr) {
		struct iovec v[2] = {
			{ .iov_base = hdr, .iov_len = sizeof(*hdr) },
			{ .iov_base = buf, .iov_len = len },
		};

		r = readv(be->fd, v, 2);
		if (r < 0)
			return -errno;
		return r < (ssize_t)sizeof(*hdr) ? -EIO : r - (ssize_t)sizeof(*hdr);
	}
	if (be->kind == VIRTIO_NET_UDP) {
		r = recv(be->fd, buf, len, MSG_DONTWAIT | MSG_TRUNC);
		if (r < 0)
			return -errno;
		return (size_t)r > len ? -EMSGSIZE : r;
	}
	r = recvfrom(be->fd, buf, len, MSG_DONTWAIT | MSG_TRUNC,
		     (struct sockaddr *)&from, &flen);
	if (r < 0)
		return -errno;
	if (!be->connected) {
		if (be->fixed_peer) {
			/* Not connected yet, so filter by hand. */
			if (flen != be->peer_len ||
			    memcmp(&from, &be->peer, flen))
				return -EAGAIN;
			unix_try_connect(be);
		} else if (flen > offsetof(struct sockaddr_un, sun_path)) {
			/* Learn the peer from its first frame. */
			memcpy(&be->peer, &from, flen);
			be->peer_len = flen;
			be->have_peer = true;
			unix_try_connect(be);
		}
	}
	return (size_t)r > len ? -EMSGSIZE : r;
}

int netbe__set_offload(struct net_backend *be, uint64_t guest_features)
{
	unsigned int tun_flags = 0;

	if (!be->vnet_hdr)
		return 0;
	/* The kernel segments only what it may also leave unsummed. */
	if (guest_features & (1ULL << VIRTIO_NET_F_GUEST_CSUM)) {
		tun_flags = TUN_F_CSUM;
		if (guest_features & (1ULL << VIRTIO_NET_F_GUEST_TSO4))
			tun_flags |= TUN_F_TSO4;
		if (guest_features & (1ULL << VIRTIO_NET_F_GUEST_TSO6))
			tun_flags |= TUN_F_TSO6;
	}
	if (tun_flags == be->offload)
		return 0;
	if (ioctl(be->fd, TUNSETOFFLOAD, (unsigned long)tun_flags) < 0)
		return -errno;
	be->offload = tun_flags;
	return 0;
}
