// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-vsock: the packets, the connection state machine and the
 * credit accounting of the guest's stream sockets to the host (CID 2).
 *
 * Each connection's host end is a stream of the backend
 * (vsock_backend.c); this file never sees what a stream is made of.  A
 * host client that has named the guest port it wants becomes a REQUEST
 * to the guest; a guest REQUEST asks the backend for a stream to that
 * host port, and nobody there means the guest gets a reset
 * (ECONNRESET / ECONNREFUSED).
 *
 * Flow control is virtio-vsock's credit scheme.  We give each
 * connection a VSOCK_BUF_ALLOC-byte buffer for guest-to-host data that
 * the host end has not taken yet, and advertise how much we have
 * forwarded (fwd_cnt); a guest that sends beyond that credit is reset.
 * In the other direction we read from the host end only as much as
 * the guest's advertised credit allows, straight into its buffer.
 *
 * Packets the guest gets wrong (bad CID, payload longer than its
 * buffer, wrong type, a reply for a connection that does not exist)
 * are logged and dropped, and the connection involved is reset: one
 * bad packet fails that request, not the device.
 */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_vsock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "vsock_backend.h"

#define VSOCK_HOST_CID		2
#define VSOCK_HDR		sizeof(struct virtio_vsock_hdr)	/* 44 */
#define VSOCK_BUF_ALLOC		(256 * 1024)
#define VSOCK_MAX_PAYLOAD	(64 * 1024)
#define VSOCK_MAX_CONNS		64
#define VSOCK_MAX_RST		64
#define VSOCK_PORT_BASE		(1U << 30)
#define VSOCK_TIMEOUT_MS	5000
#define VSOCK_BATCH		64

enum { VSOCK_RX, VSOCK_TX, VSOCK_EVENT };

enum vconn_state {
	VC_FREE,
	VC_HANDSHAKE,		/* host client: saying which guest port */
	VC_REQUEST_SENT,	/* host client: waiting for the guest */
	VC_ESTABLISHED,
};

struct vconn {
	enum vconn_state state;
	struct vsock_stream stream;	/* the host end */
	uint32_t guest_port, host_port;
	uint64_t deadline;

	/* guest to host: bytes the host end has not taken yet */
	uint8_t *buf;
	uint32_t head, len;
	uint32_t fwd_cnt, fwd_advertised;

	/* host to guest */
	uint32_t peer_buf_alloc, peer_fwd_cnt, rx_cnt;
	bool readable;
	bool host_eof;
	bool guest_no_send, guest_no_rcv;
	bool shut_wr;

	/* control packets owed to the guest */
	bool need_request, need_response, need_credit;
};

struct vsock {
	uint64_t cid;
	struct vsock_backend be;
	struct vconn conns[VSOCK_MAX_CONNS];
	struct { uint32_t host_port, guest_port; } rst[VSOCK_MAX_RST];
	unsigned int nr_rst;
	uint32_t next_port;
	unsigned int rr;
	int pfd_map[VIRTIO_MAX_POLLFDS];
	struct vq_chain chain;
	struct iovec slice[VQ_MAX_SIZE];
};

static void vsock_get_config(struct virtio_dev *dev, uint8_t *buf)
{
	struct vsock *vs = dev->priv;
	uint64_t cid = htole64(vs->cid);

	memcpy(buf, &cid, sizeof(cid));
}

/* ---- connections ---------------------------------------------------- */

static struct vconn *conn_find(struct vsock *vs, uint32_t guest_port,
			       uint32_t host_port)
{
	unsigned int i;

	for (i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct vconn *c = &vs->conns[i];

		if (c->state >= VC_REQUEST_SENT && c->guest_port == guest_port &&
		    c->host_port == host_port)
			return c;
	}
	return NULL;
}

/* A free slot for the host end s, or NULL (s is still the caller's). */
static struct vconn *conn_alloc(struct vsock *vs, const struct vsock_stream *s)
{
	unsigned int i;

	for (i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct vconn *c = &vs->conns[i];

		if (c->state != VC_FREE)
			continue;
		memset(c, 0, sizeof(*c));
		c->buf = malloc(VSOCK_BUF_ALLOC);
		if (!c->buf)
			return NULL;
		c->stream = *s;
		return c;
	}
	return NULL;
}

static void conn_close(struct vconn *c)
{
	if (c->state == VC_FREE)
		return;
	vsockbe__stream_close(&c->stream);
	free(c->buf);
	c->buf = NULL;
	c->state = VC_FREE;
}

static void rst_queue(struct vsock *vs, uint32_t host_port, uint32_t guest_port)
{
	if (vs->nr_rst >= VSOCK_MAX_RST)
		return;	/* the guest's own connect timeout covers it */
	vs->rst[vs->nr_rst].host_port = host_port;
	vs->rst[vs->nr_rst].guest_port = guest_port;
	vs->nr_rst++;
}

/* Close the host side and tell the guest the connection is gone. */
static void conn_reset(struct vsock *vs, struct vconn *c)
{
	if (c->state >= VC_REQUEST_SENT)
		rst_queue(vs, c->host_port, c->guest_port);
	conn_close(c);
}

static uint32_t conn_credit(const struct vconn *c)
{
	uint32_t in_flight = c->rx_cnt - c->peer_fwd_cnt;

	if (in_flight > c->peer_buf_alloc)
		return 0;	/* nonsense from the guest: send nothing */
	return c->peer_buf_alloc - in_flight;
}

/* After a change: half-close or close a connection whose data is done. */
static void conn_progress(struct vsock *vs, struct vconn *c)
{
	if (c->state != VC_ESTABLISHED || c->len)
		return;
	if (c->guest_no_send && (c->guest_no_rcv || c->host_eof)) {
		conn_reset(vs, c);	/* both directions finished */
		return;
	}
	if (c->guest_no_send && !c->shut_wr) {
		vsockbe__shutdown_send(&c->stream);
		c->shut_wr = true;
	}
}

/* Guest-to-host data: hand buffered bytes to the host end. */
static void conn_flush(struct vsock *vs, struct vconn *c)
{
	while (c->len) {
		uint32_t chunk = MIN(c->len, VSOCK_BUF_ALLOC - c->head);
		ssize_t w = vsockbe__send(&c->stream, c->buf + c->head, chunk);

		if (w == -EAGAIN)
			break;
		if (w <= 0) {
			conn_reset(vs, c);
			return;
		}
		c->head = (c->head + w) % VSOCK_BUF_ALLOC;
		c->len -= w;
		c->fwd_cnt += w;
	}
	/* Tell the guest about freed space once it is worth a packet. */
	if (c->fwd_cnt - c->fwd_advertised >= VSOCK_BUF_ALLOC / 4)
		c->need_credit = true;
	conn_progress(vs, c);
}

static uint32_t alloc_port(struct vsock *vs)
{
	for (;;) {
		uint32_t p = vs->next_port++;
		unsigned int i;
		bool used = false;

		if (vs->next_port == UINT32_MAX)
			vs->next_port = VSOCK_PORT_BASE;
		for (i = 0; i < VSOCK_MAX_CONNS; i++)
			if (vs->conns[i].state != VC_FREE &&
			    vs->conns[i].host_port == p)
				used = true;
		if (!used)
			return p;
	}
}

/* ---- guest to host: the transmit queue ------------------------------ */

static void guest_connect(struct virtio_dev *dev, struct vsock *vs,
			  const struct virtio_vsock_hdr *h)
{
	uint32_t gport = le32toh(h->src_port), hport = le32toh(h->dst_port);
	struct vsock_stream s;
	struct vconn *c;

	if (vsockbe__connect(&vs->be, hport, &s)) {
		rst_queue(vs, hport, gport);	/* nobody listens: refused */
		return;
	}
	c = conn_alloc(vs, &s);
	if (!c) {
		virtio_dev__log(dev, VSOCK_TX, "too many connections (%d); refusing guest port %u -> host port %u",
				VSOCK_MAX_CONNS, gport, hport);
		vsockbe__stream_close(&s);
		rst_queue(vs, hport, gport);
		return;
	}
	c->state = VC_ESTABLISHED;
	c->guest_port = gport;
	c->host_port = hport;
	c->peer_buf_alloc = le32toh(h->buf_alloc);
	c->peer_fwd_cnt = le32toh(h->fwd_cnt);
	c->need_response = true;
}

static void guest_response(struct vsock *vs, struct vconn *c)
{
	c->state = VC_ESTABLISHED;
	if (vsockbe__send_ok(&c->stream, c->host_port))
		conn_reset(vs, c);
}

static void guest_rw(struct virtio_dev *dev, struct vsock *vs, struct vconn *c,
		     struct vq_chain *ch, uint32_t len)
{
	uint32_t tail, first;

	if (c->guest_no_send) {
		virtio_dev__log(dev, VSOCK_TX, "data on port %u after the guest shut down sending; connection reset",
				c->guest_port);
		conn_reset(vs, c);
		return;
	}
	if (len > VSOCK_BUF_ALLOC - c->len) {
		virtio_dev__log(dev, VSOCK_TX, "guest port %u sent %u bytes with only %u bytes of credit; connection reset",
				c->guest_port, len, VSOCK_BUF_ALLOC - c->len);
		conn_reset(vs, c);
		return;
	}
	tail = (c->head + c->len) % VSOCK_BUF_ALLOC;
	first = MIN(len, VSOCK_BUF_ALLOC - tail);
	iov__to_buf(ch->iov, ch->nr_out, VSOCK_HDR, c->buf + tail, first);
	iov__to_buf(ch->iov, ch->nr_out, VSOCK_HDR + first, c->buf, len - first);
	c->len += len;
	conn_flush(vs, c);
}

static void vsock_tx_pkt(struct virtio_dev *dev, struct vsock *vs,
			 struct vq_chain *ch)
{
	struct virtio_vsock_hdr h;
	uint32_t len, gport, hport;
	uint16_t op;
	struct vconn *c;

	if (ch->out_len < VSOCK_HDR) {
		virtio_dev__log(dev, VSOCK_TX, "packet of %u bytes is shorter than the 44-byte header; dropped",
				ch->out_len);
		return;
	}
	iov__to_buf(ch->iov, ch->nr_out, 0, &h, sizeof(h));	/* copy once */
	len = le32toh(h.len);
	op = le16toh(h.op);
	gport = le32toh(h.src_port);
	hport = le32toh(h.dst_port);
	if (le64toh(h.src_cid) != vs->cid || le64toh(h.dst_cid) != VSOCK_HOST_CID) {
		virtio_dev__log(dev, VSOCK_TX, "packet from CID %llu to CID %llu; only CID %llu to the host (2) is served; dropped",
				(unsigned long long)le64toh(h.src_cid),
				(unsigned long long)le64toh(h.dst_cid),
				(unsigned long long)vs->cid);
		return;
	}
	c = conn_find(vs, gport, hport);
	if (len > ch->out_len - VSOCK_HDR || len > VSOCK_MAX_PAYLOAD ||
	    le16toh(h.type) != VIRTIO_VSOCK_TYPE_STREAM) {
		virtio_dev__log(dev, VSOCK_TX, "bad packet (op %u, type %u, payload %u bytes, %u in the buffer) for port %u -> %u; dropped and reset",
				op, le16toh(h.type), len, ch->out_len - (uint32_t)VSOCK_HDR,
				gport, hport);
		if (c)
			conn_reset(vs, c);
		else if (op != VIRTIO_VSOCK_OP_RST)
			rst_queue(vs, hport, gport);
		return;
	}
	if (c && c->state == VC_ESTABLISHED) {
		c->peer_buf_alloc = le32toh(h.buf_alloc);
		c->peer_fwd_cnt = le32toh(h.fwd_cnt);
	}

	switch (op) {
	case VIRTIO_VSOCK_OP_REQUEST:
		if (c)
			conn_reset(vs, c);	/* duplicate */
		else
			guest_connect(dev, vs, &h);
		return;
	case VIRTIO_VSOCK_OP_RST:
		if (c)
			conn_close(c);
		return;
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (c && c->state == VC_REQUEST_SENT) {
			c->peer_buf_alloc = le32toh(h.buf_alloc);
			c->peer_fwd_cnt = le32toh(h.fwd_cnt);
			guest_response(vs, c);
			return;
		}
		break;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		if (c && c->state == VC_ESTABLISHED) {
			uint32_t flags = le32toh(h.flags);

			c->guest_no_rcv |= flags & VIRTIO_VSOCK_SHUTDOWN_RCV;
			c->guest_no_send |= flags & VIRTIO_VSOCK_SHUTDOWN_SEND;
			conn_progress(vs, c);
			return;
		}
		break;
	case VIRTIO_VSOCK_OP_RW:
		if (c && c->state == VC_ESTABLISHED) {
			guest_rw(dev, vs, c, ch, len);
			return;
		}
		break;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		if (c && c->state == VC_ESTABLISHED)
			return;	/* credit already taken from the header */
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		if (c && c->state == VC_ESTABLISHED) {
			c->need_credit = true;
			return;
		}
		break;
	default:
		virtio_dev__log(dev, VSOCK_TX, "unknown op %u for port %u -> %u; reset",
				op, gport, hport);
		break;
	}
	/* Anything else is for a connection that is not there (any more). */
	if (c)
		conn_reset(vs, c);
	else
		rst_queue(vs, hport, gport);
}

static bool vsock_tx(struct virtio_dev *dev, struct vsock *vs)
{
	struct vq *vq = &dev->vqs[VSOCK_TX];
	unsigned int done = 0;
	int r = 0;

	for (;;) {
		while (done < VSOCK_BATCH &&
		       (r = vq__pop(dev, vq, &vs->chain, VQ_OUT_ONLY)) > 0) {
			vsock_tx_pkt(dev, vs, &vs->chain);
			vq__push(vq, vs->chain.head, 0);
			done++;
		}
		if (done)
			vq__notify(dev, vq);
		if (r < 0)
			return false;
		if (done >= VSOCK_BATCH)
			return true;
		if (!vq__enable_kicks(vq))
			return false;
	}
}

/* ---- host to guest: the receive queue ------------------------------- */

static void hdr_fill(struct vsock *vs, struct virtio_vsock_hdr *h,
		     uint32_t host_port, uint32_t guest_port, uint16_t op)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = htole64(VSOCK_HOST_CID);
	h->dst_cid = htole64(vs->cid);
	h->src_port = htole32(host_port);
	h->dst_port = htole32(guest_port);
	h->type = htole16(VIRTIO_VSOCK_TYPE_STREAM);
	h->op = htole16(op);
	h->buf_alloc = htole32(VSOCK_BUF_ALLOC);
}

static bool conn_wants_rx(const struct vconn *c)
{
	if (c->state < VC_REQUEST_SENT)
		return false;
	if (c->need_request || c->need_response || c->need_credit)
		return true;
	return c->state == VC_ESTABLISHED && c->readable && !c->host_eof &&
	       !c->guest_no_rcv && conn_credit(c) > 0;
}

/*
 * Fill one receive chain for connection c.  Returns the payload length
 * put in (0 for a control packet), or -1 if nothing was sent after all
 * (the caller gives the chain back).
 */
static int conn_rx(struct vsock *vs, struct vconn *c, struct vq_chain *ch,
		   struct virtio_vsock_hdr *h)
{
	uint32_t room = MIN(ch->in_len - VSOCK_HDR, VSOCK_MAX_PAYLOAD);
	unsigned int n;
	ssize_t r;

	if (c->need_request) {
		c->need_request = false;
		hdr_fill(vs, h, c->host_port, c->guest_port, VIRTIO_VSOCK_OP_REQUEST);
	} else if (c->need_response) {
		c->need_response = false;
		hdr_fill(vs, h, c->host_port, c->guest_port, VIRTIO_VSOCK_OP_RESPONSE);
	} else if (c->need_credit) {
		/* Asked for, or worth telling: before more data. */
		hdr_fill(vs, h, c->host_port, c->guest_port,
			 VIRTIO_VSOCK_OP_CREDIT_UPDATE);
	} else if (c->state == VC_ESTABLISHED && c->readable && !c->host_eof &&
		   !c->guest_no_rcv && conn_credit(c) > 0 && room) {
		room = MIN(room, conn_credit(c));
		n = iov__slice(chain_in(ch), ch->nr_in, VSOCK_HDR, room, vs->slice,
			       ARRAY_SIZE(vs->slice));
		r = vsockbe__recv(&c->stream, vs->slice, n);
		if (r == -EAGAIN || r == -EINTR) {
			c->readable = false;
			return -1;
		}
		if (r < 0) {
			conn_reset(vs, c);
			return -1;
		}
		if (r == 0) {
			/* The host side will send no more: tell the guest. */
			c->host_eof = true;
			hdr_fill(vs, h, c->host_port, c->guest_port,
				 VIRTIO_VSOCK_OP_SHUTDOWN);
			h->flags = htole32(VIRTIO_VSOCK_SHUTDOWN_SEND);
		} else {
			hdr_fill(vs, h, c->host_port, c->guest_port, VIRTIO_VSOCK_OP_RW);
			h->len = htole32(r);
			c->rx_cnt += r;
		}
	} else {
		return -1;
	}
	/* Every packet carries our credit. */
	c->need_credit = false;
	h->fwd_cnt = htole32(c->fwd_cnt);
	c->fwd_advertised = c->fwd_cnt;
	return le32toh(h->len);
}

static struct vconn *next_rx_conn(struct vsock *vs)
{
	unsigned int i;

	for (i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct vconn *c = &vs->conns[(vs->rr + i) % VSOCK_MAX_CONNS];

		if (conn_wants_rx(c)) {
			vs->rr = (vs->rr + i + 1) % VSOCK_MAX_CONNS;
			return c;
		}
	}
	return NULL;
}

static bool vsock_rx(struct virtio_dev *dev, struct vsock *vs)
{
	struct vq *vq = &dev->vqs[VSOCK_RX];
	struct virtio_vsock_hdr h;
	unsigned int done = 0, tries = 0;
	bool more = false;
	int r, len;

	while (tries++ < 4 * VSOCK_BATCH) {
		struct vconn *c = NULL;

		if (!vs->nr_rst) {
			c = next_rx_conn(vs);
			if (!c)
				break;
		}
		if (done >= VSOCK_BATCH) {
			more = true;
			break;
		}
		if (!vq__has_avail(vq) && !vq__enable_kicks(vq))
			break;	/* wait for the guest to give us buffers */
		r = vq__pop(dev, vq, &vs->chain, VQ_IN_ONLY);
		if (r <= 0)
			return false;
		if (vs->chain.in_len < VSOCK_HDR) {
			virtio_dev__fail(dev, VSOCK_RX, "receive buffer of %u bytes cannot hold the 44-byte packet header",
					 vs->chain.in_len);
			return false;
		}
		if (!c) {
			vs->nr_rst--;
			hdr_fill(vs, &h, vs->rst[vs->nr_rst].host_port,
				 vs->rst[vs->nr_rst].guest_port, VIRTIO_VSOCK_OP_RST);
			len = 0;
		} else {
			len = conn_rx(vs, c, &vs->chain, &h);
			if (len < 0) {
				vq__unpop(vq);
				continue;
			}
		}
		iov__from_buf(chain_in(&vs->chain), vs->chain.nr_in, 0, &h, sizeof(h));
		vq__push(vq, vs->chain.head, VSOCK_HDR + len);
		done++;
		if (c)
			conn_progress(vs, c);
	}
	if (done)
		vq__notify(dev, vq);
	return more;
}

/* ---- host side: new clients, handshake, timeouts --------------------- */

static void host_accept(struct virtio_dev *dev, struct vsock *vs)
{
	struct vsock_stream s;
	struct vconn *c;

	if (vsockbe__accept(&vs->be, &s))
		return;
	c = conn_alloc(vs, &s);
	if (!c) {
		virtio_dev__log(dev, -1, "too many connections (%d); refusing a host client",
				VSOCK_MAX_CONNS);
		vsockbe__stream_close(&s);
		return;
	}
	c->state = VC_HANDSHAKE;
	c->deadline = virtio__now_ms() + VSOCK_TIMEOUT_MS;
}

/* Once a host client has named its guest port, ask the guest. */
static void host_handshake(struct vsock *vs, struct vconn *c)
{
	uint32_t port;
	int r = vsockbe__read_connect(&c->stream, &port);

	if (r < 0) {
		conn_close(c);	/* the client is not speaking the protocol */
		return;
	}
	if (!r)
		return;
	c->guest_port = port;
	c->host_port = alloc_port(vs);
	c->state = VC_REQUEST_SENT;
	c->need_request = true;
	c->deadline = virtio__now_ms() + VSOCK_TIMEOUT_MS;
	c->peer_buf_alloc = 0;
}

static void vsock_timeouts(struct vsock *vs)
{
	uint64_t now = virtio__now_ms();
	unsigned int i;

	for (i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct vconn *c = &vs->conns[i];

		if ((c->state == VC_HANDSHAKE || c->state == VC_REQUEST_SENT) &&
		    now >= c->deadline)
			conn_reset(vs, c);
	}
}

static int vsock_poll_setup(struct virtio_dev *dev, struct pollfd *pfd, int max,
			    int *timeout_ms)
{
	struct vsock *vs = dev->priv;
	uint64_t now = virtio__now_ms(), next = UINT64_MAX;
	bool room = false;
	unsigned int i;
	int n = 0;

	for (i = 0; i < VSOCK_MAX_CONNS && n < max; i++) {
		struct vconn *c = &vs->conns[i];
		short ev = 0;

		if (c->state == VC_FREE) {
			room = true;
			continue;
		}
		if (c->state == VC_HANDSHAKE)
			ev |= POLLIN;
		if (c->state == VC_ESTABLISHED && !c->readable && !c->host_eof &&
		    !c->guest_no_rcv && conn_credit(c) > 0)
			ev |= POLLIN;
		if (c->state == VC_ESTABLISHED && c->len)
			ev |= POLLOUT;
		if (c->state == VC_HANDSHAKE || c->state == VC_REQUEST_SENT)
			next = MIN(next, c->deadline);
		if (!ev)
			continue;
		vs->pfd_map[n] = i;
		pfd[n++] = (struct pollfd){ .fd = c->stream.fd, .events = ev };
	}
	if (room && n < max) {
		vs->pfd_map[n] = -1;
		pfd[n++] = (struct pollfd){ .fd = vs->be.listen_fd, .events = POLLIN };
	}
	if (next != UINT64_MAX)
		*timeout_ms = next > now ? MIN(next - now, 60000) : 0;
	return n;
}

static bool vsock_work(struct virtio_dev *dev, struct pollfd *pfd, int n)
{
	struct vsock *vs = dev->priv;
	bool more;
	int i;

	for (i = 0; i < n; i++) {
		struct vconn *c;

		if (!pfd[i].revents)
			continue;
		if (vs->pfd_map[i] < 0) {
			host_accept(dev, vs);
			continue;
		}
		c = &vs->conns[vs->pfd_map[i]];
		if (c->state == VC_HANDSHAKE) {
			host_handshake(vs, c);
			continue;
		}
		if (c->state != VC_ESTABLISHED)
			continue;
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			c->readable = true;
		if (pfd[i].revents & (POLLOUT | POLLERR | POLLHUP))
			conn_flush(vs, c);
	}
	more = vsock_tx(dev, vs);
	vsock_timeouts(vs);
	if (virtio_dev__running(dev))
		more |= vsock_rx(dev, vs);
	return more && virtio_dev__running(dev);
}

static void vsock_reset(struct virtio_dev *dev)
{
	struct vsock *vs = dev->priv;
	unsigned int i;

	/* The guest forgot every connection: so do we. */
	for (i = 0; i < VSOCK_MAX_CONNS; i++)
		conn_close(&vs->conns[i]);
	vs->nr_rst = 0;
}

static void vsock_free(struct vsock *vs)
{
	unsigned int i;

	for (i = 0; i < VSOCK_MAX_CONNS; i++)
		conn_close(&vs->conns[i]);
	vsockbe__close(&vs->be);
	free(vs);
}

static void vsock_destroy(struct virtio_dev *dev)
{
	vsock_free(dev->priv);
}

static const char *vsock_backend_path(const struct virtio_dev *dev)
{
	return ((struct vsock *)dev->priv)->be.path;
}

static const struct virtio_dev_ops vsock_ops = {
	.kind = "vsock",
	.kconfig = "CONFIG_VIRTIO_VSOCKETS",
	.nr_queues = 3,
	.queue_names = { "rx", "tx", "event" },
	.config_size = sizeof(struct virtio_vsock_config),
	.get_config = vsock_get_config,
	.poll_setup = vsock_poll_setup,
	.work = vsock_work,
	.reset = vsock_reset,
	.destroy = vsock_destroy,
	.backend_path = vsock_backend_path,
};

struct virtio_dev *virtio_vsock__create(struct virtio_vm *vm, uint64_t cid,
					const char *uds)
{
	struct virtio_dev *dev;
	struct vsock *vs;

	vs = calloc(1, sizeof(*vs));
	if (!vs)
		return NULL;
	vs->cid = cid;
	vs->next_port = VSOCK_PORT_BASE;
	if (vsockbe__open(&vs->be, uds)) {
		free(vs);
		return NULL;
	}
	dev = virtio_dev__new(vm, &vsock_ops, VIRTIO_ID_VSOCK, 0, 0);
	if (!dev) {
		vsock_free(vs);
		return NULL;
	}
	dev->priv = vs;
	snprintf(dev->desc, sizeof(dev->desc), "(cid %llu, %.60s)",
		 (unsigned long long)cid, uds);
	return dev;
}
