// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console over its three backends.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tests.h"

struct con {
	struct virtio_opts o;
	struct virtio_set *set;
	struct tg g;
	struct tg_dev d;
	uint64_t rx, tx;	/* gpa of 4 KiB areas */
};

static int con_setup(struct con *c, const char *kind, virtio_quit_fn *quit)
{
	const char *argv[3] = { "--console", kind, NULL };
	char why[128];

	memset(c, 0, sizeof(*c));
	if (tg_init(&c->g, GUEST_MEM, GUEST_BASE) || opts_from(&c->o, argv))
		return -1;
	c->set = make_set(&c->o, &c->g, false);
	if (!c->set)
		return -1;
	if (quit)
		virtio_set_quit_handler(c->set, quit, NULL);
	if (virtio_set_start(c->set))
		return -1;
	if (tg_dev_init(&c->d, &c->g, c->set, 0, ALL_FEATURES, 64, why, sizeof(why))) {
		tap_diag("%s", why);
		return -1;
	}
	c->rx = tg_alloc(&c->g, 4096, 64);
	c->tx = tg_alloc(&c->g, 65536, 64);
	{
		struct tg_buf b = { c->rx, 4096, true };

		tg_vq_add(&c->d.vq[0], &b, 1, false);
		tg_vq_kick(&c->d.vq[0]);
	}
	return 0;
}

static void con_teardown(struct con *c)
{
	virtio_set_destroy(c->set);
	virtio_opts_free(&c->o);
	tg_fini(&c->g);
}

/* The guest writes len bytes; returns 0 once the device consumed them. */
static int con_write(struct con *c, const void *data, size_t len)
{
	struct tg_buf b = { c->tx, len, false };
	uint32_t used;
	int head;

	memcpy(tg_ptr(&c->g, c->tx), data, len);
	head = tg_vq_add(&c->d.vq[1], &b, 1, false);
	if (head < 0)
		return -1;
	tg_vq_kick(&c->d.vq[1]);
	return tg_vq_wait(&c->d.vq[1], &used, WAIT_MS) == head ? 0 : -1;
}

/* The guest receives; returns the byte count (and reposts the buffer). */
static int con_read(struct con *c, void *out, size_t max)
{
	struct tg_buf b = { c->rx, 4096, true };
	uint32_t used;

	if (tg_vq_wait(&c->d.vq[0], &used, WAIT_MS) < 0)
		return -1;
	memcpy(out, tg_ptr(&c->g, c->rx), used < max ? used : max);
	tg_vq_add(&c->d.vq[0], &b, 1, false);
	tg_vq_kick(&c->d.vq[0]);
	return used;
}

static int read_exact(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, WAIT_MS) != 1)
			return -1;
		r = read(fd, buf + got, len - got);
		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void test_socket(void)
{
	char arg[400], buf[64];
	struct con c;
	int fd = -1, fd2 = -1;

	snprintf(arg, sizeof(arg), "socket=%s", tmppath("console.sock"));
	CHECK(con_setup(&c, arg, NULL) == 0, "setup: %s", log_text());
	CHECK(!strcmp(virtio_dev_backend_path(c.d.dev), tmppath("console.sock")), "path");
	/* Nobody connected: output is discarded, not stuck. */
	CHECK(con_write(&c, "lost\n", 5) == 0, "write without a client");
	fd = connect_unix(tmppath("console.sock"));
	CHECK(fd >= 0, "connect");
	usleep(50000);	/* let the device accept */
	CHECK(con_write(&c, "hello, host\n", 12) == 0, "guest write");
	CHECK(read_exact(fd, buf, 12) == 0, "host read");
	CHECK(!memcmp(buf, "hello, host\n", 12), "got '%.12s'", buf);
	CHECK(write(fd, "abc\x03\x01z", 6) == 6, "host write");
	{
		int n, got = 0;

		while (got < 6) {
			n = con_read(&c, buf + got, sizeof(buf) - got);
			CHECK(n > 0, "guest read");
			got += n;
		}
		CHECK(!memcmp(buf, "abc\x03\x01z", 6), "bytes pass unchanged on a socket");
	}
	/* A second client is turned away; the first keeps working. */
	fd2 = connect_unix(tmppath("console.sock"));
	CHECK(fd2 >= 0, "second connect");
	CHECK(read(fd2, buf, sizeof(buf)) > 0 && strstr(buf, "already"), "second client told");
	CHECK(con_write(&c, "x", 1) == 0 && read_exact(fd, buf, 1) == 0 && buf[0] == 'x', "first still works");
	/* Reconnect after the client leaves. */
	close(fd);
	fd = -1;
	CHECK(con_write(&c, "gone", 4) == 0, "write after the client left");
	usleep(50000);
	fd = connect_unix(tmppath("console.sock"));
	CHECK(fd >= 0, "reconnect");
	usleep(50000);
	CHECK(con_write(&c, "back", 4) == 0 && read_exact(fd, buf, 4) == 0 && !memcmp(buf, "back", 4),
	      "output reaches the new client");
out:
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	con_teardown(&c);
	CHECK(access(tmppath("console.sock"), F_OK) != 0, "socket file removed at teardown");
	return;
}

static void test_pty(void)
{
	char buf[64];
	struct termios t;
	struct con c;
	int fd = -1, n;

	CHECK(con_setup(&c, "pty", NULL) == 0, "setup: %s", log_text());
	CHECK(virtio_dev_backend_path(c.d.dev), "pty path");
	CHECK(log_contains2("console on", virtio_dev_backend_path(c.d.dev)), "path logged");
	fd = open(virtio_dev_backend_path(c.d.dev), O_RDWR | O_NOCTTY);
	CHECK(fd >= 0, "open %s", virtio_dev_backend_path(c.d.dev));
	CHECK(tcgetattr(fd, &t) == 0 && !(t.c_lflag & (ICANON | ECHO)), "pty is raw");
	CHECK(con_write(&c, "login: ", 7) == 0, "guest write");
	CHECK(read_exact(fd, buf, 7) == 0 && !memcmp(buf, "login: ", 7), "host read");
	CHECK(write(fd, "root\r", 5) == 5, "host write");
	n = con_read(&c, buf, sizeof(buf));
	CHECK(n == 5 && !memcmp(buf, "root\r", 5), "guest got %d bytes", n);
out:
	if (fd >= 0)
		close(fd);
	con_teardown(&c);
}

/* Nobody reads the pty: output is dropped after a stall, never hangs. */
static void test_pty_no_reader(void)
{
	static char chunk[16384];
	struct con c;
	int i;

	memset(chunk, 'y', sizeof(chunk));
	CHECK(con_setup(&c, "pty", NULL) == 0, "setup");
	for (i = 0; i < 32; i++)	/* 512 KiB, far more than a pty buffers */
		CHECK(con_write(&c, chunk, sizeof(chunk)) == 0, "write %d did not complete", i);
out:
	con_teardown(&c);
}

static volatile int quit_called;

static void on_quit(void *opaque)
{
	(void)opaque;
	quit_called = 1;
}

/* stdio on a terminal: raw while running, restored afterwards. */
static int stdio_child(int master)
{
	struct termios before, during, after;
	char buf[64];
	struct con c;
	int n;

	if (tcgetattr(0, &before) || !(before.c_lflag & ICANON))
		return 10;
	if (con_setup(&c, "stdio", on_quit))
		return 11;
	if (tcgetattr(0, &during) || (during.c_lflag & (ICANON | ECHO | ISIG)))
		return 12;
	if (con_write(&c, "guest says hi", 13) || read_exact(master, buf, 13) ||
	    memcmp(buf, "guest says hi", 13))
		return 13;
	/* ^C reaches the guest; ^A^A is one ^A; ^A x quits. */
	if (write(master, "\x03k\x01\x01", 4) != 4)
		return 14;
	n = con_read(&c, buf, sizeof(buf));
	if (n < 1)
		return 15;
	if (n < 3) {
		int m = con_read(&c, buf + n, sizeof(buf) - n);

		if (m > 0)
			n += m;
	}
	if (n != 3 || memcmp(buf, "\x03k\x01", 3))
		return 16;
	if (write(master, "\x01x", 2) != 2)
		return 17;
	for (n = 0; n < 200 && !quit_called; n++)
		usleep(10000);
	if (!quit_called)
		return 18;
	con_teardown(&c);
	if (tcgetattr(0, &after) || after.c_lflag != before.c_lflag ||
	    after.c_iflag != before.c_iflag || after.c_oflag != before.c_oflag)
		return 19;
	return 0;
}

static void test_stdio_raw_restored(void)
{
	int master, slave, status;
	pid_t pid;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0, "pty");
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	CHECK(slave >= 0, "slave");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		int out = dup(1);

		dup2(slave, 0);
		dup2(slave, 1);
		(void)out;
		_exit(stdio_child(master));
	}
	close(slave);
	CHECK(waitpid(pid, &status, 0) == pid, "wait");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child failed at step %d (12: not raw, 13: output, 16: input/escapes, 18: no quit, 19: terminal not restored)",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
out:
	if (master >= 0)
		close(master);
}

const struct test_case console_tests[] = {
	{ "console: unix socket round-trips bytes, one client at a time", test_socket },
	{ "console: pty round-trips bytes and is raw", test_pty },
	{ "console: a pty nobody reads does not stall the guest", test_pty_no_reader },
	{ "console: stdio terminal raw while running, restored after; Ctrl-A x quits", test_stdio_raw_restored },
	{ NULL, NULL },
};
