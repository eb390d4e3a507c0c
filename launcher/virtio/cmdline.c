// SPDX-License-Identifier: GPL-2.0
/*
 * The device options of pvisor-run.  Values are comma-separated lists
 * whose first item may be positional (--disk PATH,...); paths with
 * commas in them are therefore not supported.  Each error names the
 * option and says what a correct value looks like.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

const char virtio_opts_help[] =
	"Devices (virtio-mmio; each is repeatable where marked):\n"
	"  --disk PATH[,ro][,id=STR][,cache=writeback|none]\n"
	"                                raw disk image, repeatable (vda, vdb, ...);\n"
	"                                cache=none bypasses the host's page cache\n"
	"  --net tap=NAME[,mac=MAC]      network on a tap interface (needs CAP_NET_ADMIN)\n"
	"  --net socket=PATH[,peer=PATH][,mac=MAC]\n"
	"                                network over unix datagrams, no root needed:\n"
	"                                bind PATH, exchange frames with the peer's PATH\n"
	"  --net udp=HOST:PORT[,local=PORT][,mac=MAC]\n"
	"                                network over UDP to a numeric HOST:PORT\n"
	"                                (--net is repeatable; any backend takes\n"
	"                                ,mtu=N, 68..65535, as the guest's MTU)\n"
	"  --console stdio|pty|socket=PATH\n"
	"                                guest console hvc0; on stdio Ctrl-A x quits\n"
	"  --vsock cid=N,uds=PATH        vsock, guest CID N; host connects to PATH and\n"
	"                                sends \"CONNECT <port>\\n\"; guest port P reaches PATH_P\n"
	"  --rng                         entropy device fed by getrandom()\n";

void virtio_opts_init(struct virtio_opts *o)
{
	memset(o, 0, sizeof(*o));
}

void virtio_opts_free(struct virtio_opts *o)
{
	unsigned int i;

	for (i = 0; i < o->nr_disks; i++)
		free(o->disk[i].path);
	for (i = 0; i < o->nr_nets; i++) {
		free(o->net[i].name);
		free(o->net[i].peer);
		free(o->net[i].host);
	}
	free(o->console_path);
	free(o->vsock_uds);
	memset(o, 0, sizeof(*o));
}

/* Split "key=value" at '='; *val is NULL when there is none. */
static char *split_kv(char *item, char **val)
{
	char *eq = strchr(item, '=');

	*val = NULL;
	if (eq) {
		*eq = '\0';
		*val = eq + 1;
	}
	return item;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int i;

	for (i = 0; i < 6; i++) {
		char *end;
		unsigned long v;

		if (!((s[0] >= '0' && s[0] <= '9') || (s[0] >= 'a' && s[0] <= 'f') ||
		      (s[0] >= 'A' && s[0] <= 'F')))
			return false;
		v = strtoul(s, &end, 16);
		if (end - s != 2 || v > 0xff)
			return false;
		mac[i] = v;
		if (i < 5 && *end != ':')
			return false;
		if (i == 5 && *end)
			return false;
		s = end + 1;
	}
	return true;
}

static int parse_disk(struct virtio_opts *o, char *arg)
{
	struct virtio_disk_opt *d;
	char *item, *save = NULL, *val;

	if (o->nr_disks >= VIRTIO_MAX_DISKS) {
		virtio__log("--disk: at most %d disks", VIRTIO_MAX_DISKS);
		return -1;
	}
	d = &o->disk[o->nr_disks];
	memset(d, 0, sizeof(*d));
	item = strtok_r(arg, ",", &save);
	if (!item) {
		virtio__log("--disk: expected PATH[,ro][,id=STR][,cache=writeback|none]");
		return -1;
	}
	d->path = strdup(item);
	while ((item = strtok_r(NULL, ",", &save))) {
		split_kv(item, &val);
		if (!strcmp(item, "ro") && !val) {
			d->ro = true;
		} else if (!strcmp(item, "id") && val) {
			if (strlen(val) > VIRTIO_BLK_ID_LEN) {
				virtio__log("--disk %s: id '%s' is longer than %d bytes",
					    d->path, val, VIRTIO_BLK_ID_LEN);
				goto bad;
			}
			d->has_id = true;
			snprintf(d->id, sizeof(d->id), "%s", val);
		} else if (!strcmp(item, "cache") && val &&
			   (!strcmp(val, "none") || !strcmp(val, "writeback"))) {
			d->cache = !strcmp(val, "none") ? VIRTIO_DISK_CACHE_NONE :
							  VIRTIO_DISK_CACHE_WRITEBACK;
		} else if (!strcmp(item, "cache")) {
			virtio__log("--disk %s: cache=%s: expected cache=writeback (the host's page cache, the default) or cache=none (O_DIRECT)",
				    d->path, val ? val : "");
			goto bad;
		} else {
			virtio__log("--disk %s: unknown option '%s'; expected PATH[,ro][,id=STR][,cache=writeback|none]",
				    d->path, item);
			goto bad;
		}
	}
	o->nr_disks++;
	return 0;
bad:
	free(d->path);
	d->path = NULL;
	return -1;
}

/* "HOST:PORT" or "[V6ADDR]:PORT". */
static bool parse_hostport(char *s, char **host, uint16_t *port)
{
	uint64_t p;
	char *colon;

	if (*s == '[') {
		char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return false;
		*close = '\0';
		*host = s + 1;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		*colon = '\0';
		*host = s;
	}
	if (!**host || !parse_u64(colon + 1, 65535, &p) || !p)
		return false;
	*port = p;
	return true;
}

static int parse_net(struct virtio_opts *o, char *arg)
{
	static const char usage[] =
		"expected tap=NAME, socket=PATH[,peer=PATH] or udp=HOST:PORT[,local=PORT], each optionally with ,mac=XX:XX:XX:XX:XX:XX and ,mtu=68..65535";
	struct virtio_net_opt *n;
	char *item, *save = NULL, *val;
	uint64_t v;

	if (o->nr_nets >= VIRTIO_MAX_NETS) {
		virtio__log("--net: at most %d network devices", VIRTIO_MAX_NETS);
		return -1;
	}
	n = &o->net[o->nr_nets];
	memset(n, 0, sizeof(*n));
	item = strtok_r(arg, ",", &save);
	if (!item) {
		virtio__log("--net: %s", usage);
		return -1;
	}
	split_kv(item, &val);
	if (!val || !*val) {
		virtio__log("--net %s: %s", item, usage);
		return -1;
	}
	if (!strcmp(item, "tap")) {
		n->kind = VIRTIO_NET_TAP;
		n->name = strdup(val);
	} else if (!strcmp(item, "socket")) {
		n->kind = VIRTIO_NET_UNIX;
		n->name = strdup(val);
	} else if (!strcmp(item, "udp")) {
		char *host;

		n->kind = VIRTIO_NET_UDP;
		if (!parse_hostport(val, &host, &n->port)) {
			virtio__log("--net udp=%s: expected HOST:PORT with a numeric address, e.g. udp=127.0.0.1:5000 or udp=[::1]:5000",
				    val);
			return -1;
		}
		n->host = strdup(host);
		n->local_port = n->port;
	} else {
		virtio__log("--net %s=%s: %s", item, val, usage);
		return -1;
	}
	while ((item = strtok_r(NULL, ",", &save))) {
		split_kv(item, &val);
		if (!val || !*val) {
			virtio__log("--net: option '%s' needs a value; %s", item, usage);
			goto bad;
		}
		if (!strcmp(item, "mac")) {
			if (!parse_mac(val, n->mac) || (n->mac[0] & 1)) {
				virtio__log("--net mac=%s: expected a unicast MAC like 02:00:00:00:00:01",
					    val);
				goto bad;
			}
			n->has_mac = true;
		} else if (!strcmp(item, "mtu")) {
			if (!parse_u64(val, 65535, &v) || v < 68) {
				virtio__log("--net mtu=%s: expected an MTU of 68 to 65535 bytes",
					    val);
				goto bad;
			}
			n->mtu = v;
		} else if (!strcmp(item, "peer") && n->kind == VIRTIO_NET_UNIX &&
			   !n->peer) {
			n->peer = strdup(val);
		} else if (!strcmp(item, "local") && n->kind == VIRTIO_NET_UDP) {
			if (!parse_u64(val, 65535, &v) || !v) {
				virtio__log("--net local=%s: expected a port number 1..65535",
					    val);
				goto bad;
			}
			n->local_port = v;
		} else {
			virtio__log("--net: unknown or misplaced option '%s'; %s",
				    item, usage);
			goto bad;
		}
	}
	o->nr_nets++;
	return 0;
bad:
	free(n->name);
	free(n->peer);
	free(n->host);
	memset(n, 0, sizeof(*n));
	return -1;
}

static int parse_console(struct virtio_opts *o, char *arg)
{
	if (o->console != VIRTIO_CONSOLE_NONE) {
		virtio__log("--console: only one console is supported");
		return -1;
	}
	if (!strcmp(arg, "stdio")) {
		o->console = VIRTIO_CONSOLE_STDIO;
	} else if (!strcmp(arg, "pty")) {
		o->console = VIRTIO_CONSOLE_PTY;
	} else if (!strncmp(arg, "socket=", 7) && arg[7]) {
		o->console = VIRTIO_CONSOLE_SOCKET;
		o->console_path = strdup(arg + 7);
	} else {
		virtio__log("--console %s: expected stdio, pty or socket=PATH", arg);
		return -1;
	}
	return 0;
}

static int parse_vsock(struct virtio_opts *o, char *arg)
{
	char *item, *save = NULL, *val, *uds = NULL;
	bool have_cid = false;
	uint64_t cid = 0;

	if (o->vsock) {
		virtio__log("--vsock: only one vsock device is supported");
		return -1;
	}
	for (item = strtok_r(arg, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		split_kv(item, &val);
		if (!strcmp(item, "cid") && val) {
			/* 0-2 are reserved (hypervisor, local, host), ~0U is "any". */
			if (!parse_u64(val, 0xfffffffeULL, &cid) || cid < 3) {
				virtio__log("--vsock cid=%s: the guest CID must be a number from 3 to 4294967294",
					    val);
				return -1;
			}
			have_cid = true;
		} else if (!strcmp(item, "uds") && val && *val) {
			uds = val;
		} else {
			virtio__log("--vsock: unknown option '%s'; expected cid=N,uds=PATH",
				    item);
			return -1;
		}
	}
	if (!have_cid || !uds) {
		virtio__log("--vsock: both cid=N and uds=PATH are required, e.g. --vsock cid=3,uds=/tmp/vm.vsock");
		return -1;
	}
	o->vsock = true;
	o->vsock_cid = cid;
	o->vsock_uds = strdup(uds);
	return 0;
}

int virtio_opts_parse(struct virtio_opts *o, const char *name, const char *arg)
{
	char *copy;
	int r;

	if (!strcmp(name, "rng")) {
		if (arg) {
			virtio__log("--rng takes no value");
			return -1;
		}
		o->rng = true;
		return 0;
	}
	if (strcmp(name, "disk") && strcmp(name, "net") &&
	    strcmp(name, "console") && strcmp(name, "vsock"))
		return 1;
	if (!arg || !*arg) {
		virtio__log("--%s needs a value; see --help", name);
		return -1;
	}
	copy = strdup(arg);
	if (!copy)
		return -1;
	if (!strcmp(name, "disk"))
		r = parse_disk(o, copy);
	else if (!strcmp(name, "net"))
		r = parse_net(o, copy);
	else if (!strcmp(name, "console"))
		r = parse_console(o, copy);
	else
		r = parse_vsock(o, copy);
	free(copy);
	return r;
}

static bool is_device_opt(const char *name, size_t len)
{
	static const char *const names[] = { "disk", "net", "console", "vsock", "rng" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == len && !strncmp(names[i], name, len))
			return true;
	return false;
}

int virtio_opts_parse_argv(struct virtio_opts *o, int *argc, char **argv)
{
	int i, out = 1;

	for (i = 1; i < *argc; i++) {
		const char *a = argv[i], *eq, *name, *val = NULL;
		char buf[16];
		size_t len;

		if (!strcmp(a, "--")) {
			/* Keep "--" and everything after it for the launcher. */
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strncmp(a, "--", 2)) {
			argv[out++] = argv[i];
			continue;
		}
		name = a + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if (!is_device_opt(name, len)) {
			argv[out++] = argv[i];
			continue;
		}
		snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
		if (eq) {
			val = eq + 1;
		} else if (strcmp(buf, "rng")) {
			if (i + 1 >= *argc) {
				virtio__log("--%s needs a value; see --help", buf);
				return -1;
			}
			val = argv[++i];
		}
		if (virtio_opts_parse(o, buf, val) < 0)
			return -1;
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}
