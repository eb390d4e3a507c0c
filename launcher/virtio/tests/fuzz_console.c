// SPDX-License-Identifier: GPL-2.0
/* Fuzz virtio-console over a socket backend with a connected client. */
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FZ_NQ 2
#include "fuzz_dev.h"

static int client = -1;
static char dir[128];

static struct virtio_set *fz_setup(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct virtio_opts o;
	struct virtio_set *s;
	char arg[200];

	fz_tmpdir(dir, sizeof(dir), "con");
	snprintf(arg, sizeof(arg), "socket=%s/con", dir);
	virtio_opts_init(&o);
	if (virtio_opts_parse(&o, "console", arg))
		abort();
	s = virtio_set_create(&o, &fz_gm, VIRTIO_MMIO_BASE_DEFAULT, 5);
	virtio_opts_free(&o);
	client = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/con", dir);
	if (client < 0 || connect(client, (struct sockaddr *)&sun, sizeof(sun)))
		abort();
	return s;
}

static void fz_backend(const uint8_t *data, size_t size)
{
	static uint8_t drain[65536];

	while (recv(client, drain, sizeof(drain), MSG_DONTWAIT) > 0)
		;
	if (size && send(client, data, size % 4096, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return;
}
