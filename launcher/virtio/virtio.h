/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvisor-run's virtio device model: the public interface.
 *
 * The launcher's main() uses this header and nothing else from
 * launcher/virtio/.  The model is plain userspace code: it reaches guest
 * memory only through struct virtio_gmem, it learns about guest register
 * accesses only through virtio_mmio_access(), and it tells the outside
 * world about interrupts only through an irq callback.  That is why the
 * same code runs over pvisor's guest memory and over a test's malloc()ed
 * buffer.  Documentation/virtio.md has the design.
 *
 * A typical launcher does:
 *
 *	struct virtio_opts opts;
 *	virtio_opts_init(&opts);
 *	if (virtio_opts_parse_argv(&opts, &argc, argv) < 0)   // strips --disk etc.
 *		exit(2);
 *	... parse its own options from what is left ...
 *	struct virtio_gmem gm;
 *	virtio_gmem_init(&gm, ram_hva, ram_size, 0);
 *	set = virtio_set_create(&opts, &gm, VIRTIO_MMIO_BASE_DEFAULT,
 *				VIRTIO_IRQ_BASE_DEFAULT);
 *	virtio_set_irq_handler(set, my_inject_irq, vm);     // or use irq eventfds
 *	virtio_set_cmdline(set, buf, sizeof(buf));           // append to guest cmdline
 *	virtio_set_start(set);
 *	... on a PVISOR_EXIT_MMIO:  virtio_mmio_access(set, gpa, len, is_write, &data)
 *	virtio_set_destroy(set);
 *	virtio_opts_free(&opts);
 *
 * Thread safety: virtio_mmio_access() may be called from any number of
 * vCPU threads at once.  Everything else (create, start, destroy, the
 * setters) is called from one thread, before start or after the vCPUs
 * have stopped.
 */
#ifndef PVISOR_VIRTIO_H
#define PVISOR_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Guest memory                                                        */
/* ------------------------------------------------------------------ */

/*
 * Guest-physical memory as the device model sees it: up to four regions,
 * each a range of guest-physical addresses backed by host memory in the
 * launcher's address space.  A buffer the guest hands to a device must
 * lie wholly inside one region; anything else is refused.
 */
#define VIRTIO_GMEM_MAX_REGIONS	4

struct virtio_gmem_region {
	uint64_t gpa;		/* guest-physical address of host[0] */
	uint64_t size;		/* bytes */
	uint8_t *host;		/* launcher mapping */
};

struct virtio_gmem {
	unsigned int nr;
	struct virtio_gmem_region region[VIRTIO_GMEM_MAX_REGIONS];
};

/* One region [gpa, gpa + size) backed by host[0 .. size). */
void virtio_gmem_init(struct virtio_gmem *gm, void *host, uint64_t size,
		      uint64_t gpa);
/* Another region (e.g. RAM above an MMIO hole).  -1 if full or overlapping. */
int virtio_gmem_add(struct virtio_gmem *gm, void *host, uint64_t size,
		    uint64_t gpa);
/*
 * Host pointer for [gpa, gpa + len), or NULL if any byte of it is outside
 * guest memory.  Overflow-safe for any gpa and len.  len == 0 is refused.
 */
void *virtio_gmem_ptr(const struct virtio_gmem *gm, uint64_t gpa, uint64_t len);

/* ------------------------------------------------------------------ */
/* Command-line options                                                */
/* ------------------------------------------------------------------ */

#define VIRTIO_MAX_DISKS	8
#define VIRTIO_MAX_NETS		4
#define VIRTIO_MAX_DEVICES	16	/* 1 console + 8 disks + 4 nets + vsock + rng */
#define VIRTIO_BLK_ID_LEN	20	/* VIRTIO_BLK_ID_BYTES */

enum virtio_console_kind {
	VIRTIO_CONSOLE_NONE,
	VIRTIO_CONSOLE_STDIO,	/* the launcher's stdin/stdout, raw if a tty */
	VIRTIO_CONSOLE_PTY,	/* a new pseudo-terminal; its path is logged */
	VIRTIO_CONSOLE_SOCKET,	/* a unix stream socket we listen on */
};

enum virtio_net_kind {
	VIRTIO_NET_TAP,		/* tap=NAME */
	VIRTIO_NET_UNIX,	/* socket=PATH[,peer=PATH] (unix datagrams) */
	VIRTIO_NET_UDP,		/* udp=HOST:PORT[,local=PORT] */
};

/* --disk ...,cache=: through the host's page cache, or around it. */
enum virtio_disk_cache {
	VIRTIO_DISK_CACHE_WRITEBACK,	/* the default */
	VIRTIO_DISK_CACHE_NONE,		/* O_DIRECT */
};

struct virtio_disk_opt {
	char *path;
	bool ro;
	bool has_id;
	char id[VIRTIO_BLK_ID_LEN + 1];
	enum virtio_disk_cache cache;
};

struct virtio_net_opt {
	enum virtio_net_kind kind;
	char *name;		/* tap: interface name; unix: our socket path */
	char *peer;		/* unix: the other side's path, or NULL */
	char *host;		/* udp: numeric peer address */
	uint16_t port;		/* udp: peer port */
	uint16_t local_port;	/* udp: our port (default: port) */
	bool has_mac;
	uint8_t mac[6];
	uint16_t mtu;		/* advised to the guest (VIRTIO_NET_F_MTU); 0: none */
};

struct virtio_opts {
	struct virtio_disk_opt disk[VIRTIO_MAX_DISKS];
	unsigned int nr_disks;
	struct virtio_net_opt net[VIRTIO_MAX_NETS];
	unsigned int nr_nets;
	enum virtio_console_kind console;
	char *console_path;	/* socket path */
	bool vsock;
	uint64_t vsock_cid;
	char *vsock_uds;
	bool rng;
};

/* The --help lines for the device options (ends with a newline). */
extern const char virtio_opts_help[];

void virtio_opts_init(struct virtio_opts *o);
void virtio_opts_free(struct virtio_opts *o);
/*
 * Parse one device option.  name is the long option without "--"
 * ("disk", "net", "console", "vsock", "rng"); arg is its value (NULL for
 * --rng).  Returns 0 when parsed, 1 when name is not a device option,
 * -1 on a bad value (a message saying what is wrong is already on stderr).
 */
int virtio_opts_parse(struct virtio_opts *o, const char *name, const char *arg);
/*
 * Parse and remove every device option in argv[1..] ("--disk X" and
 * "--disk=X" forms), leaving the rest, in order, for the launcher's own
 * getopt.  Stops at "--".  Returns 0, or -1 after printing an error.
 */
int virtio_opts_parse_argv(struct virtio_opts *o, int *argc, char **argv);

/* ------------------------------------------------------------------ */
/* Devices                                                             */
/* ------------------------------------------------------------------ */

/*
 * MMIO layout: device i (in the order console, disks in command-line
 * order, nets in command-line order, vsock, rng) owns the 4 KiB window
 * at mmio_base + i * VIRTIO_MMIO_WINDOW and interrupt line irq_base + i.
 */
#define VIRTIO_MMIO_BASE_DEFAULT	0xd0000000ULL
#define VIRTIO_MMIO_WINDOW		0x1000ULL
#define VIRTIO_IRQ_BASE_DEFAULT		5

struct virtio_set;
struct virtio_dev;

/*
 * Opens every backend (files, sockets, tap, terminal) and builds the
 * devices; threads are not started yet.  gm is copied.  NULL on failure,
 * with a message on stderr that names the option and what to do.
 */
struct virtio_set *virtio_set_create(const struct virtio_opts *o,
				     const struct virtio_gmem *gm,
				     uint64_t mmio_base, unsigned int irq_base);
/* One thread per device.  0, or -1 with a message. */
int virtio_set_start(struct virtio_set *set);
/*
 * Stops and joins the threads, closes the backends, restores the
 * terminal, removes the sockets it created and frees everything.
 * NULL is allowed.
 */
void virtio_set_destroy(struct virtio_set *set);

/*
 * A guest access to guest-physical address gpa of size 1, 2, 4 or 8.
 * Returns false if gpa is not in any device's window (data untouched);
 * true if it was handled (for a read, *data holds the zero-extended
 * value).  Malformed accesses are logged and answered, never fatal.
 */
bool virtio_mmio_access(struct virtio_set *set, uint64_t gpa, unsigned int size,
			bool is_write, uint64_t *data);

/*
 * Writes the guest command-line fragment, e.g.
 * "virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6",
 * to buf (NUL-terminated, truncated to size).  Returns the length of the
 * whole fragment, as snprintf does.
 */
int virtio_set_cmdline(const struct virtio_set *set, char *buf, size_t size);

/*
 * Interrupts.  When a device sets a bit in its InterruptStatus it calls
 * fn(opaque, dev, irq).  The default handler writes 1 to the device's irq
 * eventfd (virtio_dev_irq_fd), so an irqfd-capable module can consume it
 * directly.  Edge semantics: one call per event; the guest acks through
 * InterruptACK.  Set before virtio_set_start().
 */
typedef void virtio_irq_fn(void *opaque, struct virtio_dev *dev,
			   unsigned int irq);
void virtio_set_irq_handler(struct virtio_set *set, virtio_irq_fn *fn,
			    void *opaque);

/*
 * Called (from the console thread) when the user types Ctrl-A x on a
 * stdio console.  Default: restore the terminal and raise SIGTERM.
 */
typedef void virtio_quit_fn(void *opaque);
void virtio_set_quit_handler(struct virtio_set *set, virtio_quit_fn *fn,
			     void *opaque);

/*
 * After the guest has run: for each device the guest never drove to
 * DRIVER_OK, print a hint naming the guest Kconfig option it probably
 * lacks.
 */
void virtio_set_print_hints(const struct virtio_set *set);

/*
 * Each device's state and each queue's indices, for the report on a guest
 * that was stopped or crashed: enough to tell a device that stopped
 * working from a driver that stopped listening.
 */
void virtio_set_print_state(const struct virtio_set *set, FILE *f);

unsigned int virtio_set_nr_devs(const struct virtio_set *set);
struct virtio_dev *virtio_set_dev(const struct virtio_set *set, unsigned int i);

const char *virtio_dev_name(const struct virtio_dev *dev);	/* "virtio-blk0" */
uint32_t virtio_dev_type(const struct virtio_dev *dev);		/* VIRTIO_ID_* */
uint64_t virtio_dev_mmio_base(const struct virtio_dev *dev);
unsigned int virtio_dev_irq(const struct virtio_dev *dev);
/*
 * The queue-notify eventfd.  Writing to it (as an ioeventfd on the
 * QueueNotify register, virtio_dev_mmio_base(dev) + 0x50, would) makes
 * the device look at all its queues; no datamatch is needed.
 */
int virtio_dev_kick_fd(const struct virtio_dev *dev);
/* The eventfd the default irq handler signals. */
int virtio_dev_irq_fd(const struct virtio_dev *dev);
/* Current InterruptStatus (for a level-triggered interrupt model). */
uint32_t virtio_dev_isr(const struct virtio_dev *dev);
/*
 * Take the InterruptStatus bits set since the last call and clear them,
 * for an irq handler that hands them to a status register served
 * elsewhere (the pvisor module's PVISOR_IRQ_STATUS); guest accesses to
 * InterruptStatus and InterruptACK must then go there, not here.
 */
uint32_t virtio_dev_take_isr(struct virtio_dev *dev);
/* The pty path of a pty console, the socket path of a socket console. */
const char *virtio_dev_backend_path(const struct virtio_dev *dev);

/*
 * Runs one non-blocking round of the device's work (queues and backends)
 * in the calling thread.  Only for a set whose threads were never
 * started: the fuzz targets use it to stay single-threaded.
 */
void virtio_dev_process(struct virtio_dev *dev);

/*
 * Where the model's messages go.  Default: "pvisor-run: <msg>\n" on
 * stderr.  Per-device messages are rate-limited so a hostile guest
 * cannot flood the log.
 */
typedef void virtio_log_fn(const char *msg);
void virtio_set_log_handler(virtio_log_fn *fn);

#endif /* PVISOR_VIRTIO_H */
