// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the device model, in userspace: a fake guest drives the
 * block and net devices through the rings, and the same work is done
 * directly (pread/pwrite on the same file, sendto/recv on the same kind
 * of socket) in the same run.  Printed as ratios: device / direct.
 *
 * This measures the model's overhead (ring walking, threads, wakeups),
 * not the disk: the image fits in the page cache, as it would for a
 * guest that has just written it.  It is not a test and has no limits.
 *
 *	virtio-bench [MiB]	image size (default 64)
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_net.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#define VIRTIO_MMIO_NO_LEGACY
#include <linux/virtio_mmio.h>

#include "guest.h"

#define QD	16
#define WAIT	10000
#define REPS	5

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, REPS, sizeof(v[0]), cmp_double);
	return v[REPS / 2];
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "virtio-bench: %s\n", what);
	exit(1);
}

struct blk_hdr {
	uint32_t type, ioprio;
	uint64_t sector;
};

/* ---- block ------------------------------------------------------------- */

static struct tg g;
static struct tg_dev d;
static uint64_t hdrs, stats, bufs;

/* n requests of bs bytes, QD in flight; random or sequential offsets. */
static double blk_device(uint32_t type, size_t bs, unsigned int n, bool random,
			 uint64_t size, unsigned int qd)
{
	struct blk_hdr *h = tg_ptr(&g, hdrs);
	uint8_t *st = tg_ptr(&g, stats);
	unsigned int sent = 0, done = 0;
	uint64_t blocks = size / bs, seq = 0;
	int slot_of[256];
	bool busy[QD] = { false };
	double t0 = now();

	while (done < n) {
		while (sent < n && sent - done < qd) {
			unsigned int s = 0;
			uint64_t blk = random ? (uint64_t)rand() % blocks : seq++ % blocks;
			int head;

			while (busy[s])
				s++;
			h[s].type = htole32(type);
			h[s].sector = htole64(blk * bs / 512);
			{
				struct tg_buf b[3] = {
					{ hdrs + 16 * s, 16, false },
					{ bufs + (uint64_t)s * bs, bs, type == VIRTIO_BLK_T_IN },
					{ stats + s, 1, true },
				};

				head = tg_vq_add(&d.vq[0], b, 3, false);
			}
			if (head < 0)
				die("queue full");
			slot_of[head] = s;
			busy[s] = true;
			sent++;
			tg_vq_kick(&d.vq[0]);
		}
		{
			uint32_t len;
			int head = tg_vq_wait(&d.vq[0], &len, WAIT);

			if (head < 0)
				die("block request timed out");
			if (st[slot_of[head]] != VIRTIO_BLK_S_OK)
				die("block request failed");
			busy[slot_of[head]] = false;
			done++;
		}
	}
	return now() - t0;
}

static double blk_direct(int fd, bool write, size_t bs, unsigned int n, bool random,
			 uint64_t size, void *buf)
{
	uint64_t blocks = size / bs, seq = 0;
	double t0 = now();
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t off = (random ? (uint64_t)rand() % blocks : seq++ % blocks) * bs;
		ssize_t r = write ? pwrite(fd, buf, bs, off) : pread(fd, buf, bs, off);

		if (r != (ssize_t)bs)
			die("direct I/O failed");
	}
	return now() - t0;
}

static void bench_blk(const char *dir, unsigned int mib)
{
	uint64_t size = (uint64_t)mib << 20;
	char path[512], arg[600];
	const char *argv[3] = { "--disk", arg, NULL };
	struct virtio_opts o;
	struct virtio_set *set;
	char why[128];
	void *buf;
	int fd;
	unsigned int i;
	struct {
		const char *name;
		uint32_t type;
		size_t bs;
		bool random;
		unsigned int qd;
		const char *unit;
	} cases[] = {
		{ "sequential read 64 KiB, QD16", VIRTIO_BLK_T_IN, 65536, false, QD, "MB/s" },
		{ "sequential write 64 KiB, QD16", VIRTIO_BLK_T_OUT, 65536, false, QD, "MB/s" },
		{ "random read 4 KiB, QD1", VIRTIO_BLK_T_IN, 4096, true, 1, "IOPS" },
		{ "random read 4 KiB, QD16", VIRTIO_BLK_T_IN, 4096, true, QD, "IOPS" },
		{ "random write 4 KiB, QD16", VIRTIO_BLK_T_OUT, 4096, true, QD, "IOPS" },
	};

	snprintf(path, sizeof(path), "%s/pvvirtio-bench.img", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("cannot create the image");
	buf = calloc(1, 65536);
	for (i = 0; i < size / 65536; i++)
		if (write(fd, buf, 65536) != 65536)
			die("cannot write the image");
	fsync(fd);
	snprintf(arg, sizeof(arg), "%s", path);
	if (tg_init(&g, 8 << 20, 0x100000))
		die("guest memory");
	virtio_opts_init(&o);
	if (virtio_opts_parse(&o, argv[0] + 2, argv[1]))
		die("options");
	set = virtio_set_create(&o, &g.gm, VIRTIO_MMIO_BASE_DEFAULT, 5);
	if (!set || virtio_set_start(set))
		die("device set");
	if (tg_dev_init(&d, &g, set, 0, ~0ULL, 256, why, sizeof(why)))
		die(why);
	hdrs = tg_alloc(&g, 16 * QD, 16);
	stats = tg_alloc(&g, QD, 1);
	bufs = tg_alloc(&g, (uint64_t)QD * 65536, 4096);

	printf("block: %u MiB image in %s (page cache), median of %d runs each;\n"
	       "  device = fake guest -> rings -> device thread -> preadv/pwritev\n",
	       mib, dir, REPS);
	printf("  %-32s %12s %12s %8s\n", "", "device", "direct", "ratio");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int n = cases[i].bs == 65536 ? (unsigned int)(2 * size / 65536) :
			(cases[i].qd == 1 ? 50000 : 100000);
		double td, tp, vd, vp;
		bool w = cases[i].type == VIRTIO_BLK_T_OUT;

		double tds[REPS], tps[REPS];
		unsigned int r;

		/* Alternate the two, REPS times each, and take medians:
		 * a 2-core machine is noisy. */
		for (r = 0; r < REPS; r++) {
			srand(r + 1);
			tds[r] = blk_device(cases[i].type, cases[i].bs, n, cases[i].random,
					    size, cases[i].qd);
			srand(r + 1);
			tps[r] = blk_direct(fd, w, cases[i].bs, n, cases[i].random, size, buf);
		}
		td = median(tds);
		tp = median(tps);
		if (!strcmp(cases[i].unit, "MB/s")) {
			vd = n * (double)cases[i].bs / td / 1e6;
			vp = n * (double)cases[i].bs / tp / 1e6;
		} else {
			vd = n / td;
			vp = n / tp;
		}
		printf("  %-32s %9.0f %-4s %7.0f %-4s %6.2f\n", cases[i].name, vd,
		       cases[i].unit, vp, cases[i].unit, vd / vp);
	}
	virtio_set_destroy(set);
	virtio_opts_free(&o);
	tg_fini(&g);
	close(fd);
	unlink(path);
	free(buf);
}

/* ---- net --------------------------------------------------------------- */

#define FRAME	1514
#define NFRAMES	100000
#define RXBUF	2048

static void *direct_rx(void *arg)
{
	int fd = *(int *)arg;
	static char buf[RXBUF];
	unsigned int i;

	for (i = 0; i < NFRAMES; i++)
		if (recv(fd, buf, sizeof(buf), 0) != FRAME)
			die("direct recv");
	return NULL;
}

static double net_direct(const char *dir)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX }, b = { .sun_family = AF_UNIX };
	int sa = socket(AF_UNIX, SOCK_DGRAM, 0), sb = socket(AF_UNIX, SOCK_DGRAM, 0);
	static char frame[FRAME];
	pthread_t th;
	unsigned int i;
	double t0;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/pvbench-da", dir);
	snprintf(b.sun_path, sizeof(b.sun_path), "%s/pvbench-db", dir);
	unlink(a.sun_path);
	unlink(b.sun_path);
	if (bind(sa, (void *)&a, sizeof(a)) || bind(sb, (void *)&b, sizeof(b)) ||
	    connect(sa, (void *)&b, sizeof(b)))
		die("direct sockets");
	t0 = now();
	pthread_create(&th, NULL, direct_rx, &sb);
	for (i = 0; i < NFRAMES; i++)
		if (send(sa, frame, FRAME, 0) != FRAME)
			die("direct send");
	pthread_join(th, NULL);
	t0 = now() - t0;
	close(sa);
	close(sb);
	unlink(a.sun_path);
	unlink(b.sun_path);
	return t0;
}

static double net_device(const char *dir)
{
	char a[400], b[400], why[128];
	const char *argv[5] = { "--net", a, "--net", b, NULL };
	struct virtio_opts o;
	struct virtio_set *set;
	struct tg_dev da, db;
	uint64_t txb, rxb;
	unsigned int i, sent = 0, got = 0;
	double t0;

	snprintf(a, sizeof(a), "socket=%s/pvbench-a,peer=%s/pvbench-b", dir, dir);
	snprintf(b, sizeof(b), "socket=%s/pvbench-b,peer=%s/pvbench-a", dir, dir);
	if (tg_init(&g, 8 << 20, 0x100000))
		die("guest memory");
	virtio_opts_init(&o);
	for (i = 0; i < 4; i += 2)
		if (virtio_opts_parse(&o, argv[i] + 2, argv[i + 1]))
			die("options");
	set = virtio_set_create(&o, &g.gm, VIRTIO_MMIO_BASE_DEFAULT, 5);
	if (!set || virtio_set_start(set))
		die("device set");
	if (tg_dev_init(&da, &g, set, 0, ~0ULL, 256, why, sizeof(why)) ||
	    tg_dev_init(&db, &g, set, 1, ~0ULL, 256, why, sizeof(why)))
		die(why);
	txb = tg_alloc(&g, 256 * RXBUF, 64);
	rxb = tg_alloc(&g, 256 * RXBUF, 64);
	memset(tg_ptr(&g, txb), 0, 256 * RXBUF);
	for (i = 0; i < 256; i++) {
		struct tg_buf r = { rxb + (uint64_t)i * RXBUF, RXBUF, true };

		tg_vq_add(&db.vq[0], &r, 1, false);
	}
	tg_vq_kick(&db.vq[0]);
	t0 = now();
	while (got < NFRAMES) {
		uint32_t len;
		int head;

		while (tg_vq_get(&da.vq[1], &len) >= 0)
			;
		while (sent < NFRAMES && da.vq[1].num_free >= 1) {
			struct tg_buf t = { txb + (uint64_t)(sent % 256) * RXBUF, 12 + FRAME, false };

			if (tg_vq_add(&da.vq[1], &t, 1, false) < 0)
				break;
			sent++;
		}
		tg_vq_kick(&da.vq[1]);
		head = tg_vq_wait(&db.vq[0], &len, WAIT);
		if (head < 0)
			die("frames lost (receiver timed out)");
		do {
			struct tg_buf r = { rxb + (uint64_t)(head % 256) * RXBUF, RXBUF, true };

			if (len != 12 + FRAME)
				die("frame length");
			got++;
			tg_vq_add(&db.vq[0], &r, 1, false);
		} while ((head = tg_vq_get(&db.vq[0], &len)) >= 0);
		tg_vq_kick(&db.vq[0]);
	}
	t0 = now() - t0;
	virtio_set_destroy(set);
	virtio_opts_free(&o);
	tg_fini(&g);
	return t0;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	unsigned int mib = argc > 1 ? atoi(argv[1]) : 64;
	double td, tp;

	double tds[REPS], tps[REPS];
	unsigned int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_blk(dir, mib ? mib : 64);
	for (r = 0; r < REPS; r++) {
		tds[r] = net_device(dir);
		tps[r] = net_direct(dir);
	}
	td = median(tds);
	tp = median(tps);
	printf("net: %u frames of %u bytes, socket-linked pair (unix datagrams), median of %d\n",
	       NFRAMES, FRAME, REPS);
	printf("  %-32s %12s %12s %8s\n", "", "device", "direct", "ratio");
	printf("  %-32s %7.0f fr/s %7.0f fr/s %6.2f\n", "A -> B frame rate", NFRAMES / td,
	       NFRAMES / tp, tp / td);
	printf("  %-32s %7.0f MB/s %7.0f MB/s %6.2f\n", "A -> B throughput",
	       NFRAMES * (double)FRAME / td / 1e6, NFRAMES * (double)FRAME / tp / 1e6, tp / td);
	return 0;
}
