/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unix socket helpers shared by the backends (unix_socket.c).  They
 * report errors by return value and never log, so any backend can use
 * them.
 */
#ifndef PVISOR_VIRTIO_UNIX_SOCKET_H
#define PVISOR_VIRTIO_UNIX_SOCKET_H

#include <stddef.h>

/*
 * A non-blocking socket of type bound at path (and listening, for
 * SOCK_STREAM), replacing a stale socket file; or -1 with the reason in
 * err.
 */
int unix__listen(const char *path, int type, char *err, size_t errlen);
/* A non-blocking socket of type connected to path, or -errno. */
int unix__connect(const char *path, int type);
/* Fill the struct sockaddr_un at sun for path, its length in *len; -1 if it does not fit. */
int unix__fill_addr(const char *path, void *sun, unsigned int *len);

#endif /* PVISOR_VIRTIO_UNIX_SOCKET_H */
