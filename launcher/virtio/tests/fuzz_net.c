// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz virtio-net: transmit chains (header checks, frame assembly) and
 * receive (frames of fuzzed sizes into fuzzed buffers).  The backend is
 * a unix datagram socket whose peer is the fuzzer.
 */
#define FZ_NQ 2
#define FZ_BACKEND
#include "fuzz_dev.h"

static int peer = -1;
static char dir[128];

static struct virtio_set *fz_setup(void)
{
	struct sockaddr_un sun;
	struct virtio_set *s;
	char arg[200];

	fz_tmpdir(dir, sizeof(dir), "net");
	snprintf(arg, sizeof(arg), "socket=%s/dev,peer=%s/peer", dir, dir);
	peer = fz_unix_socket(SOCK_DGRAM, FZ_BIND, dir, "peer");
	if (peer < 0)
		abort();
	s = fz_set_create("net", arg, false);
	fz_unix_addr(&sun, dir, "dev");
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
