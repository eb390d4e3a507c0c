// SPDX-License-Identifier: GPL-2.0
/*
 * Unix socket helpers for the backends that listen on a path (console
 * socket, vsock, the unix-datagram network link).  Plain socket code:
 * it depends on nothing else in the device model.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "unix_socket.h"

int unix__fill_addr(const char *path, void *addr, unsigned int *len)
{
	struct sockaddr_un *sun = addr;
	size_t n = strlen(path);

	if (!n || n >= sizeof(sun->sun_path))
		return -1;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n);
	*len = offsetof(struct sockaddr_un, sun_path) + n + 1;
	return 0;
}

/* A non-blocking socket connected to path, or -errno. */
int unix__connect(const char *path, int type)
{
	struct sockaddr_un sun;
	unsigned int len;
	int fd, err;

	if (unix__fill_addr(path, &sun, &len))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, len) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/*
 * Bind (and for streams, listen) at path.  A socket file left behind by
 * a launcher that died is replaced; one that somebody still answers on
 * is not, and neither is anything that is not a socket.
 */
int unix__listen(const char *path, int type, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	unsigned int len;
	struct stat st;
	int fd;

	if (unix__fill_addr(path, &sun, &len)) {
		snprintf(err, errlen, "socket path '%s' is empty or longer than %zu bytes",
			 path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		int probe;

		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket; remove it or choose another path",
				 path);
			return -1;
		}
		probe = unix__connect(path, type);
		if (probe >= 0 || probe == -EAGAIN) {
			if (probe >= 0)
				close(probe);
			snprintf(err, errlen, "%s is in use by another process; choose another path",
				 path);
			return -1;
		}
		unlink(path);	/* stale */
	}
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
		snprintf(err, errlen, "cannot bind %s: %s (is its directory writable?)",
			 path, strerror(errno));
		close(fd);
		return -1;
	}
	if (type == SOCK_STREAM && listen(fd, 16) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path,
			 strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}
