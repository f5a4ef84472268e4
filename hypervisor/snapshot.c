/* See snapshot.h. */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dev_virtio_blk.h"
#include "msi.h"
#include "snapshot_cpu.h"
#include "snapshot_stream.h"
#include "vm.h"
#include "vmm.h"

#define MAX_SAVERS 48
#define PAGE 4096u
#define RAM_RUN_PAGES 256 /* pages per RAM section: 1 MiB, well under SNAP_MAX_SECTION */

#define TAG_MACH SNAP_TAG_MACH
#define TAG_CONF SNAP_TAG_CONF
#define TAG_RAM SNAP_TAG('R', 'A', 'M', ' ')
#define TAG_IRQC SNAP_TAG('I', 'R', 'Q', 'C')
#define TAG_VCPU SNAP_TAG('V', 'C', 'P', 'U')
#define TAG_CLCK SNAP_TAG('C', 'L', 'C', 'K')
#define TAG_HINT SNAP_TAG('H', 'I', 'N', 'T') /* instance: the device's; payload: its tag, its hint */

static struct saver {
	uint32_t tag, instance;
	const struct snap_ops *ops;
	void *opaque;
	bool loaded;
} savers[MAX_SAVERS];
static unsigned nsavers;

void snapshot_register(uint32_t tag, uint32_t instance, const struct snap_ops *ops, void *opaque)
{
	if (nsavers == MAX_SAVERS) {
		/* a build with more devices than this table: a programming error, said loudly */
		vmm_log("snapshot: too many devices; raise MAX_SAVERS");
		abort();
	}
	savers[nsavers++] = (struct saver){ .tag = tag, .instance = instance, .ops = ops, .opaque = opaque };
}

/* --- the machine's shape ------------------------------------------------------------------ */

/* Disk i's size and, below, content: through the descriptor the device reads (a confined
 * VMM cannot open the image's path again). */
static uint64_t disk_size(int i)
{
	struct stat st;
	int fd = virtio_blk_backing_fd(i);
	return fd >= 0 && fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* A read-only disk's content, as CRC32C: a guest restored onto another image of the same
 * size would read what it never wrote (its page cache holds the old image's blocks). A
 * writable disk's content is the guest's own doing; only its size is checked. 0 when
 * unreadable. */
static uint32_t disk_digest(int i)
{
	static uint8_t buf[1 << 20];
	uint32_t crc = 0;
	ssize_t n;
	int fd = virtio_blk_backing_fd(i);

	for (off_t at = 0; fd >= 0 && (n = pread(fd, buf, sizeof(buf), at)) > 0; at += n)
		crc = snap_crc32c(crc, buf, (size_t)n);
	return crc;
}

static void machine_put(struct vm *vm, struct snap_buf *b)
{
	const struct vmm_options *o = vm->opt;

	sb_put(b, o->memory_mib, 8);
	sb_put(b, (uint64_t)vm->nvcpus, 4);
	sb_put(b, (uint64_t)o->ndisks, 4);
	for (int i = 0; i < o->ndisks; i++) {
		sb_put(b, disk_size(i), 8);
		sb_put(b, o->disk[i].readonly ? disk_digest(i) : 0, 4);
	}
	sb_put(b, (uint64_t)o->nnics, 4);
	sb_put(b, o->console, 1);
	sb_put(b, o->vsock_cid != 0, 1);
	sb_put(b, nsavers, 4);
	for (unsigned i = 0; i < nsavers; i++) {
		sb_put(b, savers[i].tag, 4);
		sb_put(b, savers[i].instance, 4);
	}
	sb_put(b, atomic_load(&vm->boot_marked), 1);
	sb_put(b, vm->boot_ns, 8);
}

/* Differences between the saved machine and this one, as a sentence. */
static int machine_check(struct vm *vm, struct snap_buf *b, char *err, size_t errlen)
{
	const struct vmm_options *o = vm->opt;
	uint64_t mem = sb_get(b, 8);
	uint32_t ncpu = (uint32_t)sb_get(b, 4), ndisks = (uint32_t)sb_get(b, 4);

	if (b->bad)
		goto malformed;
	if (mem != o->memory_mib) {
		snprintf(err, errlen, "the guest was saved with %llu MiB of memory, this VM has %llu",
			 (unsigned long long)mem, (unsigned long long)o->memory_mib);
		return -1;
	}
	if (ncpu != (uint32_t)vm->nvcpus) {
		snprintf(err, errlen, "the guest was saved with %u possible vCPUs, this VM has %d", ncpu, vm->nvcpus);
		return -1;
	}
	if (ndisks != (uint32_t)o->ndisks) {
		snprintf(err, errlen, "the guest was saved with %u disks, this VM has %d", ndisks, o->ndisks);
		return -1;
	}
	for (uint32_t i = 0; i < ndisks; i++) {
		uint64_t size = sb_get(b, 8), now = disk_size((int)i);
		uint32_t digest = (uint32_t)sb_get(b, 4);
		if (!b->bad && size != now) {
			snprintf(err, errlen, "disk %u (%s) had %llu bytes when the guest was saved and has %llu now: "
				 "not the same disk", i, o->disk[i].path, (unsigned long long)size, (unsigned long long)now);
			return -1;
		}
		if (!b->bad && o->disk[i].readonly && digest != disk_digest((int)i)) {
			snprintf(err, errlen, "disk %u (%s, read-only) has other contents than when the guest was saved: "
				 "not the same image", i, o->disk[i].path);
			return -1;
		}
	}
	uint32_t nnics = (uint32_t)sb_get(b, 4);
	unsigned console = (unsigned)sb_get(b, 1), vsock = (unsigned)sb_get(b, 1);
	uint32_t n = (uint32_t)sb_get(b, 4);
	if (b->bad)
		goto malformed;
	if (nnics != (uint32_t)o->nnics || console != (unsigned)o->console || vsock != (o->vsock_cid != 0) ||
	    n != nsavers) {
		snprintf(err, errlen, "the guest was saved with other devices (%u NICs, %s console%s), this VM has "
			 "%d NICs, a %s console%s", nnics, console ? "virtio" : "serial", vsock ? ", vsock" : "",
			 o->nnics, o->console ? "virtio" : "serial", o->vsock_cid ? ", vsock" : "");
		return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t tag = (uint32_t)sb_get(b, 4), inst = (uint32_t)sb_get(b, 4);
		if (!b->bad && (tag != savers[i].tag || inst != savers[i].instance)) {
			char t[5];
			snprintf(err, errlen, "the guest was saved with other devices (device %u is %s/%u here)", i,
				 snap_tag_name(savers[i].tag, t), savers[i].instance);
			return -1;
		}
	}
	bool marked = sb_get(b, 1) != 0;
	uint64_t boot_ns = sb_get(b, 8);
	if (!sb_done(b))
		goto malformed;
	atomic_store(&vm->boot_marked, marked);
	vm->boot_ns = boot_ns;
	return 0;
malformed:
	snprintf(err, errlen, "the machine description is malformed");
	return -1;
}

/* --- RAM: runs of pages that are not all zero (a restore starts from zeroed memory) ------- */

static bool page_is_zero(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)(const void *)p;
	for (unsigned i = 0; i < PAGE / 8; i++) {
		if (w[i])
			return false;
	}
	return true;
}

/* One RAM section: pages [start, start + n) of region reg, through a copy unless held. The
 * guest may be running (live migration): the bytes checksummed must be the bytes sent, and a
 * page the guest changes meanwhile is dirty and goes again in a later round. */
static int put_pages(struct snap_writer *w, const struct guest_mem_region *reg, uint64_t start, uint64_t n)
{
	static uint8_t *copy;
	uint8_t gpa[8];
	uint8_t *pages = reg->hva + start * PAGE;

	/* held sections are a copy already, taken while the guest is paused (a migration's
	 * stop-and-copy): a second one would only lengthen the pause */
	if (!w->holding) {
		if (!copy && !(copy = malloc((size_t)RAM_RUN_PAGES * PAGE))) {
			w->error = ENOMEM;
			return -1;
		}
		memcpy(copy, pages, (size_t)n * PAGE);
		pages = copy;
	}
	le_put(gpa, 8, reg->gpa + start * PAGE);
	struct iovec iov[2] = { { gpa, 8 }, { pages, (size_t)n * PAGE } };
	return snap_write_iov(w, TAG_RAM, 0, iov, 2);
}

static int ram_save(struct vm *vm, struct snap_writer *w)
{
	for (unsigned r = 0; r < vm->mem.nr; r++) {
		const struct guest_mem_region *reg = &vm->mem.r[r];
		uint64_t pages = reg->size / PAGE;
		for (uint64_t i = 0; i < pages;) {
			if (page_is_zero(reg->hva + i * PAGE)) {
				i++;
				continue;
			}
			uint64_t start = i;
			while (i < pages && i - start < RAM_RUN_PAGES && !page_is_zero(reg->hva + i * PAGE))
				i++;
			if (put_pages(w, reg, start, i - start) != 0)
				return -1;
		}
	}
	return 0;
}

static int ram_load(struct vm *vm, const struct snap_section *s, char *err, size_t errlen)
{
	if (s->len < 8 + PAGE || (s->len - 8) % PAGE) {
		snprintf(err, errlen, "a RAM section has a bad length (%zu bytes)", s->len);
		return -1;
	}
	uint64_t gpa = le_get(s->data, 8), len = s->len - 8;
	uint8_t *dst = guest_mem_ptr(&vm->mem, gpa, len);
	if (!dst || gpa % PAGE) {
		snprintf(err, errlen, "a RAM section covers 0x%llx-0x%llx, outside this VM's memory",
			 (unsigned long long)gpa, (unsigned long long)(gpa + len));
		return -1;
	}
	memcpy(dst, s->data + 8, len);
	return 0;
}

/* --- save ---------------------------------------------------------------------------------- */

static int put_section(struct snap_writer *w, uint32_t tag, uint32_t instance, struct snap_buf *b)
{
	int r = b->bad ? -1 : snap_write(w, tag, instance, b->p, b->len);
	if (b->bad && !w->error)
		w->error = ENOMEM;
	sb_free(b);
	return r;
}

int snapshot_write_head(struct vm *vm, struct snap_writer *w, const char *config)
{
	struct snap_buf b = { 0 };

	machine_put(vm, &b);
	if (put_section(w, TAG_MACH, 0, &b) != 0)
		return -1;
	return snap_write(w, TAG_CONF, 0, config ? config : "", config ? strlen(config) : 0);
}

int snapshot_write_ram(struct vm *vm, struct snap_writer *w)
{
	return ram_save(vm, w);
}

int snapshot_write_hints(struct snap_writer *w)
{
	for (unsigned i = 0; i < nsavers; i++) {
		if (!savers[i].ops->hint_save)
			continue;
		struct snap_buf b = { 0 };
		sb_put(&b, savers[i].tag, 4);
		savers[i].ops->hint_save(savers[i].opaque, &b);
		if (put_section(w, TAG_HINT, savers[i].instance, &b) != 0)
			return -1;
	}
	return 0;
}

int snapshot_write_pages(struct vm *vm, struct snap_writer *w, unsigned r, const uint64_t *bitmap)
{
	const struct guest_mem_region *reg = &vm->mem.r[r];
	uint64_t pages = reg->size / PAGE;

	for (uint64_t i = 0; i < pages;) {
		if (!(bitmap[i / 64] & (1ULL << (i % 64)))) {
			i++;
			continue;
		}
		uint64_t start = i;
		while (i < pages && i - start < RAM_RUN_PAGES && (bitmap[i / 64] & (1ULL << (i % 64))))
			i++;
		if (put_pages(w, reg, start, i - start) != 0)
			return -1;
	}
	return 0;
}

int snapshot_write_state(struct vm *vm, struct snap_writer *w, char *err, size_t errlen)
{
	struct snap_buf b = { 0 };

	if (vm_irqchip_save(vm, &b, err, errlen) != 0) {
		sb_free(&b);
		return -2;
	}
	if (put_section(w, TAG_IRQC, 0, &b) != 0)
		return -1;
	for (int i = 0; i < vm->nvcpus; i++) {
		if (vcpu_state_save(&vm->vcpu[i], &b, err, errlen) != 0) {
			sb_free(&b);
			return -2;
		}
		if (put_section(w, TAG_VCPU, (uint32_t)i, &b) != 0)
			return -1;
	}
	for (unsigned i = 0; i < nsavers; i++) {
		savers[i].ops->save(savers[i].opaque, &b);
		if (put_section(w, savers[i].tag, savers[i].instance, &b) != 0)
			return -1;
	}
	if (vm_clock_save(vm, &b, err, errlen) != 0) {
		sb_free(&b);
		return -2;
	}
	if (put_section(w, TAG_CLCK, 0, &b) != 0 || snap_writer_end(w) != 0)
		return -1;
	return 0;
}

void snapshot_devices_quiesce(void)
{
	for (unsigned i = 0; i < nsavers; i++) {
		if (savers[i].ops->quiesce)
			savers[i].ops->quiesce(savers[i].opaque);
	}
}

void snapshot_devices_resume(void)
{
	for (unsigned i = 0; i < nsavers; i++) {
		if (savers[i].ops->resume)
			savers[i].ops->resume(savers[i].opaque);
	}
}

void snapshot_devices_activate(void)
{
	for (unsigned i = 0; i < nsavers; i++) {
		if (savers[i].ops->activate)
			savers[i].ops->activate(savers[i].opaque);
	}
}

void snapshot_devices_track(bool on)
{
	for (unsigned i = 0; i < nsavers; i++) {
		void (*fn)(void *) = on ? savers[i].ops->track_begin : savers[i].ops->track_end;
		if (fn)
			fn(savers[i].opaque);
	}
}

static int write_vm(struct vm *vm, struct snap_writer *w, const char *config, char *err, size_t errlen)
{
	if (snapshot_write_head(vm, w, config) != 0 || ram_save(vm, w) != 0)
		return -1;
	return snapshot_write_state(vm, w, err, errlen);
}

int snapshot_save(struct vm *vm, int fd, const char *config, enum snap_then then, char *err, size_t errlen)
{
	struct snap_writer w;
	struct stat st;

	pthread_mutex_lock(&vm->pause_lock);
	bool was_paused = vm->paused;
	pthread_mutex_unlock(&vm->pause_lock);
	vm_pause(vm);
	snapshot_devices_quiesce();
	snap_writer_begin(&w, fd);
	int r = write_vm(vm, &w, config, err, errlen);
	if (r == 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fdatasync(fd) != 0)
		w.error = errno, r = -1;
	if (r == -1)
		snprintf(err, errlen, "cannot write the guest's state: %s", strerror(w.error ? w.error : EIO));
	if (r != 0 || then != SNAP_THEN_STOP) {
		snapshot_devices_resume();
		/* "continue": as it was before the save, running or paused */
		if (!was_paused && (r != 0 || then == SNAP_THEN_CONTINUE))
			vm_resume(vm);
	}
	if (r == 0)
		vmm_log("saved the guest: %llu bytes (CRC32C by %s)", (unsigned long long)w.bytes, snap_crc32c_way());
	return r == 0 ? 0 : -1;
}

int snapshot_save_file(struct vm *vm, const char *path, const char *config, enum snap_then then,
		       uint64_t *bytes, char *err, size_t errlen)
{
	char tmp[4096];
	struct stat st;

	if (snprintf(tmp, sizeof(tmp), "%s.partial.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "save: the path is too long");
		return -1;
	}
	/* a new file of our own (O_EXCL), never one that was there */
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "save: cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	/* STOP is PAUSE here: the VMM ends only once the file is in place */
	int r = snapshot_save(vm, fd, config, then == SNAP_THEN_STOP ? SNAP_THEN_PAUSE : then, err, errlen);
	bool saved = r == 0;
	if (r == 0 && fstat(fd, &st) == 0)
		*bytes = (uint64_t)st.st_size;
	if (close(fd) != 0 && r == 0) {
		snprintf(err, errlen, "cannot write the guest's state: %s", strerror(errno));
		r = -1;
	}
	if (r == 0 && rename(tmp, path) != 0) {
		snprintf(err, errlen, "save: cannot rename %s to %s: %s", tmp, path, strerror(errno));
		r = -1;
	}
	if (r != 0)
		unlink(tmp);
	if (r != 0 && saved && then == SNAP_THEN_STOP)
		vm_resume(vm); /* the guest goes on: it is not saved */
	return r;
}

/* --- restore ------------------------------------------------------------------------------- */

static int load_section(struct vm *vm, const struct snap_section *s, int *stage, char *err, size_t errlen)
{
	struct snap_buf b = sb_reader(s->data, s->len);
	char t[5];

	if (*stage == 0 && s->tag != TAG_MACH) {
		snprintf(err, errlen, "the stream does not begin with the machine description");
		return -1;
	}
	switch (s->tag) {
	case TAG_MACH:
		if (*stage != 0) {
			snprintf(err, errlen, "a second machine description in the stream");
			return -1;
		}
		*stage = 1;
		return machine_check(vm, &b, err, errlen);
	case TAG_CONF:
		return 0;
	case TAG_RAM:
		return ram_load(vm, s, err, errlen);
	case TAG_IRQC:
		return vm_irqchip_load(vm, &b, err, errlen);
	case TAG_VCPU:
		if (s->instance >= (uint32_t)vm->nvcpus) {
			snprintf(err, errlen, "the stream has a vCPU %u, this VM has %d", s->instance, vm->nvcpus);
			return -1;
		}
		return vcpu_state_load(&vm->vcpu[s->instance], &b, err, errlen);
	case TAG_CLCK:
		*stage = 2;
		return vm_clock_load(vm, &b, err, errlen);
	case TAG_HINT: {
		/* a hint for a device this VM lacks: the device's own section will say so */
		uint32_t tag = (uint32_t)sb_get(&b, 4);
		for (unsigned i = 0; i < nsavers && !b.bad; i++) {
			if (savers[i].tag == tag && savers[i].instance == s->instance && savers[i].ops->hint_load)
				savers[i].ops->hint_load(savers[i].opaque, &b);
		}
		/* the routes a hint gave go to KVM now, not with the pause's commit (snapshot_restore
		 * holds them); should this fail, that commit tries again */
		msi_routes_commit(vm);
		msi_routes_hold();
		return 0;
	}
	default:
		break;
	}
	for (unsigned i = 0; i < nsavers; i++) {
		if (savers[i].tag != s->tag || savers[i].instance != s->instance)
			continue;
		if (savers[i].loaded) {
			snprintf(err, errlen, "device %s/%u appears twice in the stream", snap_tag_name(s->tag, t), s->instance);
			return -1;
		}
		savers[i].loaded = true;
		int r = savers[i].ops->load(savers[i].opaque, &b, err, errlen);
		if (r == 0 && !sb_done(&b)) {
			snprintf(err, errlen, "device %s/%u: its state is malformed", snap_tag_name(s->tag, t), s->instance);
			r = -1;
		}
		return r;
	}
	snprintf(err, errlen, "the stream has a device this VM lacks (%s/%u)", snap_tag_name(s->tag, t), s->instance);
	return -1;
}

static uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Where a restore's time goes, besides RAM: what an incoming guest's pause waits for */
struct load_times {
	uint64_t bytes, chip_ns, vcpu_ns, dev_ns;
};

static int load_stream(struct vm *vm, int fd, struct load_times *lt, char *err, size_t errlen)
{
	struct snap_reader r;
	struct snap_section s;
	int k, stage = 0;
	char e[200];
	uint64_t chip_ns = 0, vcpu_ns = 0, dev_ns = 0;

	if (snap_reader_begin(&r, fd) != 0) {
		snprintf(err, errlen, "%s", r.err);
		return -1;
	}
	while ((k = snap_read(&r, &s)) == 1) {
		uint64_t t0 = mono_ns();
		int bad = load_section(vm, &s, &stage, e, sizeof(e));
		uint64_t ns = mono_ns() - t0;
		if (s.tag == TAG_IRQC || s.tag == TAG_CLCK)
			chip_ns += ns;
		else if (s.tag == TAG_VCPU)
			vcpu_ns += ns;
		else if (s.tag != TAG_RAM && s.tag != TAG_MACH && s.tag != TAG_CONF && s.tag != TAG_HINT)
			dev_ns += ns;
		if (bad) {
			snprintf(err, errlen, "%s", e);
			snap_reader_end(&r);
			return -1;
		}
	}
	snap_reader_end(&r);
	if (k < 0) {
		snprintf(err, errlen, "%s", r.err);
		return -1;
	}
	for (unsigned i = 0; i < nsavers; i++) {
		if (!savers[i].loaded) {
			snprintf(err, errlen, "the stream lacks the state of device %s/%u", snap_tag_name(savers[i].tag, e),
				 savers[i].instance);
			return -1;
		}
	}
	if (stage != 2) {
		snprintf(err, errlen, "the stream lacks the clock: incomplete");
		return -1;
	}
	*lt = (struct load_times){ .bytes = r.bytes, .chip_ns = chip_ns, .vcpu_ns = vcpu_ns, .dev_ns = dev_ns };
	return 0;
}

int snapshot_restore(struct vm *vm, int fd, char *err, size_t errlen)
{
	/* the devices' interrupts are routed once, when all are in, not once per vector */
	struct load_times lt = { 0 };
	msi_routes_hold();
	int r = load_stream(vm, fd, &lt, err, errlen);
	uint64_t t0 = mono_ns();
	if (msi_routes_commit(vm) != 0 && r == 0) {
		snprintf(err, errlen, "cannot route the devices' interrupts: %s", strerror(errno));
		r = -1;
	}
	lt.dev_ns += mono_ns() - t0;
	if (r == 0)
		vmm_log("restored the guest from %llu bytes (its state loaded in %.1f ms: vCPUs %.1f, irqchip and "
			"clock %.1f, devices %.1f)", (unsigned long long)lt.bytes,
			(double)(lt.chip_ns + lt.vcpu_ns + lt.dev_ns) / 1e6, (double)lt.vcpu_ns / 1e6,
			(double)lt.chip_ns / 1e6, (double)lt.dev_ns / 1e6);
	return r;
}
