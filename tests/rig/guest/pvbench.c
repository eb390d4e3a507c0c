// SPDX-License-Identifier: GPL-2.0
/*
 * pvbench OP N: one Linux-guest benchmark, the same static binary run in
 * the rig's host VM (native) and inside the pvisor guest (tests/rig/vm/
 * bench-linux.sh).  OP is getpid, touch (first write to a new page),
 * fork (fork + exit + wait), exec (fork + exec of busybox true + wait) or
 * shell (sh -c 'seq | sort | md5sum').  Prints "pvbench OP NS ns/op".
 * N = 0 does nothing, for a baseline of the guest's exit counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

static void run_and_wait(char *const argv[])
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
}

int main(int argc, char **argv)
{
	static char *const true_argv[] = { "/bin/busybox", "true", NULL };
	static char *const shell_argv[] = { "/bin/busybox", "sh", "-c",
		"seq 1 2000 | sort -r | md5sum >/dev/null", NULL };
	unsigned long n, i;
	unsigned long long t0;
	const char *op;
	char *p = NULL;

	if (argc != 3) {
		fprintf(stderr, "usage: pvbench getpid|touch|fork|exec|shell N\n");
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
		else
			return 2;
	}
	printf("pvbench %s %llu ns/op\n", op, n ? (now_ns() - t0) / n : 0);
	return 0;
}
