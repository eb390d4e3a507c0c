// SPDX-License-Identifier: GPL-2.0
/*
 * pvisor guest: the console over hypercalls.
 *
 * Output is PVISOR_HC_CONSOLE_WRITE, input PVISOR_HC_CONSOLE_READ (what
 * the launcher forwarded from its terminal).  A boot console carries
 * printk from setup_arch() on; an hvc console ("hvc0") takes over when
 * drivers come up and is where the shell runs until a virtio console is
 * wired.  Console input raises PVISOR_CONSOLE_VECTOR; hvc also polls.
 */
#include <linux/console.h>
#include <linux/init.h>
#include <linux/string.h>
#include <asm/pvisor.h>

#include "../../../drivers/tty/hvc/hvc_console.h"

static void pvisor_boot_console_write(struct console *con, const char *s,
				      unsigned int n)
{
	pvisor_early_write(s, n);
}

static struct console pvisor_boot_console = {
	.name = "pvisorboot",
	.write = pvisor_boot_console_write,
	.flags = CON_PRINTBUFFER | CON_BOOT | CON_ANYTIME,
	.index = -1,
};

void __init pvisor_console_init(void)
{
	register_console(&pvisor_boot_console);
}

static char pvisor_read_buf[64];

static ssize_t pvisor_hvc_put_chars(u32 vtermno, const u8 *buf, size_t count)
{
	pvisor_early_write(buf, count);
	return count;
}

static ssize_t pvisor_hvc_get_chars(u32 vtermno, u8 *buf, size_t count)
{
	long n;

	count = min(count, sizeof(pvisor_read_buf));
	n = pvisor_hc2(PVISOR_HC_CONSOLE_READ, __pa_symbol(pvisor_read_buf),
		       count);
	if (n <= 0)
		return 0;
	memcpy(buf, pvisor_read_buf, n);
	return n;
}

static const struct hv_ops pvisor_hvc_ops = {
	.get_chars = pvisor_hvc_get_chars,
	.put_chars = pvisor_hvc_put_chars,
};

static struct hvc_struct *pvisor_hvc;

/*
 * pvisor.hvc=off leaves hvc0 to a virtio console: the console hypercalls
 * then carry only the boot console, until the real console takes over.
 */
static bool pvisor_hvc_off __initdata;

static int __init pvisor_hvc_param(char *arg)
{
	pvisor_hvc_off = arg && !strcmp(arg, "off");
	return 0;
}
early_param("pvisor.hvc", pvisor_hvc_param);

void pvisor_console_interrupt(void)
{
	if (pvisor_hvc)
		hvc_kick();
}

static int __init pvisor_hvc_console_init(void)
{
	if (!pvisor_guest || pvisor_hvc_off)
		return 0;
	hvc_instantiate(0, 0, &pvisor_hvc_ops);
	return 0;
}
console_initcall(pvisor_hvc_console_init);

static int __init pvisor_hvc_init(void)
{
	struct hvc_struct *hp;

	if (!pvisor_guest || pvisor_hvc_off)
		return 0;
	hp = hvc_alloc(0, 0, &pvisor_hvc_ops, 64);
	if (IS_ERR(hp))
		return PTR_ERR(hp);
	pvisor_hvc = hp;
	return 0;
}
device_initcall(pvisor_hvc_init);
