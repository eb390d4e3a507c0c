/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny TAP producer.  Each test case is one function and one TAP
 * line.  CHECK() records a failure with the expression, the place and a
 * message, and jumps to the case's "out:" label so it can clean up.
 */
#ifndef PVISOR_VIRTIO_TEST_TAP_H
#define PVISOR_VIRTIO_TEST_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void tap_fail(const char *file, int line, const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			tap_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
			goto out;					\
		}							\
	} while (0)

#define CHECK_EQ(actual, expected)					\
	do {								\
		unsigned long long a_ = (unsigned long long)(actual);	\
		unsigned long long e_ = (unsigned long long)(expected);	\
		if (a_ != e_) {						\
			tap_fail(__FILE__, __LINE__, #actual " == " #expected, \
				 "expected %llu (0x%llx), got %llu (0x%llx)", \
				 e_, e_, a_, a_);			\
			goto out;					\
		}							\
	} while (0)

#define SKIP(...)							\
	do {								\
		tap_skip(__VA_ARGS__);					\
		goto out;						\
	} while (0)

/* Log capture: every message the device model logs during a case. */
void log_clear(void);
bool log_contains(const char *needle);
bool log_contains2(const char *a, const char *b);
const char *log_text(void);
void log_install(void);

/* A fresh temporary directory for the case (removed afterwards). */
const char *tmpdir(void);
/* path inside tmpdir(), in a static rotating buffer. */
const char *tmppath(const char *name);

#endif
