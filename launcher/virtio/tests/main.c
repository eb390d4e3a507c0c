// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the device model, as TAP on stdout.  Each case runs a
 * device set over plain memory with a fake guest (guest.c) playing the
 * driver, and checks what the device really did: bytes in the guest's
 * buffers, bytes in the image file, frames on sockets, registers.
 *
 *	virtio-test [substring...]	run the cases whose name matches
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

extern bool tap_case_failed;
extern char tap_skip_reason[256];

static const struct test_case *const tables[] = {
	transport_tests, blk_tests, net_tests, console_tests, rng_tests,
	vsock_tests, hostile_tests, cmdline_tests,
};

static char case_dir[256];
static const char *current;
static int current_nr;

const char *tmpdir(void)
{
	return case_dir;
}

const char *tmppath(const char *name)
{
	static char bufs[8][320];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", case_dir, name);
	return b;
}

static void rm_rf(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	char p[600];

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			chmod(p, 0700);
			rm_rf(p);
		} else {
			unlink(p);
		}
	}
	closedir(d);
	rmdir(dir);
}

struct virtio_set *make_set(struct virtio_opts *o, struct tg *g, bool start)
{
	struct virtio_set *set = virtio_set_create(o, &g->gm,
						   VIRTIO_MMIO_BASE_DEFAULT,
						   VIRTIO_IRQ_BASE_DEFAULT);

	if (set && start && virtio_set_start(set)) {
		virtio_set_destroy(set);
		return NULL;
	}
	return set;
}

int rig_open(struct rig *r, const char *const *argv, bool start)
{
	memset(r, 0, sizeof(*r));
	if (opts_from(&r->o, argv) || tg_init(&r->g, GUEST_MEM, GUEST_BASE))
		return -1;
	r->set = make_set(&r->o, &r->g, start);
	return r->set ? 0 : -1;
}

int rig_drive(struct rig *r, uint64_t accept, uint16_t qsize)
{
	return tg_dev_init(&r->d, &r->g, r->set, 0, accept, qsize, r->why,
			   sizeof(r->why));
}

void rig_close(struct rig *r)
{
	virtio_set_destroy(r->set);
	virtio_opts_free(&r->o);
	tg_fini(&r->g);
}

int opts_from(struct virtio_opts *o, const char *const *argv)
{
	virtio_opts_init(o);
	for (; argv[0]; argv += 2) {
		if (virtio_opts_parse(o, argv[0] + 2, argv[1]) != 0)
			return -1;
	}
	return 0;
}

int make_file(const char *path, size_t size, int fill)
{
	char buf[65536];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	if (fill < 0) {
		if (ftruncate(fd, size)) {
			close(fd);
			return -1;
		}
	} else {
		memset(buf, fill, sizeof(buf));
		while (size) {
			size_t n = size < sizeof(buf) ? size : sizeof(buf);

			if (write(fd, buf, n) != (ssize_t)n) {
				close(fd);
				return -1;
			}
			size -= n;
		}
	}
	close(fd);
	return 0;
}

void fill_pattern(void *buf, size_t len, unsigned int seed)
{
	uint8_t *p = buf;
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x;
	}
}

static void on_alarm(int sig)
{
	char msg[200];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "not ok %d - %s # timed out\nBail out! %s hung\n",
		     current_nr, current, current);
	if (write(STDOUT_FILENO, msg, n) < 0)
		_exit(2);
	_exit(1);
}

static bool selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int total = 0, nr = 0, failed = 0, skipped = 0;
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct timespec t0, t1;
	unsigned int t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	log_install();
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct test_case *c = tables[t]; c->name; c++)
			total += selected(c->name, argc, argv);
	printf("TAP version 13\n1..%d\n", total);
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const struct test_case *c = tables[t]; c->name; c++) {
			if (!selected(c->name, argc, argv))
				continue;
			nr++;
			current = c->name;
			current_nr = nr;
			snprintf(case_dir, sizeof(case_dir), "%s/pvvirtio-XXXXXX", base);
			if (!mkdtemp(case_dir)) {
				printf("Bail out! mkdtemp in %s: %s\n", base,
				       strerror(errno));
				return 1;
			}
			tap_case_failed = false;
			tap_skip_reason[0] = '\0';
			log_clear();
			fprintf(stderr, "--- %s\n", c->name);
			alarm(120);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			c->fn();
			clock_gettime(CLOCK_MONOTONIC, &t1);
			alarm(0);
			fprintf(stderr, "--- %s: %.2f s\n", c->name,
				(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
			rm_rf(case_dir);
			if (tap_case_failed) {
				printf("not ok %d - %s\n", nr, c->name);
				failed++;
			} else if (tap_skip_reason[0]) {
				printf("ok %d - %s # SKIP %s\n", nr, c->name,
				       tap_skip_reason);
				skipped++;
			} else {
				printf("ok %d - %s\n", nr, c->name);
			}
		}
	}
	printf("# %d passed, %d failed, %d skipped\n", nr - failed - skipped,
	       failed, skipped);
	return failed ? 1 : 0;
}
