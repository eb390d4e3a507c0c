// SPDX-License-Identifier: GPL-2.0
/* Console output and shutdown for test guests. */
#include <stdarg.h>
#include "guest.h"

unsigned long guest_mem_size;

static unsigned long strlen_(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

void guest_puts(const char *s)
{
	hypercall2(PVISOR_HC_CONSOLE_WRITE, (long)s, strlen_(s));
}

static char *put_num(char *p, char *end, unsigned long v, int base, int neg)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg && p < end)
		*p++ = '-';
	while (n && p < end)
		*p++ = tmp[--n];
	return p;
}

/* %s %d %ld %u %lu %x %lx %c and %%, nothing more. */
void guest_printf(const char *fmt, ...)
{
	char buf[512], *p = buf, *end = buf + sizeof(buf) - 1;
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt && p < end; fmt++) {
		int lng = 0;

		if (*fmt != '%') {
			*p++ = *fmt;
			continue;
		}
		if (*++fmt == 'l') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			while (*s && p < end)
				*p++ = *s++;
			break;
		}
		case 'd': {
			long v = lng ? va_arg(ap, long) : va_arg(ap, int);

			p = put_num(p, end, v < 0 ? -(unsigned long)v : (unsigned long)v, 10, v < 0);
			break;
		}
		case 'u':
			p = put_num(p, end, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int), 10, 0);
			break;
		case 'x':
			p = put_num(p, end, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int), 16, 0);
			break;
		case 'c':
			*p++ = (char)va_arg(ap, int);
			break;
		default:
			*p++ = *fmt;
		}
	}
	va_end(ap);
	*p = 0;
	guest_puts(buf);
}

void guest_shutdown(unsigned int type, unsigned int code)
{
	for (;;)
		hypercall2(PVISOR_HC_SHUTDOWN, type, code);
}
