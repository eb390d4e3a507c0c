// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net: two devices linked through a backend exchange frames
 * intact and in order; the virtio_net_hdr is stripped and added.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

#define HDR	12
#define ETHTYPE	0x88b5		/* IEEE local experimental */
#define RXBUF	2048
#define RXPOST	64

struct nic {
	struct tg_dev d;
	uint64_t rx_area, tx_area;	/* gpa */
	unsigned int rx_slot[256];	/* head -> buffer slot */
	uint8_t mac[6];
};

static void nic_post_rx(struct tg *g, struct nic *n, unsigned int slot)
{
	struct tg_buf b = { n->rx_area + (uint64_t)slot * RXBUF, RXBUF, true };
	int head = tg_vq_add(&n->d.vq[0], &b, 1, false);

	if (head >= 0)
		n->rx_slot[head] = slot;
	(void)g;
}

static int nic_init(struct nic *n, struct tg *g, struct virtio_set *set,
		    unsigned int idx)
{
	char why[128];
	unsigned int i;

	if (tg_dev_init(&n->d, g, set, idx, ALL_FEATURES, 128, why, sizeof(why))) {
		tap_diag("nic %u: %s", idx, why);
		return -1;
	}
	for (i = 0; i < 6; i++)
		n->mac[i] = tg_cfg_read(&n->d, i, 1);
	n->rx_area = tg_alloc(g, RXPOST * RXBUF, 64);
	n->tx_area = tg_alloc(g, 128 * RXBUF, 64);
	for (i = 0; i < RXPOST; i++)
		nic_post_rx(g, n, i);
	tg_vq_kick(&n->d.vq[0]);
	return 0;
}

static size_t frame_len(unsigned int seq)
{
	return 60 + (seq * 97) % (1514 - 60 + 1);
}

static void frame_build(uint8_t *f, const struct nic *from, const struct nic *to,
			unsigned int seq, size_t len)
{
	memcpy(f, to->mac, 6);
	memcpy(f + 6, from->mac, 6);
	f[12] = ETHTYPE >> 8;
	f[13] = ETHTYPE & 0xff;
	memcpy(f + 14, &seq, 4);
	fill_pattern(f + 18, len - 18, seq);
}

/* Queue one frame for transmission (header + frame in 2 descriptors). */
static int nic_tx_hdr(struct tg *g, struct nic *n, const struct nic *to,
		      unsigned int seq, const struct virtio_net_hdr_v1 *hdr)
{
	struct tg_vq *vq = &n->d.vq[1];
	uint32_t len;
	uint64_t slot;
	size_t fl = frame_len(seq);
	struct virtio_net_hdr_v1 *h;

	while (tg_vq_get(vq, &len) >= 0)
		;
	if (vq->num_free < 2)
		return -1;
	slot = n->tx_area + (uint64_t)(seq % 128) * RXBUF;
	h = tg_ptr(g, slot);
	memcpy(h, hdr, HDR);
	frame_build(tg_ptr(g, slot + HDR), n, to, seq, fl);
	{
		struct tg_buf b[2] = { { slot, HDR, false }, { slot + HDR, fl, false } };

		if (tg_vq_add(vq, b, 2, seq & 1) < 0)
			return -1;
	}
	tg_vq_kick(vq);
	return 0;
}

static int nic_tx(struct tg *g, struct nic *n, const struct nic *to,
		  unsigned int seq, uint8_t hdr_flags)
{
	struct virtio_net_hdr_v1 h = { .flags = hdr_flags };

	return nic_tx_hdr(g, n, to, seq, &h);
}

/* Next received frame on n: checks the header; returns seq or -1. */
static int nic_rx(struct tg *g, struct nic *n, const struct nic *from,
		  int timeout_ms, char *why, size_t whylen)
{
	static uint8_t want[1600];
	struct virtio_net_hdr_v1 h;
	unsigned int slot, seq;
	uint32_t len;
	uint8_t *buf;
	int head;

	head = tg_vq_wait(&n->d.vq[0], &len, timeout_ms);
	if (head < 0) {
		snprintf(why, whylen, "no frame within %d ms", timeout_ms);
		return -1;
	}
	slot = n->rx_slot[head];
	buf = tg_ptr(g, n->rx_area + (uint64_t)slot * RXBUF);
	memcpy(&h, buf, HDR);
	memcpy(&seq, buf + HDR + 14, 4);
	nic_post_rx(g, n, slot);
	tg_vq_kick(&n->d.vq[0]);
	if (h.flags || h.gso_type || le16toh(h.num_buffers) != 1) {
		snprintf(why, whylen, "bad rx header flags %u gso %u num_buffers %u",
			 h.flags, h.gso_type, le16toh(h.num_buffers));
		return -1;
	}
	if (len != HDR + frame_len(seq)) {
		snprintf(why, whylen, "frame %u: length %u, expected %zu", seq,
			 len - HDR, frame_len(seq));
		return -1;
	}
	frame_build(want, from, n, seq, frame_len(seq));
	if (memcmp(buf + HDR, want, frame_len(seq))) {
		snprintf(why, whylen, "frame %u: contents differ", seq);
		return -1;
	}
	return seq;
}

/*
 * Send count frames a -> b, at most `window` outstanding, and check
 * each arrives intact and in order.
 */
static int pump(struct tg *g, struct nic *a, struct nic *b, unsigned int count,
		unsigned int window, char *why, size_t whylen)
{
	unsigned int sent = 0, got = 0;

	while (got < count) {
		int seq;

		while (sent < count && sent - got < window &&
		       nic_tx(g, a, b, sent, 0) == 0)
			sent++;
		seq = nic_rx(g, b, a, WAIT_MS, why, whylen);
		if (seq < 0)
			return -1;
		if ((unsigned int)seq != got) {
			snprintf(why, whylen, "frame %d arrived when %u was expected", seq, got);
			return -1;
		}
		got++;
	}
	return 0;
}

struct pair {
	struct virtio_opts o;
	struct virtio_set *set;
	struct tg g;
	struct nic a, b;
};

static int pair_setup(struct pair *p, const char *net_a, const char *net_b)
{
	const char *argv[5] = { "--net", net_a, "--net", net_b, NULL };

	memset(p, 0, sizeof(*p));
	if (tg_init(&p->g, GUEST_MEM, GUEST_BASE) || opts_from(&p->o, argv))
		return -1;
	p->set = make_set(&p->o, &p->g, true);
	if (!p->set)
		return -1;
	if (nic_init(&p->a, &p->g, p->set, 0) || nic_init(&p->b, &p->g, p->set, 1))
		return -1;
	return 0;
}

/* The usual link: unix datagram sockets a.sock and b.sock, each the other's peer. */
static int pair_setup_unix(struct pair *p)
{
	char a[400], b[400];

	snprintf(a, sizeof(a), "socket=%s,peer=%s", tmppath("a.sock"), tmppath("b.sock"));
	snprintf(b, sizeof(b), "socket=%s,peer=%s", tmppath("b.sock"), tmppath("a.sock"));
	return pair_setup(p, a, b);
}

static void pair_teardown(struct pair *p)
{
	virtio_set_destroy(p->set);
	virtio_opts_free(&p->o);
	tg_fini(&p->g);
}

static void test_unix_pair(void)
{
	char why[200] = "";
	struct pair p;

	CHECK(pair_setup_unix(&p) == 0, "setup: %s", log_text());
	CHECK(memcmp(p.a.mac, p.b.mac, 6), "both ends got the same default MAC");
	CHECK((p.a.mac[0] & 3) == 2, "default MAC is unicast, locally administered");
	CHECK(pump(&p.g, &p.a, &p.b, 500, 48, why, sizeof(why)) == 0, "a->b: %s", why);
	CHECK(pump(&p.g, &p.b, &p.a, 200, 48, why, sizeof(why)) == 0, "b->a: %s", why);
out:
	pair_teardown(&p);
}

/* Without peer=, a side learns its peer from the first frame. */
static void test_unix_peer_learning(void)
{
	char a[400], b[400], why[200] = "";
	struct pair p;

	snprintf(a, sizeof(a), "socket=%s,mtu=9000", tmppath("a.sock"));
	snprintf(b, sizeof(b), "socket=%s,peer=%s,mac=02:00:00:00:00:0b", tmppath("b.sock"),
		 tmppath("a.sock"));
	CHECK(pair_setup(&p, a, b) == 0, "setup: %s", log_text());
	CHECK(!memcmp(p.b.mac, "\x02\x00\x00\x00\x00\x0b", 6), "mac= shows in config");
	/* mtu= is advised in the config space (offset 10) of that device only. */
	CHECK_EQ(tg_cfg_read(&p.a.d, 10, 2), 9000);
	CHECK_EQ(tg_cfg_read(&p.b.d, 10, 2), 0);
	CHECK(pump(&p.g, &p.b, &p.a, 20, 8, why, sizeof(why)) == 0, "b->a: %s", why);
	CHECK(pump(&p.g, &p.a, &p.b, 20, 8, why, sizeof(why)) == 0, "a->b after learning: %s", why);
out:
	pair_teardown(&p);
}

static int free_udp_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		port = -1;
	else
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void test_udp_pair(void)
{
	char a[200], b[200], why[200] = "";
	int pa = free_udp_port(), pb = free_udp_port();
	struct pair p;

	CHECK(pa > 0 && pb > 0 && pa != pb, "ports");
	snprintf(a, sizeof(a), "udp=127.0.0.1:%d,local=%d", pb, pa);
	snprintf(b, sizeof(b), "udp=127.0.0.1:%d,local=%d", pa, pb);
	CHECK(pair_setup(&p, a, b) == 0, "setup: %s", log_text());
	CHECK(pump(&p.g, &p.a, &p.b, 300, 32, why, sizeof(why)) == 0, "a->b: %s", why);
	CHECK(pump(&p.g, &p.b, &p.a, 100, 32, why, sizeof(why)) == 0, "b->a: %s", why);
out:
	pair_teardown(&p);
}

/*
 * A frame asking for an offload we never offered is dropped (and
 * logged); a receive buffer too small for a frame is not used.  Both
 * leave the device working.
 */
static void test_bad_frames(void)
{
	char why[200] = "";
	struct pair p;
	uint32_t len;
	int seq;

	CHECK(pair_setup_unix(&p) == 0, "setup");
	CHECK(nic_tx(&p.g, &p.a, &p.b, 0, VIRTIO_NET_HDR_F_NEEDS_CSUM) == 0, "tx");
	CHECK(nic_tx(&p.g, &p.a, &p.b, 1, 0) == 0, "tx");
	seq = nic_rx(&p.g, &p.b, &p.a, WAIT_MS, why, sizeof(why));
	CHECK_EQ(seq, 1);
	CHECK(log_contains2("virtio-net0: queue 1 (transmitq)", "offload"), "logged: %s", log_text());
	/* Header-only frame: dropped, logged. */
	{
		struct tg_buf bb = { p.a.tx_area, HDR, false };

		int head = tg_vq_add(&p.a.d.vq[1], &bb, 1, false), h;

		CHECK(head >= 0, "add");
		tg_vq_kick(&p.a.d.vq[1]);
		do
			h = tg_vq_wait(&p.a.d.vq[1], &len, WAIT_MS);
		while (h >= 0 && h != head);
		CHECK_EQ(h, head);
		CHECK(log_contains("shorter than header"), "logged");
	}
	CHECK_EQ(tg_read(&p.a.d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	CHECK(pump(&p.g, &p.a, &p.b, 10, 4, why, sizeof(why)) == 0, "still works: %s", why);
out:
	pair_teardown(&p);
}

/* Reset one end mid-stream: after re-init, frames flow again. */
static void test_reset_midstream(void)
{
	char why[200] = "";
	struct pair p;

	CHECK(pair_setup_unix(&p) == 0, "setup");
	CHECK(pump(&p.g, &p.a, &p.b, 30, 8, why, sizeof(why)) == 0, "before: %s", why);
	tg_write(&p.b.d, VIRTIO_MMIO_STATUS, 0);
	CHECK_EQ(tg_read(&p.b.d, VIRTIO_MMIO_STATUS), 0);
	CHECK(nic_init(&p.b, &p.g, p.set, 1) == 0, "re-init");
	CHECK(pump(&p.g, &p.a, &p.b, 30, 8, why, sizeof(why)) == 0, "after: %s", why);
out:
	pair_teardown(&p);
}

/*
 * tap: in a private network namespace (so nothing leaves this test),
 * the guest's frame appears on the interface and a frame sent on the
 * interface reaches the guest.
 */
static int tap_child(void)
{
	const char *argv[3] = { "--net", "tap=pvtest0", NULL };
	struct virtio_opts o;
	struct virtio_set *set;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	struct tg g;
	struct nic n, peer;
	uint8_t frame[1600];
	char why[200];
	int ps, s, seq;
	ssize_t r;

	if (tg_init(&g, GUEST_MEM, GUEST_BASE) || opts_from(&o, argv))
		return 10;
	set = make_set(&o, &g, true);
	if (!set)
		return 11;
	if (nic_init(&n, &g, set, 0))
		return 12;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "pvtest0");
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		return 13;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) || ioctl(s, SIOCGIFINDEX, &ifr))
		return 14;
	ps = socket(AF_PACKET, SOCK_RAW, htons(ETHTYPE));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETHTYPE);
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (ps < 0 || bind(ps, (struct sockaddr *)&sll, sizeof(sll)))
		return 15;
	memset(&peer, 0, sizeof(peer));
	memcpy(peer.mac, "\x02\x99\x99\x99\x99\x99", 6);
	/* guest -> interface */
	if (nic_tx(&g, &n, &peer, 5, 0))
		return 16;
	{
		struct pollfd pf = { .fd = ps, .events = POLLIN };

		if (poll(&pf, 1, WAIT_MS) != 1)
			return 17;
	}
	r = recv(ps, frame, sizeof(frame), 0);
	if (r != (ssize_t)frame_len(5))
		return 18;
	{
		uint8_t want[1600];

		frame_build(want, &n, &peer, 5, frame_len(5));
		if (memcmp(want, frame, r))
			return 19;
	}
	/* interface -> guest; other traffic (IPv6 noise) is skipped */
	frame_build(frame, &peer, &n, 7, frame_len(7));
	if (send(ps, frame, frame_len(7), 0) != (ssize_t)frame_len(7))
		return 20;
	for (int i = 0; i < 20; i++) {
		seq = nic_rx(&g, &n, &peer, WAIT_MS, why, sizeof(why));
		if (seq == 7)
			break;
	}
	if (seq != 7)
		return 21;
	/*
	 * Offloads pass to the tap with the header: a checksum request inside
	 * the frame, where a UDP checksum behind an IPv4 header would be, is
	 * taken (the frame arrives), one outside it is refused and logged,
	 * and nothing of it leaves.
	 */
	{
		struct virtio_net_hdr_v1 h = {
			.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
			.csum_start = htole16(34), .csum_offset = htole16(6),
		};
		struct pollfd pf = { .fd = ps, .events = POLLIN };

		if (nic_tx_hdr(&g, &n, &peer, 8, &h) || poll(&pf, 1, WAIT_MS) != 1 ||
		    recv(ps, frame, sizeof(frame), 0) != (ssize_t)frame_len(8))
			return 22;
		h.csum_start = htole16(frame_len(9));
		if (nic_tx_hdr(&g, &n, &peer, 9, &h) || poll(&pf, 1, 300) != 0 ||
		    !log_contains("a checksum outside the frame"))
			return 23;
	}
	virtio_set_destroy(set);
	virtio_opts_free(&o);
	return 0;
}

static void test_tap(void)
{
	int status, fd;
	pid_t pid;

	if (geteuid() != 0)
		SKIP("tap needs root (CAP_NET_ADMIN); running as uid %d", (int)geteuid());
	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0)
		SKIP("/dev/net/tun: %s", strerror(errno));
	close(fd);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		if (unshare(CLONE_NEWNET))
			_exit(99);
		_exit(tap_child());
	}
	CHECK(waitpid(pid, &status, 0) == pid, "wait");
	CHECK(WIFEXITED(status), "child died (signal %d)", WTERMSIG(status));
	if (WEXITSTATUS(status) == 99)
		SKIP("cannot create a private network namespace for the tap test");
	CHECK(WEXITSTATUS(status) == 0,
	      "tap child failed at step %d (see tap_child(): 11 set, 13-14 interface, 15 packet socket, 17-19 guest->tap, 20-21 tap->guest, 22-23 checksum offload)",
	      WEXITSTATUS(status));
out:
	;
}

const struct test_case net_tests[] = {
	{ "net: unix datagram pair carries 700 frames intact and in order", test_unix_pair },
	{ "net: a side without peer= learns it from the first frame; mac= and mtu= in the config", test_unix_peer_learning },
	{ "net: UDP on 127.0.0.1 carries 400 frames intact and in order", test_udp_pair },
	{ "net: offload requests and runt frames are dropped and logged", test_bad_frames },
	{ "net: reset of one end mid-stream, then frames flow again", test_reset_midstream },
	{ "net: tap device in a private netns, both directions, with checksum offload", test_tap },
	{ NULL, NULL },
};
