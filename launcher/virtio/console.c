// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console: one port (no MULTIPORT), bytes in both directions.
 *
 * Backends:
 *  - stdio: the launcher's stdin/stdout.  A terminal is put in raw mode
 *    (Ctrl-C goes to the guest) and restored at teardown and at exit().
 *    Ctrl-A x quits the launcher, Ctrl-A Ctrl-A sends a Ctrl-A.
 *  - pty: a new pseudo-terminal, raw, whose path is logged; attach with
 *    e.g. 'screen /dev/pts/N'.  We hold the slave open ourselves so the
 *    pty does not hang up between clients.
 *  - socket=PATH: a unix stream socket; one client at a time, output is
 *    discarded while nobody is connected.
 *
 * The guest's output is written as it comes.  On a pty or socket that
 * cannot take it (nobody reading), the chain waits for at most
 * CONSOLE_STALL_MS, then is dropped, so a missing reader cannot freeze
 * the guest's console.  stdout is written blocking, like a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "devices.h"
#include "unix_socket.h"

#define CONSOLE_STALL_MS	1000
#define CTRL_A			0x01

enum { CONSOLE_RX, CONSOLE_TX };

struct console {
	enum virtio_console_kind kind;
	int in_fd, out_fd;
	int listen_fd;		/* socket */
	int slave_fd;		/* pty */
	char path[108];
	bool raw;		/* we changed the terminal */
	struct termios saved;
	bool input_eof;
	bool escape;		/* saw Ctrl-A */

	bool tx_pending;
	bool tx_dropping;	/* the last stall timed out: drop at once */
	size_t tx_off;
	uint64_t tx_deadline;
	struct vq_chain tx_chain;
	struct vq_chain rx_chain;
	uint8_t in[4096];
	uint8_t out[8192];
};

/* exit() without a teardown still gives the terminal back. */
static struct termios atexit_saved;
static volatile int atexit_armed;

static void console_atexit(void)
{
	if (atexit_armed)
		tcsetattr(STDIN_FILENO, TCSANOW, &atexit_saved);
}

static void console_restore_tty(struct console *cs)
{
	if (!cs->raw)
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &cs->saved);
	cs->raw = false;
	atexit_armed = 0;
}

static void console_get_config(struct virtio_dev *dev, uint8_t *buf)
{
	(void)dev;
	memset(buf, 0, sizeof(struct virtio_console_config));
}

/* stdio on a terminal: Ctrl-A x quits, Ctrl-A Ctrl-A is a Ctrl-A. */
static size_t console_escape(struct virtio_dev *dev, struct console *cs,
			     size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		uint8_t c = cs->in[i];

		if (cs->escape) {
			cs->escape = false;
			if (c == 'x' || c == 'X') {
				console_restore_tty(cs);
				dev->vm->quit_fn(dev->vm->quit_opaque);
				continue;
			}
			cs->out[k++] = CTRL_A;
			if (c != CTRL_A)
				cs->out[k++] = c;
		} else if (c == CTRL_A) {
			cs->escape = true;
		} else {
			cs->out[k++] = c;
		}
	}
	return k;
}

static void console_drop_client(struct console *cs)
{
	if (cs->kind != VIRTIO_CONSOLE_SOCKET || cs->in_fd < 0)
		return;
	close(cs->in_fd);
	cs->in_fd = cs->out_fd = -1;
	/* A pending transmit chain is discarded (and completed) next round. */
}

/* Host to guest: one read per round (stdin is a blocking fd). */
static void console_rx(struct virtio_dev *dev, struct console *cs)
{
	struct vq *vq = &dev->vqs[CONSOLE_RX];
	const uint8_t *data = cs->in;
	ssize_t n;
	size_t len;
	int r;

	r = vq__pop(dev, vq, &cs->rx_chain, VQ_IN_ONLY);
	if (r <= 0)
		return;
	n = read(cs->in_fd, cs->in, MIN(sizeof(cs->in), cs->rx_chain.in_len));
	if (n <= 0) {
		vq__unpop(vq);
		if (n == 0 || (errno != EAGAIN && errno != EINTR &&
				(errno != EIO || cs->kind != VIRTIO_CONSOLE_PTY))) {
			if (cs->kind == VIRTIO_CONSOLE_SOCKET)
				console_drop_client(cs);
			else
				cs->input_eof = true;
		}
		return;
	}
	len = n;
	if (cs->raw) {
		len = console_escape(dev, cs, n);
		data = cs->out;
		if (len > cs->rx_chain.in_len) {
			/* Ctrl-A expansion overflowed this buffer: rare; trim. */
			len = cs->rx_chain.in_len;
		}
	}
	if (!len) {
		vq__unpop(vq);
		return;
	}
	iov__from_buf(chain_in(&cs->rx_chain), cs->rx_chain.nr_in, 0, data, len);
	vq__push(vq, cs->rx_chain.head, len);
	vq__notify(dev, vq);
}

/* Write the rest of the pending chain; false if it must wait. */
static bool console_tx_write(struct console *cs)
{
	struct iovec iov[VQ_MAX_SIZE];
	unsigned int n;
	ssize_t w;

	while (cs->tx_off < cs->tx_chain.out_len) {
		if (cs->out_fd < 0)
			break;	/* no client: discard */
		n = iov__slice(cs->tx_chain.iov, cs->tx_chain.nr_out, cs->tx_off,
			       cs->tx_chain.out_len - cs->tx_off, iov,
			       ARRAY_SIZE(iov));
		if (cs->kind == VIRTIO_CONSOLE_SOCKET) {
			/* A client that left must not SIGPIPE the launcher. */
			struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n };

			w = sendmsg(cs->out_fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		} else {
			w = writev(cs->out_fd, iov, n);
		}
		if (w > 0) {
			cs->tx_off += w;
			cs->tx_dropping = false;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (cs->tx_dropping)
				break;	/* still nobody reading */
			if (!cs->tx_pending)
				cs->tx_deadline = virtio__now_ms() + CONSOLE_STALL_MS;
			if (virtio__now_ms() < cs->tx_deadline) {
				cs->tx_pending = true;
				return false;
			}
			/* Nobody reads: drop the rest, and what follows until
			 * a write gets through again. */
			cs->tx_dropping = true;
			break;
		}
		if (cs->kind == VIRTIO_CONSOLE_SOCKET)
			console_drop_client(cs);
		break;
	}
	cs->tx_pending = false;
	return true;
}

static void console_tx(struct virtio_dev *dev, struct console *cs)
{
	struct vq *vq = &dev->vqs[CONSOLE_TX];
	bool pushed = false;
	int r;

	if (cs->tx_pending) {
		if (!console_tx_write(cs))
			return;
		vq__push(vq, cs->tx_chain.head, 0);
		pushed = true;
	}
	for (;;) {
		while ((r = vq__pop(dev, vq, &cs->tx_chain, VQ_OUT_ONLY)) > 0) {
			cs->tx_off = 0;
			if (!console_tx_write(cs))
				break;
			vq__push(vq, cs->tx_chain.head, 0);
			pushed = true;
		}
		if (pushed)
			vq__notify(dev, vq);
		pushed = false;
		if (r < 0 || cs->tx_pending || !vq__enable_kicks(vq))
			return;
	}
}

static void console_accept(struct virtio_dev *dev, struct console *cs)
{
	static const char busy[] = "pvisor-run: this console already has a client\r\n";
	int fd = accept4(cs->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (cs->in_fd >= 0) {
		if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			virtio_dev__log(dev, -1, "refused a second console client");
		close(fd);
		return;
	}
	cs->in_fd = cs->out_fd = fd;
}

static int console_poll_setup(struct virtio_dev *dev, struct pollfd *pfd,
			      int max, int *timeout_ms)
{
	struct console *cs = dev->priv;
	struct vq *rx = &dev->vqs[CONSOLE_RX];
	int n = 0;

	if (max < 3)
		return 0;
	if (cs->listen_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = cs->listen_fd, .events = POLLIN };
	if (cs->in_fd >= 0 && !cs->input_eof &&
	    (vq__has_avail(rx) || vq__enable_kicks(rx)))
		pfd[n++] = (struct pollfd){ .fd = cs->in_fd, .events = POLLIN };
	if (cs->tx_pending && cs->out_fd < 0) {
		*timeout_ms = 0;	/* the client left: discard now */
	} else if (cs->tx_pending) {
		uint64_t now = virtio__now_ms();

		pfd[n++] = (struct pollfd){ .fd = cs->out_fd, .events = POLLOUT };
		*timeout_ms = cs->tx_deadline > now ? cs->tx_deadline - now : 0;
	}
	return n;
}

static bool console_work(struct virtio_dev *dev, struct pollfd *pfd, int n)
{
	struct console *cs = dev->priv;
	int i;

	console_tx(dev, cs);
	for (i = 0; i < n && virtio_dev__running(dev); i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == cs->listen_fd)
			console_accept(dev, cs);
		else if (pfd[i].fd == cs->in_fd && (pfd[i].events & POLLIN))
			console_rx(dev, cs);
	}
	return false;
}

static void console_reset(struct virtio_dev *dev)
{
	struct console *cs = dev->priv;

	cs->tx_pending = false;
	cs->escape = false;
}

static const char *console_backend_path(const struct virtio_dev *dev)
{
	struct console *cs = dev->priv;

	return cs->path[0] ? cs->path : NULL;
}

static void console_free(struct console *cs)
{
	console_restore_tty(cs);
	if (cs->kind != VIRTIO_CONSOLE_STDIO) {
		if (cs->in_fd >= 0)
			close(cs->in_fd);
	}
	if (cs->listen_fd >= 0) {
		close(cs->listen_fd);
		unlink(cs->path);
	}
	if (cs->slave_fd >= 0)
		close(cs->slave_fd);
	free(cs);
}

static void console_destroy(struct virtio_dev *dev)
{
	console_free(dev->priv);
}

static const struct virtio_dev_ops console_ops = {
	.kind = "console",
	.kconfig = "CONFIG_VIRTIO_CONSOLE",
	.nr_queues = 2,
	.queue_names = { "receiveq0", "transmitq0" },
	.config_size = sizeof(struct virtio_console_config),
	.get_config = console_get_config,
	.poll_setup = console_poll_setup,
	.work = console_work,
	.reset = console_reset,
	.destroy = console_destroy,
	.backend_path = console_backend_path,
};

static int console_stdio(struct console *cs)
{
	struct termios raw;

	cs->in_fd = STDIN_FILENO;
	cs->out_fd = STDOUT_FILENO;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &cs->saved) < 0)
		return 0;	/* a pipe or file: pass bytes through */
	raw = cs->saved;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0) {
		virtio__log("--console stdio: cannot put the terminal in raw mode: %s",
			    strerror(errno));
		return -1;
	}
	cs->raw = true;
	atexit_saved = cs->saved;
	if (!atexit_armed) {
		static bool registered;

		if (!registered)
			atexit(console_atexit);
		registered = true;
	}
	atexit_armed = 1;
	return 0;
}

static int console_pty(struct console *cs)
{
	struct termios raw;
	int fd;

	fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 ||
	    ptsname_r(fd, cs->path, sizeof(cs->path))) {
		virtio__log("--console pty: cannot create a pseudo-terminal: %s",
			    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	cs->in_fd = cs->out_fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (tcgetattr(fd, &raw) == 0) {
		cfmakeraw(&raw);
		tcsetattr(fd, TCSANOW, &raw);
	}
	cs->slave_fd = open(cs->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (cs->slave_fd < 0) {
		virtio__log("--console pty: cannot open %s: %s", cs->path,
			    strerror(errno));
		return -1;
	}
	return 0;
}

static int console_socket(struct console *cs, const char *path)
{
	char err[256];

	cs->listen_fd = unix__listen(path, SOCK_STREAM, err, sizeof(err));
	if (cs->listen_fd < 0) {
		virtio__log("--console socket=%s: %s", path, err);
		return -1;
	}
	snprintf(cs->path, sizeof(cs->path), "%s", path);
	return 0;
}

struct virtio_dev *virtio_console__create(struct virtio_vm *vm,
					  enum virtio_console_kind k,
					  const char *path)
{
	struct virtio_dev *dev;
	struct console *cs;
	int err;

	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return NULL;
	cs->kind = k;
	cs->in_fd = cs->out_fd = cs->listen_fd = cs->slave_fd = -1;
	if (k == VIRTIO_CONSOLE_STDIO)
		err = console_stdio(cs);
	else if (k == VIRTIO_CONSOLE_PTY)
		err = console_pty(cs);
	else
		err = console_socket(cs, path);
	if (err) {
		console_free(cs);
		return NULL;
	}
	dev = virtio_dev__new(vm, &console_ops, VIRTIO_ID_CONSOLE, 0, 0);
	if (!dev) {
		console_free(cs);
		return NULL;
	}
	dev->priv = cs;
	if (k == VIRTIO_CONSOLE_STDIO)
		snprintf(dev->desc, sizeof(dev->desc), "(stdio)");
	else
		snprintf(dev->desc, sizeof(dev->desc), "(%s %.80s)",
			 k == VIRTIO_CONSOLE_PTY ? "pty" : "socket", cs->path);
	if (k == VIRTIO_CONSOLE_PTY)
		virtio__log("%s: console on %s", dev->name, cs->path);
	return dev;
}
