// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz virtio-vsock's packet parser and connection state machine.  A
 * host listener at PATH_1 accepts guest connections to port 1, so RW,
 * SHUTDOWN and credit packets meet live connections; a host client
 * connects through the CONNECT handshake each round.
 */
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FZ_NQ 3
#include "fuzz_dev.h"

static int listener = -1;
static char dir[128];
static int accepted[256];
static unsigned int nacc;

static struct virtio_set *fz_setup(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct virtio_opts o;
	struct virtio_set *s;
	char arg[200];

	fz_tmpdir(dir, sizeof(dir), "vs");
	snprintf(arg, sizeof(arg), "cid=3,uds=%s/v", dir);
	virtio_opts_init(&o);
	if (virtio_opts_parse(&o, "vsock", arg))
		abort();
	s = virtio_set_create(&o, &fz_gm, VIRTIO_MMIO_BASE_DEFAULT, 5);
	virtio_opts_free(&o);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/v_1", dir);
	if (listener < 0 || bind(listener, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(listener, 64))
		abort();
	return s;
}

static void fz_backend(const uint8_t *data, size_t size)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	/* Previous round's connections are gone after the reset. */
	while (nacc)
		close(accepted[--nacc]);
	while ((fd = accept(listener, NULL, NULL)) >= 0)
		close(fd);
	if (!size)
		return;
	/* A host client, sometimes with a valid handshake. */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/v", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		return;
	}
	if (data[0] & 1) {
		if (send(fd, "CONNECT 1\n", 10, MSG_NOSIGNAL) < 0)
			data = NULL;
	} else if (send(fd, data, size % 40, MSG_NOSIGNAL) < 0) {
		data = NULL;
	}
	accepted[nacc++] = fd;
}

