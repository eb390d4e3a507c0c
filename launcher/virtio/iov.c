// SPDX-License-Identifier: GPL-2.0
/*
 * Copying between iovecs and flat buffers.  The iovecs come from a popped
 * chain and so are already inside guest memory; these helpers only make
 * sure we never go past the end of them.
 */
#include <string.h>

#include "core.h"

/*
 * Copy up to len bytes between buf and the bytes of iov from offset
 * off: into the iovecs if to_iov, out of them otherwise.  Returns the
 * count copied (less than len if the iovecs end first).
 */
static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t off,
		       void *buf, size_t len, bool to_iov)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		size_t seg = iov[i].iov_len, c;
		char *p = iov[i].iov_base, *b = (char *)buf + done;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		c = MIN(seg - off, len - done);
		if (to_iov)
			memcpy(p + off, b, c);
		else
			memcpy(b, p + off, c);
		done += c;
		off = 0;
	}
	return done;
}

size_t iov__to_buf(const struct iovec *iov, unsigned int n, size_t off,
		   void *buf, size_t len)
{
	return iov_copy(iov, n, off, buf, len, false);
}

size_t iov__from_buf(const struct iovec *iov, unsigned int n, size_t off,
		     const void *buf, size_t len)
{
	/* Only read from buf: to_iov copies out of it. */
	return iov_copy(iov, n, off, (void *)buf, len, true);
}

unsigned int iov__slice(const struct iovec *iov, unsigned int n, size_t off,
			size_t len, struct iovec *out, unsigned int max)
{
	unsigned int i, k = 0;

	for (i = 0; i < n && len && k < max; i++) {
		size_t seg = iov[i].iov_len, c;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		c = MIN(seg - off, len);
		out[k].iov_base = (char *)iov[i].iov_base + off;
		out[k].iov_len = c;
		k++;
		len -= c;
		off = 0;
	}
	return k;
}
