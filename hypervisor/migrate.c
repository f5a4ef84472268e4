/* See migrate.h. */
#include "migrate.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "eventloop.h"
#include "migrate_policy.h"
#include "paravent-vmm.h"
#include "sandbox.h"
#include "snapshot.h"
#include "snapshot_stream.h"
#include "vm.h"
#include "vmm.h"

static pthread_mutex_t status_lock = PTHREAD_MUTEX_INITIALIZER;
static struct migrate_status status;
/* The stream being written, so that "stats" shows the bytes sent within a round, not only
 * after it (round 0 and a stop-and-copy take minutes on a slow link). */
static struct snap_writer *active_writer;

struct job {
	struct vm *vm;
	int fd;
	char *config;
	unsigned max_rounds;
	unsigned downtime_ms;
	bool live;
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t now_ms(void)
{
	return now_us() / 1000;
}

void migrate_get_status(struct migrate_status *s)
{
	pthread_mutex_lock(&status_lock);
	*s = status;
	if (active_writer && s->state == MIGRATE_RUNNING)
		s->sent_bytes = __atomic_load_n(&active_writer->bytes, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&status_lock);
}

static void set_failed(const char *why)
{
	pthread_mutex_lock(&status_lock);
	status.state = MIGRATE_FAILED;
	snprintf(status.error, sizeof(status.error), "%s", why);
	pthread_mutex_unlock(&status_lock);
	vmm_log("migration failed: %s; the guest stays here", why);
}

/* Reads one short line ("ready", "go") within seconds. 0 when it is want. */
static int expect_line(int fd, const char *want, int seconds)
{
	char line[16];
	size_t got = 0;
	uint64_t deadline = now_ms() + (uint64_t)seconds * 1000;

	while (got < sizeof(line) - 1) {
		uint64_t now = now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (now >= deadline || poll(&p, 1, (int)(deadline - now)) <= 0)
			return -1;
		ssize_t n = read(fd, line + got, 1);
		if (n <= 0)
			return -1;
		if (line[got] == '\n') {
			line[got] = 0;
			return strcmp(line, want) == 0 ? 0 : -1;
		}
		got++;
	}
	return -1;
}

static void set_stopped(void)
{
	pthread_mutex_lock(&status_lock);
	status.stopped = true;
	pthread_mutex_unlock(&status_lock);
}

static int send_line(int fd, const char *s)
{
	size_t len = strlen(s);
	return send(fd, s, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* The pages dirtied since the last call, KVM's log and ours ORed, into bm[region]; their
 * count. */
static uint64_t collect_dirty(struct vm *vm, uint64_t **bm)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < vm->mem.nr; i++) {
		size_t words = guest_mem_dirty_words(vm->mem.r[i].size);
		uint64_t *kvm = calloc(words, sizeof(uint64_t));
		if (kvm && vm_dirty_log_get(vm, i, kvm) == 0) {
			for (size_t w = 0; w < words; w++)
				bm[i][w] |= kvm[w];
		} else {
			/* no log: everything, to be safe */
			memset(bm[i], 0xff, words * sizeof(uint64_t));
		}
		free(kvm);
		guest_mem_dirty_collect(&vm->mem, i, bm[i]);
		for (size_t w = 0; w < words; w++)
			n += (uint64_t)__builtin_popcountll(bm[i][w]);
	}
	return n;
}

static int send_dirty(struct vm *vm, struct snap_writer *w, uint64_t **bm)
{
	for (unsigned i = 0; i < vm->mem.nr; i++) {
		if (snapshot_write_pages(vm, w, i, bm[i]) != 0)
			return -1;
		memset(bm[i], 0, guest_mem_dirty_words(vm->mem.r[i].size) * sizeof(uint64_t));
	}
	return 0;
}

/* After each round: what it sent, how fast the link went, how fast the guest dirties memory
 * (pages found dirty over the round's duration) and what stopping now would cost. */
static void record_round(unsigned round, uint64_t pages, uint64_t bytes, double rate, double dirty_rate)
{
	pthread_mutex_lock(&status_lock);
	status.round = round;
	status.sent_bytes = bytes;
	status.dirty_pages = pages;
	if (round < 64)
		status.round_pages[round] = pages;
	if (rate > 0)
		status.rate_mbps = rate;
	status.dirty_rate_mbps = dirty_rate;
	if (status.rate_mbps > 0)
		status.expected_downtime_ms = (uint64_t)((double)pages * 4096 / 1e6 / status.rate_mbps * 1000);
	pthread_mutex_unlock(&status_lock);
}

/* What the stop-and-copy round about to start will send, and the pause it will cost. */
static void record_estimate(uint64_t pages, double dirty_rate)
{
	pthread_mutex_lock(&status_lock);
	status.dirty_pages = pages;
	status.dirty_rate_mbps = dirty_rate;
	if (status.rate_mbps > 0)
		status.expected_downtime_ms = (uint64_t)((double)pages * 4096 / 1e6 / status.rate_mbps * 1000);
	pthread_mutex_unlock(&status_lock);
}

static void record_bytes(uint64_t bytes)
{
	pthread_mutex_lock(&status_lock);
	status.sent_bytes = bytes;
	pthread_mutex_unlock(&status_lock);
}

static void tracking(struct vm *vm, int on)
{
	eventloop_hold();
	if (on) {
		vm_dirty_log_start(vm);
		guest_mem_dirty_start(&vm->mem);
		snapshot_devices_track(true);
	} else {
		snapshot_devices_track(false);
		guest_mem_dirty_stop(&vm->mem);
		vm_dirty_log_stop(vm);
	}
	eventloop_release();
}

static void *migrate_thread(void *arg)
{
	struct job *j = arg;
	struct vm *vm = j->vm;
	struct snap_writer w = { 0 };
	uint64_t *bm[GUEST_MEM_MAX_REGIONS] = { 0 };
	uint64_t start = now_ms(), pages = 0;
	char err[200] = "";
	unsigned round = 0;

	pthread_setname_np(pthread_self(), "migrate");
	if (sandbox_enter_migration_thread() != 0) {
		snprintf(err, sizeof(err), "the migration thread could not confine itself: %s", strerror(errno));
		goto out;
	}
	pthread_mutex_lock(&vm->pause_lock);
	bool was_paused = vm->paused; /* a paused guest stays paused if this fails */
	pthread_mutex_unlock(&vm->pause_lock);
	for (unsigned i = 0; i < vm->mem.nr; i++) {
		bm[i] = calloc(guest_mem_dirty_words(vm->mem.r[i].size), sizeof(uint64_t));
		if (!bm[i]) {
			snprintf(err, sizeof(err), "out of memory");
			goto out;
		}
	}
	uint64_t paused = 0;
	struct { uint64_t paused, quiesced, logged, pages_sent, state_sent, written; } split = { 0 };
	int r;
	pthread_mutex_lock(&status_lock);
	active_writer = &w;
	pthread_mutex_unlock(&status_lock);
	if (!j->live) {
		/* stop and copy from the start: the guest pauses, everything goes, then its state */
		eventloop_hold();
		vm_pause(vm);
		paused = now_ms();
		snapshot_devices_quiesce();
		set_stopped();
		r = snap_writer_begin(&w, j->fd) == 0 && snapshot_write_head(vm, &w, j->config) == 0 &&
				    snapshot_write_ram(vm, &w) == 0
			    ? 0
			    : -1;
		record_bytes(w.bytes);
		if (r == 0)
			r = snapshot_write_state(vm, &w, err, sizeof(err));
		pages = w.bytes / 4096;
		round = 0;
		goto handshake;
	}
	tracking(vm, 1);
	/* round 0: everything that is not zero; the log started first, so nothing is missed */
	uint64_t t0 = now_ms();
	if (snap_writer_begin(&w, j->fd) != 0 || snapshot_write_head(vm, &w, j->config) != 0 ||
	    snapshot_write_ram(vm, &w) != 0 || snapshot_write_hints(&w) != 0)
		goto send_failed;
	double rate = (double)w.bytes / 1e6 / ((double)(now_ms() - t0 + 1) / 1000);
	uint64_t round_ms = now_ms() - t0 + 1;
	record_round(0, w.bytes / 4096, w.bytes, rate, 0);
	vmm_log("migration round 0: %llu pages, %.1f MB at %.1f MB/s (CRC32C by %s)", (unsigned long long)(w.bytes / 4096),
		(double)w.bytes / 1e6, rate, snap_crc32c_way());
	/* rounds: what the guest dirtied meanwhile, until what is left fits the downtime target */
	uint64_t prev_pages = w.bytes / 4096;
	for (round = 1;; round++) {
		pages = collect_dirty(vm, bm);
		double dirty_rate = (double)pages * 4096 / 1e6 / ((double)round_ms / 1000);
		double budget = rate * 1e6 * j->downtime_ms / 1000;
		if (migrate_should_pause(pages, prev_pages, budget / 4096, round, j->max_rounds)) {
			record_estimate(pages, dirty_rate);
			break;
		}
		prev_pages = pages;
		uint64_t before = w.bytes;
		t0 = now_ms();
		if (send_dirty(vm, &w, bm) != 0)
			goto send_failed;
		round_ms = now_ms() - t0 + 1;
		rate = (double)(w.bytes - before) / 1e6 / ((double)round_ms / 1000);
		record_round(round, pages, w.bytes, rate, dirty_rate);
		vmm_log("migration round %u: %llu dirty pages, %.1f MB/s", round, (unsigned long long)pages, rate);
	}
	/* the pause's buffer made ready while the guest still runs: room for what the last round
	 * left, and as much again (it is the estimate), plus the machine's state */
	snap_writer_reserve(&w, (size_t)(2 * pages + 64) * 4096);
	/* stop and copy: nothing moves now, not the vCPUs, not the devices */
	eventloop_hold();
	vm_pause(vm);
	split.paused = now_us();
	paused = split.paused / 1000;
	snapshot_devices_quiesce();
	set_stopped();
	split.quiesced = now_us();
	pages = collect_dirty(vm, bm);
	split.logged = now_us();
	/* the last pages and the state gather in memory and go in one write */
	snap_writer_hold(&w);
	r = send_dirty(vm, &w, bm);
	split.pages_sent = now_us();
	if (r == 0)
		r = snapshot_write_state(vm, &w, err, sizeof(err));
	split.state_sent = now_us();
	if (snap_writer_flush(&w) != 0 && r == 0)
		r = -1;
handshake:;
	/* where the pause goes: sending, the receiver loading, the handshake */
	uint64_t sent_at = now_ms(), ready_at = 0;
	split.written = now_us();
	if (r == 0 && expect_line(j->fd, "ready", MIGRATE_HANDSHAKE_SECONDS) != 0) {
		snprintf(err, sizeof(err), "the receiver did not load the guest (see its log)");
		r = -2;
	}
	ready_at = now_ms();
	if (r == 0 && send_line(j->fd, "go\n") != 0) {
		snprintf(err, sizeof(err), "the link broke before the receiver was told to go");
		r = -2;
	}
	if (r == 0 && expect_line(j->fd, "running", MIGRATE_HANDSHAKE_SECONDS) != 0) {
		/* The receiver may or may not have heard "go": resuming here could run the guest
		 * twice, and it must not be lost either. It stays here, paused, for a person to
		 * decide with what they see on the receiver. */
		snprintf(err, sizeof(err),
			 "the receiver was told to go but did not confirm that it runs the guest; it stays "
			 "paused here: unpause it here only if it does not run there");
		snapshot_devices_resume();
		eventloop_release();
		if (j->live)
			tracking(vm, 0);
		goto out;
	}
	if (r != 0) {
		if (r == -1)
			snprintf(err, sizeof(err), "cannot send: %s", strerror(w.error ? w.error : EIO));
		snapshot_devices_resume();
		eventloop_release();
		if (j->live)
			tracking(vm, 0);
		if (!was_paused)
			vm_resume(vm);
		goto out;
	}
	uint64_t end = now_ms();
	pthread_mutex_lock(&status_lock);
	status.state = MIGRATE_DONE;
	status.round = round;
	status.sent_bytes = w.bytes;
	if (round < 64)
		status.round_pages[round] = pages;
	status.downtime_ms = end - paused;
	status.total_ms = end - start;
	pthread_mutex_unlock(&status_lock);
	vmm_log("stop-and-copy: sent in %llu ms, the receiver ready %llu ms later, running %llu ms after that",
		(unsigned long long)(sent_at - paused), (unsigned long long)(ready_at - sent_at),
		(unsigned long long)(end - ready_at));
	if (j->live)
		vmm_log("stop-and-copy, sending: devices quiesced in %.1f ms, dirty log read in %.1f ms, %llu pages "
			"gathered in %.1f ms, the state in %.1f ms, all written to the link in %.1f ms",
			(double)(split.quiesced - split.paused) / 1000, (double)(split.logged - split.quiesced) / 1000,
			(unsigned long long)pages, (double)(split.pages_sent - split.logged) / 1000,
			(double)(split.state_sent - split.pages_sent) / 1000,
			(double)(split.written - split.state_sent) / 1000);
	vmm_log("migrated: %u rounds, %.1f MB, last round %llu pages, downtime %llu ms, total %llu ms", round + 1,
		(double)w.bytes / 1e6, (unsigned long long)pages, (unsigned long long)(end - paused),
		(unsigned long long)(end - start));
	/* the guest is the receiver's now: no device here may act on it again (a kick that came
	 * in while we paused must not write a disk the receiver now writes) */
	eventloop_freeze();
	eventloop_release();
	vm_request_exit(vm, VMM_EXIT_MIGRATED, "the guest migrated");
	err[0] = 0;
	goto out;
send_failed:
	tracking(vm, 0);
	snprintf(err, sizeof(err), "cannot send: %s", strerror(w.error ? w.error : EIO));
out:
	pthread_mutex_lock(&status_lock);
	active_writer = NULL;
	pthread_mutex_unlock(&status_lock);
	close(j->fd);
	free(j->config);
	free(j);
	for (unsigned i = 0; i < vm->mem.nr; i++)
		free(bm[i]);
	/* last: once FAILED shows, a new migration may start */
	if (err[0])
		set_failed(err);
	return NULL;
}

static int unix_address(const char *path, struct sockaddr_un *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path)) {
		snprintf(err, errlen, "migrate: the socket path is too long");
		return -1;
	}
	strcpy(a->sun_path, path);
	return 0;
}

int migrate_start(struct vm *vm, const char *socket_path, int stream_fd, const char *config, unsigned max_rounds,
		  unsigned downtime_ms, bool live, char *err, size_t errlen)
{
	struct sockaddr_un a;
	pthread_t t;
	int fd = stream_fd;

	pthread_mutex_lock(&status_lock);
	if (status.state == MIGRATE_RUNNING) {
		pthread_mutex_unlock(&status_lock);
		snprintf(err, errlen, "migrate: a migration is running already");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	pthread_mutex_unlock(&status_lock);
	if (fd < 0) {
		if (unix_address(socket_path, &a, err, errlen) != 0)
			return -1;
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
			snprintf(err, errlen, "migrate: no receiver at %s: %s", socket_path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
	}
	struct job *j = calloc(1, sizeof(*j));
	if (j)
		*j = (struct job){ .vm = vm, .fd = fd, .config = strdup(config ? config : ""), .max_rounds = max_rounds,
				   .downtime_ms = downtime_ms, .live = live };
	pthread_mutex_lock(&status_lock);
	memset(&status, 0, sizeof(status));
	status.state = MIGRATE_RUNNING;
	pthread_mutex_unlock(&status_lock);
	if (!j || !j->config || pthread_create(&t, NULL, migrate_thread, j) != 0) {
		close(fd);
		if (j)
			free(j->config);
		free(j);
		pthread_mutex_lock(&status_lock);
		status.state = MIGRATE_NONE;
		pthread_mutex_unlock(&status_lock);
		snprintf(err, errlen, "migrate: cannot start");
		return -1;
	}
	pthread_detach(t);
	return 0;
}

int migrate_receive(struct vm *vm, const char *socket_path, int (*confine)(char *err, size_t errlen),
		    char *err, size_t errlen)
{
	struct sockaddr_un a;
	char why[200];

	if (unix_address(socket_path, &a, err, errlen) != 0)
		return -1;
	unlink(socket_path);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	mode_t old = umask(0077);
	int bound = l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0;
	umask(old);
	if (!bound) {
		snprintf(err, errlen, "cannot listen on %s: %s", socket_path, strerror(errno));
		if (l >= 0)
			close(l);
		return -1;
	}
	vmm_log("waiting for a migrating guest on %s", socket_path);
	int fd = accept(l, NULL, NULL);
	close(l);
	unlink(socket_path);
	if (fd < 0) {
		snprintf(err, errlen, "accept: %s", strerror(errno));
		return -1;
	}
	/* confined before the stream, not in the pause: the restore needs nothing confinement
	 * takes away (the disks are checked through the descriptors already open), and nothing
	 * that can fail is left for after the sender lets go */
	uint64_t t0 = now_us();
	int r = confine ? confine(why, sizeof(why)) : 0;
	if (r == 0 && confine)
		vmm_log("confined in %.1f ms, before the guest's state arrives", (double)(now_us() - t0) / 1000);
	if (r == 0)
		r = snapshot_restore(vm, fd, why, sizeof(why));
	if (r != 0)
		snprintf(err, errlen, "%s", why);
	else if (send_line(fd, "ready\n") != 0 || expect_line(fd, "go", MIGRATE_HANDSHAKE_SECONDS) != 0) {
		snprintf(err, errlen, "the sender did not confirm: it keeps the guest");
		r = -1;
	} else {
		/* the guest is ours now, whether or not this reaches the sender (which then keeps
		 * its copy paused, never running) */
		send_line(fd, "running\n");
		vmm_log("received the guest: it runs here");
	}
	close(fd);
	return r;
}
