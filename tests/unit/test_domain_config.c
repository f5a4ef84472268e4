/* Unit tests for domain configuration files: valid files (including one shaped like Xen's
 * own PV Linux example), every kind of error with its file, line and key, and the JSON the
 * CLI prints. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "domain_config.h"
#include "domain_config_json.h"

static char err[8192];

static int parse(const char *text, struct domain_config *cfg)
{
	return domcfg_parse("t.cfg", text, strlen(text), cfg, err, sizeof(err));
}

/* The file fails with exactly one error whose message contains want. */
static void fails_with(const char *text, const char *want)
{
	struct domain_config cfg;
	int n = parse(text, &cfg);
	CHECK(n == 1);
	if (n != 1 || !strstr(err, want))
		fprintf(stderr, "  for:\n%s\n  got %d error(s):\n%s  want: %s\n", text, n, err, want);
	else
		check_passed++;
	CHECK(cfg.kernel == NULL && cfg.ndisks == 0); /* nothing left to free */
}

#define BASE "name = \"t\"\nkernel = \"/k\"\n"

/* In the shape of the PV Linux example that ships with Xen (comments, single-quoted list
 * items, extra= for the command line, a vif with no options), paths adapted. */
static const char xen_style[] =
	"# A paravirtualised Linux guest\n"
	"\n"
	"# Guest name\n"
	"name = \"example.pvlinux\"\n"
	"\n"
	"#uuid = \"XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX\"\n"
	"kernel = \"/usr/share/paravent/kernels/guest-bzImage\"\n"
	"#ramdisk = \"/boot/initrd.gz\"\n"
	"extra = \"root=/dev/xvda1\"\n"
	"memory = 128\n"
	"#maxmem = 512\n"
	"vcpus = 2\n"
	"#maxvcpus = 4\n"
	"vif = [ '' ]\n"
	"disk = [ '/var/lib/paravent/images/guest.img,raw,xvda,rw' ]\n";

static void test_xen_example(void)
{
	struct domain_config cfg;

	int errors = parse(xen_style, &cfg);
	CHECK(errors == 0);
	CHECK_STR(err, "");
	if (errors)
		return;
	CHECK_STR(cfg.name, "example.pvlinux");
	CHECK(!cfg.has_uuid);
	CHECK_STR(cfg.kernel, "/usr/share/paravent/kernels/guest-bzImage");
	CHECK(cfg.ramdisk == NULL);
	CHECK_STR(cfg.cmdline, "root=/dev/xvda1");
	CHECK(cfg.memory_mib == 128 && cfg.maxmem_mib == 128);
	CHECK(cfg.vcpus == 2 && cfg.maxvcpus == 2);
	CHECK(cfg.nvifs == 1 && strcmp(cfg.vif[0].bridge, DOMCFG_DEFAULT_BRIDGE) == 0 && !cfg.vif[0].has_mac);
	CHECK(cfg.ndisks == 1);
	CHECK_STR(cfg.disk[0].target, "/var/lib/paravent/images/guest.img");
	CHECK(cfg.disk[0].index == 0 && !cfg.disk[0].readonly);
	CHECK(cfg.on_poweroff == DOMCFG_DESTROY && cfg.on_reboot == DOMCFG_RESTART &&
	      cfg.on_crash == DOMCFG_DESTROY);
	CHECK(cfg.cpu_weight == 256 && cfg.cap == 0 && cfg.cpus == NULL && !cfg.autostart);
	domcfg_free(&cfg);
}

static void test_everything(void)
{
	struct domain_config cfg;
	const char *text =
		"name='web-1'; uuid = \"3F2504E0-4F89-11D3-9A0C-0305E82C3301\"\n"
		"memory = 256 ; maxmem = 0x200\n"
		"vcpus = 1\nmaxvcpus = 4\ncpus = [\"0-1\", \"3\"]\ncpu_weight = 512\ncap = 50\n"
		"kernel = \"/k\"\nramdisk = \"/r\"\n"
		"root = \"/dev/xvda\"   # comments after values\nextra = \"console=hvc0 quiet\"\n"
		"disk = [\n"
		"   'vdev=xvdb, access=ro, target=/srv/data,with,commas.img',\n"
		"   'phy:/dev/vg/root,xvda,w',\n"
		"]\n"
		"disk += [ '/srv/c.img,,hdc' ]\n"
		"vif = [ 'bridge=br0,mac=00:16:3e:01:02:03,rate=10Mb/s', 'model=virtio,rate=1MB/s@20ms,vifname=web0' ]\n"
		"on_poweroff = \"preserve\"\non_reboot = 'rename-restart'\non_crash = \"restart\"\n"
		"autostart = 1\ntype = \"pvh\"\n";

	int errors = parse(text, &cfg);
	CHECK(errors == 0);
	CHECK_STR(err, "");
	if (errors)
		return;
	CHECK_STR(cfg.name, "web-1");
	char uuid[37];
	CHECK(cfg.has_uuid);
	domcfg_uuid_format(cfg.uuid, uuid);
	CHECK_STR(uuid, "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
	CHECK(cfg.memory_mib == 256 && cfg.maxmem_mib == 512);
	CHECK(cfg.vcpus == 1 && cfg.maxvcpus == 4);
	CHECK_STR(cfg.cpus, "0-1,3");
	CHECK(cfg.cpu_weight == 512 && cfg.cap == 50);
	CHECK_STR(cfg.ramdisk, "/r");
	CHECK_STR(cfg.cmdline, "root=/dev/xvda console=hvc0 quiet");
	/* sorted by name: xvda, xvdb, hdc */
	CHECK(cfg.ndisks == 3);
	CHECK_STR(cfg.disk[0].target, "/dev/vg/root");
	CHECK(cfg.disk[0].index == 0 && !cfg.disk[0].readonly);
	CHECK_STR(cfg.disk[1].target, "/srv/data,with,commas.img");
	CHECK(cfg.disk[1].readonly);
	CHECK_STR(cfg.disk[2].vdev, "hdc");
	CHECK(cfg.nvifs == 2);
	CHECK_STR(cfg.vif[0].bridge, "br0");
	CHECK(cfg.vif[0].has_mac && cfg.vif[0].mac[5] == 3 && cfg.vif[0].mac[0] == 0);
	CHECK(cfg.vif[0].has_rate && cfg.vif[0].rate.bytes_per_sec == 1250000 &&
	      cfg.vif[0].rate.interval_us == 50000);
	CHECK(cfg.vif[1].rate.bytes_per_sec == 1000000 && cfg.vif[1].rate.interval_us == 20000);
	{
		char arg[200];
		domcfg_vif_net_arg(&cfg.vif[0], -1, arg, sizeof(arg));
		CHECK_STR(arg, "bridge=br0,mac=00:16:3e:01:02:03,tx-rate=62500@50ms"); /* 1.25 MB/s in 50 ms steps */
		domcfg_vif_net_arg(&cfg.vif[1], -1, arg, sizeof(arg));
		CHECK_STR(arg, "bridge=pvbr0,tap=web0,tx-rate=20000@20ms");
		domcfg_vif_net_arg(&cfg.vif[1], 7, arg, sizeof(arg)); /* a tap handed over: no name */
		CHECK_STR(arg, "bridge=pvbr0,fd=7,tx-rate=20000@20ms");
	}
	CHECK(cfg.on_poweroff == DOMCFG_PRESERVE && cfg.on_reboot == DOMCFG_RENAME_RESTART &&
	      cfg.on_crash == DOMCFG_RESTART && cfg.autostart);

	cJSON *j = domcfg_to_json(&cfg);
	char *s = cJSON_PrintUnformatted(j);
	CHECK(s && strstr(s, "\"name\":\"web-1\",\"uuid\":\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\",\"memory\":256,"
			     "\"maxmem\":512,\"vcpus\":1,\"maxvcpus\":4,\"cpus\":\"0-1,3\""));
	CHECK(s && strstr(s, "{\"target\":\"/dev/vg/root\",\"vdev\":\"xvda\",\"guest_device\":\"vda\",\"access\":\"rw\"}"));
	CHECK(s && strstr(s, "\"mac\":\"00:16:3e:01:02:03\",\"rate\":{\"bytes_per_sec\":1250000,\"interval_us\":50000}"));
	CHECK(s && strstr(s, "\"on_poweroff\":\"preserve\",\"on_reboot\":\"rename-restart\",\"on_crash\":\"restart\",\"autostart\":true}"));
	free(s);
	cJSON_Delete(j);
	domcfg_free(&cfg);

	/* cmdline wins over root/extra, with a warning but no error */
	CHECK(parse(BASE "cmdline = \"a b\"\nextra = \"c\"\n", &cfg) == 0);
	CHECK_STR(cfg.cmdline, "a b");
	CHECK(strstr(err, "warning: t.cfg: cmdline is set, so root and extra are ignored") != NULL);
	domcfg_free(&cfg);
}

static void test_errors(void)
{
	/* syntax, with the line */
	fails_with(BASE "memory 128\n", "t.cfg:3: memory: expected '=' after the key");
	fails_with(BASE "memory =\n", "t.cfg:3: memory: no value after '='");
	fails_with(BASE "\nextra = \"open\n", "t.cfg:4: a string is not closed on its line");
	fails_with(BASE "extra = \"a\\qb\"\n", "t.cfg:3: unknown escape");
	fails_with(BASE "extra = root=/dev/sda\n", "t.cfg:3: a value that is neither a quoted string");
	fails_with(BASE "vif = [ 'a' 'b' ]\n", "t.cfg:3: items of a list are separated by commas");
	fails_with(BASE "disk = [ '/a,raw,xvda',\n", "a [list] is not closed");
	fails_with(BASE "disk = [ ['/a'] ]\n", "lists cannot contain lists");
	fails_with(BASE "memory = 128 256\n", "t.cfg:3: memory: unexpected text after the value");
	fails_with(BASE "= 5\n", "t.cfg:3: expected a setting");
	fails_with(BASE "memory = 99999999999999999999999\n", "a number out of range");
	/* meaning, with file, line and key */
	fails_with(BASE "colour = \"blue\"\n", "t.cfg:3: colour: unknown key");
	fails_with(BASE "bootloader = \"pygrub\"\n", "t.cfg:3: bootloader: an xl.cfg key Paravent does not support");
	fails_with(BASE "vnc = 1\n", "t.cfg:3: vnc: an xl.cfg key Paravent does not support");
	fails_with(BASE "memory = \"128\"\n", "t.cfg:3: memory: want a number, not a string");
	fails_with(BASE "memory = 8\n", "t.cfg:3: memory: 8 is out of range (16 to 1048576)");
	fails_with(BASE "vcpus = 33\n", "vcpus: 33 is out of range (1 to 32)");
	fails_with(BASE "vcpus = 4\nmaxvcpus = 2\n", "maxvcpus: 2 is below vcpus (4)");
	fails_with(BASE "memory = 512\nmaxmem = 256\n", "maxmem: 256 MiB is below memory (512 MiB)");
	fails_with(BASE "memory = 64\nmemory = 128\n", "t.cfg:4: memory: set twice (first on line 3)");
	fails_with(BASE "memory += 64\n", "+= only adds to lists");
	fails_with("kernel = \"/k\"\n", "name: missing");
	fails_with("name = \"x\"\n", "kernel: missing");
	fails_with(BASE "ramdisk = \"initrd.img\"\n", "ramdisk: \"initrd.img\" is not an absolute path");
	fails_with("name = \"-x\"\nkernel = \"/k\"\n", "t.cfg:1: name: \"-x\": want 1 to 64 letters");
	fails_with("name = \"a/b\"\nkernel = \"/k\"\n", "name: \"a/b\"");
	fails_with(BASE "uuid = \"1234\"\n", "uuid: \"1234\" is not a UUID");
	fails_with(BASE "uuid = \"3F2504E0-4F89-11D3-9A0C-0305E82C330Z\"\n", "is not a UUID");
	fails_with(BASE "cpus = \"3-1\"\n", "cpus: \"3-1\" is not a CPU list");
	fails_with(BASE "cpus = \"^1\"\n", "excluding CPUs with '^' is not supported");
	fails_with(BASE "cpu_weight = 0\n", "cpu_weight: 0 is out of range");
	fails_with(BASE "on_crash = \"coredump-restart\"\n", "an xl action Paravent does not support");
	fails_with(BASE "on_crash = \"explode\"\n", "want destroy, restart, preserve or rename-restart");
	fails_with(BASE "type = \"hvm\"\n", "type: \"hvm\" guests are not supported");
	fails_with(BASE "autostart = 2\n", "autostart: 2 is out of range (0 to 1)");
	fails_with(BASE "disk = '/a,raw,xvda'\n", "disk: want a list, not a string");
	fails_with(BASE "disk = [ 5 ]\n", "disk: item 1: want a string");
	fails_with(BASE "disk = [ '/a,qcow2,xvda' ]\n", "format qcow2 is not supported, only raw");
	fails_with(BASE "disk = [ 'img,raw,xvda' ]\n", "the target \"img\" is not an absolute path");
	fails_with(BASE "disk = [ '/a,raw,xvda1' ]\n", "want a virtual device name such as xvda or vdb, not \"xvda1\"");
	fails_with(BASE "disk = [ '/a,raw,xvda,rx' ]\n", "access \"rx\": want rw, w, ro or r");
	fails_with(BASE "disk = [ '/a,raw,xvda', '/b,raw,vda' ]\n", "vda is given twice");
	fails_with(BASE "disk = [ '/a,raw,xvda,rw,extra' ]\n", "more than four positional fields");
	fails_with(BASE "disk = [ '/a,raw,xvda,cdrom' ]\n", "CD-ROM devices are not supported");
	fails_with(BASE "disk = [ 'vdev=xvda,backendtype=qdisk,target=/a' ]\n", "the disk option backendtype is not supported");
	fails_with(BASE "disk = [ 'tap:aio:/a,xvda,w' ]\n", "only raw images and block devices");
	fails_with(BASE "vif = [ 'mac=01:00:5e:00:00:01' ]\n", "is not a unicast MAC address");
	fails_with(BASE "vif = [ 'mac=00:16:3e:zz:00:01' ]\n", "is not a unicast MAC address");
	fails_with(BASE "vif = [ 'rate=fast' ]\n", "rate \"fast\": want e.g. 10Mb/s");
	fails_with(BASE "vif = [ 'rate=10Mb/s@0ms' ]\n", "rate \"10Mb/s@0ms\"");
	fails_with(BASE "vif = [ 'bridge=a/b' ]\n", "\"a/b\" is not a bridge name");
	fails_with(BASE "vif = [ 'script=vif-route' ]\n", "the vif option script is not supported");
	fails_with(BASE "vif = [ 'vifname=averyveryverylongname' ]\n", "is not an interface name");
	fails_with(BASE "vif = [ 'model=e1000' ]\n", "model=e1000 is not supported: every NIC is virtio-net");
	fails_with(BASE "vif = [ 'bridge' ]\n", "\"bridge\" is not KEY=VALUE");

	/* several problems: each is reported, each with its own line */
	struct domain_config cfg;
	CHECK(parse("name = \"x\"\nmemory = 1\nvcpus = 0\nfoo = 1\n", &cfg) == 4);
	CHECK(strstr(err, "t.cfg:2: memory:") && strstr(err, "t.cfg:3: vcpus:") &&
	      strstr(err, "t.cfg:4: foo: unknown key") && strstr(err, "kernel: missing"));
	/* a binary file, an oversized one */
	CHECK(domcfg_parse("bin", "name\0x", 6, &cfg, err, sizeof(err)) >= 1 && strstr(err, "NUL byte"));
	char *big = malloc(DOMCFG_MAX_FILE + 2);
	if (big) {
		memset(big, '#', DOMCFG_MAX_FILE + 1);
		CHECK(domcfg_parse("big", big, DOMCFG_MAX_FILE + 1, &cfg, err, sizeof(err)) == 1 &&
		      strstr(err, "larger than"));
		free(big);
	}
	/* a tiny error buffer is never overrun and stays a string */
	char small[16];
	memset(small, 'x', sizeof(small));
	CHECK(domcfg_parse("t.cfg", "foo = 1\nbar = 2\n", 16, &cfg, small, 10) >= 2);
	CHECK(memchr(small, 0, 10) != NULL && small[10] == 'x');
}

int main(void)
{
	test_xen_example();
	test_everything();
	test_errors();
	return check_summary("domain_config");
}
