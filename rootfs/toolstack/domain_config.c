/* Domain configuration: the meaning of each xl.cfg key we support, the keys xl knows that we
 * do not (named as such, so a Xen user knows why), and the checks across keys. */
#include "domain_config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_syntax.h"
#include "messages.h"

struct ctx {
	const char *file;
	struct messages *msg;
	struct domain_config *cfg;
	const struct cfg_setting *st; /* the setting being applied */
	char *root, *extra;
	bool name_seen, kernel_seen; /* set, even if to a bad value: not "missing" then */
};

static void bad(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(struct ctx *c, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	message_error(c->msg, "%s:%d: %s: %s", c->file, c->st->line, c->st->key, what);
}

/* Is s one of list's names (NULL-terminated)? */
static bool listed(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static const char *type_name(enum cfg_type t)
{
	return t == CFG_STRING ? "a string" : t == CFG_NUMBER ? "a number" : "a list";
}

static const struct cfg_value *want(struct ctx *c, enum cfg_type t)
{
	if (c->st->value.type != t) {
		bad(c, "want %s, not %s", type_name(t), type_name(c->st->value.type));
		return NULL;
	}
	return &c->st->value;
}

static bool number_in(struct ctx *c, long long lo, long long hi, long long *out)
{
	const struct cfg_value *v = want(c, CFG_NUMBER);
	if (!v)
		return false;
	if (v->number < lo || v->number > hi) {
		bad(c, "%lld is out of range (%lld to %lld)", v->number, lo, hi);
		return false;
	}
	*out = v->number;
	return true;
}

static char *string_dup(struct ctx *c)
{
	const struct cfg_value *v = want(c, CFG_STRING);
	if (!v)
		return NULL;
	char *s = strdup(v->text);
	if (!s)
		bad(c, "out of memory");
	return s;
}

static void set_string(struct ctx *c, char **field)
{
	char *s = string_dup(c);
	if (!s)
		return;
	free(*field);
	*field = s;
}

static void set_path(struct ctx *c, char **field)
{
	const struct cfg_value *v = want(c, CFG_STRING);
	if (!v)
		return;
	if (v->text[0] != '/') {
		bad(c, "\"%s\" is not an absolute path", v->text);
		return;
	}
	set_string(c, field);
}

/* --- keys ---------------------------------------------------------------------------- */

static void key_name(struct ctx *c)
{
	const struct cfg_value *v = want(c, CFG_STRING);
	if (!v)
		return;
	size_t n = strlen(v->text);
	bool ok = n > 0 && n < sizeof(c->cfg->name) && v->text[0] != '.' && v->text[0] != '-';
	for (size_t i = 0; ok && i < n; i++) {
		char ch = v->text[i];
		ok = isalnum((unsigned char)ch) || ch == '-' || ch == '_' || ch == '.';
	}
	if (!ok) {
		bad(c, "\"%s\": want 1 to 64 letters, digits, '-', '_' or '.', not starting with '.' or '-'",
		    v->text);
		return;
	}
	memcpy(c->cfg->name, v->text, n + 1);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static void key_uuid(struct ctx *c)
{
	const struct cfg_value *v = want(c, CFG_STRING);
	if (!v)
		return;
	const char *p = v->text;
	int nib = 0;
	for (size_t i = 0; p[i]; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (p[i] != '-')
				break;
			continue;
		}
		int h = hexval(p[i]);
		if (h < 0 || nib >= 32) {
			nib = -1;
			break;
		}
		c->cfg->uuid[nib / 2] = (uint8_t)(nib % 2 ? c->cfg->uuid[nib / 2] | h : h << 4);
		nib++;
	}
	if (nib != 32 || strlen(p) != 36) {
		bad(c, "\"%s\" is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", p);
		return;
	}
	c->cfg->has_uuid = true;
}

static void key_memory(struct ctx *c)
{
	long long n;
	if (number_in(c, DOMCFG_MIN_MEMORY_MIB, 1 << 20, &n))
		c->cfg->memory_mib = (uint64_t)n;
}

static void key_maxmem(struct ctx *c)
{
	long long n;
	if (number_in(c, DOMCFG_MIN_MEMORY_MIB, 1 << 20, &n))
		c->cfg->maxmem_mib = (uint64_t)n;
}

static void key_vcpus(struct ctx *c)
{
	long long n;
	if (number_in(c, 1, DOMCFG_MAX_VCPUS, &n))
		c->cfg->vcpus = (int)n;
}

static void key_maxvcpus(struct ctx *c)
{
	long long n;
	if (number_in(c, 1, DOMCFG_MAX_VCPUS, &n))
		c->cfg->maxvcpus = (int)n;
}

/* cpus: "all", "3", "0-3,6" or a list ["0-1", "4"]: CPU numbers below 1024. Kept as the
 * comma-joined string the cgroup cpuset takes. */
static bool cpulist_ok(const char *s)
{
	if (!*s)
		return false;
	while (*s) {
		char *end;
		if (!isdigit((unsigned char)*s))
			return false;
		long a = strtol(s, &end, 10), b = a;
		s = end;
		if (*s == '-') {
			s++;
			if (!isdigit((unsigned char)*s))
				return false;
			b = strtol(s, &end, 10);
			s = end;
		}
		if (a > b || b >= 1024)
			return false;
		if (*s == ',')
			s++;
		else if (*s)
			return false;
	}
	return true;
}

static void key_cpus(struct ctx *c)
{
	const struct cfg_value *v = &c->st->value;
	char joined[1024] = "";
	size_t len = 0;

	if (v->type == CFG_NUMBER) {
		snprintf(joined, sizeof(joined), "%s", v->text);
	} else if (v->type == CFG_STRING) {
		if (strcmp(v->text, "all") == 0) {
			free(c->cfg->cpus);
			c->cfg->cpus = NULL;
			return;
		}
		snprintf(joined, sizeof(joined), "%s", v->text);
	} else {
		for (int i = 0; i < v->nitems; i++) {
			int n = snprintf(joined + len, sizeof(joined) - len, "%s%s", i ? "," : "", v->items[i].text);
			if (n < 0 || (size_t)n >= sizeof(joined) - len) {
				bad(c, "too long");
				return;
			}
			len += (size_t)n;
		}
	}
	if (strchr(joined, '^')) {
		bad(c, "\"%s\": excluding CPUs with '^' is not supported; list the ones to use", joined);
		return;
	}
	if (!cpulist_ok(joined)) {
		bad(c, "\"%s\" is not a CPU list (\"all\", \"2\", \"0-3,6\")", joined);
		return;
	}
	free(c->cfg->cpus);
	c->cfg->cpus = strdup(joined);
}

static void key_cpu_weight(struct ctx *c)
{
	long long n;
	if (number_in(c, 1, 65535, &n))
		c->cfg->cpu_weight = (int)n;
}

static void key_cap(struct ctx *c)
{
	long long n;
	if (number_in(c, 0, 100 * 1024, &n))
		c->cfg->cap = (int)n;
}

static void key_kernel(struct ctx *c) { set_path(c, &c->cfg->kernel); }
static void key_ramdisk(struct ctx *c) { set_path(c, &c->cfg->ramdisk); }
static void key_cmdline(struct ctx *c) { set_string(c, &c->cfg->cmdline); }
static void key_root(struct ctx *c) { set_string(c, &c->root); }
static void key_extra(struct ctx *c) { set_string(c, &c->extra); }

static void key_autostart(struct ctx *c)
{
	long long n;
	if (number_in(c, 0, 1, &n))
		c->cfg->autostart = n == 1;
}

static bool action_parse(const char *s, enum domcfg_action *a)
{
	static const char *const names[] = { "destroy", "restart", "preserve", "rename-restart" };
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*a = (enum domcfg_action)i;
			return true;
		}
	}
	return false;
}

static void set_action(struct ctx *c, enum domcfg_action *field)
{
	const struct cfg_value *v = want(c, CFG_STRING);
	if (!v)
		return;
	if (!action_parse(v->text, field)) {
		if (strncmp(v->text, "coredump-", 9) == 0 || strcmp(v->text, "soft-reset") == 0)
			bad(c, "\"%s\" is an xl action Paravent does not support (destroy, restart, preserve, "
			    "rename-restart)", v->text);
		else
			bad(c, "\"%s\": want destroy, restart, preserve or rename-restart", v->text);
	}
}

static void key_on_poweroff(struct ctx *c) { set_action(c, &c->cfg->on_poweroff); }
static void key_on_reboot(struct ctx *c) { set_action(c, &c->cfg->on_reboot); }
static void key_on_crash(struct ctx *c) { set_action(c, &c->cfg->on_crash); }

/* type / builder: we boot kernels directly, which is what PV and PVH guests do too. */
static void key_type(struct ctx *c)
{
	const struct cfg_value *v = want(c, CFG_STRING);
	if (!v)
		return;
	if (strcmp(v->text, "pv") && strcmp(v->text, "pvh") && strcmp(v->text, "linux"))
		bad(c, "\"%s\" guests are not supported: Paravent boots a kernel directly (\"pv\" and "
		    "\"pvh\" configs are taken as that)", v->text);
}

/* --- disk specs: xl-disk-configuration(5), positional and key=value forms ---------------- */

static bool vdev_parse(const char *s, int *index)
{
	size_t skip = strncmp(s, "xvd", 3) == 0 ? 3 : (strncmp(s, "vd", 2) == 0 || strncmp(s, "hd", 2) == 0 ||
						    strncmp(s, "sd", 2) == 0) ? 2 : 0;
	if (!skip || !s[skip] || s[skip + 1] || s[skip] < 'a' || s[skip] > 'z')
		return false;
	*index = s[skip] - 'a';
	return true;
}

/* Disk options of other back-ends that xl knows: refused by name. */
static const char *const disk_unsupported[] = {
	"devtype", "backend", "backendtype", "script", "discard", "no-discard", "direct-io-safe", "colo", NULL,
};

static void disk_spec(struct ctx *c, const char *spec)
{
	struct domcfg_disk d = { .index = -1 };
	char buf[CFG_MAX_STRING + 1], *save = NULL;
	const char *target = NULL, *format = NULL, *vdev = NULL, *access = NULL;
	int pos = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	/* target= comes last and takes the rest of the spec, commas included */
	for (char *t = strstr(buf, "target="); t; t = strstr(t + 1, "target=")) {
		char *before = t;
		while (before > buf && before[-1] == ' ')
			before--;
		if (before == buf || before[-1] == ',') {
			target = t + 7;
			*(before == buf ? before : before - 1) = 0;
			break;
		}
	}
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		char *eq = strchr(tok, '=');
		if (eq) {
			*eq = 0;
			const char *k = tok, *val = eq + 1;
			if (strcmp(k, "format") == 0) format = val;
			else if (strcmp(k, "vdev") == 0) vdev = val;
			else if (strcmp(k, "access") == 0) access = val;
			else if (listed(k, disk_unsupported)) {
				bad(c, "\"%s\": the disk option %s is not supported by Paravent", spec, k);
				return;
			} else {
				bad(c, "\"%s\": unknown disk option \"%s\"", spec, k);
				return;
			}
			continue;
		}
		if (strcmp(tok, "cdrom") == 0 || strcmp(tok, "devtype=cdrom") == 0) {
			bad(c, "\"%s\": CD-ROM devices are not supported", spec);
			return;
		}
		switch (pos++) {
		case 0:
			if (target) {
				bad(c, "\"%s\": a target both by position and by target=", spec);
				return;
			}
			target = tok;
			break;
		case 1: format = tok; break;
		case 2: vdev = tok; break;
		case 3: access = tok; break;
		default:
			bad(c, "\"%s\": more than four positional fields (target,format,vdev,access)", spec);
			return;
		}
	}
	/* The xm-era form "phy:/dev/sdb1,xvda,w": three fields, the second a vdev. */
	if (format && !vdev && access == NULL && vdev_parse(format, &d.index)) {
		vdev = format;
		format = NULL;
	} else if (pos == 3 && format && vdev && !access && vdev_parse(format, &d.index)) {
		access = vdev;
		vdev = format;
		format = NULL;
	}
	if (!target || !*target) {
		bad(c, "\"%s\": no target (the image file or device)", spec);
		return;
	}
	if (strncmp(target, "phy:", 4) == 0 || strncmp(target, "file:", 5) == 0)
		target = strchr(target, ':') + 1;
	else if (strncmp(target, "tap:", 4) == 0 || strncmp(target, "qcow", 4) == 0) {
		bad(c, "\"%s\": only raw images and block devices are supported", spec);
		return;
	}
	if (target[0] != '/') {
		bad(c, "\"%s\": the target \"%s\" is not an absolute path", spec, target);
		return;
	}
	if (format && *format && strcmp(format, "raw") != 0) {
		bad(c, "\"%s\": format %s is not supported, only raw (convert with qemu-img convert -O raw)",
		    spec, format);
		return;
	}
	if (!vdev || !vdev_parse(vdev, &d.index)) {
		bad(c, "\"%s\": want a virtual device name such as xvda or vdb, not \"%s\"", spec,
		    vdev ? vdev : "");
		return;
	}
	if (!access || !*access || strcmp(access, "rw") == 0 || strcmp(access, "w") == 0) {
		d.readonly = false;
	} else if (strcmp(access, "ro") == 0 || strcmp(access, "r") == 0) {
		d.readonly = true;
	} else {
		bad(c, "\"%s\": access \"%s\": want rw, w, ro or r", spec, access);
		return;
	}
	for (int i = 0; i < c->cfg->ndisks; i++) {
		if (c->cfg->disk[i].index == d.index) {
			bad(c, "\"%s\": %s is given twice", spec, vdev);
			return;
		}
	}
	if (c->cfg->ndisks == DOMCFG_MAX_DISKS) {
		bad(c, "more than %d disks", DOMCFG_MAX_DISKS);
		return;
	}
	snprintf(d.vdev, sizeof(d.vdev), "%s", vdev);
	d.target = strdup(target);
	c->cfg->disk[c->cfg->ndisks++] = d;
}

/* --- vif specs: xl-network-configuration(5) -------------------------------------------- */

static bool mac_parse(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[2] != ':') || (i == 5 && s[2]))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 3;
	}
	return true;
}

/* "10Mb/s", "1MB/s@20ms", "1000000B/s": a number, an optional K, M or G, B (bytes) or b
 * (bits), "/s", and an optional refill interval in s, ms or us. */
static bool rate_parse(const char *s, struct domcfg_rate *r)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	unsigned long long mult = 1;

	if (end == s || n == 0)
		return false;
	if (*end == 'K') { mult = 1000; end++; }
	else if (*end == 'M') { mult = 1000000; end++; }
	else if (*end == 'G') { mult = 1000000000; end++; }
	bool bits = *end == 'b';
	if (*end != 'b' && *end != 'B')
		return false;
	end++;
	if (strncmp(end, "/s", 2) != 0)
		return false;
	end += 2;
	if (n > UINT64_MAX / mult)
		return false;
	r->bytes_per_sec = n * mult / (bits ? 8 : 1);
	r->interval_us = 50000;
	if (*end == '@') {
		unsigned long long t = strtoull(end + 1, &end, 10);
		unsigned long long scale = strcmp(end, "s") == 0 ? 1000000 : strcmp(end, "ms") == 0 ? 1000 :
					   strcmp(end, "us") == 0 ? 1 : 0;
		if (!scale || t == 0 || t > 10ULL * 1000000 / scale)
			return false;
		r->interval_us = (uint32_t)(t * scale);
	} else if (*end) {
		return false;
	}
	return r->bytes_per_sec > 0;
}

/* Vif options xl knows that Paravent does not support: refused by name. */
static const char *const vif_unsupported[] = {
	"ip", "script", "backend", "gatewaydev", "mtu", "trusted", "devid", NULL,
};

/* A network interface name, as the kernel takes it (IFNAMSIZ): 1 to 15 letters, digits, -, _, . */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);
	bool ok = n > 0 && n < 16;
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.';
	return ok;
}

static void vif_spec(struct ctx *c, const char *spec)
{
	struct domcfg_vif v;
	char buf[CFG_MAX_STRING + 1], *save = NULL;

	memset(&v, 0, sizeof(v));
	snprintf(v.bridge, sizeof(v.bridge), "%s", DOMCFG_DEFAULT_BRIDGE);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		char *eq = strchr(tok, '=');
		if (!eq) {
			bad(c, "\"%s\": \"%s\" is not KEY=VALUE", spec, tok);
			return;
		}
		*eq = 0;
		const char *k = tok, *val = eq + 1;
		if (strcmp(k, "bridge") == 0) {
			if (!ifname_ok(val)) {
				bad(c, "\"%s\": \"%s\" is not a bridge name", spec, val);
				return;
			}
			snprintf(v.bridge, sizeof(v.bridge), "%s", val);
		} else if (strcmp(k, "vifname") == 0) {
			if (!ifname_ok(val)) {
				bad(c, "\"%s\": \"%s\" is not an interface name (up to 15 letters, digits, -, _, .)", spec, val);
				return;
			}
			snprintf(v.vifname, sizeof(v.vifname), "%s", val);
		} else if (strcmp(k, "mac") == 0) {
			if (!mac_parse(val, v.mac) || (v.mac[0] & 1)) {
				bad(c, "\"%s\": \"%s\" is not a unicast MAC address (xx:xx:xx:xx:xx:xx)", spec, val);
				return;
			}
			v.has_mac = true;
		} else if (strcmp(k, "rate") == 0) {
			if (!rate_parse(val, &v.rate)) {
				bad(c, "\"%s\": rate \"%s\": want e.g. 10Mb/s, 1MB/s or 1MB/s@20ms", spec, val);
				return;
			}
			v.has_rate = true;
		} else if (strcmp(k, "model") == 0 || strcmp(k, "type") == 0) {
			/* every NIC is virtio-net: accept the values that mean a paravirtual NIC */
			if (strcmp(val, "virtio") && strcmp(val, "vif") && strcmp(val, "virtio-net")) {
				bad(c, "\"%s\": %s=%s is not supported: every NIC is virtio-net", spec, k, val);
				return;
			}
		} else if (listed(k, vif_unsupported)) {
			bad(c, "\"%s\": the vif option %s is not supported by Paravent", spec, k);
			return;
		} else {
			bad(c, "\"%s\": unknown vif option \"%s\"", spec, k);
			return;
		}
	}
	if (c->cfg->nvifs == DOMCFG_MAX_VIFS) {
		bad(c, "more than %d network interfaces", DOMCFG_MAX_VIFS);
		return;
	}
	c->cfg->vif[c->cfg->nvifs++] = v;
}

void domcfg_vif_net_arg(const struct domcfg_vif *v, int fd, char *out, size_t outlen)
{
	size_t n = (size_t)snprintf(out, outlen, "bridge=%s", v->bridge);

	if (fd >= 0 && n < outlen)
		n += (size_t)snprintf(out + n, outlen - n, ",fd=%d", fd);
	else if (v->vifname[0] && n < outlen)
		n += (size_t)snprintf(out + n, outlen - n, ",tap=%s", v->vifname);
	if (v->has_mac && n < outlen)
		n += (size_t)snprintf(out + n, outlen - n, ",mac=%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0],
				      v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
	if (v->has_rate && n < outlen) {
		uint64_t ms = v->rate.interval_us / 1000 ? v->rate.interval_us / 1000 : 1;
		uint64_t size = v->rate.bytes_per_sec / 1000 * ms + v->rate.bytes_per_sec % 1000 * ms / 1000;
		snprintf(out + n, outlen - n, ",tx-rate=%llu@%llums", (unsigned long long)(size ? size : 1),
			 (unsigned long long)ms);
	}
}

static void each_spec(struct ctx *c, void (*fn)(struct ctx *, const char *))
{
	const struct cfg_value *v = want(c, CFG_LIST);
	if (!v)
		return;
	for (int i = 0; i < v->nitems; i++) {
		if (v->items[i].type != CFG_STRING) {
			bad(c, "item %d: want a string", i + 1);
			continue;
		}
		fn(c, v->items[i].text);
	}
}

static void key_disk(struct ctx *c) { each_spec(c, disk_spec); }
static void key_vif(struct ctx *c) { each_spec(c, vif_spec); }

/* --- the key table ----------------------------------------------------------------------- */

static const struct key {
	const char *name;
	void (*apply)(struct ctx *);
	bool list; /* += appends */
} keys[] = {
	{ "name", key_name, false },         { "uuid", key_uuid, false },
	{ "memory", key_memory, false },     { "maxmem", key_maxmem, false },
	{ "vcpus", key_vcpus, false },       { "maxvcpus", key_maxvcpus, false },
	{ "cpus", key_cpus, false },         { "cpu_weight", key_cpu_weight, false },
	{ "cap", key_cap, false },           { "kernel", key_kernel, false },
	{ "ramdisk", key_ramdisk, false },   { "cmdline", key_cmdline, false },
	{ "root", key_root, false },         { "extra", key_extra, false },
	{ "disk", key_disk, true },          { "vif", key_vif, true },
	{ "on_poweroff", key_on_poweroff, false },
	{ "on_shutdown", key_on_poweroff, false }, /* the xm name of on_poweroff */
	{ "on_reboot", key_on_reboot, false }, { "on_crash", key_on_crash, false },
	{ "autostart", key_autostart, false }, { "type", key_type, false },
	{ "builder", key_type, false },
};

/* Keys xl.cfg (or xm) knows that Paravent does not support: named as such. */
static const char *const xl_unsupported[] = {
	"bootloader", "bootloader_args", "cpus_soft", "on_watchdog", "on_soft_reset", "vfb", "vnc",
	"vnclisten", "vncdisplay", "vncunused", "vncpasswd", "sdl", "opengl", "keymap", "serial",
	"pci", "usb", "usbctrl", "usbdev", "usbdevice", "vtpm", "vkb", "p9", "pvcalls", "channel",
	"vdispl", "vsnd", "rdm", "dtdev", "iomem", "ioports", "irqs", "max_grant_frames",
	"max_maptrack_frames", "e820_host", "pool", "seclabel", "init_seclabel", "device_model_version",
	"device_model_override", "device_model_stubdomain_override", "acpi", "apic", "pae", "hap",
	"nestedhvm", "viridian", "boot", "videoram", "stdvga", "vga", "soundhw", "localtime",
	"rtc_timeoffset", "tsc_mode", "driver_domain", "device_tree", "gfx_passthru", "nomigrate",
	"passthrough", "cpuid", "vscsi", "nics", "nfs_server", "nfs_root", "cpu", "vif2", "firmware",
	"bios", "shadow_memory", "timer_mode", "hpet", "altp2m", "vpmu", "claim_mode", "features",
	"max_event_channels", "xen_platform_pci", "vuart", "gic_version", "dm_restrict",
	"blkdev_start", "vcpu_hard_affinity", "vcpu_soft_affinity", "memory_sharing", "mca_caps", NULL,
};

static const struct key *key_find(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* Checks across keys, once every setting is applied. */
static void finish(struct ctx *c, const struct cfg_file *f)
{
	struct domain_config *cfg = c->cfg;
	struct cfg_setting whole = { .line = f->n ? f->settings[f->n - 1].line : 1 };

	c->st = &whole;
	if (!cfg->name[0] && !c->name_seen) {
		snprintf(whole.key, sizeof(whole.key), "name");
		bad(c, "missing: every domain needs a name");
	}
	if (!cfg->kernel && !c->kernel_seen) {
		snprintf(whole.key, sizeof(whole.key), "kernel");
		bad(c, "missing: Paravent boots a kernel directly (there is no bootloader support)");
	}
	if (!cfg->maxmem_mib)
		cfg->maxmem_mib = cfg->memory_mib;
	if (cfg->maxmem_mib < cfg->memory_mib) {
		snprintf(whole.key, sizeof(whole.key), "maxmem");
		bad(c, "%llu MiB is below memory (%llu MiB)", (unsigned long long)cfg->maxmem_mib,
		    (unsigned long long)cfg->memory_mib);
	}
	if (!cfg->maxvcpus)
		cfg->maxvcpus = cfg->vcpus;
	if (cfg->maxvcpus < cfg->vcpus) {
		snprintf(whole.key, sizeof(whole.key), "maxvcpus");
		bad(c, "%d is below vcpus (%d)", cfg->maxvcpus, cfg->vcpus);
	}
	/* cmdline wins over root + extra, as in xl */
	if (cfg->cmdline && (c->root || c->extra)) {
		message_warning(c->msg, "%s: cmdline is set, so root and extra are ignored", c->file);
	} else if (!cfg->cmdline && (c->root || c->extra)) {
		size_t n = (c->root ? strlen(c->root) + 6 : 0) + (c->extra ? strlen(c->extra) + 1 : 0) + 1;
		cfg->cmdline = malloc(n);
		if (cfg->cmdline)
			snprintf(cfg->cmdline, n, "%s%s%s%s", c->root ? "root=" : "", c->root ? c->root : "",
				 c->root && c->extra ? " " : "", c->extra ? c->extra : "");
	}
	if (cfg->cmdline && strlen(cfg->cmdline) > 4095) {
		snprintf(whole.key, sizeof(whole.key), "cmdline");
		bad(c, "longer than 4095 bytes");
	}
	/* the guest sees its disks as vda, vdb... in the order of their names */
	for (int i = 1; i < cfg->ndisks; i++) {
		for (int j = i; j > 0 && cfg->disk[j - 1].index > cfg->disk[j].index; j--) {
			struct domcfg_disk t = cfg->disk[j];
			cfg->disk[j] = cfg->disk[j - 1];
			cfg->disk[j - 1] = t;
		}
	}
	c->st = NULL; /* whole is about to go */
}

int domcfg_parse(const char *file, const char *text, size_t len, struct domain_config *out,
		 char *err, size_t errlen)
{
	struct messages msg;
	struct cfg_file f;
	struct ctx c = { .file = file, .msg = &msg, .cfg = out };
	int first_line[sizeof(keys) / sizeof(keys[0])] = { 0 };

	messages_init(&msg, err, errlen);
	memset(out, 0, sizeof(*out));
	out->memory_mib = DOMCFG_DEFAULT_MEMORY_MIB;
	out->vcpus = 1;
	out->cpu_weight = DOMCFG_DEFAULT_WEIGHT;
	out->on_poweroff = DOMCFG_DESTROY;
	out->on_reboot = DOMCFG_RESTART;
	out->on_crash = DOMCFG_DESTROY;
	if (len > DOMCFG_MAX_FILE) {
		message_error(&msg, "%s: larger than %d bytes: not a domain configuration", file, DOMCFG_MAX_FILE);
		return msg.errors;
	}
	cfg_syntax_parse(file, text, len, &f, &msg);
	for (int i = 0; i < f.n; i++) {
		c.st = &f.settings[i];
		const struct key *k = key_find(c.st->key);
		if (!k) {
			if (listed(c.st->key, xl_unsupported))
				bad(&c, "an xl.cfg key Paravent does not support");
			else
				bad(&c, "unknown key");
			continue;
		}
		int *first = &first_line[k - keys];
		if (*first && !(k->list && c.st->append)) {
			bad(&c, "set twice (first on line %d)%s", *first, k->list ? "; += adds to a list" : "");
			continue;
		}
		if (c.st->append && !k->list) {
			bad(&c, "+= only adds to lists (disk, vif)");
			continue;
		}
		if (!*first)
			*first = c.st->line;
		c.name_seen |= k->apply == key_name;
		c.kernel_seen |= k->apply == key_kernel;
		k->apply(&c);
	}
	finish(&c, &f);
	cfg_file_free(&f);
	free(c.root);
	free(c.extra);
	if (msg.errors)
		domcfg_free(out);
	return msg.errors;
}

void domcfg_free(struct domain_config *cfg)
{
	free(cfg->cpus);
	free(cfg->kernel);
	free(cfg->ramdisk);
	free(cfg->cmdline);
	for (int i = 0; i < cfg->ndisks; i++)
		free(cfg->disk[i].target);
	memset(cfg, 0, sizeof(*cfg));
}

const char *domcfg_action_name(enum domcfg_action a)
{
	static const char *const names[] = { "destroy", "restart", "preserve", "rename-restart" };
	return (unsigned)a < 4 ? names[a] : "?";
}

void domcfg_uuid_format(const uint8_t u[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		 u[14], u[15]);
}
