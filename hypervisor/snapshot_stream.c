/* See snapshot_stream.h. All integers are little-endian on the wire. */
#include "snapshot_stream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "le.h"

/* CRC32C (Castagnoli): it catches what a truncated copy or a flipped bit does to a save file.
 * Every byte of a save or a migration goes through it, at both ends, so it sets the pace of
 * round 0 and part of the pause. Two ways, the same values: the CPU's instruction (SSE4.2,
 * eight bytes at a time) and tables, eight bytes at a time ("slicing by 8"). The instruction
 * is 4.5 times as fast on hardware, but under QEMU's TCG, as in the tests, it is the slow one,
 * 3.5 times slower (tests/bench/crc-bench.c, docs/benchmarks.md), so the first call times
 * both on the same bytes and keeps the faster, as Linux does for its RAID checksums. */
static uint32_t crc_tables[8][256];

static void crc_tables_make(void)
{
	static int ready;

	if (__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		return;
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_tables[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tables[t][i] = (crc_tables[t - 1][i] >> 8) ^ crc_tables[0][crc_tables[t - 1][i] & 0xff];
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
}

uint32_t snap_crc32c_portable(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t (*t)[256] = crc_tables;

	crc_tables_make();
	crc = ~crc;
	for (; len >= 8; len -= 8, p += 8) {
		uint32_t lo = ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24) ^ crc;
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		      t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
	}
	for (; len; len--)
		crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#if defined(__x86_64__)
#include <cpuid.h>

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t c = ~crc;

	for (; len && ((uintptr_t)p & 7); len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	for (; len >= 8; len -= 8, p += 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	for (; len; len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return ~(uint32_t)c;
}

bool snap_crc32c_has_cpu(void)
{
	unsigned a, b, c, d;
	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
}

#else
bool snap_crc32c_has_cpu(void)
{
	return false;
}

#define crc32c_sse42 snap_crc32c_portable /* never chosen: there is no such instruction */
#endif

static uint64_t crc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* the fastest of three runs over 16 KiB */
static uint64_t crc_time(uint32_t (*fn)(uint32_t, const void *, size_t), const uint8_t *buf, size_t len)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 3; i++) {
		uint64_t t0 = crc_now_ns();
		volatile uint32_t sink = fn(0, buf, len);
		(void)sink;
		uint64_t t = crc_now_ns() - t0;
		best = t < best ? t : best;
	}
	return best;
}

static int crc_choice = -1; /* 1: the CPU's instruction, 0: tables */

static bool crc_use_cpu(void)
{
	int c = __atomic_load_n(&crc_choice, __ATOMIC_RELAXED);
	if (c < 0) {
		static uint8_t buf[16384];
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(i * 131 + 7);
		c = snap_crc32c_has_cpu() &&
		    crc_time(crc32c_sse42, buf, sizeof(buf)) < crc_time(snap_crc32c_portable, buf, sizeof(buf));
		__atomic_store_n(&crc_choice, c, __ATOMIC_RELAXED);
	}
	return c;
}

uint32_t snap_crc32c(uint32_t crc, const void *data, size_t len)
{
	return crc_use_cpu() ? crc32c_sse42(crc, data, len) : snap_crc32c_portable(crc, data, len);
}

uint32_t snap_crc32c_cpu(uint32_t crc, const void *data, size_t len)
{
	return snap_crc32c_has_cpu() ? crc32c_sse42(crc, data, len) : snap_crc32c_portable(crc, data, len);
}

const char *snap_crc32c_way(void)
{
	return crc_use_cpu() ? "the CPU's instruction" : "tables (slicing by 8)";
}

static int write_out(struct snap_writer *w, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(w->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->error = n < 0 ? errno : EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		__atomic_fetch_add(&w->bytes, (uint64_t)n, __ATOMIC_RELAXED); /* read by migrate_get_status */
	}
	return 0;
}

static int write_all(struct snap_writer *w, const void *data, size_t len)
{
	if (w->error)
		return -1;
	if (!w->holding)
		return write_out(w, data, len);
	if (!len)
		return 0; /* an empty section's payload (data may be NULL) */
	if (len > SNAP_HOLD_MAX - w->held_len) {
		if (w->held_len && write_out(w, w->held, w->held_len) != 0)
			return -1;
		w->held_len = 0;
		if (len > SNAP_HOLD_MAX)
			return write_out(w, data, len);
	}
	if (len > w->held_cap - w->held_len) {
		size_t cap = w->held_cap ? w->held_cap : 64 * 1024;
		while (cap - w->held_len < len && cap < SNAP_HOLD_MAX)
			cap *= 2;
		uint8_t *p = cap - w->held_len >= len ? realloc(w->held, cap) : NULL;
		if (!p) {
			w->error = ENOMEM;
			return -1;
		}
		w->held = p;
		w->held_cap = cap;
	}
	memcpy(w->held + w->held_len, data, len);
	w->held_len += len;
	return 0;
}

void snap_writer_reserve(struct snap_writer *w, size_t bytes)
{
	if (w->holding || bytes <= w->held_cap)
		return;
	if (bytes > SNAP_HOLD_MAX)
		bytes = SNAP_HOLD_MAX;
	uint8_t *p = realloc(w->held, bytes);
	if (!p)
		return; /* holding will try again, and fail then */
	/* touched now, so that the pause does not take the page faults */
	memset(p, 0, bytes);
	w->held = p;
	w->held_cap = bytes;
}

void snap_writer_hold(struct snap_writer *w)
{
	w->holding = true;
}

int snap_writer_flush(struct snap_writer *w)
{
	int r = w->error ? -1 : w->held_len ? write_out(w, w->held, w->held_len) : 0;
	free(w->held);
	w->held = NULL;
	w->held_len = w->held_cap = 0;
	w->holding = false;
	return r;
}

int snap_writer_begin(struct snap_writer *w, int fd)
{
	uint8_t h[SNAP_HEADER_SIZE];

	*w = (struct snap_writer){ .fd = fd };
	memcpy(h, SNAP_MAGIC, 8);
	le_put(h + 8, 4, SNAP_VERSION);
	le_put(h + 12, 4, snap_crc32c(0, h, 12));
	return write_all(w, h, sizeof(h));
}

int snap_write_iov(struct snap_writer *w, uint32_t tag, uint32_t instance, const struct iovec *iov, int n)
{
	uint8_t h[SNAP_SECTION_HEADER], t[4];
	uint64_t len = 0;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	le_put(h, 4, tag);
	le_put(h + 4, 4, instance);
	le_put(h + 8, 8, len);
	uint32_t crc = snap_crc32c(0, h, sizeof(h));
	if (write_all(w, h, sizeof(h)) != 0)
		return -1;
	for (int i = 0; i < n; i++) {
		crc = snap_crc32c(crc, iov[i].iov_base, iov[i].iov_len);
		if (write_all(w, iov[i].iov_base, iov[i].iov_len) != 0)
			return -1;
	}
	le_put(t, 4, crc);
	return write_all(w, t, sizeof(t));
}

int snap_write(struct snap_writer *w, uint32_t tag, uint32_t instance, const void *data, size_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)data, .iov_len = len };
	return snap_write_iov(w, tag, instance, &iov, 1);
}

int snap_writer_end(struct snap_writer *w)
{
	return snap_write(w, SNAP_TAG_END, 0, NULL, 0);
}

const char *snap_tag_name(uint32_t tag, char buf[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)(tag >> (8 * i));
		buf[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	buf[4] = 0;
	return buf;
}

static int fail(struct snap_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct snap_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* 1 read, 0 the stream ended before len bytes, -1 a read error (errno). */
static int read_all(struct snap_reader *r, void *data, size_t len)
{
	uint8_t *p = data;

	while (len) {
		ssize_t n = read(r->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		p += n;
		len -= (size_t)n;
		r->bytes += (uint64_t)n;
	}
	return 1;
}

static int read_or_fail(struct snap_reader *r, void *data, size_t len, const char *what)
{
	int k = read_all(r, data, len);

	if (k > 0)
		return 0;
	if (k == 0)
		return fail(r, "the stream ends early (inside %s, after %llu bytes): truncated", what,
			    (unsigned long long)r->bytes);
	return fail(r, "cannot read the stream: %s", strerror(errno));
}

int snap_reader_begin(struct snap_reader *r, int fd)
{
	uint8_t h[SNAP_HEADER_SIZE];

	r->fd = fd;
	r->bytes = 0;
	r->err[0] = 0;
	r->buf = NULL;
	r->cap = 0;
	if (read_or_fail(r, h, sizeof(h), "the header") != 0)
		return -1;
	if (memcmp(h, SNAP_MAGIC, 8) != 0)
		return fail(r, "not a Paravent save stream (bad magic)");
	if (le_get(h + 12, 4) != snap_crc32c(0, h, 12))
		return fail(r, "the stream header is corrupted (checksum mismatch)");
	uint32_t version = (uint32_t)le_get(h + 8, 4);
	if (version != SNAP_VERSION)
		return fail(r, "the stream is format version %u; this paravent-vmm reads version %u only",
			    version, SNAP_VERSION);
	return 0;
}

int snap_read(struct snap_reader *r, struct snap_section *s)
{
	uint8_t h[SNAP_SECTION_HEADER], t[4];
	char name[5];

	s->data = NULL;
	s->len = 0;
	if (read_or_fail(r, h, sizeof(h), "a section header") != 0)
		return -1;
	s->tag = (uint32_t)le_get(h, 4);
	s->instance = (uint32_t)le_get(h + 4, 4);
	uint64_t len = le_get(h + 8, 8);
	if (len > SNAP_MAX_SECTION)
		return fail(r, "section %s/%u claims %llu bytes, more than the %u allowed: corrupted stream",
			    snap_tag_name(s->tag, name), s->instance, (unsigned long long)len, SNAP_MAX_SECTION);
	s->len = (size_t)len;
	if (s->len > r->cap) {
		/* one buffer for every section (RAM's are 1 MiB each): a fresh one each time would
		 * be a fresh mapping, its pages faulted in and unmapped again, section by section */
		size_t cap = r->cap ? r->cap : 64 * 1024;
		while (cap < s->len)
			cap *= 2;
		uint8_t *p = realloc(r->buf, cap);
		if (!p)
			return fail(r, "out of memory reading section %s", snap_tag_name(s->tag, name));
		r->buf = p;
		r->cap = cap;
	}
	static uint8_t none[1];
	s->data = r->buf ? r->buf : none; /* an empty first section: still a valid pointer */
	if (read_or_fail(r, s->data, s->len, "a section") != 0 || read_or_fail(r, t, sizeof(t), "a checksum") != 0)
		goto bad;
	uint32_t crc = snap_crc32c(snap_crc32c(0, h, sizeof(h)), s->data, s->len);
	if (crc != (uint32_t)le_get(t, 4)) {
		fail(r, "section %s/%u at byte %llu is corrupted (checksum mismatch)", snap_tag_name(s->tag, name),
		     s->instance, (unsigned long long)(r->bytes - s->len - sizeof(h) - sizeof(t)));
		goto bad;
	}
	if (s->tag == SNAP_TAG_END) {
		s->data = NULL;
		return 0;
	}
	return 1;
bad:
	s->data = NULL;
	return -1;
}

void snap_reader_end(struct snap_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

char *snapshot_read_config(int fd, char *err, size_t errlen)
{
	struct snap_reader r;
	struct snap_section s;
	int k;

	if (snap_reader_begin(&r, fd) != 0) {
		snprintf(err, errlen, "%s", r.err);
		return NULL;
	}
	while ((k = snap_read(&r, &s)) == 1) {
		if (s.tag == SNAP_TAG_CONF) {
			char *c = malloc(s.len + 1);
			if (c) {
				memcpy(c, s.data, s.len);
				c[s.len] = 0;
			}
			snap_reader_end(&r);
			return c;
		}
		if (s.tag != SNAP_TAG_MACH)
			break;
	}
	snprintf(err, errlen, "%s", k < 0 ? r.err : "the stream has no domain configuration");
	snap_reader_end(&r);
	return NULL;
}
