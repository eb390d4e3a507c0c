// SPDX-License-Identifier: GPL-2.0
/* Fuzz the device option parser. */
#include <stdlib.h>
#include <string.h>

#include "virtio.h"

static void quiet(const char *msg)
{
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "disk", "net", "console", "vsock", "rng", "mem" };
	struct virtio_opts o;
	char *arg;

	if (!size)
		return 0;
	virtio_set_log_handler(quiet);
	arg = malloc(size);
	if (!arg)
		return 0;
	memcpy(arg, data + 1, size - 1);
	arg[size - 1] = '\0';
	virtio_opts_init(&o);
	virtio_opts_parse(&o, names[data[0] % 6], data[0] & 0x80 ? NULL : arg);
	virtio_opts_parse(&o, names[(data[0] >> 3) % 6], arg);
	virtio_opts_free(&o);
	free(arg);
	return 0;
}
