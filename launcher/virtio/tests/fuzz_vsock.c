// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz virtio-vsock's packet parser and connection state machine.  A
 * host listener at PATH_1 accepts guest connections to port 1, so RW,
 * SHUTDOWN and credit packets meet live connections; a host client
 * connects through the CONNECT handshake each round.
 */
#define FZ_NQ 3
#define FZ_BACKEND
#include "fuzz_dev.h"

static int listener = -1;
static char dir[128];
static int accepted[256];
static unsigned int nacc;

static struct virtio_set *fz_setup(void)
{
	struct virtio_set *s;
	char arg[200];

	fz_tmpdir(dir, sizeof(dir), "vs");
	snprintf(arg, sizeof(arg), "cid=3,uds=%s/v", dir);
	s = fz_set_create("vsock", arg, false);
	listener = fz_unix_socket(SOCK_STREAM, FZ_BIND, dir, "v_1");
	if (listener < 0 || listen(listener, 64))
		abort();
	return s;
}

static void fz_backend(const uint8_t *data, size_t size)
{
	int fd;

	/* Previous round's connections are gone after the reset. */
	while (nacc)
		close(accepted[--nacc]);
	while ((fd = accept(listener, NULL, NULL)) >= 0)
		close(fd);
	if (!size)
		return;
	/* A host client, sometimes with a valid handshake. */
	fd = fz_unix_socket(SOCK_STREAM, FZ_CONNECT, dir, "v");
	if (fd < 0)
		return;
	if (data[0] & 1) {
		if (send(fd, "CONNECT 1\n", 10, MSG_NOSIGNAL) < 0)
			data = NULL;
	} else if (send(fd, data, size % 40, MSG_NOSIGNAL) < 0) {
		data = NULL;
	}
	accepted[nacc++] = fd;
}

