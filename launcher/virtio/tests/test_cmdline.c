// SPDX-License-Identifier: GPL-2.0
/*
 * Device options: what they parse to, what they refuse, and the order
 * and layout of the devices they create.
 */
#include <stdio.h>
#include <string.h>

#include <linux/virtio_ids.h>

#include "tests.h"

static void test_parse_all(void)
{
	struct virtio_opts o;

	virtio_opts_init(&o);
	CHECK_EQ(virtio_opts_parse(&o, "disk", "/img/a.raw,ro,id=root"), 0);
	CHECK_EQ(virtio_opts_parse(&o, "disk", "b.raw,cache=none"), 0);
	CHECK_EQ(virtio_opts_parse(&o, "disk", "c.raw,cache=writeback"), 0);
	CHECK_EQ(virtio_opts_parse(&o, "net", "tap=tap7,mac=02:AA:bb:cc:dd:0e"), 0);
	CHECK_EQ(virtio_opts_parse(&o, "net", "socket=/run/a,peer=/run/b,mtu=9000"), 0);
	CHECK_EQ(virtio_opts_parse(&o, "net", "udp=127.0.0.1:5000,local=6000"), 0);
	CHECK_EQ(virtio_opts_parse(&o, "net", "udp=[::1]:7000"), 0);
	CHECK_EQ(virtio_opts_parse(&o, "console", "socket=/run/con"), 0);
	CHECK_EQ(virtio_opts_parse(&o, "vsock", "cid=3,uds=/run/v"), 0);
	CHECK_EQ(virtio_opts_parse(&o, "rng", NULL), 0);
	CHECK_EQ(virtio_opts_parse(&o, "kernel", "bzImage"), 1);

	CHECK_EQ(o.nr_disks, 3);
	CHECK_EQ(o.disk[0].cache, VIRTIO_DISK_CACHE_WRITEBACK);
	CHECK_EQ(o.disk[1].cache, VIRTIO_DISK_CACHE_NONE);
	CHECK_EQ(o.disk[2].cache, VIRTIO_DISK_CACHE_WRITEBACK);
	CHECK(!strcmp(o.disk[0].path, "/img/a.raw") && o.disk[0].ro && o.disk[0].has_id &&
	      !strcmp(o.disk[0].id, "root"), "disk 0");
	CHECK(!strcmp(o.disk[1].path, "b.raw") && !o.disk[1].ro && !o.disk[1].has_id, "disk 1");
	CHECK_EQ(o.nr_nets, 4);
	CHECK(o.net[0].kind == VIRTIO_NET_TAP && !strcmp(o.net[0].name, "tap7") && o.net[0].has_mac &&
	      !memcmp(o.net[0].mac, "\x02\xaa\xbb\xcc\xdd\x0e", 6), "net 0");
	CHECK(o.net[1].kind == VIRTIO_NET_UNIX && !strcmp(o.net[1].name, "/run/a") &&
	      !strcmp(o.net[1].peer, "/run/b") && o.net[1].mtu == 9000 && !o.net[0].mtu, "net 1");
	CHECK(o.net[2].kind == VIRTIO_NET_UDP && !strcmp(o.net[2].host, "127.0.0.1") &&
	      o.net[2].port == 5000 && o.net[2].local_port == 6000, "net 2");
	CHECK(o.net[3].kind == VIRTIO_NET_UDP && !strcmp(o.net[3].host, "::1") &&
	      o.net[3].port == 7000 && o.net[3].local_port == 7000, "net 3 (local defaults to the port)");
	CHECK(o.console == VIRTIO_CONSOLE_SOCKET && !strcmp(o.console_path, "/run/con"), "console");
	CHECK(o.vsock && o.vsock_cid == 3 && !strcmp(o.vsock_uds, "/run/v"), "vsock");
	CHECK(o.rng, "rng");
out:
	virtio_opts_free(&o);
}

static void test_parse_errors(void)
{
	static const struct {
		const char *name, *arg, *msg;
	} bad[] = {
		{ "disk", "", "needs a value" },
		{ "disk", "a.img,rw", "unknown option 'rw'" },
		{ "disk", "a.img,id=123456789012345678901", "longer than 20" },
		{ "disk", "a.img,cache=unsafe", "expected cache=writeback" },
		{ "disk", "a.img,cache", "expected cache=writeback" },
		{ "net", "tap", "expected tap=NAME" },
		{ "net", "ether=x", "expected tap=NAME" },
		{ "net", "tap=t0,mac=01:00:00:00:00:01", "unicast MAC" },
		{ "net", "tap=t0,mac=02:00:00:00:00", "unicast MAC" },
		{ "net", "tap=t0,mac=02:00:00:00:00:0g", "unicast MAC" },
		{ "net", "tap=t0,peer=/x", "misplaced option 'peer'" },
		{ "net", "tap=t0,mtu=67", "MTU of 68 to 65535" },
		{ "net", "tap=t0,mtu=65536", "MTU of 68 to 65535" },
		{ "net", "tap=t0,mtu=big", "MTU of 68 to 65535" },
		{ "net", "udp=127.0.0.1", "HOST:PORT" },
		{ "net", "udp=127.0.0.1:70000", "HOST:PORT" },
		{ "net", "udp=127.0.0.1:0", "HOST:PORT" },
		{ "net", "udp=127.0.0.1:5,local=x", "port number" },
		{ "console", "serial", "stdio, pty or socket=PATH" },
		{ "console", "socket=", "stdio, pty or socket=PATH" },
		{ "vsock", "cid=2,uds=/x", "from 3 to" },
		{ "vsock", "cid=4294967295,uds=/x", "from 3 to" },
		{ "vsock", "cid=-5,uds=/x", "from 3 to" },
		{ "vsock", "cid=9", "both cid=N and uds=PATH" },
		{ "vsock", "uds=/x,port=3", "unknown option 'port'" },
		{ "rng", "yes", "takes no value" },
	};
	struct virtio_opts o;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		virtio_opts_init(&o);
		log_clear();
		CHECK(virtio_opts_parse(&o, bad[i].name, bad[i].arg) == -1,
		      "--%s %s accepted", bad[i].name, bad[i].arg);
		CHECK(log_contains(bad[i].msg), "--%s %s: message '%s' lacks '%s'",
		      bad[i].name, bad[i].arg, log_text(), bad[i].msg);
		virtio_opts_free(&o);
	}
	/* One console, one vsock. */
	virtio_opts_init(&o);
	CHECK_EQ(virtio_opts_parse(&o, "console", "pty"), 0);
	CHECK_EQ(virtio_opts_parse(&o, "console", "stdio"), -1);
	CHECK_EQ(virtio_opts_parse(&o, "vsock", "cid=3,uds=/a"), 0);
	CHECK_EQ(virtio_opts_parse(&o, "vsock", "cid=4,uds=/b"), -1);
	for (i = 0; i < VIRTIO_MAX_DISKS; i++)
		CHECK_EQ(virtio_opts_parse(&o, "disk", "x.img"), 0);
	CHECK_EQ(virtio_opts_parse(&o, "disk", "x.img"), -1);
out:
	virtio_opts_free(&o);
}

static void test_parse_argv(void)
{
	char *argv[] = { "pvisor-run", "--kernel", "vmlinux", "--disk", "a.img",
			 "--mem=512M", "--net=socket=/s", "--rng", "-v", "--",
			 "--disk", "b.img", NULL };
	int argc = 12;
	struct virtio_opts o;

	virtio_opts_init(&o);
	CHECK_EQ(virtio_opts_parse_argv(&o, &argc, argv), 0);
	CHECK_EQ(argc, 8);
	CHECK(!strcmp(argv[1], "--kernel") && !strcmp(argv[2], "vmlinux") &&
	      !strcmp(argv[3], "--mem=512M") && !strcmp(argv[4], "-v") &&
	      !strcmp(argv[5], "--") && !strcmp(argv[6], "--disk") &&
	      !strcmp(argv[7], "b.img") && !argv[8], "left for the launcher");
	CHECK_EQ(o.nr_disks, 1);
	CHECK_EQ(o.nr_nets, 1);
	CHECK(o.rng, "rng");
	virtio_opts_free(&o);
	{
		char *argv2[] = { "pvisor-run", "--disk", NULL };
		int argc2 = 2;

		virtio_opts_init(&o);
		CHECK_EQ(virtio_opts_parse_argv(&o, &argc2, argv2), -1);
		CHECK(log_contains("--disk needs a value"), "message");
	}
out:
	virtio_opts_free(&o);
}

static void test_help(void)
{
	static const char *const want[] = {
		"--disk PATH[,ro][,id=STR][,cache=writeback|none]", "--net tap=NAME", "socket=PATH[,peer=PATH]",
		"udp=HOST:PORT[,local=PORT]", "mac=", "--console stdio|pty|socket=PATH",
		"--vsock cid=N,uds=PATH", "--rng",
	};
	unsigned int i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(strstr(virtio_opts_help, want[i]), "help lacks '%s'", want[i]);
out:
	;
}

/* Devices come in a fixed order; the cmdline fragment follows it. */
static void test_device_order(void)
{
	static const uint32_t types[] = { VIRTIO_ID_CONSOLE, VIRTIO_ID_BLOCK, VIRTIO_ID_BLOCK,
					  VIRTIO_ID_NET, VIRTIO_ID_VSOCK, VIRTIO_ID_RNG };
	struct virtio_set *set = NULL;
	struct virtio_opts o;
	struct tg g = { 0 };
	char a[400], b[400], n[400], v[400], c[400], frag[512], want[512];
	unsigned int i;
	int len = 0;

	snprintf(a, sizeof(a), "%s", tmppath("a.img"));
	snprintf(b, sizeof(b), "%s,ro", tmppath("b.img"));
	snprintf(n, sizeof(n), "socket=%s", tmppath("n.sock"));
	snprintf(v, sizeof(v), "cid=5,uds=%s", tmppath("v.sock"));
	snprintf(c, sizeof(c), "socket=%s", tmppath("c.sock"));
	CHECK(make_file(a, 65536, 0) == 0 && make_file(tmppath("b.img"), 65536, 0) == 0, "images");
	{
		const char *argv[] = { "--rng", NULL, "--vsock", v, "--net", n, "--disk", a,
				       "--console", c, "--disk", b, NULL };

		CHECK(opts_from(&o, argv) == 0, "opts");
	}
	CHECK(tg_init(&g, 1 << 20, 0) == 0, "guest");
	set = virtio_set_create(&o, &g.gm, 0x10000000, 40);
	CHECK(set, "set: %s", log_text());
	CHECK_EQ(virtio_set_nr_devs(set), 6);
	for (i = 0; i < 6; i++) {
		struct virtio_dev *d = virtio_set_dev(set, i);

		CHECK_EQ(virtio_dev_type(d), types[i]);
		CHECK_EQ(virtio_dev_mmio_base(d), 0x10000000ULL + 0x1000 * i);
		CHECK_EQ(virtio_dev_irq(d), 40 + i);
		len += snprintf(want + len, sizeof(want) - len, "%svirtio_mmio.device=4K@0x%x:%u",
				i ? " " : "", 0x10000000 + 0x1000 * i, 40 + i);
	}
	CHECK(!strcmp(virtio_dev_name(virtio_set_dev(set, 2)), "virtio-blk1"), "second disk");
	virtio_set_cmdline(set, frag, sizeof(frag));
	CHECK(!strcmp(frag, want), "fragment '%s', want '%s'", frag, want);
	/* Misaligned base refused. */
	CHECK(!virtio_set_create(&o, &g.gm, 0x10000800, 5), "misaligned base accepted");
out:
	virtio_set_destroy(set);
	virtio_opts_free(&o);
	tg_fini(&g);
}

const struct test_case cmdline_tests[] = {
	{ "cmdline: every device option parses to the right fields", test_parse_all },
	{ "cmdline: bad values are refused with a message naming them", test_parse_errors },
	{ "cmdline: parse_argv strips device options, keeps the rest", test_parse_argv },
	{ "cmdline: --help fragment documents every option", test_help },
	{ "cmdline: device order, MMIO windows, IRQs, guest fragment", test_device_order },
	{ NULL, NULL },
};
