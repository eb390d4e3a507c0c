// SPDX-License-Identifier: GPL-2.0
/* Fuzz virtio-console over a socket backend with a connected client. */
#define FZ_NQ 2
#define FZ_BACKEND
#include "fuzz_dev.h"

static int client = -1;
static char dir[128];

static struct virtio_set *fz_setup(void)
{
	struct virtio_set *s;
	char arg[200];

	fz_tmpdir(dir, sizeof(dir), "con");
	snprintf(arg, sizeof(arg), "socket=%s/con", dir);
	s = fz_set_create("console", arg, false);
	client = fz_unix_socket(SOCK_STREAM, FZ_CONNECT, dir, "con");
	if (client < 0)
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
