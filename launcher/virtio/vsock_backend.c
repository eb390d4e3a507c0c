// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_UNIX backend of virtio-vsock: the listener at PATH, the
 * CONNECT/OK handshake of host clients, PATH_<port> for the guest's
 * connections, and the byte streams themselves.
 *
 * It knows sockets and the handshake's text, and nothing about
 * virtqueues or vsock packets: the device hands it flat buffers and
 * iovecs.  Sends never raise SIGPIPE, and nothing here blocks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "unix_socket.h"
#include "vsock_backend.h"

/* "_4294967295" and the NUL after PATH. */
#define PORT_SUFFIX	12

int vsockbe__open(struct vsock_backend *be, const char *path)
{
	char err[256];

	be->listen_fd = -1;
	/* PATH_<port> must fit in sun_path too. */
	if (strlen(path) + PORT_SUFFIX > sizeof(be->path) - 1) {
		virtio__log("--vsock uds=%s: path too long (at most %zu bytes, to leave room for _PORT)",
			    path, sizeof(be->path) - PORT_SUFFIX - 1);
		return -1;
	}
	snprintf(be->path, sizeof(be->path), "%s", path);
	be->listen_fd = unix__listen(path, SOCK_STREAM, err, sizeof(err));
	if (be->listen_fd < 0) {
		virtio__log("--vsock uds=%s: %s", path, err);
		return -1;
	}
	return 0;
}

void vsockbe__close(struct vsock_backend *be)
{
	if (be->listen_fd < 0)
		return;
	close(be->listen_fd);
	unlink(be->path);
	be->listen_fd = -1;
}

static void stream_init(struct vsock_stream *s, int fd)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
}

int vsockbe__accept(struct vsock_backend *be, struct vsock_stream *s)
{
	int fd = accept4(be->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return -1;
	stream_init(s, fd);
	return 0;
}

int vsockbe__connect(struct vsock_backend *be, uint32_t port,
		     struct vsock_stream *s)
{
	char path[sizeof(be->path) + 16];
	int fd;

	snprintf(path, sizeof(path), "%s_%u", be->path, port);
	fd = unix__connect(path, SOCK_STREAM);
	if (fd < 0)
		return -1;
	stream_init(s, fd);
	return 0;
}

int vsockbe__read_connect(struct vsock_stream *s, uint32_t *port)
{
	unsigned long p;
	char *end;

	while (s->line_len < sizeof(s->line) - 1) {
		char ch;
		ssize_t r = read(s->fd, &ch, 1);

		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (r <= 0)
			break;
		if (ch != '\n') {
			s->line[s->line_len++] = ch;
			continue;
		}
		s->line[s->line_len] = '\0';
		if (strncmp(s->line, "CONNECT ", 8))
			break;
		errno = 0;
		p = strtoul(s->line + 8, &end, 10);
		if (errno || *end || end == s->line + 8 || p >= UINT32_MAX)
			break;
		*port = p;
		return 1;
	}
	return -1;	/* EOF, garbage, or a line too long */
}

int vsockbe__send_ok(struct vsock_stream *s, uint32_t host_port)
{
	char ok[32];
	int n = snprintf(ok, sizeof(ok), "OK %u\n", host_port);

	return send(s->fd, ok, n, MSG_DONTWAIT | MSG_NOSIGNAL) == n ? 0 : -1;
}

ssize_t vsockbe__send(struct vsock_stream *s, const void *buf, size_t len)
{
	ssize_t w;

	do
		w = send(s->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w < 0 ? -errno : w;
}

ssize_t vsockbe__recv(struct vsock_stream *s, const struct iovec *iov,
		      unsigned int n)
{
	ssize_t r = readv(s->fd, iov, n);

	return r < 0 ? -errno : r;
}

void vsockbe__shutdown_send(struct vsock_stream *s)
{
	shutdown(s->fd, SHUT_WR);
}

void vsockbe__stream_close(struct vsock_stream *s)
{
	close(s->fd);
	s->fd = -1;
}
