// SPDX-License-Identifier: GPL-2.0
/*
 * Native baselines for `make bench`, run in the rig's host VM beside the
 * guest benchmarks: a getpid() round trip and an anonymous page fault.
 * Prints "bench native_getpid <ns>" and "bench native_page_fault <ns>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000, i;
	unsigned long pages = 512;
	unsigned long long t0;
	char *p;

	t0 = now_ns();
	for (i = 0; i < n; i++)
		syscall(SYS_getpid);
	printf("bench native_getpid %llu ns %lu ops\n", (now_ns() - t0) / n, n);

	p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	t0 = now_ns();
	for (i = 0; i < pages; i++)
		p[i * 4096] = 1;
	printf("bench native_page_fault %llu ns %lu ops\n", (now_ns() - t0) / pages, pages);
	return 0;
}
