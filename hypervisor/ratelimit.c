/* Token bucket arithmetic (see ratelimit.h). Tokens come back in whole units as time passes;
 * the fraction of a token not yet earned stays in last_ns, so refilling in many small steps
 * gives exactly what one big step would. */
#include "ratelimit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_MS 1000000ULL
#define MAX_COUNT (1ULL << 50)

/* A count with an optional K/M/G suffix; *end is left after it. */
static bool parse_count(const char *s, const char **end, uint64_t *out)
{
	char *e;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	if (errno)
		return false;
	unsigned shift = 0;
	if (*e == 'K' || *e == 'k')
		shift = 10;
	else if (*e == 'M' || *e == 'm')
		shift = 20;
	else if (*e == 'G' || *e == 'g')
		shift = 30;
	if (shift)
		e++;
	if (v > (MAX_COUNT >> shift))
		return false;
	*out = (uint64_t)v << shift;
	*end = e;
	return true;
}

int token_bucket_parse(const char *spec, struct token_bucket *b, char *err, size_t errlen)
{
	const char *p = spec;
	uint64_t size, refill_ms = 1000, burst = 0;

	memset(b, 0, sizeof(*b));
	if (strcmp(spec, "off") == 0)
		return 0;
	if (!parse_count(p, &p, &size) || size == 0) {
		snprintf(err, errlen, "rate \"%s\": want SIZE[@REFILL][+BURST] (e.g. 1M, 100K@100ms+4M) or off", spec);
		return -1;
	}
	if (*p == '@') {
		char *e;
		errno = 0;
		unsigned long long v = strtoull(p + 1, &e, 10);
		if (p[1] < '0' || p[1] > '9' || errno) {
			snprintf(err, errlen, "rate \"%s\": the refill time after @ needs a number and ms or s", spec);
			return -1;
		}
		if (strncmp(e, "ms", 2) == 0) {
			refill_ms = v;
			p = e + 2;
		} else if (*e == 's') {
			refill_ms = v > 1000000 ? 1000001 : v * 1000;
			p = e + 1;
		} else {
			snprintf(err, errlen, "rate \"%s\": the refill time needs a unit, ms or s", spec);
			return -1;
		}
		if (refill_ms < 1 || refill_ms > 1000000) {
			snprintf(err, errlen, "rate \"%s\": the refill time must be between 1ms and 1000s", spec);
			return -1;
		}
	}
	if (*p == '+') {
		if (!parse_count(p + 1, &p, &burst)) {
			snprintf(err, errlen, "rate \"%s\": the burst after + needs a count (e.g. 4M)", spec);
			return -1;
		}
	}
	if (*p) {
		snprintf(err, errlen, "rate \"%s\": unexpected \"%s\"", spec, p);
		return -1;
	}
	b->size = size;
	b->refill_ns = refill_ms * NS_PER_MS;
	b->burst = burst;
	return 0;
}

static int format_count(uint64_t v, char *out, size_t outlen)
{
	static const char suffix[] = { 0, 'K', 'M', 'G' };
	unsigned i = 0;

	while (i < 3 && v && v % 1024 == 0) {
		v /= 1024;
		i++;
	}
	return suffix[i] ? snprintf(out, outlen, "%llu%c", (unsigned long long)v, suffix[i])
			 : snprintf(out, outlen, "%llu", (unsigned long long)v);
}

void token_bucket_format(const struct token_bucket *b, char *out, size_t outlen)
{
	char size[32], burst[32];

	if (!b->size) {
		snprintf(out, outlen, "off");
		return;
	}
	format_count(b->size, size, sizeof(size));
	uint64_t ms = b->refill_ns / NS_PER_MS;
	char refill[32];
	if (ms % 1000 == 0)
		snprintf(refill, sizeof(refill), "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(refill, sizeof(refill), "%llums", (unsigned long long)ms);
	if (b->burst) {
		format_count(b->burst, burst, sizeof(burst));
		snprintf(out, outlen, "%s@%s+%s", size, refill, burst);
	} else {
		snprintf(out, outlen, "%s@%s", size, refill);
	}
}

void token_bucket_reset(struct token_bucket *b, uint64_t now_ns)
{
	b->tokens = (int64_t)b->size;
	b->last_ns = now_ns;
}

static void refill(struct token_bucket *b, uint64_t now_ns)
{
	if (now_ns <= b->last_ns)
		return;
	if (b->tokens >= (int64_t)b->size) {
		b->last_ns = now_ns;
		return;
	}
	uint64_t elapsed = now_ns - b->last_ns;
	unsigned __int128 earned = (unsigned __int128)elapsed * b->size / b->refill_ns;
	uint64_t room = (uint64_t)((int64_t)b->size - b->tokens);
	if (earned >= room) {
		b->tokens = (int64_t)b->size;
		b->last_ns = now_ns;
		return;
	}
	b->tokens += (int64_t)earned;
	/* keep the part of a token not yet earned: advance only by what the whole tokens cost */
	b->last_ns += (uint64_t)(earned * b->refill_ns / b->size);
}

/* How much of n the bucket must hold to let the operation through. */
static uint64_t needed(const struct token_bucket *b, uint64_t n)
{
	return n < b->size ? n : b->size;
}

static uint64_t wait_for(const struct token_bucket *b, uint64_t n)
{
	int64_t missing = (int64_t)needed(b, n) - b->tokens;
	if (missing <= 0)
		return 0;
	/* time to earn `missing` tokens, rounded up, plus the fraction already under way */
	unsigned __int128 t = ((unsigned __int128)missing * b->refill_ns + b->size - 1) / b->size;
	return t > (unsigned __int128)UINT64_MAX / 2 ? UINT64_MAX / 2 : (uint64_t)t + 1;
}

/* What the burst cannot cover of n, after taking it from the burst when `take` is set. */
static uint64_t after_burst(struct token_bucket *b, uint64_t n, bool take)
{
	uint64_t from_burst = n < b->burst ? n : b->burst;
	if (take)
		b->burst -= from_burst;
	return n - from_burst;
}

static uint64_t bucket_check(struct token_bucket *b, uint64_t n, uint64_t now_ns)
{
	if (!b->size)
		return 0;
	refill(b, now_ns);
	uint64_t rest = after_burst(b, n, false);
	return rest ? wait_for(b, rest) : 0;
}

static void bucket_take(struct token_bucket *b, uint64_t n)
{
	if (!b->size)
		return;
	uint64_t rest = after_burst(b, n, true);
	b->tokens -= (int64_t)(rest < (uint64_t)INT64_MAX / 2 ? rest : (uint64_t)INT64_MAX / 2);
}

uint64_t token_bucket_take(struct token_bucket *b, uint64_t n, uint64_t now_ns)
{
	uint64_t wait = bucket_check(b, n, now_ns);
	if (wait)
		return wait;
	bucket_take(b, n);
	return 0;
}

uint64_t rate_limit_take(struct rate_limit *rl, uint64_t bytes, uint64_t now_ns)
{
	uint64_t wb = bucket_check(&rl->bytes, bytes, now_ns);
	uint64_t wo = bucket_check(&rl->ops, 1, now_ns);
	if (wb || wo)
		return wb > wo ? wb : wo;
	bucket_take(&rl->bytes, bytes);
	bucket_take(&rl->ops, 1);
	return 0;
}
