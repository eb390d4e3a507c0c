// SPDX-License-Identifier: GPL-2.0
/*
 * pvdisk PATH MODE QD N: N random 4 KiB direct-I/O reads (MODE randread)
 * or writes (randwrite) over PATH, with QD requests in flight (QD threads,
 * each with its own file descriptor, buffer and offsets), and the time
 * they took by CLOCK_MONOTONIC.  The same static program runs in the
 * host VM on the image file and in the Linux guest on the virtio disk
 * backed by it (`make bench`, tests/rig/vm/bench-devices.sh).  Offsets
 * come from a fixed seed per thread, so every run does the same I/O.
 * Prints "pvdisk MODE qdQD N ops NS ns"; exit status 1 on any error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#define BLOCK		4096
#define MAX_QD		64

struct worker {
	pthread_t thread;
	const char *path;
	int write;
	unsigned long ops;
	uint64_t blocks, seed;
	int error;
};

static pthread_barrier_t start;

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	int fd = open(w->path, (w->write ? O_RDWR : O_RDONLY) | O_DIRECT);
	void *buf = NULL;
	unsigned long i;

	if (fd < 0 || posix_memalign(&buf, BLOCK, BLOCK)) {
		w->error = errno ? errno : ENOMEM;
		pthread_barrier_wait(&start);
		return NULL;
	}
	memset(buf, 0x5a, BLOCK);
	pthread_barrier_wait(&start);
	for (i = 0; i < w->ops && !w->error; i++) {
		off_t off = (off_t)(next_rand(&w->seed) % w->blocks) * BLOCK;
		ssize_t r = w->write ? pwrite(fd, buf, BLOCK, off) :
				       pread(fd, buf, BLOCK, off);

		if (r != BLOCK)
			w->error = r < 0 ? errno : EIO;
	}
	free(buf);
	close(fd);
	return NULL;
}

static uint64_t size_of(const char *path)
{
	struct stat st;
	uint64_t size = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		size = 0;
	else if (S_ISBLK(st.st_mode))
		ioctl(fd, BLKGETSIZE64, &size);
	else
		size = st.st_size;
	if (fd >= 0)
		close(fd);
	return size;
}

int main(int argc, char **argv)
{
	static struct worker w[MAX_QD];
	struct timespec t0, t1;
	unsigned long n, qd, i;
	uint64_t blocks;
	int write, bad = 0;

	if (argc != 5 || (strcmp(argv[2], "randread") && strcmp(argv[2], "randwrite"))) {
		fprintf(stderr, "usage: pvdisk PATH randread|randwrite QD N\n");
		return 2;
	}
	write = !strcmp(argv[2], "randwrite");
	qd = strtoul(argv[3], NULL, 0);
	n = strtoul(argv[4], NULL, 0);
	blocks = size_of(argv[1]) / BLOCK;
	if (!qd || qd > MAX_QD || !n || !blocks) {
		fprintf(stderr, "pvdisk: QD must be 1 to %d, N above 0, %s at least 4 KiB\n",
			MAX_QD, argv[1]);
		return 2;
	}
	pthread_barrier_init(&start, NULL, qd + 1);
	for (i = 0; i < qd; i++) {
		w[i] = (struct worker){
			.path = argv[1], .write = write, .blocks = blocks,
			.ops = n / qd + (i < n % qd), .seed = 0x9e3779b97f4a7c15ULL * (i + 1),
		};
		if (pthread_create(&w[i].thread, NULL, run, &w[i])) {
			fprintf(stderr, "pvdisk: cannot start thread %lu\n", i);
			return 1;
		}
	}
	pthread_barrier_wait(&start);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < qd; i++)
		pthread_join(w[i].thread, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < qd; i++)
		if (w[i].error && !bad++)
			fprintf(stderr, "pvdisk: %s: %s\n", argv[1], strerror(w[i].error));
	if (bad)
		return 1;
	printf("pvdisk %s qd%lu %lu ops %lld ns\n", argv[2], qd, n,
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL +
	       (t1.tv_nsec - t0.tv_nsec));
	return 0;
}
