// SPDX-License-Identifier: GPL-2.0
/*
 * vsock_echo PORT: in the pvisor Linux guest, accept one vsock connection
 * on PORT, read until the peer stops writing, and send back "echo: " and
 * what it read.  The rig's host side (vsock_client) checks the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

int main(int argc, char **argv)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_ANY,
	};
	char buf[4096], out[4096 + 8];
	ssize_t n, got = 0;
	int s, c;

	if (argc != 2) {
		fprintf(stderr, "usage: vsock_echo PORT\n");
		return 2;
	}
	addr.svm_port = atoi(argv[1]);
	s = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(s, 1)) {
		perror("vsock_echo: socket/bind/listen");
		return 1;
	}
	printf("vsock_echo: listening on port %u\n", addr.svm_port);
	fflush(stdout);
	c = accept(s, NULL, NULL);
	if (c < 0) {
		perror("vsock_echo: accept");
		return 1;
	}
	/* One line from the host is the whole message. */
	while (got < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(c, buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += n;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = 0;
	n = snprintf(out, sizeof(out), "echo: %s", buf);
	if (write(c, out, n) != n) {
		perror("vsock_echo: write");
		return 1;
	}
	printf("vsock_echo: answered %zd bytes\n", got);
	close(c);
	close(s);
	return 0;
}
