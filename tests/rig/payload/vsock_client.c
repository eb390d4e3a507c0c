// SPDX-License-Identifier: GPL-2.0
/*
 * vsock_client UDS PORT MESSAGE: in the rig's host VM, connect to a
 * guest's vsock listener through pvisor-run's AF_UNIX socket (--vsock
 * uds=UDS): send "CONNECT PORT\n", expect "OK ...\n", send MESSAGE and a
 * newline, and print everything the guest sends back.  Retries the connect
 * for up to 60 s while the guest boots.  Exit 0 when the guest answered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int read_line(int fd, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size - 1) {
		ssize_t n = read(fd, buf + got, 1);

		if (n <= 0)
			return -1;
		if (buf[got++] == '\n')
			break;
	}
	buf[got] = 0;
	return 0;
}

/* One try: 0 when the guest answered, -1 to try again. */
static int try_once(const char *path, const char *port, const char *msg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[256], buf[4096];
	ssize_t n, total = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	dprintf(fd, "CONNECT %s\n", port);
	if (read_line(fd, line, sizeof(line)) || strncmp(line, "OK ", 3))
		goto fail;
	dprintf(fd, "%s\n", msg);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, n, stdout);
		total += n;
	}
	close(fd);
	return total ? 0 : -1;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

int main(int argc, char **argv)
{
	int i;

	if (argc != 4) {
		fprintf(stderr, "usage: vsock_client UDS PORT MESSAGE\n");
		return 2;
	}
	for (i = 0; i < 120; i++) {
		if (!try_once(argv[1], argv[2], argv[3]))
			return 0;
		usleep(500000);
	}
	fprintf(stderr, "vsock_client: no answer from the guest on %s port %s: %s\n",
		argv[1], argv[2], strerror(errno));
	return 1;
}
