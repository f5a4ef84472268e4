/* Unit tests for the control socket's request handler: well-formed requests get the right
 * action and reply, malformed ones an error reply and no action. The VM and devices are
 * stand-ins that record what was asked of them. */
#include "check.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cJSON.h"
#include "console.h"
#include "control.h"
#include "eventloop.h"
#include "acpi.h"
#include "dev_acpi_pm.h"
#include "dev_cpu_hotplug.h"
#include "dev_uart8250.h"
#include "dev_virtio_rng.h"
#include "pio.h"
#include "dev_virtio_balloon.h"
#include "dev_virtio_blk.h"
#include "dev_virtio_net.h"
#include "paravent-vmm.h"
#include "migrate.h"
#include "sandbox.h"
#include "snapshot.h"
#include "vm.h"

static int paused, resumed, stopped, gpes, buttons;
static pio_handler hotplug_io;

/* The hotplug registers' handler, kept so the test can play the guest's ACPI code. */
int pio_register(uint16_t base, uint16_t len, pio_handler fn, void *dev)
{
	(void)dev;
	CHECK(base == ACPI_CPU_HOTPLUG_PORT && len == 4);
	hotplug_io = fn;
	return 0;
}

void acpi_pm_raise_gpe(unsigned gpe)
{
	CHECK(gpe == ACPI_GPE_CPU_HOTPLUG);
	gpes++;
}

void acpi_pm_press_power_button(void)
{
	buttons++;
}

void vmm_log(const char *fmt, ...)
{
	(void)fmt;
}

static uint8_t guest_read(int cpu)
{
	uint8_t b = 0xee;
	hotplug_io(NULL, (uint16_t)(ACPI_CPU_HOTPLUG_PORT + cpu), &b, 1, false);
	return b;
}

static void guest_write(int cpu, uint8_t v)
{
	hotplug_io(NULL, (uint16_t)(ACPI_CPU_HOTPLUG_PORT + cpu), &v, 1, true);
}

void vm_pause(struct vm *vm)
{
	vm->paused = true;
	paused++;
}

void vm_resume(struct vm *vm)
{
	vm->paused = false;
	resumed++;
}

void vm_request_exit(struct vm *vm, int status, const char *why)
{
	(void)why;
	atomic_store(&vm->exit_status, status);
	stopped++;
}

void virtio_rng_stats(uint64_t *bytes, uint64_t *kicks)
{
	*bytes = 4096;
	*kicks = 7;
}

void uart8250_stats(uint64_t *tx, uint64_t *rx, uint64_t *irqs)
{
	*tx = 11;
	*rx = 22;
	*irqs = 33;
}

int virtio_blk_stats(int i, struct blk_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->reads = 5 + (uint64_t)i;
	st->write_bytes = 4096;
	return 0;
}

/* one NIC; the rate and link calls are recorded */
static char rate_log[512];
static int link_state = 1;

int virtio_net_count(void)
{
	return 1;
}

int virtio_net_stats(int i, struct net_stats *st)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->tap, sizeof(st->tap), "vif1.%d", i);
	st->backend = "vhost";
	st->link_up = link_state;
	st->rx_bytes = 1234;
	snprintf(st->tx_rate, sizeof(st->tx_rate), "off");
	snprintf(st->rx_rate, sizeof(st->rx_rate), "off");
	snprintf(st->tx_ops, sizeof(st->tx_ops), "off");
	snprintf(st->rx_ops, sizeof(st->rx_ops), "off");
	snprintf(st->mac, sizeof(st->mac), "52:56:00:00:00:01");
	return 0;
}

static int log_rate(const char *dev, int i, const char *key, const char *spec)
{
	size_t n = strlen(rate_log);
	snprintf(rate_log + n, sizeof(rate_log) - n, "%s%d:%s=%s;", dev, i, key, spec);
	return 0;
}

int virtio_net_set_rate(int i, const char *key, const char *spec, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return log_rate("net", i, key, spec);
}

int virtio_blk_set_rate(int i, const char *key, const char *spec, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return log_rate("disk", i, key, spec);
}

void virtio_blk_rates(int i, char *rate, char *ops, size_t len)
{
	(void)i;
	snprintf(rate, len, "1M@1s");
	snprintf(ops, len, "off");
}

int virtio_net_set_link(int i, bool up)
{
	(void)i;
	link_state = up;
	return 0;
}

/* the balloon: its target recorded */
static uint64_t balloon_target = 256;

int virtio_balloon_set_target(uint64_t target_mib, char *err, size_t errlen)
{
	if (target_mib < 16 || target_mib > 256) {
		snprintf(err, errlen, "balloon: out of range");
		return -1;
	}
	balloon_target = target_mib;
	return 0;
}

int virtio_balloon_get_stats(struct virtio_balloon_stats *s)
{
	s->target_mib = balloon_target;
	s->guest_mib = 200;
	s->released = 7;
	s->bad_pfns = 0;
	return 0;
}

/* not reached by control_handle_request */
void snapshot_register(uint32_t tag, uint32_t instance, const struct snap_ops *ops, void *opaque)
{
	(void)tag;
	(void)instance;
	(void)ops;
	(void)opaque;
}

/* The save stand-in: records what was asked, fails when told to. */
static char saved_path[256], saved_config[256];
static int saved_then = -1, saves, save_fails;

int snapshot_save_file(struct vm *vm, const char *path, const char *config, enum snap_then then,
		       uint64_t *bytes, char *err, size_t errlen)
{
	(void)vm;
	saves++;
	if (save_fails) {
		snprintf(err, errlen, "cannot write the guest's state: No space left on device");
		return -1;
	}
	snprintf(saved_path, sizeof(saved_path), "%s", path);
	snprintf(saved_config, sizeof(saved_config), "%s", config ? config : "(none)");
	saved_then = (int)then;
	*bytes = 12345;
	return 0;
}

static bool confined;

bool sandbox_confined(void)
{
	return confined;
}

/* A save to a descriptor handed over: writes a marker there. */
int snapshot_save(struct vm *vm, int fd, const char *config, enum snap_then then, char *err, size_t errlen)
{
	(void)vm;
	(void)err;
	(void)errlen;
	saves++;
	saved_then = (int)then;
	snprintf(saved_config, sizeof(saved_config), "%s", config ? config : "(none)");
	return write(fd, "PVSAVE", 6) == 6 ? 0 : -1;
}

static int migrated_fd = -1;

/* The migration stand-in. */
static char migrated_to[128];
static unsigned migrated_rounds, migrated_downtime;
static bool migrated_live;
static struct migrate_status mig;

int migrate_start(struct vm *vm, const char *socket_path, int stream_fd, const char *config, unsigned max_rounds,
		  unsigned downtime_ms, bool live, char *err, size_t errlen)
{
	(void)vm;
	migrated_live = live;
	(void)config;
	if (stream_fd >= 0) {
		migrated_fd = stream_fd; /* taken: the test closes it */
		socket_path = "(descriptor)";
	}
	if (strcmp(socket_path, "/nobody.sock") == 0) {
		snprintf(err, errlen, "migrate: no receiver at /nobody.sock: Connection refused");
		return -1;
	}
	snprintf(migrated_to, sizeof(migrated_to), "%s", socket_path);
	migrated_rounds = max_rounds;
	migrated_downtime = downtime_ms;
	mig.state = MIGRATE_RUNNING;
	mig.round = 2;
	mig.round_pages[0] = 9000;
	mig.round_pages[1] = 300;
	mig.round_pages[2] = 20;
	return 0;
}

void migrate_get_status(struct migrate_status *s)
{
	*s = mig;
}

int console_attach(int fd, const char *first)
{
	(void)fd;
	(void)first;
	return -1;
}
void console_detach(int fd)
{
	(void)fd;
}
void console_input_from_client(const uint8_t *buf, size_t len)
{
	(void)buf;
	(void)len;
}
int eventloop_add(int fd, event_fn fn, void *opaque)
{
	(void)fd;
	(void)fn;
	(void)opaque;
	return 0;
}
void eventloop_del(int fd)
{
	(void)fd;
}

static cJSON *ask(struct vm *vm, const char *req, int *console)
{
	char reply[8192];

	*console = control_handle_request(vm, req, reply, sizeof(reply));
	cJSON *r = cJSON_Parse(reply);
	CHECK(r != NULL); /* every reply is valid JSON */
	return r;
}

static int ok(const cJSON *r)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"));
}


static const char *error_of(const cJSON *r)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
	return cJSON_IsString(e) ? e->valuestring : "";
}

static cJSON *ask_fd(struct vm *vm, const char *req, int fd)
{
	char reply[8192];

	control_handle_request_fd(vm, req, fd, reply, sizeof(reply));
	cJSON *r = cJSON_Parse(reply);
	CHECK(r != NULL);
	return r;
}

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* Descriptors that come with a request (SCM_RIGHTS): a confined VMM's save files and
 * migration streams. Every one is used or closed, never kept. */
static void fd_passing_checks(struct vm *vm)
{
	char path[] = "/tmp/pv-test-save-XXXXXX";
	mig.state = MIGRATE_NONE; /* the migration started above is over */
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	unlink(path);
	int keep = dup(fd); /* to read back what the save wrote */
	cJSON *r = ask_fd(vm, "{\"op\":\"save\",\"fd\":true,\"then\":\"pause\",\"config\":\"name=b\"}", fd);
	CHECK(ok(r) && cJSON_GetObjectItemCaseSensitive(r, "bytes")->valuedouble == 6);
	CHECK(saved_then == SNAP_THEN_PAUSE && strcmp(saved_config, "name=b") == 0);
	CHECK(!is_open(fd)); /* closed once written */
	char back[8] = { 0 };
	CHECK(pread(keep, back, 6, 0) == 6 && strcmp(back, "PVSAVE") == 0);
	close(keep);
	cJSON_Delete(r);
	/* "fd": true without one; a descriptor with a request that does not use it is closed */
	r = ask_fd(vm, "{\"op\":\"save\",\"fd\":true}", -1);
	CHECK(!ok(r) && strstr(error_of(r), "no descriptor came with the request"));
	cJSON_Delete(r);
	fd = open("/dev/null", O_RDONLY);
	r = ask_fd(vm, "{\"op\":\"stats\"}", fd);
	CHECK(ok(r) && !is_open(fd));
	cJSON_Delete(r);
	fd = open("/dev/null", O_RDONLY);
	r = ask_fd(vm, "{\"op\":\"save\",\"path\":\"relative\"}", fd);
	CHECK(!ok(r) && !is_open(fd));
	cJSON_Delete(r);
	/* a migration's stream */
	r = ask_fd(vm, "{\"op\":\"migrate\",\"fd\":true}", -1);
	CHECK(!ok(r) && strstr(error_of(r), "no descriptor came with the request"));
	cJSON_Delete(r);
	fd = open("/dev/null", O_RDONLY);
	r = ask_fd(vm, "{\"op\":\"migrate\",\"fd\":true,\"live\":true}", fd);
	CHECK(ok(r) && migrated_fd == fd && strcmp(migrated_to, "(descriptor)") == 0 && is_open(fd));
	close(fd);
	cJSON_Delete(r);
	/* a confined VMM opens no file and makes no socket: a path or socket request is refused,
	 * not attempted (the filter would kill it) */
	confined = true;
	int saves_before = saves;
	r = ask_fd(vm, "{\"op\":\"save\",\"path\":\"/s\"}", -1);
	CHECK(!ok(r) && strstr(error_of(r), "confined") && saves == saves_before);
	cJSON_Delete(r);
	r = ask_fd(vm, "{\"op\":\"migrate\",\"socket\":\"/run/m.sock\"}", -1);
	CHECK(!ok(r) && strstr(error_of(r), "confined"));
	cJSON_Delete(r);
	confined = false;
	/* the toolstack's stop after it put the save file in place: the exit says "saved" */
	stopped = 0;
	r = ask_fd(vm, "{\"op\":\"stop\",\"saved\":true}", -1);
	CHECK(ok(r) && stopped == 1 && atomic_load(&vm->exit_status) == VMM_EXIT_SAVED);
	cJSON_Delete(r);
}

int main(void)
{
	static struct vm vm;
	static struct vmm_options opt;
	int console;

	opt.name = "unit";
	opt.memory_mib = 64;
	opt.ndisks = 2;
	opt.disk[0].path = "/a.img";
	opt.disk[1].path = "/b.img";
	vm.opt = &opt;
	vm.nvcpus = 2;
	atomic_init(&vm.exit_status, -1);
	pthread_mutex_init(&vm.pause_lock, NULL);
	atomic_store(&vm.vcpu[1].exits_total, 7);

	cJSON *r = ask(&vm, "{\"op\":\"pause\"}", &console);
	CHECK(ok(r) && paused == 1 && console == 0);
	cJSON_Delete(r);
	r = ask(&vm, "{\"op\":\"stats\"}", &console);
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(r, "stats");
	CHECK(ok(r) && cJSON_IsObject(st));
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(st, "state")->valuestring, "paused");
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(st, "name")->valuestring, "unit");
	CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(st, "boot_ms")));
	const cJSON *vcpus = cJSON_GetObjectItemCaseSensitive(st, "vcpus");
	CHECK(cJSON_GetArraySize(vcpus) == 2);
	CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(vcpus, 1), "exits")->valuedouble == 7);
	const cJSON *disks = cJSON_GetObjectItemCaseSensitive(st, "disks");
	CHECK(cJSON_GetArraySize(disks) == 2);
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(disks, 1), "path")->valuestring, "/b.img");
	CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(disks, 1), "reads")->valuedouble == 6);
	CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(st, "serial"), "tx_bytes")->valuedouble == 11);
	CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(st, "rng"), "kicks")->valuedouble == 7);
	CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(st, "rng"), "bytes")->valuedouble == 4096);
	cJSON_Delete(r);
	r = ask(&vm, "{\"op\":\"resume\",\"extra\":[1,2]}", &console);
	CHECK(ok(r) && resumed == 1);
	cJSON_Delete(r);
	r = ask(&vm, "{\"op\":\"console\"}", &console);
	CHECK(ok(r) && console == 1);
	cJSON_Delete(r);

	/* malformed: an error reply each, and nothing done */
	const char *bad[] = { "", "not json", "[1,2]", "{}", "{\"op\":5}", "{\"op\":null}",
			      "{\"op\":\"pause\"", "{\"op\":\"reboot-the-host\"}", "\"op\"" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = ask(&vm, bad[i], &console);
		CHECK(!ok(r) && strlen(error_of(r)) > 0 && console == 0);
		cJSON_Delete(r);
	}
	CHECK(paused == 1 && resumed == 1 && stopped == 0);
	/* an unknown op is named (cut to a sane length) in the error */
	char longop[600] = "{\"op\":\"";
	memset(longop + 7, 'x', 500);
	strcpy(longop + 507, "\"}");
	r = ask(&vm, longop, &console);
	CHECK(!ok(r) && strlen(error_of(r)) < 200);
	cJSON_Delete(r);

	r = ask(&vm, "{\"op\":\"shutdown\"}", &console);
	CHECK(ok(r) && buttons == 1 && stopped == 0);
	cJSON_Delete(r);

	/* vCPU hotplug: 1 of 4 at boot */
	vm.nvcpus = 4;
	CHECK(cpu_hotplug_init(&vm, 1) == 0 && hotplug_io != NULL);
	CHECK(cpu_hotplug_present_count() == 1 && guest_read(0) == ACPI_CPU_PRESENT && guest_read(1) == 0);
	r = ask(&vm, "{\"op\":\"vcpus\",\"count\":3}", &console);
	CHECK(ok(r) && gpes == 1 && cpu_hotplug_present_count() == 3);
	CHECK(guest_read(1) == (ACPI_CPU_PRESENT | ACPI_CPU_INSERTING) && guest_read(3) == 0);
	cJSON_Delete(r);
	r = ask(&vm, "{\"op\":\"stats\"}", &console);
	st = cJSON_GetObjectItemCaseSensitive(r, "stats");
	CHECK(cJSON_GetObjectItemCaseSensitive(st, "vcpus_present")->valuedouble == 3);
	CHECK(cJSON_GetObjectItemCaseSensitive(st, "max_vcpus")->valuedouble == 4);
	vcpus = cJSON_GetObjectItemCaseSensitive(st, "vcpus");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(vcpus, 2), "present")));
	CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(vcpus, 3), "present")));
	cJSON_Delete(r);
	guest_write(1, ACPI_CPU_INSERTING); /* the guest's CSCN acknowledges */
	CHECK(guest_read(1) == ACPI_CPU_PRESENT);
	r = ask(&vm, "{\"op\":\"vcpus\",\"count\":3}", &console); /* nothing changes: no GPE */
	CHECK(ok(r) && gpes == 1);
	cJSON_Delete(r);
	r = ask(&vm, "{\"op\":\"vcpus\",\"count\":1}", &console);
	CHECK(ok(r) && gpes == 2 && cpu_hotplug_present_count() == 3); /* asked, not yet gone */
	CHECK(guest_read(1) == (ACPI_CPU_PRESENT | ACPI_CPU_REMOVING));
	CHECK(guest_read(2) == (ACPI_CPU_PRESENT | ACPI_CPU_REMOVING));
	cJSON_Delete(r);
	guest_write(1, ACPI_CPU_EJECT);
	guest_write(0, ACPI_CPU_EJECT); /* the boot CPU cannot be ejected */
	guest_write(3, ACPI_CPU_EJECT); /* nor one that is not there */
	guest_write(9, 0xff); /* past the registers: ignored */
	CHECK(guest_read(9) == 0);
	CHECK(cpu_hotplug_present_count() == 2 && guest_read(1) == 0 && guest_read(0) == ACPI_CPU_PRESENT);
	r = ask(&vm, "{\"op\":\"vcpus\",\"count\":4}", &console); /* 2 stays, 1 and 3 come */
	CHECK(ok(r) && gpes == 3 && cpu_hotplug_present_count() == 4 && guest_read(2) == ACPI_CPU_PRESENT);
	cJSON_Delete(r);
	const char *bad_vcpus[] = { "{\"op\":\"vcpus\"}", "{\"op\":\"vcpus\",\"count\":0}",
				    "{\"op\":\"vcpus\",\"count\":5}", "{\"op\":\"vcpus\",\"count\":1.5}",
				    "{\"op\":\"vcpus\",\"count\":\"2\"}", "{\"op\":\"vcpus\",\"count\":-1e300}" };
	for (size_t i = 0; i < sizeof(bad_vcpus) / sizeof(bad_vcpus[0]); i++) {
		r = ask(&vm, bad_vcpus[i], &console);
		CHECK(!ok(r) && strlen(error_of(r)) > 0);
		cJSON_Delete(r);
	}
	CHECK(gpes == 3 && cpu_hotplug_present_count() == 4);

	/* rate limits and link status */
	r = ask(&vm, "{\"op\":\"stats\"}", &console);
	st = cJSON_GetObjectItemCaseSensitive(r, "stats");
	const cJSON *nics = cJSON_GetObjectItemCaseSensitive(st, "nics");
	CHECK(cJSON_GetArraySize(nics) == 1);
	CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(nics, 0), "rx_bytes")->valuedouble == 1234);
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(nics, 0), "backend")->valuestring, "vhost");
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(disks = cJSON_GetObjectItemCaseSensitive(st, "disks"), 0),
						   "rate")->valuestring, "1M@1s");
	cJSON_Delete(r);
	r = ask(&vm, "{\"op\":\"rate\",\"device\":\"net0\",\"tx-rate\":\"1M\",\"rx-ops\":\"off\"}", &console);
	CHECK(ok(r));
	CHECK_STR(rate_log, "net0:tx-rate=1M;net0:rx-ops=off;");
	cJSON_Delete(r);
	rate_log[0] = 0;
	r = ask(&vm, "{\"op\":\"rate\",\"device\":\"disk1\",\"ops\":\"100@1s\"}", &console);
	CHECK(ok(r));
	CHECK_STR(rate_log, "disk1:ops=100@1s;");
	cJSON_Delete(r);
	rate_log[0] = 0;
	/* refused as a whole: nothing applied, even the good limits before the bad one */
	const char *bad_rate[] = {
		"{\"op\":\"rate\"}", "{\"op\":\"rate\",\"device\":\"net0\"}",
		"{\"op\":\"rate\",\"device\":\"net1\",\"rate\":\"1M\"}",
		"{\"op\":\"rate\",\"device\":\"disk2\",\"rate\":\"1M\"}",
		"{\"op\":\"rate\",\"device\":\"eth0\",\"rate\":\"1M\"}",
		"{\"op\":\"rate\",\"device\":\"net0x\",\"rate\":\"1M\"}",
		"{\"op\":\"rate\",\"device\":\"net0\",\"rate\":\"1M\",\"tx-rate\":\"fast\"}",
		"{\"op\":\"rate\",\"device\":\"net0\",\"rate\":\"1M\",\"speed\":\"1M\"}",
		"{\"op\":\"rate\",\"device\":\"net0\",\"rate\":1000000}",
		"{\"op\":\"rate\",\"device\":\"disk0\",\"tx-rate\":\"1M\"}",
		"{\"op\":\"link\",\"device\":\"net0\",\"up\":\"no\"}",
		"{\"op\":\"link\",\"device\":\"disk0\",\"up\":false}",
	};
	for (size_t i = 0; i < sizeof(bad_rate) / sizeof(bad_rate[0]); i++) {
		r = ask(&vm, bad_rate[i], &console);
		CHECK(!ok(r) && strlen(error_of(r)) > 0);
		cJSON_Delete(r);
	}
	CHECK_STR(rate_log, "");
	r = ask(&vm, "{\"op\":\"link\",\"device\":\"net0\",\"up\":false}", &console);
	CHECK(ok(r) && link_state == 0);
	cJSON_Delete(r);

	/* the balloon: a target in MiB, shown in stats; nonsense refused */
	r = ask(&vm, "{\"op\":\"balloon\",\"target_mib\":96}", &console);
	CHECK(ok(r) && balloon_target == 96);
	cJSON_Delete(r);
	r = ask(&vm, "{\"op\":\"stats\"}", &console);
	st = cJSON_GetObjectItemCaseSensitive(r, "stats");
	const cJSON *bal = cJSON_GetObjectItemCaseSensitive(st, "balloon");
	CHECK(cJSON_GetObjectItemCaseSensitive(bal, "target_mib")->valuedouble == 96);
	CHECK(cJSON_GetObjectItemCaseSensitive(bal, "guest_mib")->valuedouble == 200);
	cJSON_Delete(r);
	const char *bad_balloon[] = { "{\"op\":\"balloon\"}", "{\"op\":\"balloon\",\"target_mib\":8}",
				      "{\"op\":\"balloon\",\"target_mib\":-5}", "{\"op\":\"balloon\",\"target_mib\":1e300}",
				      "{\"op\":\"balloon\",\"target_mib\":64.5}", "{\"op\":\"balloon\",\"target_mib\":\"64\"}" };
	for (size_t i = 0; i < sizeof(bad_balloon) / sizeof(bad_balloon[0]); i++) {
		r = ask(&vm, bad_balloon[i], &console);
		CHECK(!ok(r) && strlen(error_of(r)) > 0);
		cJSON_Delete(r);
	}
	CHECK(balloon_target == 96);

	/* save: every malformed request refused before anything is written */
	const char *bad_save[] = { "{\"op\":\"save\"}", "{\"op\":\"save\",\"path\":\"rel/file\"}",
				   "{\"op\":\"save\",\"path\":5}", "{\"op\":\"save\",\"path\":\"/s\",\"then\":\"explode\"}",
				   "{\"op\":\"save\",\"path\":\"/s\",\"then\":1}", "{\"op\":\"save\",\"path\":\"/s\",\"config\":{}}" };
	for (size_t i = 0; i < sizeof(bad_save) / sizeof(bad_save[0]); i++) {
		r = ask(&vm, bad_save[i], &console);
		CHECK(!ok(r) && strstr(error_of(r), "save: ") == error_of(r));
		cJSON_Delete(r);
	}
	CHECK(saves == 0);
	r = ask(&vm, "{\"op\":\"save\",\"path\":\"/var/lib/paravent/save/a\",\"then\":\"continue\",\"config\":\"name=a\"}", &console);
	CHECK(ok(r) && cJSON_GetObjectItemCaseSensitive(r, "bytes")->valuedouble == 12345);
	CHECK(saved_then == SNAP_THEN_CONTINUE && strcmp(saved_path, "/var/lib/paravent/save/a") == 0 &&
	      strcmp(saved_config, "name=a") == 0 && stopped == 0);
	cJSON_Delete(r);
	r = ask(&vm, "{\"op\":\"save\",\"path\":\"/s\",\"then\":\"pause\"}", &console);
	CHECK(ok(r) && saved_then == SNAP_THEN_PAUSE && strcmp(saved_config, "(none)") == 0 && stopped == 0);
	cJSON_Delete(r);
	save_fails = 1; /* a full disk: the error comes back and the guest is not stopped */
	r = ask(&vm, "{\"op\":\"save\",\"path\":\"/s\"}", &console);
	CHECK(!ok(r) && strstr(error_of(r), "No space left") && stopped == 0);
	cJSON_Delete(r);
	save_fails = 0;
	r = ask(&vm, "{\"op\":\"save\",\"path\":\"/s\"}", &console);
	CHECK(ok(r) && saved_then == SNAP_THEN_STOP && stopped == 1 && atomic_load(&vm.exit_status) == VMM_EXIT_SAVED);
	cJSON_Delete(r);
	stopped = 0;

	/* migrate: checked, started, then seen in stats */
	const char *bad_migrate[] = { "{\"op\":\"migrate\"}", "{\"op\":\"migrate\",\"socket\":\"rel.sock\"}",
				      "{\"op\":\"migrate\",\"socket\":\"/m.sock\",\"max_rounds\":-1}",
				      "{\"op\":\"migrate\",\"socket\":\"/m.sock\",\"downtime_ms\":0}",
				      "{\"op\":\"migrate\",\"socket\":\"/m.sock\",\"downtime_ms\":2.5}",
				      "{\"op\":\"migrate\",\"socket\":\"/m.sock\",\"config\":7}",
				      "{\"op\":\"migrate\",\"socket\":\"/nobody.sock\"}" };
	for (size_t i = 0; i < sizeof(bad_migrate) / sizeof(bad_migrate[0]); i++) {
		r = ask(&vm, bad_migrate[i], &console);
		CHECK(!ok(r) && strstr(error_of(r), "migrate: ") == error_of(r));
		cJSON_Delete(r);
	}
	CHECK(migrated_to[0] == 0);
	r = ask(&vm, "{\"op\":\"stats\"}", &console);
	CHECK(!cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "stats"), "migration"));
	cJSON_Delete(r);
	r = ask(&vm, "{\"op\":\"migrate\",\"socket\":\"/run/m.sock\"}", &console);
	CHECK(ok(r) && strcmp(migrated_to, "/run/m.sock") == 0 && migrated_rounds == MIGRATE_DEFAULT_ROUNDS &&
	      migrated_downtime == MIGRATE_DEFAULT_DOWNTIME_MS && migrated_live);
	cJSON_Delete(r);
	r = ask(&vm, "{\"op\":\"migrate\",\"socket\":\"/run/m.sock\",\"live\":\"no\"}", &console);
	CHECK(!ok(r) && strstr(error_of(r), "\"live\" is true or false"));
	cJSON_Delete(r);
	r = ask(&vm, "{\"op\":\"migrate\",\"socket\":\"/run/m.sock\",\"max_rounds\":5,\"downtime_ms\":30,\"live\":false}",
		&console);
	CHECK(ok(r) && migrated_rounds == 5 && migrated_downtime == 30 && !migrated_live);
	cJSON_Delete(r);
	r = ask(&vm, "{\"op\":\"stats\"}", &console);
	const cJSON *mg = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "stats"), "migration");
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(mg, "state")->valuestring, "running");
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(mg, "round_pages")) == 3);
	CHECK(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(mg, "round_pages"), 1)->valuedouble == 300);
	cJSON_Delete(r);
	/* no save while a migration runs: both would copy guest memory through the same buffers */
	int saves_before = saves;
	r = ask(&vm, "{\"op\":\"save\",\"path\":\"/s\"}", &console);
	CHECK(!ok(r) && strstr(error_of(r), "migration is running") && saves == saves_before);
	cJSON_Delete(r);

	r = ask(&vm, "{\"op\":\"stop\"}", &console);
	CHECK(ok(r) && stopped == 1 && atomic_load(&vm.exit_status) == VMM_EXIT_STOPPED);
	fd_passing_checks(&vm);
	cJSON_Delete(r);
	return check_summary("control");
}
