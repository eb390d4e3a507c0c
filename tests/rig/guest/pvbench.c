// SPDX-License-Identifier: GPL-2.0
/*
 * pvbench OP N: one Linux-guest benchmark, the same static binary run in
 * the rig's host VM (native) and inside the pvisor guest (tests/rig/vm/
 * bench-linux.sh).  OP is getpid, touch (first write to a new page),
 * fork (fork + exit + wait), exec (fork + exec of busybox true + wait),
 * shell (sh -c 'seq | sort | md5sum'), configure (bench/configure.sh, a
 * configure-like script of several hundred fork+exec) or archive (write
 * a tree of 2400 small files, then bench/archive.sh: tar, gzip, checksum,
 * unpack, verify, remove).  configure and archive work in the current
 * directory; their scripts are in bench/ beside this program.  Prints
 * "pvbench OP NS ns/op".  N = 0 does nothing, for a baseline of the
 * guest's exit counters.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int run_and_wait(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (argv)
			execv(argv[0], argv);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		perror("pvbench: fork/wait");
		exit(1);
	}
	return status;
}

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

/* bench/NAME.sh beside this program, in buf. */
static void script_path(char *buf, size_t len, const char *name)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;
	int room;

	if (n < 0)
		fail("pvbench: /proc/self/exe");
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (!slash)
		fail("pvbench: /proc/self/exe");
	room = len - (slash + 1 - buf);
	if (snprintf(slash + 1, room, "bench/%s.sh", name) >= room) {
		fprintf(stderr, "pvbench: path too long\n");
		exit(1);
	}
}

/* busybox sh SCRIPT: it must succeed. */
static void run_script(char *script)
{
	char *argv[] = { "/bin/busybox", "sh", script, NULL };
	int status = run_and_wait(argv);

	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "pvbench: %s failed (status %#x)\n", script, status);
		exit(1);
	}
}

/*
 * The archive workload's tree: src/dNN/sNN/fNN.c, 10 x 10 directories of
 * 24 files each, 512 to 4096 bytes of C-like text, the same every time
 * (a fixed xorshift seed), every time stamp fixed, so that the archive
 * and its checksum are the same natively, in the guest and in UML.
 */
#define TREE_DIRS	10
#define TREE_FILES	24
static const char *const tree_words[] = {
	"static", "int", "unsigned", "long", "struct", "const", "char", "void",
	"return", "if", "else", "for", "while", "break", "sizeof", "NULL",
	"page", "table", "entry", "shadow", "guest", "host", "exit", "fault",
	"map", "lock", "flush", "queue", "batch", "count", "size", "offset",
	"(", ")", "{", "}", ";", "=", "->", "*", "&", "+", "0", "1", "4096",
	"err", "vcpu", "root",
};
static unsigned int tree_seed;

static unsigned int tree_rand(void)
{
	tree_seed ^= tree_seed << 13;
	tree_seed ^= tree_seed >> 17;
	tree_seed ^= tree_seed << 5;
	return tree_seed;
}

static void tree_stamp(const char *path)
{
	static const struct timespec t[2] = { { 1704067200, 0 }, { 1704067200, 0 } };

	if (utimensat(AT_FDCWD, path, t, 0))
		fail(path);
}

static void tree_file(const char *path)
{
	size_t size = 512 + tree_rand() % 3585, len = 0, w;
	char buf[4096 + 16];
	unsigned int on_line = 0;
	int fd;

	while (len < size) {
		const char *word = tree_words[tree_rand() %
			(sizeof(tree_words) / sizeof(tree_words[0]))];

		w = strlen(word);
		memcpy(buf + len, word, w);
		len += w;
		if (++on_line >= 6 + tree_rand() % 7) {
			buf[len++] = '\n';
			buf[len++] = '\t';
			on_line = 0;
		} else {
			buf[len++] = ' ';
		}
	}
	buf[size - 1] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, size) != (ssize_t)size || close(fd))
		fail(path);
	tree_stamp(path);
}

static void make_tree(void)
{
	char path[64];
	int d, s, f;

	tree_seed = 2463534242u;
	if (mkdir("src", 0755))
		fail("src");
	for (d = 0; d < TREE_DIRS; d++) {
		snprintf(path, sizeof(path), "src/d%02d", d);
		if (mkdir(path, 0755))
			fail(path);
		for (s = 0; s < TREE_DIRS; s++) {
			snprintf(path, sizeof(path), "src/d%02d/s%02d", d, s);
			if (mkdir(path, 0755))
				fail(path);
			for (f = 0; f < TREE_FILES; f++) {
				snprintf(path, sizeof(path), "src/d%02d/s%02d/f%02d.c", d, s, f);
				tree_file(path);
			}
			snprintf(path, sizeof(path), "src/d%02d/s%02d", d, s);
			tree_stamp(path);
		}
		snprintf(path, sizeof(path), "src/d%02d", d);
		tree_stamp(path);
	}
	tree_stamp("src");
}

int main(int argc, char **argv)
{
	static char *const true_argv[] = { "/bin/busybox", "true", NULL };
	static char *const shell_argv[] = { "/bin/busybox", "sh", "-c",
		"seq 1 2000 | sort -r | md5sum >/dev/null", NULL };
	unsigned long n, i;
	unsigned long long t0;
	char script[4096];
	const char *op;
	char *p = NULL;

	if (argc != 3) {
		fprintf(stderr, "usage: pvbench getpid|touch|fork|exec|shell|configure|archive N\n");
		return 2;
	}
	op = argv[1];
	n = strtoul(argv[2], NULL, 0);
	if (!strcmp(op, "touch") && n) {
		p = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1;
	}
	if (!strcmp(op, "configure") || !strcmp(op, "archive")) {
		script_path(script, sizeof(script), op);
		umask(022);
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (!strcmp(op, "getpid"))
			syscall(SYS_getpid);
		else if (!strcmp(op, "touch"))
			p[i * 4096] = 1;
		else if (!strcmp(op, "fork"))
			run_and_wait(NULL);
		else if (!strcmp(op, "exec"))
			run_and_wait(true_argv);
		else if (!strcmp(op, "shell"))
			run_and_wait(shell_argv);
		else if (!strcmp(op, "configure"))
			run_script(script);
		else if (!strcmp(op, "archive")) {
			make_tree();
			run_script(script);
		} else
			return 2;
	}
	printf("pvbench %s %llu ns/op\n", op, n ? (now_ns() - t0) / n : 0);
	return 0;
}
