// SPDX-License-Identifier: GPL-2.0
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio.h"
#include "tap.h"

bool tap_case_failed;
char tap_skip_reason[256];

void tap_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list ap;

	tap_case_failed = true;
	printf("# %s:%d: check failed: %s\n# ", file, line, expr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tap_skip_reason, sizeof(tap_skip_reason), fmt, ap);
	va_end(ap);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[64 * 1024];
static size_t log_len;

static void capture(const char *msg)
{
	size_t n = strlen(msg);

	fprintf(stderr, "  [log] %s\n", msg);
	pthread_mutex_lock(&log_lock);
	if (log_len + n + 2 < sizeof(log_buf)) {
		memcpy(log_buf + log_len, msg, n);
		log_len += n;
		log_buf[log_len++] = '\n';
		log_buf[log_len] = '\0';
	}
	pthread_mutex_unlock(&log_lock);
}

void log_install(void)
{
	virtio_set_log_handler(capture);
}

void log_clear(void)
{
	pthread_mutex_lock(&log_lock);
	log_len = 0;
	log_buf[0] = '\0';
	pthread_mutex_unlock(&log_lock);
}

bool log_contains(const char *needle)
{
	bool r;

	pthread_mutex_lock(&log_lock);
	r = strstr(log_buf, needle) != NULL;
	pthread_mutex_unlock(&log_lock);
	return r;
}

/* Both on one line. */
bool log_contains2(const char *a, const char *b)
{
	bool r = false;
	char *line, *save = NULL, copy[sizeof(log_buf)];

	pthread_mutex_lock(&log_lock);
	memcpy(copy, log_buf, log_len + 1);
	pthread_mutex_unlock(&log_lock);
	for (line = strtok_r(copy, "\n", &save); line && !r;
	     line = strtok_r(NULL, "\n", &save))
		r = strstr(line, a) && strstr(line, b);
	return r;
}

const char *log_text(void)
{
	return log_buf;
}
