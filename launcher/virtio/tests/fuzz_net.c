// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz virtio-net: transmit chains (header checks, frame assembly) and
 * receive (frames of fuzzed sizes into fuzzed buffers).  The backend is
 * a unix datagram socket whose peer is the fuzzer.
 */
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FZ_NQ 2
#include "fuzz_dev.h"

static int peer = -1;
static char dir[128];

static struct virtio_set *fz_setup(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct virtio_opts o;
	struct virtio_set *s;
	char arg[200];

	fz_tmpdir(dir, sizeof(dir), "net");
	snprintf(arg, sizeof(arg), "socket=%s/dev,peer=%s/peer", dir, dir);
	peer = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/peer", dir);
	if (peer < 0 || bind(peer, (struct sockaddr *)&sun, sizeof(sun)))
		abort();
	virtio_opts_init(&o);
	if (virtio_opts_parse(&o, "net", arg))
		abort();
	s = virtio_set_create(&o, &fz_gm, VIRTIO_MMIO_BASE_DEFAULT, 5);
	virtio_opts_free(&o);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/dev", dir);
	if (connect(peer, (struct sockaddr *)&sun, sizeof(sun)))
		abort();
	return s;
}

static void fz_backend(const uint8_t *data, size_t size)
{
	static uint8_t drain[70000];
	size_t len;

	while (recv(peer, drain, sizeof(drain), MSG_DONTWAIT) > 0)
		;
	if (!size)
		return;
	/* Two frames for the receive path, sizes from the input. */
	len = (data[0] * 13u) % 1600;
	if (len > size)
		len = size;
	if (send(peer, data, len, MSG_DONTWAIT) < 0)
		return;
	if (size > 1 && send(peer, data + 1, data[1] % (size - 1) + 1, MSG_DONTWAIT) < 0)
		return;
}
