/* The control socket: JSON lines in, JSON lines out, on the event loop thread. A client that
 * sends garbage gets an error reply; one that sends an endless line is disconnected; none
 * can block the guest or the other clients (replies are small, sent without waiting). */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cJSON.h"
#include "console.h"
#include "dev_acpi_pm.h"
#include "dev_cpu_hotplug.h"
#include "dev_uart8250.h"
#include "dev_virtio_rng.h"
#include "dev_virtio_balloon.h"
#include "dev_virtio_blk.h"
#include "dev_virtio_net.h"
#include "eventloop.h"
#include "migrate.h"
#include "snapshot.h"
#include "paravent-vmm.h"
#include "sandbox.h"
#include "vm.h"

#define MAX_CLIENTS 8

static struct client {
	int fd;
	char buf[VMM_CONTROL_MAX_REQUEST];
	size_t len;
	int console; /* attached as the console: bytes go to the guest */
	int passed_fd; /* a descriptor that came with the request being read, or -1 */
} clients[MAX_CLIENTS];
/* The descriptor that came with the request being handled (SCM_RIGHTS), or -1: a save file or
 * a migration's stream, opened by the toolstack, so that a confined VMM needs no file system
 * of its own. A request that uses it sets it to -1; the rest is closed after the request. */
static int request_fd = -1;
static int listen_fd = -1;
static char *socket_path;
static struct vm *the_vm;

static int status_fd = -1, smaps_fd = -1;

/* A stream over a /proc file kept open, read from its start again; NULL if there is none. */
static FILE *reread(int fd)
{
	if (fd < 0 || lseek(fd, 0, SEEK_SET) != 0)
		return NULL;
	int copy = dup(fd); /* shares the offset; fclose closes only the copy */
	FILE *f = copy >= 0 ? fdopen(copy, "r") : NULL;
	if (!f && copy >= 0)
		close(copy);
	return f;
}

static uint64_t rss_kib(void)
{
	FILE *f = reread(status_fd);
	char line[256];
	unsigned long long kib = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %llu kB", &kib) == 1)
			break;
	}
	if (f)
		fclose(f);
	return kib;
}

static cJSON *stats_json(struct vm *vm)
{
	cJSON *st = cJSON_CreateObject();
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	uint64_t up = (uint64_t)(now.tv_sec - vm->launched.tv_sec) * 1000 +
		      (uint64_t)((now.tv_nsec - vm->launched.tv_nsec) / 1000000);
	cJSON_AddStringToObject(st, "name", vm->opt->name);
	pthread_mutex_lock(&vm->pause_lock);
	cJSON_AddStringToObject(st, "state", vm->paused ? "paused" : "running");
	pthread_mutex_unlock(&vm->pause_lock);
	cJSON_AddNumberToObject(st, "uptime_ms", (double)up);
	if (atomic_load(&vm->boot_marked))
		cJSON_AddNumberToObject(st, "boot_ms", (double)(vm->boot_ns / 1000000));
	else
		cJSON_AddNullToObject(st, "boot_ms");
	cJSON_AddNumberToObject(st, "memory_mib", (double)vm->opt->memory_mib);
	/* The VMM's own cost is its RSS minus the guest RAM that is resident: what the
	 * toolstack adds to a domain's memory when it accounts the host. */
	uint64_t rss = rss_kib(), guest = 0;
	FILE *smaps = reread(smaps_fd);
	if (smaps) {
		guest = guest_mem_resident_kib(&vm->mem, smaps);
		fclose(smaps);
	}
	cJSON_AddNumberToObject(st, "rss_kib", (double)rss);
	cJSON_AddNumberToObject(st, "rss_guest_kib", (double)guest);
	cJSON_AddNumberToObject(st, "rss_vmm_kib", (double)(rss > guest ? rss - guest : 0));
	cJSON_AddNumberToObject(st, "vcpus_present", (double)cpu_hotplug_present_count());
	cJSON_AddNumberToObject(st, "max_vcpus", (double)vm->nvcpus);
	cJSON *vcpus = cJSON_AddArrayToObject(st, "vcpus");
	for (int i = 0; i < vm->nvcpus; i++) {
		cJSON *v = cJSON_CreateObject();
		cJSON_AddBoolToObject(v, "present", cpu_hotplug_is_present(i));
		cJSON_AddNumberToObject(v, "exits", (double)atomic_load(&vm->vcpu[i].exits_total));
		cJSON_AddNumberToObject(v, "io", (double)atomic_load(&vm->vcpu[i].exits_io));
		cJSON_AddNumberToObject(v, "mmio", (double)atomic_load(&vm->vcpu[i].exits_mmio));
		cJSON_AddNumberToObject(v, "other", (double)atomic_load(&vm->vcpu[i].exits_other));
		cJSON_AddItemToArray(vcpus, v);
	}
	uint64_t tx, rx, irqs;
	uart8250_stats(&tx, &rx, &irqs);
	cJSON *serial = cJSON_AddObjectToObject(st, "serial");
	cJSON_AddNumberToObject(serial, "tx_bytes", (double)tx);
	cJSON_AddNumberToObject(serial, "rx_bytes", (double)rx);
	cJSON_AddNumberToObject(serial, "interrupts", (double)irqs);
	uint64_t rng_bytes, rng_kicks;
	virtio_rng_stats(&rng_bytes, &rng_kicks);
	cJSON *rng = cJSON_AddObjectToObject(st, "rng");
	cJSON_AddNumberToObject(rng, "bytes", (double)rng_bytes);
	cJSON_AddNumberToObject(rng, "kicks", (double)rng_kicks);
	struct virtio_balloon_stats bst;
	if (virtio_balloon_get_stats(&bst) == 0) {
		cJSON *bal = cJSON_AddObjectToObject(st, "balloon");
		cJSON_AddNumberToObject(bal, "target_mib", (double)bst.target_mib);
		cJSON_AddNumberToObject(bal, "guest_mib", (double)bst.guest_mib);
		cJSON_AddNumberToObject(bal, "released_pages", (double)bst.released);
		cJSON_AddNumberToObject(bal, "bad_pfns", (double)bst.bad_pfns);
	}
	struct migrate_status ms;
	migrate_get_status(&ms);
	if (ms.state != MIGRATE_NONE) {
		static const char *const states[] = { "none", "running", "done", "failed" };
		cJSON *mg = cJSON_AddObjectToObject(st, "migration");
		cJSON_AddStringToObject(mg, "state", states[ms.state]);
		cJSON_AddNumberToObject(mg, "round", ms.round);
		cJSON_AddNumberToObject(mg, "sent_bytes", (double)ms.sent_bytes);
		cJSON_AddNumberToObject(mg, "dirty_pages", (double)ms.dirty_pages);
		cJSON_AddNumberToObject(mg, "rate_mbps", ms.rate_mbps);
		cJSON_AddNumberToObject(mg, "dirty_rate_mbps", ms.dirty_rate_mbps);
		cJSON_AddNumberToObject(mg, "expected_downtime_ms", (double)ms.expected_downtime_ms);
		cJSON_AddBoolToObject(mg, "stopped", ms.stopped);
		cJSON_AddNumberToObject(mg, "downtime_ms", (double)ms.downtime_ms);
		cJSON_AddNumberToObject(mg, "total_ms", (double)ms.total_ms);
		cJSON *rp = cJSON_AddArrayToObject(mg, "round_pages");
		for (unsigned i = 0; i <= ms.round && i < 64; i++)
			cJSON_AddItemToArray(rp, cJSON_CreateNumber((double)ms.round_pages[i]));
		if (ms.state == MIGRATE_FAILED)
			cJSON_AddStringToObject(mg, "error", ms.error);
	}
	cJSON *disks = cJSON_AddArrayToObject(st, "disks");
	for (int i = 0; i < vm->opt->ndisks; i++) {
		struct blk_stats bs;
		if (virtio_blk_stats(i, &bs) != 0)
			continue;
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "path", vm->opt->disk[i].path);
		cJSON_AddNumberToObject(d, "reads", (double)bs.reads);
		cJSON_AddNumberToObject(d, "read_bytes", (double)bs.read_bytes);
		cJSON_AddNumberToObject(d, "writes", (double)bs.writes);
		cJSON_AddNumberToObject(d, "write_bytes", (double)bs.write_bytes);
		cJSON_AddNumberToObject(d, "flushes", (double)bs.flushes);
		cJSON_AddNumberToObject(d, "discards", (double)bs.discards);
		cJSON_AddNumberToObject(d, "errors", (double)bs.errors);
		cJSON_AddNumberToObject(d, "throttled", (double)bs.throttled);
		char rate[48], ops[48];
		virtio_blk_rates(i, rate, ops, sizeof(rate));
		cJSON_AddStringToObject(d, "rate", rate);
		cJSON_AddStringToObject(d, "ops", ops);
		cJSON_AddItemToArray(disks, d);
	}
	cJSON *nics = cJSON_AddArrayToObject(st, "nics");
	for (int i = 0; i < virtio_net_count(); i++) {
		struct net_stats ns;
		if (virtio_net_stats(i, &ns) != 0)
			continue;
		cJSON *n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "tap", ns.tap);
		cJSON_AddStringToObject(n, "mac", ns.mac);
		cJSON_AddStringToObject(n, "backend", ns.backend);
		cJSON_AddBoolToObject(n, "link_up", ns.link_up);
		cJSON_AddNumberToObject(n, "tx_packets", (double)ns.tx_packets);
		cJSON_AddNumberToObject(n, "tx_bytes", (double)ns.tx_bytes);
		cJSON_AddNumberToObject(n, "tx_dropped", (double)ns.tx_dropped);
		cJSON_AddNumberToObject(n, "tx_malformed", (double)ns.tx_malformed);
		cJSON_AddNumberToObject(n, "tx_throttled", (double)ns.tx_throttled);
		cJSON_AddNumberToObject(n, "rx_packets", (double)ns.rx_packets);
		cJSON_AddNumberToObject(n, "rx_bytes", (double)ns.rx_bytes);
		cJSON_AddNumberToObject(n, "rx_dropped", (double)ns.rx_dropped);
		cJSON_AddNumberToObject(n, "rx_throttled", (double)ns.rx_throttled);
		cJSON_AddStringToObject(n, "tx_rate", ns.tx_rate);
		cJSON_AddStringToObject(n, "rx_rate", ns.rx_rate);
		cJSON_AddStringToObject(n, "tx_ops", ns.tx_ops);
		cJSON_AddStringToObject(n, "rx_ops", ns.rx_ops);
		cJSON_AddItemToArray(nics, n);
	}
	return st;
}

static void reply_text(cJSON *reply, char *out, size_t outlen)
{
	char *text = cJSON_PrintUnformatted(reply);

	snprintf(out, outlen, "%s", text ? text : "{\"ok\":false,\"error\":\"out of memory\"}");
	free(text);
	cJSON_Delete(reply);
}

static void error_reply(const char *msg, char *out, size_t outlen)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddBoolToObject(r, "ok", 0);
	cJSON_AddStringToObject(r, "error", msg);
	reply_text(r, out, outlen);
}

/* "device": "netN" or "diskN" -> kind and index. */
static int parse_device(const cJSON *dev, bool *is_net, int *index)
{
	const char *s;
	char *end;

	if (!cJSON_IsString(dev))
		return -1;
	s = dev->valuestring;
	if (strncmp(s, "net", 3) == 0)
		*is_net = true;
	else if (strncmp(s, "disk", 4) == 0)
		*is_net = false;
	else
		return -1;
	s += *is_net ? 3 : 4;
	if (*s < '0' || *s > '9')
		return -1;
	long v = strtol(s, &end, 10);
	if (*end || v > 64)
		return -1;
	*index = (int)v;
	return 0;
}

/* v is a JSON number with a whole value from 0 to max. The range is checked first:
 * converting a huge double to an integer is undefined. */
static bool whole_number(const cJSON *v, double max, uint64_t *out)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= max) ||
	    v->valuedouble != (double)(uint64_t)v->valuedouble)
		return false;
	*out = (uint64_t)v->valuedouble;
	return true;
}

/* {"op":"migrate","socket":PATH,"config":TEXT,"max_rounds":N,"downtime_ms":N,"live":BOOL} */
static int migrate_request(struct vm *vm, const cJSON *req, char *msg, size_t msglen)
{
	const cJSON *sock = cJSON_GetObjectItemCaseSensitive(req, "socket");
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(req, "config");
	uint64_t rounds = MIGRATE_DEFAULT_ROUNDS, downtime = MIGRATE_DEFAULT_DOWNTIME_MS;

	bool use_fd = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "fd"));
	if (!use_fd && sandbox_confined()) {
		snprintf(msg, msglen, "migrate: this VMM is confined (--confine) and makes no socket: pass the stream's "
				      "descriptor with \"fd\": true");
		return -1;
	}
	if (use_fd ? request_fd < 0 : (!cJSON_IsString(sock) || sock->valuestring[0] != '/')) {
		snprintf(msg, msglen, use_fd ? "migrate: \"fd\": true, but no descriptor came with the request"
					     : "migrate: \"socket\" must be the absolute path of the receiver's socket "
					       "(or \"fd\": true with the stream's descriptor)");
		return -1;
	}
	if (config && !cJSON_IsString(config)) {
		snprintf(msg, msglen, "migrate: \"config\" must be a string");
		return -1;
	}
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(req, "max_rounds");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(req, "downtime_ms");
	if ((r && !whole_number(r, 1000, &rounds)) || (d && (!whole_number(d, 60000, &downtime) || downtime == 0))) {
		snprintf(msg, msglen, "migrate: \"max_rounds\" (0 to 1000) and \"downtime_ms\" (1 to 60000) are whole numbers");
		return -1;
	}
	const cJSON *live = cJSON_GetObjectItemCaseSensitive(req, "live");
	if (live && !cJSON_IsBool(live)) {
		snprintf(msg, msglen, "migrate: \"live\" is true or false");
		return -1;
	}
	int fd = use_fd ? request_fd : -1;
	if (use_fd)
		request_fd = -1; /* migrate_start takes it */
	return migrate_start(vm, use_fd ? NULL : sock->valuestring, fd, config ? config->valuestring : NULL, (unsigned)rounds,
			     (unsigned)downtime, !live || cJSON_IsTrue(live), msg, msglen);
}

/* {"op":"save","path":FILE,"then":"stop"|"pause"|"continue","config":TEXT}, or "fd": true
 * instead of "path" to write to the descriptor that came with the request (the toolstack then
 * puts the file in place, and asks "pause" rather than "stop" so that the guest ends only once
 * the file is there). The socket is the toolstack's (0600), which has checked the path; a bad
 * request is still refused here. */
static int save_request(struct vm *vm, const cJSON *req, uint64_t *bytes, char *msg, size_t msglen)
{
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(req, "path");
	const cJSON *then = cJSON_GetObjectItemCaseSensitive(req, "then");
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(req, "config");
	enum snap_then t = SNAP_THEN_STOP;

	bool use_fd = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "fd"));
	if (!use_fd && sandbox_confined()) {
		snprintf(msg, msglen, "save: this VMM is confined (--confine) and opens no file: pass the file's "
				      "descriptor with \"fd\": true");
		return -1;
	}
	if (use_fd ? request_fd < 0 : (!cJSON_IsString(path) || path->valuestring[0] != '/')) {
		snprintf(msg, msglen, use_fd ? "save: \"fd\": true, but no descriptor came with the request"
					     : "save: \"path\" must be an absolute file name (or \"fd\": true with the "
					       "file's descriptor)");
		return -1;
	}
	if (then && !cJSON_IsString(then)) {
		snprintf(msg, msglen, "save: \"then\" must be \"stop\", \"pause\" or \"continue\"");
		return -1;
	}
	if (then && strcmp(then->valuestring, "pause") == 0)
		t = SNAP_THEN_PAUSE;
	else if (then && strcmp(then->valuestring, "continue") == 0)
		t = SNAP_THEN_CONTINUE;
	else if (then && strcmp(then->valuestring, "stop") != 0) {
		snprintf(msg, msglen, "save: \"then\" must be \"stop\", \"pause\" or \"continue\"");
		return -1;
	}
	if (config && !cJSON_IsString(config)) {
		snprintf(msg, msglen, "save: \"config\" must be a string");
		return -1;
	}
	struct migrate_status ms;
	migrate_get_status(&ms);
	if (ms.state == MIGRATE_RUNNING) {
		snprintf(msg, msglen, "save: a live migration is running");
		return -1;
	}
	if (use_fd) {
		struct stat st;
		if (snapshot_save(vm, request_fd, config ? config->valuestring : NULL, t, msg, msglen) != 0)
			return -1;
		*bytes = fstat(request_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	} else if (snapshot_save_file(vm, path->valuestring, config ? config->valuestring : NULL, t, bytes, msg,
				      msglen) != 0) {
		return -1;
	}
	if (t == SNAP_THEN_STOP)
		vm_request_exit(vm, VMM_EXIT_SAVED, "the guest was saved");
	return 0;
}

/* {"op":"rate","device":"net0","tx-rate":"1M","rx-ops":"off",...}: every limit named, all
 * checked before any is applied. {"op":"link","device":"net0","up":false}. */
static int device_request(struct vm *vm, const cJSON *req, bool rate, char *msg, size_t msglen)
{
	static const char *const net_keys[] = { "rate", "tx-rate", "rx-rate", "ops", "tx-ops", "rx-ops" };
	bool is_net;
	int idx;

	if (parse_device(cJSON_GetObjectItemCaseSensitive(req, "device"), &is_net, &idx) != 0 ||
	    idx >= (is_net ? virtio_net_count() : vm->opt->ndisks)) {
		snprintf(msg, msglen, "%s: \"device\" must name a device of this guest: net0, net1, ..., disk0, ...",
			 rate ? "rate" : "link");
		return -1;
	}
	if (!rate) {
		const cJSON *up = cJSON_GetObjectItemCaseSensitive(req, "up");
		if (!is_net || !cJSON_IsBool(up)) {
			snprintf(msg, msglen, "link: needs a NIC and \"up\": true or false");
			return -1;
		}
		virtio_net_set_link(idx, cJSON_IsTrue(up));
		return 0;
	}
	unsigned given = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, req) {
		if (strcmp(item->string, "op") == 0 || strcmp(item->string, "device") == 0)
			continue;
		bool known = false;
		for (size_t k = 0; k < (is_net ? 6 : 4); k++)
			known |= strcmp(item->string, net_keys[k]) == 0 && (is_net || k % 3 == 0);
		struct token_bucket tb;
		char why[200];
		if (!known) {
			snprintf(msg, msglen, "rate: unknown limit \"%.32s\" (%s)", item->string,
				 is_net ? "rate, tx-rate, rx-rate, ops, tx-ops, rx-ops" : "rate, ops");
			return -1;
		}
		if (!cJSON_IsString(item) || token_bucket_parse(item->valuestring, &tb, why, sizeof(why)) != 0) {
			snprintf(msg, msglen, "%s: %s", item->string,
				 cJSON_IsString(item) ? why : "want a string like \"1M\" or \"off\"");
			return -1;
		}
		given++;
	}
	if (!given) {
		snprintf(msg, msglen, "rate: name at least one limit, e.g. \"rate\": \"1M\"");
		return -1;
	}
	cJSON_ArrayForEach(item, req) {
		if (strcmp(item->string, "op") == 0 || strcmp(item->string, "device") == 0)
			continue;
		int r = is_net ? virtio_net_set_rate(idx, item->string, item->valuestring, msg, msglen)
			       : virtio_blk_set_rate(idx, item->string, item->valuestring, msg, msglen);
		if (r != 0)
			return -1;
	}
	return 0;
}

int control_handle_request(struct vm *vm, const char *line, char *out, size_t outlen)
{
	cJSON *req = cJSON_Parse(line);
	int console = 0;

	if (!req || !cJSON_IsObject(req)) {
		cJSON_Delete(req);
		error_reply("the request is not a JSON object", out, outlen);
		return 0;
	}
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(req, "op");
	if (!cJSON_IsString(op)) {
		cJSON_Delete(req);
		error_reply("the request has no \"op\" string", out, outlen);
		return 0;
	}
	cJSON *r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "ok", 1);
	if (strcmp(op->valuestring, "pause") == 0) {
		vm_pause(vm);
	} else if (strcmp(op->valuestring, "resume") == 0) {
		vm_resume(vm);
	} else if (strcmp(op->valuestring, "stop") == 0) {
		/* "saved": true from a toolstack that has just put the guest's save file in place */
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "saved")))
			vm_request_exit(vm, VMM_EXIT_SAVED, "the guest was saved");
		else
			vm_request_exit(vm, VMM_EXIT_STOPPED, "stop request on the control socket");
	} else if (strcmp(op->valuestring, "stats") == 0) {
		cJSON_AddItemToObject(r, "stats", stats_json(vm));
	} else if (strcmp(op->valuestring, "console") == 0) {
		console = 1;
	} else if (strcmp(op->valuestring, "shutdown") == 0) {
		acpi_pm_press_power_button();
	} else if (strcmp(op->valuestring, "vcpus") == 0) {
		const cJSON *count = cJSON_GetObjectItemCaseSensitive(req, "count");
		char msg[160];
		uint64_t n;
		if (!whole_number(count, 1024, &n))
			snprintf(msg, sizeof(msg), "vcpus: \"count\" must be a whole number");
		else if (cpu_hotplug_set_count((int)n, msg, sizeof(msg)) == 0)
			msg[0] = 0;
		if (msg[0]) {
			cJSON_Delete(r);
			cJSON_Delete(req);
			error_reply(msg, out, outlen);
			return 0;
		}
	} else if (strcmp(op->valuestring, "balloon") == 0) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(req, "target_mib");
		char msg[160];
		uint64_t mib;
		if (!whole_number(t, 1 << 30, &mib))
			snprintf(msg, sizeof(msg), "balloon: \"target_mib\" must be a whole number of MiB");
		else if (virtio_balloon_set_target(mib, msg, sizeof(msg)) == 0)
			msg[0] = 0;
		if (msg[0]) {
			cJSON_Delete(r);
			cJSON_Delete(req);
			error_reply(msg, out, outlen);
			return 0;
		}
	} else if (strcmp(op->valuestring, "save") == 0) {
		char msg[300];
		uint64_t bytes = 0;
		if (save_request(vm, req, &bytes, msg, sizeof(msg)) != 0) {
			cJSON_Delete(r);
			cJSON_Delete(req);
			error_reply(msg, out, outlen);
			return 0;
		}
		cJSON_AddNumberToObject(r, "bytes", (double)bytes);
	} else if (strcmp(op->valuestring, "migrate") == 0) {
		char msg[300];
		if (migrate_request(vm, req, msg, sizeof(msg)) != 0) {
			cJSON_Delete(r);
			cJSON_Delete(req);
			error_reply(msg, out, outlen);
			return 0;
		}
	} else if (strcmp(op->valuestring, "rate") == 0 || strcmp(op->valuestring, "link") == 0) {
		char msg[240];
		if (device_request(vm, req, op->valuestring[0] == 'r', msg, sizeof(msg)) != 0) {
			cJSON_Delete(r);
			cJSON_Delete(req);
			error_reply(msg, out, outlen);
			return 0;
		}
	} else {
		char msg[240];
		snprintf(msg, sizeof(msg), "unknown op \"%.64s\" (pause, resume, stop, shutdown, stats, console, vcpus, balloon, save, migrate, rate, link)",
			 op->valuestring);
		cJSON_Delete(r);
		cJSON_Delete(req);
		error_reply(msg, out, outlen);
		return 0;
	}
	cJSON_Delete(req);
	reply_text(r, out, outlen);
	return console;
}

int control_handle_request_fd(struct vm *vm, const char *line, int fd, char *reply, size_t replylen)
{
	request_fd = fd;
	int r = control_handle_request(vm, line, reply, replylen);
	if (request_fd >= 0)
		close(request_fd);
	request_fd = -1;
	return r;
}

static void client_close(struct client *c)
{
	if (c->passed_fd >= 0)
		close(c->passed_fd);
	c->passed_fd = -1;
	if (c->console)
		console_detach(c->fd);
	eventloop_del(c->fd);
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->console = 0;
}

static void send_line(int fd, const char *text)
{
	char line[16384];
	int n = snprintf(line, sizeof(line), "%s\n", text);
	if (n > 0 && send(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1,
			  MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* a client that does not read its replies only hurts itself */
	}
}

static void on_client(void *opaque, int fd)
{
	struct client *c = opaque;
	char tmp[4096];
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct iovec iov = { .iov_base = tmp, .iov_len = sizeof(tmp) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	/* a descriptor for the request being read; only one is kept (the last) */
	for (struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t k = 0; k < nfds; k++) {
			int passed;
			memcpy(&passed, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			if (c->passed_fd >= 0)
				close(c->passed_fd);
			c->passed_fd = passed;
		}
	}

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		client_close(c);
		return;
	}
	if (n < 0)
		return;
	if (c->console) {
		console_input_from_client((const uint8_t *)tmp, (size_t)n);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (tmp[i] != '\n') {
			if (c->len + 1 >= sizeof(c->buf)) {
				send_line(fd, "{\"ok\":false,\"error\":\"request too long\"}");
				client_close(c);
				return;
			}
			c->buf[c->len++] = tmp[i];
			continue;
		}
		c->buf[c->len] = '\0';
		c->len = 0;
		char reply[16000];
		int passed = c->passed_fd;
		c->passed_fd = -1;
		int attach = control_handle_request_fd(the_vm, c->buf, passed, reply, sizeof(reply) - 1);
		if (!attach) {
			send_line(fd, reply);
			continue;
		}
		strcat(reply, "\n");
		if (console_attach(fd, reply) != 0) {
			send_line(fd, "{\"ok\":false,\"error\":\"a console client is already attached\"}");
			continue;
		}
		{
			c->console = 1;
			/* what followed the request on the same read is console input */
			if (i + 1 < n)
				console_input_from_client((const uint8_t *)tmp + i + 1, (size_t)(n - i - 1));
			return;
		}
	}
}

static void on_accept(void *opaque, int fd)
{
	(void)opaque;
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (clients[i].fd == -1) {
			clients[i].fd = cfd;
			clients[i].len = 0;
			clients[i].console = 0;
			clients[i].passed_fd = -1;
			if (eventloop_add(cfd, on_client, &clients[i]) == 0)
				return;
			clients[i].fd = -1;
			break;
		}
	}
	send_line(cfd, "{\"ok\":false,\"error\":\"too many control clients\"}");
	close(cfd);
}

int control_init(struct vm *vm, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	the_vm = vm;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		clients[i].fd = -1;
		clients[i].passed_fd = -1;
	}
	/* opened now, read again at each stats request: a confined VMM has no /proc */
	status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	smaps_fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (listen_fd < 0)
		return -1;
	/* A socket file left by a VMM that died is replaced; a live one is not. */
	if (connect(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 || errno == EAGAIN) {
		close(listen_fd);
		errno = EADDRINUSE;
		return -1;
	}
	close(listen_fd);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	unlink(path);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    chmod(path, 0600) != 0 || listen(listen_fd, 8) != 0)
		return -1;
	socket_path = strdup(path);
	return eventloop_add(listen_fd, on_accept, NULL);
}

void control_cleanup(void)
{
	if (socket_path) {
		/* a confined VMM cannot name files: the toolstack, or the next VMM's control_init,
		 * removes the socket */
		if (!sandbox_confined())
			unlink(socket_path);
		free(socket_path);
		socket_path = NULL;
	}
}
