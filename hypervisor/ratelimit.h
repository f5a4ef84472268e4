/* Token buckets for the QoS of NICs and disks: one for bytes, one for operations (frames or
 * requests). A bucket holds at most `size` tokens and refills `size` of them every `refill_ns`,
 * continuously; an optional one-time burst is spent first and never comes back. An operation
 * larger than a whole bucket is let through when the bucket is full and leaves it in debt, so
 * the long-run rate holds and nothing waits forever.
 *
 * Pure arithmetic on a clock the caller passes in: the devices use CLOCK_MONOTONIC, the unit
 * tests whatever time they like. */
#ifndef PARAVENT_VMM_RATELIMIT_H
#define PARAVENT_VMM_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct token_bucket {
	uint64_t size;      /* 0: no limit */
	uint64_t refill_ns; /* time to refill `size` tokens from empty */
	uint64_t burst;     /* one-time tokens still left */
	int64_t tokens;     /* may go negative (debt) after an oversized operation */
	uint64_t last_ns;   /* the time tokens were last brought up to date */
};

struct rate_limit {
	struct token_bucket bytes, ops;
};

/* A bucket spec as written on the command line and in control requests:
 *   SIZE[@REFILL][+BURST]   or   off
 * SIZE and BURST are counts with an optional K, M or G suffix (powers of 1024); REFILL is a
 * duration with ms or s (default 1s, between 1ms and 1000s). "1M" is 1 MiB per second,
 * "100K@100ms+4M" 100 KiB every 100 ms after a first 4 MiB. Returns 0, or -1 with a reason. */
int token_bucket_parse(const char *spec, struct token_bucket *b, char *err, size_t errlen);

/* Writes a bucket back in the same syntax ("off" for none). */
void token_bucket_format(const struct token_bucket *b, char *out, size_t outlen);

/* Starts a bucket full at time now. */
void token_bucket_reset(struct token_bucket *b, uint64_t now_ns);

/* Takes n tokens if the bucket allows it (see above) and returns 0; otherwise takes nothing
 * and returns how many nanoseconds to wait before asking again (at least 1). */
uint64_t token_bucket_take(struct token_bucket *b, uint64_t n, uint64_t now_ns);

/* Both buckets of a limit for one operation of `bytes` bytes: all or nothing. Returns 0 or
 * the time to wait. */
uint64_t rate_limit_take(struct rate_limit *rl, uint64_t bytes, uint64_t now_ns);

static inline bool rate_limit_active(const struct rate_limit *rl)
{
	return rl->bytes.size || rl->ops.size;
}

#endif
