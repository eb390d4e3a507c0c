/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a virtio-vsock device's connections go: AF_UNIX stream sockets
 * in the style of Firecracker's hybrid vsock (vsock_backend.c).
 *
 *  - host to guest: a host program connects to the unix socket PATH
 *    (--vsock uds=PATH), writes "CONNECT <port>\n", and once the guest
 *    accepts reads "OK <hostport>\n"; after that the socket is the
 *    stream.  If the guest refuses, the socket is closed.
 *  - guest to host: a guest connect() to the host's port P connects to
 *    the unix socket PATH_P (PATH, '_', P in decimal).
 *
 * The backend moves bytes and speaks the handshake; the device
 * (vsock.c) owns the connections' state, credit and packets.  Every fd
 * here is non-blocking; the device polls them.
 */
#ifndef PVISOR_VIRTIO_VSOCK_BACKEND_H
#define PVISOR_VIRTIO_VSOCK_BACKEND_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* The listening socket at PATH. */
struct vsock_backend {
	char path[108];			/* sun_path */
	int listen_fd;			/* readable: a host client waits */
};

/* The host end of one connection: a unix stream socket. */
struct vsock_stream {
	int fd;
	/* a host client's "CONNECT <port>\n", while it is being read */
	char line[32];
	unsigned int line_len;
};

/* Listen at path.  0, or -1 after logging what is wrong with uds=path. */
int vsockbe__open(struct vsock_backend *be, const char *path);
/* Close the listener and remove its socket file. */
void vsockbe__close(struct vsock_backend *be);

/* A host client that connected to PATH: 0 with *s filled, or -1 if none. */
int vsockbe__accept(struct vsock_backend *be, struct vsock_stream *s);
/* Connect to PATH_port for the guest: 0 with *s filled, or -1 if nobody listens. */
int vsockbe__connect(struct vsock_backend *be, uint32_t port,
		     struct vsock_stream *s);

/*
 * Read a host client's "CONNECT <port>\n", a byte at a time (what
 * follows it is stream data).  1 with *port once the line is complete,
 * 0 while more is to come, -1 on EOF, garbage or a line too long.
 */
int vsockbe__read_connect(struct vsock_stream *s, uint32_t *port);
/* Tell a host client the guest accepted: "OK <host_port>\n".  0, or -1. */
int vsockbe__send_ok(struct vsock_stream *s, uint32_t host_port);

/* Bytes taken, -EAGAIN (try again when writable), or another -errno. */
ssize_t vsockbe__send(struct vsock_stream *s, const void *buf, size_t len);
/* Bytes read into iov, 0 at EOF, or -errno (-EAGAIN: nothing waiting). */
ssize_t vsockbe__recv(struct vsock_stream *s, const struct iovec *iov,
		      unsigned int n);
/* The guest will send no more: half-close the stream. */
void vsockbe__shutdown_send(struct vsock_stream *s);
void vsockbe__stream_close(struct vsock_stream *s);

#endif /* PVISOR_VIRTIO_VSOCK_BACKEND_H */
