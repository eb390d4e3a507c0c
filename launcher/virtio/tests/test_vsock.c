// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-vsock with hybrid AF_UNIX host sockets: the test plays the
 * guest's vsock transport by hand, packet by packet.
 */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_vsock.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests.h"

#define CID	42
#define HDR	44
#define RXBUF	4096
#define NRX	32

struct vs {
	struct virtio_opts o;
	struct virtio_set *set;
	struct tg g;
	struct tg_dev d;
	uint64_t rx_area, tx_area;
	unsigned int rx_slot[256];
	char uds[320];
	/* host side of guest_open(): the listener at PATH_port, its connection */
	int lfd, cfd;
};

static void post_rx(struct vs *v, unsigned int slot)
{
	struct tg_buf b = { v->rx_area + (uint64_t)slot * RXBUF, RXBUF, true };
	int head = tg_vq_add(&v->d.vq[0], &b, 1, false);

	if (head >= 0)
		v->rx_slot[head] = slot;
}

static int vs_setup(struct vs *v)
{
	char arg[400], why[128];
	const char *argv[3] = { "--vsock", arg, NULL };
	unsigned int i;

	memset(v, 0, sizeof(*v));
	v->lfd = v->cfd = -1;
	snprintf(v->uds, sizeof(v->uds), "%s", tmppath("v.sock"));
	snprintf(arg, sizeof(arg), "cid=%d,uds=%s", CID, v->uds);
	if (tg_init(&v->g, GUEST_MEM, GUEST_BASE) || opts_from(&v->o, argv))
		return -1;
	v->set = make_set(&v->o, &v->g, true);
	if (!v->set)
		return -1;
	if (tg_dev_init(&v->d, &v->g, v->set, 0, ALL_FEATURES, 128, why, sizeof(why))) {
		tap_diag("%s", why);
		return -1;
	}
	if (v->d.nr_vqs != 3 || tg_cfg_read(&v->d, 0, 8) != CID)
		return -1;
	v->rx_area = tg_alloc(&v->g, NRX * RXBUF, 64);
	v->tx_area = tg_alloc(&v->g, 128 * 1024, 64);
	for (i = 0; i < NRX; i++)
		post_rx(v, i);
	tg_vq_kick(&v->d.vq[0]);
	return 0;
}

static void vs_teardown(struct vs *v)
{
	if (v->cfd >= 0)
		close(v->cfd);
	if (v->lfd >= 0)
		close(v->lfd);
	virtio_set_destroy(v->set);
	virtio_opts_free(&v->o);
	tg_fini(&v->g);
}

struct pkt {
	uint16_t op;
	uint32_t src_port, dst_port, len, flags, buf_alloc, fwd_cnt;
	uint64_t src_cid, dst_cid;
	uint8_t data[RXBUF];
};

/* The guest hands the device a transmit chain; 0 once it is used. */
static int gsend_chain(struct vs *v, const struct tg_buf *b, unsigned int n)
{
	uint32_t used;
	int head, r;

	head = tg_vq_add(&v->d.vq[1], b, n, false);
	if (head < 0)
		return -1;
	tg_vq_kick(&v->d.vq[1]);
	do
		r = tg_vq_wait(&v->d.vq[1], &used, WAIT_MS);
	while (r >= 0 && r != head);
	return r == head ? 0 : -1;
}

/* Guest sends a packet (header and payload in separate descriptors). */
static int gsend(struct vs *v, uint16_t op, uint32_t gport, uint32_t hport,
		 const void *data, uint32_t len, uint32_t buf_alloc,
		 uint32_t fwd_cnt, uint32_t flags)
{
	struct virtio_vsock_hdr *h = tg_ptr(&v->g, v->tx_area);
	struct tg_buf b[2] = { { v->tx_area, HDR, false }, { v->tx_area + 64, len, false } };

	memset(h, 0, sizeof(*h));
	h->src_cid = htole64(CID);
	h->dst_cid = htole64(2);
	h->src_port = htole32(gport);
	h->dst_port = htole32(hport);
	h->len = htole32(len);
	h->type = htole16(VIRTIO_VSOCK_TYPE_STREAM);
	h->op = htole16(op);
	h->flags = htole32(flags);
	h->buf_alloc = htole32(buf_alloc);
	h->fwd_cnt = htole32(fwd_cnt);
	if (len)
		memcpy(tg_ptr(&v->g, v->tx_area + 64), data, len);
	return gsend_chain(v, b, len ? 2 : 1);
}

/* Guest receives the next packet; -1 on timeout. */
static int grecv(struct vs *v, struct pkt *p, int timeout_ms)
{
	struct virtio_vsock_hdr h;
	unsigned int slot;
	uint32_t used;
	uint8_t *buf;
	int head;

	head = tg_vq_wait(&v->d.vq[0], &used, timeout_ms);
	if (head < 0)
		return -1;
	slot = v->rx_slot[head];
	buf = tg_ptr(&v->g, v->rx_area + (uint64_t)slot * RXBUF);
	memcpy(&h, buf, HDR);
	p->op = le16toh(h.op);
	p->src_cid = le64toh(h.src_cid);
	p->dst_cid = le64toh(h.dst_cid);
	p->src_port = le32toh(h.src_port);
	p->dst_port = le32toh(h.dst_port);
	p->len = le32toh(h.len);
	p->flags = le32toh(h.flags);
	p->buf_alloc = le32toh(h.buf_alloc);
	p->fwd_cnt = le32toh(h.fwd_cnt);
	if (used != HDR + p->len || p->len > RXBUF - HDR)
		return -2;
	memcpy(p->data, buf + HDR, p->len);
	post_rx(v, slot);
	tg_vq_kick(&v->d.vq[0]);
	return 0;
}

static int unix_listen_at(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 4))
		return -1;
	return fd;
}

static int unix_connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		return -1;
	return fd;
}

static int read_timeout(int fd, void *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return read(fd, buf, len);
}

/*
 * The guest connects from gport to host port hport, where a host
 * program listens at PATH_hport: REQUEST, RESPONSE, accept().  0 with
 * v->lfd and v->cfd open, or -1.  buf_alloc is the guest's buffer.
 */
static int guest_open(struct vs *v, uint32_t gport, uint32_t hport,
		      uint32_t buf_alloc)
{
	char path[400];
	struct pkt p;

	snprintf(path, sizeof(path), "%s_%u", v->uds, hport);
	v->lfd = unix_listen_at(path);
	if (v->lfd < 0 ||
	    gsend(v, VIRTIO_VSOCK_OP_REQUEST, gport, hport, NULL, 0, buf_alloc, 0, 0) ||
	    grecv(v, &p, WAIT_MS) || p.op != VIRTIO_VSOCK_OP_RESPONSE)
		return -1;
	v->cfd = accept(v->lfd, NULL, NULL);
	return v->cfd >= 0 ? 0 : -1;
}

static void test_guest_connect(void)
{
	char path[400], buf[64];
	struct pkt p;
	struct vs v;

	CHECK(vs_setup(&v) == 0, "setup: %s", log_text());
	snprintf(path, sizeof(path), "%s_1234", v.uds);
	v.lfd = unix_listen_at(path);
	CHECK(v.lfd >= 0, "listen at %s", path);
	CHECK(gsend(&v, VIRTIO_VSOCK_OP_REQUEST, 5000, 1234, NULL, 0, 65536, 0, 0) == 0, "request");
	CHECK(grecv(&v, &p, WAIT_MS) == 0, "response");
	CHECK_EQ(p.op, VIRTIO_VSOCK_OP_RESPONSE);
	CHECK_EQ(p.src_cid, 2);
	CHECK_EQ(p.dst_cid, CID);
	CHECK_EQ(p.src_port, 1234);
	CHECK_EQ(p.dst_port, 5000);
	CHECK(p.buf_alloc > 0, "we advertise a buffer");
	v.cfd = accept(v.lfd, NULL, NULL);
	CHECK(v.cfd >= 0, "host accepted the connection");

	CHECK(gsend(&v, VIRTIO_VSOCK_OP_RW, 5000, 1234, "hello", 5, 65536, 0, 0) == 0, "rw");
	CHECK(read_timeout(v.cfd, buf, sizeof(buf), WAIT_MS) == 5 && !memcmp(buf, "hello", 5),
	      "host got the guest's bytes");
	CHECK(write(v.cfd, "world!", 6) == 6, "host write");
	CHECK(grecv(&v, &p, WAIT_MS) == 0, "rw to guest");
	CHECK_EQ(p.op, VIRTIO_VSOCK_OP_RW);
	CHECK_EQ(p.len, 6);
	CHECK(!memcmp(p.data, "world!", 6), "guest got the host's bytes");
	CHECK_EQ(p.fwd_cnt, 5);	/* we forwarded the 5 bytes */

	/* Guest closes: host sees EOF, device answers with RST. */
	CHECK(gsend(&v, VIRTIO_VSOCK_OP_SHUTDOWN, 5000, 1234, NULL, 0, 65536, 6,
		    VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND) == 0, "shutdown");
	CHECK(read_timeout(v.cfd, buf, sizeof(buf), WAIT_MS) == 0, "host sees EOF");
	CHECK(grecv(&v, &p, WAIT_MS) == 0, "rst");
	CHECK_EQ(p.op, VIRTIO_VSOCK_OP_RST);
	CHECK_EQ(p.dst_port, 5000);
out:
	vs_teardown(&v);
}

static void test_guest_connect_refused(void)
{
	struct pkt p;
	struct vs v;

	CHECK(vs_setup(&v) == 0, "setup");
	CHECK(gsend(&v, VIRTIO_VSOCK_OP_REQUEST, 5001, 999, NULL, 0, 65536, 0, 0) == 0, "request");
	CHECK(grecv(&v, &p, WAIT_MS) == 0, "answer");
	CHECK_EQ(p.op, VIRTIO_VSOCK_OP_RST);
	CHECK_EQ(p.src_port, 999);
	CHECK_EQ(p.dst_port, 5001);
	/* Data for a connection that does not exist: RST too. */
	CHECK(gsend(&v, VIRTIO_VSOCK_OP_RW, 5002, 998, "x", 1, 65536, 0, 0) == 0, "rw");
	CHECK(grecv(&v, &p, WAIT_MS) == 0 && p.op == VIRTIO_VSOCK_OP_RST, "rst for stray data");
out:
	vs_teardown(&v);
}

static void test_host_connect(void)
{
	char buf[64], want[32];
	int fd = -1, n;
	struct pkt p;
	struct vs v;
	uint32_t hport;

	CHECK(vs_setup(&v) == 0, "setup");
	fd = unix_connect_to(v.uds);
	CHECK(fd >= 0, "connect to %s", v.uds);
	CHECK(write(fd, "CONNECT 5000\n", 13) == 13, "handshake");
	CHECK(grecv(&v, &p, WAIT_MS) == 0, "request to guest");
	CHECK_EQ(p.op, VIRTIO_VSOCK_OP_REQUEST);
	CHECK_EQ(p.dst_port, 5000);
	CHECK_EQ(p.dst_cid, CID);
	hport = p.src_port;
	CHECK(hport >= (1U << 30), "host port %u from the dynamic range", hport);
	CHECK(gsend(&v, VIRTIO_VSOCK_OP_RESPONSE, 5000, hport, NULL, 0, 65536, 0, 0) == 0, "response");
	n = read_timeout(fd, buf, sizeof(buf) - 1, WAIT_MS);
	snprintf(want, sizeof(want), "OK %u\n", hport);
	CHECK(n == (int)strlen(want) && !memcmp(buf, want, n), "host got '%.*s', want '%s'",
	      n > 0 ? n : 0, buf, want);
	/* Data both ways. */
	CHECK(write(fd, "ping", 4) == 4, "host write");
	CHECK(grecv(&v, &p, WAIT_MS) == 0 && p.op == VIRTIO_VSOCK_OP_RW && p.len == 4 &&
	      !memcmp(p.data, "ping", 4), "guest got ping");
	CHECK(gsend(&v, VIRTIO_VSOCK_OP_RW, 5000, hport, "pong", 4, 65536, 4, 0) == 0, "rw");
	CHECK(read_timeout(fd, buf, sizeof(buf), WAIT_MS) == 4 && !memcmp(buf, "pong", 4), "host got pong");
	/* Host half-closes: the guest is told the host sends no more. */
	CHECK(shutdown(fd, SHUT_WR) == 0, "shutdown");
	CHECK(grecv(&v, &p, WAIT_MS) == 0, "shutdown to guest");
	CHECK_EQ(p.op, VIRTIO_VSOCK_OP_SHUTDOWN);
	CHECK_EQ(p.flags, VIRTIO_VSOCK_SHUTDOWN_SEND);
	/* The guest can still send, then closes. */
	CHECK(gsend(&v, VIRTIO_VSOCK_OP_RW, 5000, hport, "bye", 3, 65536, 4, 0) == 0, "rw");
	CHECK(read_timeout(fd, buf, sizeof(buf), WAIT_MS) == 3, "host got bye");
	CHECK(gsend(&v, VIRTIO_VSOCK_OP_SHUTDOWN, 5000, hport, NULL, 0, 65536, 4,
		    VIRTIO_VSOCK_SHUTDOWN_SEND) == 0, "guest shutdown");
	CHECK(grecv(&v, &p, WAIT_MS) == 0 && p.op == VIRTIO_VSOCK_OP_RST, "rst closes it");
	CHECK(read_timeout(fd, buf, sizeof(buf), WAIT_MS) == 0, "host sees EOF");
	close(fd);

	/* The guest refuses: the client is closed without OK. */
	fd = unix_connect_to(v.uds);
	CHECK(fd >= 0 && write(fd, "CONNECT 7\n", 10) == 10, "second connect");
	CHECK(grecv(&v, &p, WAIT_MS) == 0 && p.op == VIRTIO_VSOCK_OP_REQUEST, "request");
	CHECK(gsend(&v, VIRTIO_VSOCK_OP_RST, 7, p.src_port, NULL, 0, 0, 0, 0) == 0, "rst");
	CHECK(read_timeout(fd, buf, sizeof(buf), WAIT_MS) == 0, "client closed");
	close(fd);

	/* Garbage instead of CONNECT: closed, and the guest hears nothing. */
	fd = unix_connect_to(v.uds);
	CHECK(fd >= 0 && write(fd, "HELLO 7\n", 8) == 8, "garbage");
	CHECK(read_timeout(fd, buf, sizeof(buf), WAIT_MS) == 0, "closed");
	CHECK(grecv(&v, &p, 200) == -1, "guest got op %u", p.op);
out:
	if (fd >= 0)
		close(fd);
	vs_teardown(&v);
}

/* The host sends only as much as the guest's credit allows. */
static void test_credit(void)
{
	static char big[1000];
	uint32_t got = 0;
	struct pkt p;
	struct vs v;

	memset(big, 'c', sizeof(big));
	CHECK(vs_setup(&v) == 0, "setup");
	CHECK(guest_open(&v, 6000, 77, 100) == 0, "connection to host port 77");
	CHECK(write(v.cfd, big, sizeof(big)) == sizeof(big), "host write");
	while (grecv(&v, &p, 300) == 0) {
		CHECK_EQ(p.op, VIRTIO_VSOCK_OP_RW);
		got += p.len;
	}
	CHECK_EQ(got, 100);
	/* The guest consumed 100 bytes: 100 more may come. */
	CHECK(gsend(&v, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 6000, 77, NULL, 0, 100, 100, 0) == 0, "credit");
	while (grecv(&v, &p, 300) == 0)
		got += p.len;
	CHECK_EQ(got, 200);
	/* A credit request is answered with our counters. */
	CHECK(gsend(&v, VIRTIO_VSOCK_OP_CREDIT_REQUEST, 6000, 77, NULL, 0, 100, 200, 0) == 0, "req");
	CHECK(grecv(&v, &p, WAIT_MS) == 0, "answer");
	CHECK_EQ(p.op, VIRTIO_VSOCK_OP_CREDIT_UPDATE);
	CHECK_EQ(p.fwd_cnt, 0);
out:
	vs_teardown(&v);
}

/* Guest-to-host bulk: all bytes arrive and we keep the guest in credit. */
static void test_bulk_and_credit_updates(void)
{
	static char chunk[3000], rbuf[65536];
	uint32_t sent = 0, rcvd = 0, last_fwd = 0;
	struct pkt p;
	struct vs v;
	int i;

	CHECK(vs_setup(&v) == 0, "setup");
	CHECK(guest_open(&v, 6001, 88, 65536) == 0, "connection to host port 88");
	for (i = 0; i < 100; i++) {
		fill_pattern(chunk, sizeof(chunk), i);
		CHECK(gsend(&v, VIRTIO_VSOCK_OP_RW, 6001, 88, chunk, sizeof(chunk), 65536, 0, 0) == 0, "rw %d", i);
		sent += sizeof(chunk);
		while (rcvd < sent) {
			int n = read_timeout(v.cfd, rbuf, sizeof(rbuf), WAIT_MS);

			CHECK(n > 0, "host read");
			rcvd += n;
		}
	}
	CHECK_EQ(rcvd, 300000);
	/* At least one credit update told the guest about the space. */
	while (grecv(&v, &p, 300) == 0)
		if (p.op == VIRTIO_VSOCK_OP_CREDIT_UPDATE)
			last_fwd = p.fwd_cnt;
	CHECK(last_fwd >= 65536, "last credit update fwd_cnt %u", last_fwd);
out:
	vs_teardown(&v);
}

/* A guest that ignores our credit gets its connection reset. */
static void test_credit_overrun(void)
{
	static char chunk[3900];
	int i, rst = 0;
	struct pkt p;
	struct vs v;

	CHECK(vs_setup(&v) == 0, "setup");
	CHECK(guest_open(&v, 6002, 89, 65536) == 0, "connection to host port 89");
	/* The host never reads: 2 MiB is more than socket buffer + credit. */
	for (i = 0; i < 540; i++)
		CHECK(gsend(&v, VIRTIO_VSOCK_OP_RW, 6002, 89, chunk, sizeof(chunk), 65536, 0, 0) == 0, "rw");
	while (grecv(&v, &p, 300) == 0)
		rst |= p.op == VIRTIO_VSOCK_OP_RST;
	CHECK(rst, "no RST after exceeding the credit");
	CHECK(log_contains2("virtio-vsock0: queue 1 (tx)", "credit"), "logged: %s", log_text());
	CHECK_EQ(tg_read(&v.d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
out:
	vs_teardown(&v);
}

/* Bad packets fail alone: logged, dropped, the device goes on. */
static void test_bad_packets(void)
{
	struct virtio_vsock_hdr *h;
	struct pkt p;
	struct vs v;

	CHECK(vs_setup(&v) == 0, "setup");
	/* Spoofed source CID. */
	h = tg_ptr(&v.g, v.tx_area);
	memset(h, 0, sizeof(*h));
	h->src_cid = htole64(7);
	h->dst_cid = htole64(2);
	h->type = htole16(1);
	h->op = htole16(VIRTIO_VSOCK_OP_REQUEST);
	{
		struct tg_buf b = { v.tx_area, HDR, false };

		CHECK(gsend_chain(&v, &b, 1) == 0, "consumed");
	}
	CHECK(log_contains2("virtio-vsock0", "from CID 7"), "logged");
	/* Payload length beyond the buffer. */
	h->src_cid = htole64(CID);
	h->op = htole16(VIRTIO_VSOCK_OP_RW);
	h->len = htole32(5000);
	{
		struct tg_buf b[2] = { { v.tx_area, HDR, false }, { v.tx_area + 64, 10, false } };

		CHECK(gsend_chain(&v, b, 2) == 0, "consumed");
	}
	CHECK(log_contains("payload 5000 bytes, 10 in the buffer"), "logged: %s", log_text());
	/* Short header. */
	{
		struct tg_buf b = { v.tx_area, 20, false };

		CHECK(gsend_chain(&v, &b, 1) == 0, "consumed");
	}
	CHECK(log_contains("shorter than the 44-byte header"), "logged");
	while (grecv(&v, &p, 200) == 0)	/* any RSTs */
		;
	CHECK_EQ(tg_read(&v.d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	/* Still serves a real connection. */
	CHECK(guest_open(&v, 9, 5, 65536) == 0, "connection to host port 5");
out:
	vs_teardown(&v);
}

/* A device reset drops every host connection. */
static void test_reset_closes(void)
{
	char buf[8];
	struct vs v;

	CHECK(vs_setup(&v) == 0, "setup");
	CHECK(guest_open(&v, 10, 6, 65536) == 0, "connection to host port 6");
	tg_write(&v.d, VIRTIO_MMIO_STATUS, 0);
	CHECK(read_timeout(v.cfd, buf, sizeof(buf), WAIT_MS) == 0, "host connection closed by reset");
out:
	vs_teardown(&v);
}

const struct test_case vsock_tests[] = {
	{ "vsock: guest connects to PATH_port, data both ways, close", test_guest_connect },
	{ "vsock: nobody listening means RST", test_guest_connect_refused },
	{ "vsock: host CONNECT handshake, OK <port>, half-close, refusal", test_host_connect },
	{ "vsock: host sends only within the guest's credit", test_credit },
	{ "vsock: 300 KB guest-to-host intact, credit updates sent", test_bulk_and_credit_updates },
	{ "vsock: a guest exceeding our credit is reset", test_credit_overrun },
	{ "vsock: bad packets are logged and dropped, device goes on", test_bad_packets },
	{ "vsock: reset closes host connections", test_reset_closes },
	{ NULL, NULL },
};
