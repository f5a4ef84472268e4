/* Command line parsing for paravent-vmm: --name value and --name=value forms, every value
 * checked, conflicts refused, before anything touches KVM. */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio_net_hdr.h"
#include "vmm.h"

const char options_usage[] =
	"usage: paravent-vmm --kernel IMAGE [options]\n"
	"       paravent-vmm --restore FILE [the options the guest was saved with]\n"
	"Runs one guest on KVM; its console is this terminal unless told otherwise.\n"
	"\n"
	"  --kernel IMAGE        Linux bzImage or ELF vmlinux to boot (required)\n"
	"  --initrd FILE         initial ramdisk\n"
	"  --cmdline TEXT        kernel command line (default: \"console=ttyS0\", or \"console=hvc0\"\n"
	"                        with --console virtio)\n"
	"  --memory MiB          guest RAM in MiB (default 128, at least 16)\n"
	"  --vcpus N             vCPUs online at boot (default 1, at most 32)\n"
	"  --balloon MiB         how much of --memory the guest should use from the start: the\n"
	"                        virtio-balloon takes the rest back (default: all of it); the\n"
	"                        control socket's \"balloon\" request changes it at run time\n"
	"  --max-vcpus N         vCPUs that can be plugged at run time, by the control\n"
	"                        socket's \"vcpus\" request (default: --vcpus)\n"
	"  --disk PATH[,ro][,rate=B][,ops=B]\n"
	"                        a raw disk image as virtio-blk, read-only with ,ro, its I/O\n"
	"                        limited to B bytes or requests (repeatable)\n"
	"  --net KEY=VALUE,...   a virtio-net NIC on a tap device (repeatable):\n"
	"                          tap=NAME  use or create this tap (default: a new vifPID.N)\n"
	"                          bridge=BR attach the tap to bridge BR\n"
	"                          fd=N      use the tap already open on descriptor N\n"
	"                          mac=MAC   (default: derived from --name)\n"
	"                          backend=vhost|user|auto  in-kernel vhost-net or this process\n"
	"                          rate=B, tx-rate=B, rx-rate=B  bytes, both ways or one way\n"
	"                          ops=B, tx-ops=B, rx-ops=B     frames\n"
	"                        B is SIZE[@REFILL][+BURST]: e.g. 1M (1 MiB/s), 100K@100ms+4M\n"
	"  --vsock CID           a virtio-vsock device: dom0 reaches the guest's AF_VSOCK sockets\n"
	"                        at this context ID (3 to 4294967294, one per guest)\n"
	"  --console serial|virtio  the guest console: 8250 UART (ttyS0) or virtio-console (hvc0)\n"
	"  --console-log FILE    also append the guest console output to FILE\n"
	"  --name NAME           domain name, for messages and the control socket\n"
	"  --control SOCKET      listen for control requests (JSON lines) on this unix socket\n"
	"  --log FILE            the VMM's own messages (default: standard error)\n"
	"  --incoming SOCKET     receive a guest by live migration on this unix socket (the\n"
	"                        sender's control socket \"migrate\" request) instead of booting;\n"
	"                        the options must be those of the sender, as for --restore\n"
	"  --restore FILE        resume a guest saved by the control socket's \"save\" request\n"
	"                        instead of booting a kernel; memory, vCPUs and devices must be\n"
	"                        those it was saved with (--kernel, --initrd, --cmdline unused)\n"
	"  --confine UID:GID     once the machine is built, run in an empty root of its own as\n"
	"                        this user and group, with no capabilities; a save or a\n"
	"                        migration then needs its file or stream passed as a descriptor\n"
	"                        (paraventd always confines its VMMs)\n"
	"  --no-seccomp          run without the system call allowlist (for debugging the VMM;\n"
	"                        by default any call outside it kills the VMM)\n"
	"  --help, --version\n"
	"\n"
	"On the terminal, Ctrl-A X stops the guest and Ctrl-A Ctrl-A sends Ctrl-A.\n"
	"Exit status: 0 guest powered off, 3 guest rebooted, 4 guest crashed, 5 stopped,\n"
	"6 saved and stopped, 7 migrated away, 1 VMM error (a save file or a migration that cannot\n"
	"be restored too), 2 bad options.\n";

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A decimal integer in [min, max], the whole string. */
static bool parse_range(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	if (!s || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* 1 to max letters, digits, '-', '_' and '.': domain and interface names alike. */
static bool name_chars_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static bool valid_name(const char *s)
{
	return name_chars_ok(s, 64) && s[0] != '.' && s[0] != '-';
}

/* Splits "a,b=c,d" in place: each call returns the next item, NULL at the end. */
static char *next_item(char **p)
{
	char *item = *p;
	if (!item)
		return NULL;
	char *comma = strchr(item, ',');
	if (comma) {
		*comma = '\0';
		*p = comma + 1;
	} else {
		*p = NULL;
	}
	return item;
}

static int parse_bucket(const char *opt_name, const char *key, const char *val, struct token_bucket *b,
			char *err, size_t errlen)
{
	char why[200];

	if (token_bucket_parse(val, b, why, sizeof(why)) != 0)
		return bad(err, errlen, "--%s %s=: %s", opt_name, key, why);
	return 0;
}

static int parse_disk(char *spec, struct vmm_options *opt, char *err, size_t errlen)
{
	if (opt->ndisks == VMM_MAX_DISKS)
		return bad(err, errlen, "too many --disk options (at most 8)");
	struct disk_option *d = &opt->disk[opt->ndisks];
	char *rest = spec, *item;

	memset(d, 0, sizeof(*d));
	d->path = next_item(&rest);
	if (d->path[0] == '\0')
		return bad(err, errlen, "--disk needs a path");
	while ((item = next_item(&rest))) {
		char *eq = strchr(item, '=');
		if (eq)
			*eq = '\0';
		if (!eq && strcmp(item, "ro") == 0) {
			d->readonly = true;
		} else if (!eq && strcmp(item, "rw") == 0) {
			d->readonly = false;
		} else if (eq && strcmp(item, "rate") == 0) {
			if (parse_bucket("disk", item, eq + 1, &d->rate.bytes, err, errlen) != 0)
				return -1;
		} else if (eq && strcmp(item, "ops") == 0) {
			if (parse_bucket("disk", item, eq + 1, &d->rate.ops, err, errlen) != 0)
				return -1;
		} else {
			return bad(err, errlen, "--disk %s: unknown flag \"%s\" (ro, rw, rate=, ops=)", d->path, item);
		}
	}
	opt->ndisks++;
	return 0;
}

static bool valid_ifname(const char *s)
{
	return name_chars_ok(s, VMM_IFNAMSIZ - 1);
}

static int parse_net(const char *spec, struct vmm_options *opt, char *err, size_t errlen)
{
	if (opt->nnics == VMM_MAX_NICS)
		return bad(err, errlen, "too many --net options (at most 8)");
	struct net_option *n = &opt->net[opt->nnics];
	char copy[512], *rest = copy, *item;
	uint64_t v;

	/* on a copy: argv stays as it was, so ps and /proc/PID/cmdline show the real option */
	if (strlen(spec) >= sizeof(copy))
		return bad(err, errlen, "--net: the value is too long");
	memcpy(copy, spec, strlen(spec) + 1);

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	while ((item = next_item(&rest))) {
		char *eq = strchr(item, '=');
		if (!eq)
			return bad(err, errlen, "--net: \"%s\" is not KEY=VALUE (tap=, bridge=, fd=, mac=, backend=, rate=, ops=)", item);
		*eq = '\0';
		const char *key = item, *val = eq + 1;
		if (strcmp(key, "tap") == 0 || strcmp(key, "bridge") == 0) {
			if (!valid_ifname(val))
				return bad(err, errlen, "--net %s=%s: want an interface name of 1 to 15 letters, digits, '-', '_', '.'", key, val);
			snprintf(key[0] == 't' ? n->tap : n->bridge, VMM_IFNAMSIZ, "%s", val);
		} else if (strcmp(key, "fd") == 0) {
			if (!parse_range(val, 3, 65535, &v))
				return bad(err, errlen, "--net fd=%s: want an open file descriptor number, 3 or more", val);
			n->fd = (int)v;
		} else if (strcmp(key, "mac") == 0) {
			if (net_mac_parse(val, n->mac) != 0)
				return bad(err, errlen, "--net mac=%s: want a unicast address like 52:54:00:12:34:56", val);
			n->mac_given = true;
		} else if (strcmp(key, "backend") == 0) {
			if (strcmp(val, "vhost") == 0)
				n->backend = NET_BACKEND_VHOST;
			else if (strcmp(val, "user") == 0)
				n->backend = NET_BACKEND_USER;
			else if (strcmp(val, "auto") == 0)
				n->backend = NET_BACKEND_AUTO;
			else
				return bad(err, errlen, "--net backend=%s: want vhost, user or auto", val);
		} else if (strcmp(key, "rate") == 0 || strcmp(key, "tx-rate") == 0 || strcmp(key, "rx-rate") == 0 ||
			   strcmp(key, "ops") == 0 || strcmp(key, "tx-ops") == 0 || strcmp(key, "rx-ops") == 0) {
			bool ops = strstr(key, "ops") != NULL;
			struct token_bucket b;
			if (parse_bucket("net", key, val, &b, err, errlen) != 0)
				return -1;
			if (key[0] != 'r' || key[1] != 'x') /* rate, ops, tx-*: the guest's sending side */
				*(ops ? &n->tx.ops : &n->tx.bytes) = b;
			if (key[0] != 't') /* rate, ops, rx-*: the guest's receiving side */
				*(ops ? &n->rx.ops : &n->rx.bytes) = b;
		} else {
			return bad(err, errlen, "--net: unknown key \"%s\" (tap, bridge, fd, mac, backend, rate, tx-rate, rx-rate, ops, tx-ops, rx-ops)", key);
		}
	}
	if (!n->tap[0] && !n->bridge[0] && n->fd < 0)
		return bad(err, errlen, "--net needs tap=NAME, bridge=BRIDGE or fd=N");
	if (n->fd >= 0 && n->tap[0])
		return bad(err, errlen, "--net: fd= hands over an open tap; it cannot be combined with tap=");
	if (n->backend == NET_BACKEND_VHOST && (rate_limit_active(&n->tx) || rate_limit_active(&n->rx)))
		return bad(err, errlen, "--net: rate limits run in the user-space back-end; drop backend=vhost or the rate");
	opt->nnics++;
	return 0;
}

int options_parse(int argc, char **argv, struct vmm_options *opt, char *err, size_t errlen)
{
	static const char *const with_value[] = {
		"kernel", "initrd", "cmdline", "memory", "balloon", "vcpus", "max-vcpus", "disk", "net", "vsock",
		"console", "console-log", "name", "control", "log", "restore", "incoming", "confine",
	};
	uint64_t n;
	bool max_given = false;

	memset(opt, 0, sizeof(*opt));
	opt->memory_mib = 128;
	opt->vcpus = 1;
	opt->console = CONSOLE_SERIAL;
	opt->name = "guest";
	opt->cmdline = NULL;

	for (int i = 1; i < argc; i++) {
		char *arg = argv[i], *val = NULL;
		if (strncmp(arg, "--", 2) != 0)
			return bad(err, errlen, "unexpected argument \"%s\" (options start with --)", arg);
		char *name = arg + 2;
		char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);

		if (nlen == 4 && strncmp(name, "help", 4) == 0 && !eq) {
			opt->help = true;
			continue;
		}
		if (nlen == 7 && strncmp(name, "version", 7) == 0 && !eq) {
			opt->version = true;
			continue;
		}
		if (nlen == 10 && strncmp(name, "no-seccomp", 10) == 0 && !eq) {
			opt->no_seccomp = true;
			continue;
		}
		const char *known = NULL;
		for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++) {
			if (strlen(with_value[k]) == nlen && strncmp(name, with_value[k], nlen) == 0)
				known = with_value[k];
		}
		if (!known)
			return bad(err, errlen, "unknown option \"%s\" (see --help)", arg);
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				return bad(err, errlen, "--%s needs a value", known);
			val = argv[++i];
		}

		if (strcmp(known, "kernel") == 0) {
			opt->kernel = val;
		} else if (strcmp(known, "initrd") == 0) {
			opt->initrd = val;
		} else if (strcmp(known, "cmdline") == 0) {
			if (strlen(val) >= CMDLINE_MAX)
				return bad(err, errlen, "--cmdline is too long (at most 4095 bytes)");
			opt->cmdline = val;
		} else if (strcmp(known, "memory") == 0) {
			if (!parse_range(val, VMM_MIN_MEMORY_MIB, VMM_MAX_MEMORY_MIB, &n))
				return bad(err, errlen, "--memory %s: want MiB between 16 and 1048576", val);
			opt->memory_mib = n;
		} else if (strcmp(known, "balloon") == 0) {
			if (!parse_range(val, VMM_MIN_MEMORY_MIB, VMM_MAX_MEMORY_MIB, &n))
				return bad(err, errlen, "--balloon %s: want MiB between 16 and --memory", val);
			opt->balloon_mib = n;
		} else if (strcmp(known, "vcpus") == 0) {
			if (!parse_range(val, 1, MAX_VCPUS, &n))
				return bad(err, errlen, "--vcpus %s: want 1 to 32", val);
			opt->vcpus = (int)n;
		} else if (strcmp(known, "max-vcpus") == 0) {
			if (!parse_range(val, 1, MAX_VCPUS, &n))
				return bad(err, errlen, "--max-vcpus %s: want 1 to 32", val);
			opt->max_vcpus = (int)n;
			max_given = true;
		} else if (strcmp(known, "disk") == 0) {
			if (parse_disk(val, opt, err, errlen) != 0)
				return -1;
		} else if (strcmp(known, "net") == 0) {
			if (parse_net(val, opt, err, errlen) != 0)
				return -1;
		} else if (strcmp(known, "confine") == 0) {
			unsigned long long u, g;
			char *end;
			errno = 0;
			u = strtoull(val, &end, 10);
			bool ok = end != val && *end == ':' && !errno;
			const char *gs = end + 1;
			g = ok ? strtoull(gs, &end, 10) : 0;
			ok = ok && end != gs && *end == 0 && !errno && val[0] != '-' && gs[0] != '-';
			/* 0 would be root again; -1 means "unchanged" to setresuid */
			if (!ok || u == 0 || g == 0 || u >= 0xffffffffULL || g >= 0xffffffffULL)
				return bad(err, errlen, "--confine %s: want UID:GID, both from 1 to 4294967294", val);
			opt->confine = true;
			opt->confine_uid = (uint32_t)u;
			opt->confine_gid = (uint32_t)g;
		} else if (strcmp(known, "vsock") == 0) {
			/* 0-2 are the hypervisor, local and host; -1 is "any" */
			if (!parse_range(val, 3, 0xfffffffeULL, &n))
				return bad(err, errlen, "--vsock %s: want a context ID from 3 to 4294967294", val);
			opt->vsock_cid = (uint32_t)n;
		} else if (strcmp(known, "console") == 0) {
			if (strcmp(val, "serial") == 0)
				opt->console = CONSOLE_SERIAL;
			else if (strcmp(val, "virtio") == 0)
				opt->console = CONSOLE_VIRTIO;
			else
				return bad(err, errlen, "--console %s: want serial or virtio", val);
		} else if (strcmp(known, "console-log") == 0) {
			opt->console_log = val;
		} else if (strcmp(known, "name") == 0) {
			if (!valid_name(val))
				return bad(err, errlen, "--name \"%s\": use up to 64 letters, digits, '-', '_', '.'", val);
			opt->name = val;
		} else if (strcmp(known, "control") == 0) {
			opt->control = val;
		} else if (strcmp(known, "log") == 0) {
			opt->log = val;
		} else if (strcmp(known, "restore") == 0) {
			opt->restore = val;
		} else if (strcmp(known, "incoming") == 0) {
			opt->incoming = val;
		}
	}
	if (opt->help || opt->version)
		return 0;
	if (!opt->kernel && !opt->restore && !opt->incoming)
		return bad(err, errlen, "--kernel is required (see --help)");
	if (opt->restore && opt->incoming)
		return bad(err, errlen, "--restore and --incoming exclude each other");
	if (!opt->cmdline)
		opt->cmdline = opt->console == CONSOLE_VIRTIO ? "console=hvc0" : "console=ttyS0";
	if (!max_given)
		opt->max_vcpus = opt->vcpus;
	if (opt->max_vcpus < opt->vcpus)
		return bad(err, errlen, "--max-vcpus must be at least --vcpus");
	if (opt->balloon_mib > opt->memory_mib)
		return bad(err, errlen, "--balloon must be at most --memory (%llu MiB)", (unsigned long long)opt->memory_mib);
	if (!opt->balloon_mib)
		opt->balloon_mib = opt->memory_mib;
	return 0;
}
