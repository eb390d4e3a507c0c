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

struct pvisor_shared guest_shared __attribute__((aligned(4096)));
static char shared_pad[4096 - sizeof(struct pvisor_shared)] __attribute__((used));
static void (*trap_handler)(struct trap_frame *f);

/* Guest time in ns, from the shared page's clock (no exit). */
unsigned long guest_now_ns(void)
{
	unsigned int lo, hi;
	unsigned long tsc;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	tsc = ((unsigned long)hi << 32) | lo;
	return guest_shared.system_ns +
	       (unsigned long)(((unsigned __int128)((tsc - guest_shared.tsc_stamp)
			<< guest_shared.tsc_shift) * guest_shared.tsc_mul) >> 32);
}

extern char guest_exception_stubs[];
void guest_syscall_entry(void);
void guest_interrupt_entry(void);
void guest_trap(struct trap_frame *f);

void guest_trap(struct trap_frame *f)
{
	if (!trap_handler) {
		guest_printf("unexpected event %lu at %lx\n", f->vector, f->rip);
		guest_shutdown(PVISOR_SHUTDOWN_PANIC, 3);
	}
	trap_handler(f);
}

void guest_install_traps(void (*handler)(struct trap_frame *f))
{
	static struct pvisor_entries e;
	static char stack[16384] __attribute__((aligned(16)));
	int i;

	trap_handler = handler;
	for (i = 0; i < 32; i++)
		e.exception[i] = (unsigned long)guest_exception_stubs + 16 * i;
	e.syscall = (unsigned long)guest_syscall_entry;
	e.interrupt = (unsigned long)guest_interrupt_entry;
	GUEST_ASSERT_EQ(hypercall1(PVISOR_HC_SET_ENTRIES, (long)&e), 0);
	GUEST_ASSERT_EQ(hypercall1(PVISOR_HC_SET_STACK, (long)stack + sizeof(stack)), 0);
	GUEST_ASSERT_EQ(hypercall1(PVISOR_HC_SET_SHARED_PAGE, (long)&guest_shared), 0);
}

/*
 * The root of the page tables the launcher built (4 or 5 levels): the
 * highest table above the page directory at mem_size - 8 pages.
 */
unsigned long guest_page_root(void)
{
	unsigned long base = guest_mem_size - 7 * 4096, root = base;

	while (*(unsigned long *)(root + 4096) & 1)
		root += 4096;
	return root;
}

/*
 * Open the 2 MiB at GUEST_USER_BASE to guest user mode (U on its 2 MiB
 * entry and on entry 0 of every table above), reload the root so the
 * shadows see it, and copy @len bytes of position-independent code there.
 */
void guest_map_user_region(const void *code, unsigned long len)
{
	unsigned long *pd = (unsigned long *)(guest_mem_size - 8 * 4096);
	unsigned long *upper = (unsigned long *)(guest_mem_size - 7 * 4096);
	unsigned long root;
	int i;

	GUEST_ASSERT(len <= (2UL << 20) - 4096);
	pd[GUEST_USER_BASE >> 21] |= 4;
	for (i = 0; i < 4; i++)
		upper[i * 512] |= 4;
	root = guest_page_root();
	GUEST_ASSERT_EQ(hypercall2(PVISOR_HC_NEW_CR3, root, root), 0);
	for (i = 0; i < (long)len; i++)
		((char *)GUEST_USER_BASE)[i] = ((const char *)code)[i];
}

/* Where the switcher lives: the hypervisor slot of this paging mode. */
unsigned long guest_hole_base(void)
{
	struct pvisor_cpuid c;

	GUEST_ASSERT_EQ(hypercall3(PVISOR_HC_CPUID, 7, 0, (long)&c), 0);
	return (c.ecx & (1U << 16)) ? 0xff00000000000000UL : 0xffff800000000000UL;
}
