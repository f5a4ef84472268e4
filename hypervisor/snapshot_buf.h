/* Building and parsing one section's payload: little-endian integers and fixed-size blobs.
 * A parse never reads past the payload: a short one sets bad and yields zeros, and the
 * loader turns bad into "section X is too short". */
#ifndef PARAVENT_VMM_SNAPSHOT_BUF_H
#define PARAVENT_VMM_SNAPSHOT_BUF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"

struct snap_buf {
	uint8_t *p;
	size_t len, cap, pos;
	bool bad; /* out of memory while building, or short while parsing */
};

static inline void sb_reserve(struct snap_buf *b, size_t n)
{
	if (b->bad || b->len + n <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p) {
		b->bad = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static inline void sb_put(struct snap_buf *b, uint64_t v, unsigned n)
{
	sb_reserve(b, n);
	if (b->bad)
		return;
	le_put(b->p + b->len, n, v);
	b->len += n;
}

/* A blob with its size in front, so a loader built with another layout notices. */
static inline void sb_put_blob(struct snap_buf *b, const void *data, uint32_t n)
{
	sb_put(b, n, 4);
	sb_reserve(b, n);
	if (b->bad)
		return;
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static inline void sb_free(struct snap_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* A parser over a section's payload (not owned). */
static inline struct snap_buf sb_reader(const uint8_t *data, size_t len)
{
	struct snap_buf b = { .p = (uint8_t *)(uintptr_t)data, .len = len };
	return b;
}

static inline uint64_t sb_get(struct snap_buf *b, unsigned n)
{
	if (b->bad || b->len - b->pos < n) {
		b->bad = true;
		return 0;
	}
	uint64_t v = le_get(b->p + b->pos, n);
	b->pos += n;
	return v;
}

/* A blob of exactly n bytes, as sb_put_blob wrote it; anything else sets bad. */
static inline void sb_get_blob(struct snap_buf *b, void *out, uint32_t n)
{
	uint32_t have = (uint32_t)sb_get(b, 4);
	if (b->bad || have != n || b->len - b->pos < n) {
		b->bad = true;
		memset(out, 0, n);
		return;
	}
	memcpy(out, b->p + b->pos, n);
	b->pos += n;
}

/* Parsed to the end, nothing left over. */
static inline bool sb_done(const struct snap_buf *b)
{
	return !b->bad && b->pos == b->len;
}

#endif
