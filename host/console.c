// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's console: the simplest way in and out of a guest, before it
 * has any device.
 *
 * Output (PVISOR_HC_CONSOLE_WRITE) goes into a ring per vCPU, which the
 * launcher drains with read() on the vCPU fd; the run loop returns to the
 * launcher whenever the ring holds something new.  The ring keeps the
 * latest PVISOR_CONSOLE_RING bytes, so a crash report can show the last
 * lines a guest printed even if nobody read them.
 *
 * Input is what the launcher write()s on the vCPU fd; the guest takes it
 * with PVISOR_HC_CONSOLE_READ after PVISOR_CONSOLE_VECTOR tells it there
 * is some.  Input that does not fit is not taken (a short write), never
 * dropped, and it is consumed only once it has reached guest memory.
 *
 * Both directions copy guest bytes through a small buffer on the stack:
 * the guest's memory is read once, and never while a lock is held.
 */
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "pvisor.h"

/* PVISOR_HC_CONSOLE_WRITE(gpa, len): print guest bytes. */
long pvisor_hc_console_write(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	struct pvisor_console *c = &vcpu->console;
	u64 gpa = arg[0], len = arg[1], done;
	char chunk[64];

	if (len > PVISOR_CONSOLE_WRITE_MAX)
		return -EINVAL;
	/* Check the whole range first, so a bad one writes nothing. */
	if (len && !pvisor_gpa_to_user(vcpu->vm, gpa, len, false))
		return -EFAULT;
	for (done = 0; done < len; done += sizeof(chunk)) {
		unsigned int n = min_t(u64, len - done, sizeof(chunk)), i;

		if (pvisor_read_guest(vcpu->vm, gpa + done, chunk, n))
			return done ? done : -EFAULT;
		for (i = 0; i < n; i++)
			c->out[c->out_head++ % PVISOR_CONSOLE_RING] = chunk[i];
	}
	return len;
}

/* PVISOR_HC_CONSOLE_READ(gpa, len): take console input, if there is any. */
long pvisor_hc_console_read(struct pvisor_vcpu *vcpu, const u64 *arg)
{
	struct pvisor_console *c = &vcpu->console;
	u64 gpa = arg[0], len = arg[1];
	u8 buf[PVISOR_INPUT_RING];
	unsigned int n, i;

	if (len > PVISOR_CONSOLE_WRITE_MAX)
		return -EINVAL;
	if (len && !pvisor_gpa_to_user(vcpu->vm, gpa, len, true))
		return -EFAULT;
	spin_lock(&c->in_lock);
	n = min_t(u64, len, c->in_head - c->in_tail);
	n = min_t(unsigned int, n, sizeof(buf));
	for (i = 0; i < n; i++)
		buf[i] = c->in[(c->in_tail + i) % PVISOR_INPUT_RING];
	spin_unlock(&c->in_lock);
	if (n && pvisor_write_guest(vcpu->vm, gpa, buf, n))
		return -EFAULT;
	spin_lock(&c->in_lock);
	c->in_tail += n;
	spin_unlock(&c->in_lock);
	return n;
}

/* Has the guest printed something the launcher has not read? */
bool pvisor_console_has_output(const struct pvisor_console *c)
{
	return c->out_head != c->out_tail;
}

/*
 * read() on the vCPU fd, under the run mutex: the guest's output since the
 * last read.  Output older than the ring is gone: skip to what it holds.
 */
ssize_t pvisor_console_take_output(struct pvisor_console *c, char __user *buf,
				   size_t len)
{
	ssize_t done = 0;

	if (c->out_head - c->out_tail > PVISOR_CONSOLE_RING)
		c->out_tail = c->out_head - PVISOR_CONSOLE_RING;
	while (done < len && c->out_tail != c->out_head) {
		u32 at = c->out_tail % PVISOR_CONSOLE_RING;
		size_t n = min3(len - done, (size_t)(c->out_head - c->out_tail),
				(size_t)(PVISOR_CONSOLE_RING - at));

		if (copy_to_user(buf + done, c->out + at, n))
			return done ? done : -EFAULT;
		c->out_tail += n;
		done += n;
	}
	return done;
}

/*
 * write() on the vCPU fd, beside a running vCPU: queue input for the
 * guest.  Return: the bytes taken (0 when the ring is full) or -EFAULT.
 */
ssize_t pvisor_console_give_input(struct pvisor_console *c,
				  const char __user *buf, size_t len)
{
	u8 chunk[64];
	size_t done = 0;

	while (done < len) {
		size_t n = min(len - done, sizeof(chunk)), i;

		if (copy_from_user(chunk, buf + done, n))
			return done ? done : -EFAULT;
		spin_lock(&c->in_lock);
		n = min_t(size_t, n, PVISOR_INPUT_RING - (c->in_head - c->in_tail));
		for (i = 0; i < n; i++)
			c->in[c->in_head++ % PVISOR_INPUT_RING] = chunk[i];
		spin_unlock(&c->in_lock);
		done += n;
		if (!n)
			break;
	}
	return done;
}
