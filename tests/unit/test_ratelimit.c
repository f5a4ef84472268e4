/* Unit tests for the token buckets behind --net/--disk rate=: the spec syntax, refill over
 * time, one-time bursts, operations larger than the bucket, long idle, and that the long-run
 * rate is what was asked for. */
#include "check.h"
#include "ratelimit.h"

#include <string.h>

#define MS 1000000ULL
#define S 1000000000ULL

static void test_parse(void)
{
	struct token_bucket b;
	char err[200], out[64];

	CHECK(token_bucket_parse("1M", &b, err, sizeof(err)) == 0);
	CHECK(b.size == 1048576 && b.refill_ns == S && b.burst == 0);
	CHECK(token_bucket_parse("100K@100ms+4M", &b, err, sizeof(err)) == 0);
	CHECK(b.size == 102400 && b.refill_ns == 100 * MS && b.burst == 4194304);
	token_bucket_format(&b, out, sizeof(out));
	CHECK_STR(out, "100K@100ms+4M");
	CHECK(token_bucket_parse("1500@2s", &b, err, sizeof(err)) == 0);
	CHECK(b.size == 1500 && b.refill_ns == 2 * S);
	token_bucket_format(&b, out, sizeof(out));
	CHECK_STR(out, "1500@2s");
	CHECK(token_bucket_parse("off", &b, err, sizeof(err)) == 0 && b.size == 0);
	token_bucket_format(&b, out, sizeof(out));
	CHECK_STR(out, "off");

	static const char *const bad[] = {
		"", "0", "-1", "1X", "1M@", "1M@10", "1M@0ms", "1M@1001s", "1M@99999999999999999999s",
		"1M+", "1M+x", "1M@1s+2M junk", "99999999999G", "M", "1M@1s@2s",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		int r = token_bucket_parse(bad[i], &b, err, sizeof(err));
		CHECK(r == -1 && strstr(err, "rate") != NULL);
		if (r == 0)
			fprintf(stderr, "accepted bad spec \"%s\"\n", bad[i]);
	}
}

static void test_refill_and_wait(void)
{
	struct token_bucket b;
	char err[200];

	token_bucket_parse("1000@1s", &b, err, sizeof(err));
	token_bucket_reset(&b, 0);
	CHECK(token_bucket_take(&b, 600, 0) == 0);
	CHECK(token_bucket_take(&b, 400, 0) == 0);
	uint64_t w = token_bucket_take(&b, 100, 0);
	CHECK(w >= 100 * MS && w <= 101 * MS); /* 100 tokens take 100 ms */
	CHECK(token_bucket_take(&b, 100, 50 * MS) != 0);
	CHECK(token_bucket_take(&b, 100, 100 * MS) == 0);
	/* refilling in tiny steps gives as much as one big step: no token lost to rounding */
	token_bucket_reset(&b, 0);
	CHECK(token_bucket_take(&b, 1000, 0) == 0);
	uint64_t t = 0;
	for (int i = 0; i < 999; i++) {
		t += 999999; /* just under one token's worth each time */
		token_bucket_take(&b, 0, t);
	}
	CHECK(token_bucket_take(&b, 999, t + 999) == 0);
	/* long idle: the bucket holds at most its size */
	token_bucket_reset(&b, 0);
	CHECK(token_bucket_take(&b, 1000, 0) == 0);
	CHECK(token_bucket_take(&b, 1000, 3600 * S) == 0);
	CHECK(token_bucket_take(&b, 1, 3600 * S) != 0);
	/* a clock that goes backwards does not mint tokens */
	CHECK(token_bucket_take(&b, 1, 10) != 0);
}

static void test_burst_and_oversize(void)
{
	struct token_bucket b;
	char err[200];

	token_bucket_parse("100@1s+1000", &b, err, sizeof(err));
	token_bucket_reset(&b, 0);
	CHECK(token_bucket_take(&b, 1000, 0) == 0); /* the burst */
	CHECK(token_bucket_take(&b, 100, 0) == 0);  /* then the bucket */
	CHECK(token_bucket_take(&b, 1, 0) != 0);
	CHECK(b.burst == 0);
	/* the burst never comes back */
	CHECK(token_bucket_take(&b, 100, 10 * S) == 0);
	CHECK(token_bucket_take(&b, 1, 10 * S) != 0);

	/* one 64 KiB frame through a 1500-byte bucket: passes when full, then pays it back */
	token_bucket_parse("1500@1s", &b, err, sizeof(err));
	token_bucket_reset(&b, 0);
	CHECK(token_bucket_take(&b, 65536, 0) == 0);
	uint64_t w = token_bucket_take(&b, 1, 0);
	CHECK(w > 42 * S && w < 43 * S); /* 64036 tokens of debt plus one, at 1500/s: 42.7 s */
	CHECK(token_bucket_take(&b, 65536, 20 * S) != 0);
}

static void test_long_run_rate(void)
{
	struct rate_limit rl;
	char err[200];

	memset(&rl, 0, sizeof(rl));
	token_bucket_parse("100K@100ms", &rl.bytes, err, sizeof(err));
	token_bucket_parse("2000@1s", &rl.ops, err, sizeof(err));
	token_bucket_reset(&rl.bytes, 0);
	token_bucket_reset(&rl.ops, 0);
	/* send 1514-byte frames as fast as the limit allows, for 10 s of simulated time */
	uint64_t now = 0, sent = 0, frames = 0;
	while (now < 10 * S) {
		uint64_t w = rate_limit_take(&rl, 1514, now);
		if (w) {
			now += w;
			continue;
		}
		sent += 1514;
		frames++;
	}
	double rate = (double)sent / 10.0;
	CHECK(rate > 1024000 * 0.98 && rate < 1024000 * 1.03); /* 100 KiB per 100 ms */
	/* the operations bucket is not the one that limits here, and a refused frame took
	 * nothing from either bucket */
	CHECK(frames < 2000 * 10);
	memset(&rl, 0, sizeof(rl));
	token_bucket_parse("10@1s", &rl.ops, err, sizeof(err));
	token_bucket_reset(&rl.ops, 0);
	now = 0;
	frames = 0;
	while (now < 10 * S) {
		uint64_t w = rate_limit_take(&rl, 60000, now);
		if (w) {
			now += w;
			continue;
		}
		frames++;
	}
	CHECK(frames >= 100 && frames <= 111); /* 10 in the full bucket, then 10 per second */
	CHECK(!rate_limit_active(&(struct rate_limit){ 0 }));
	CHECK(rate_limit_active(&rl));
}

int main(void)
{
	test_parse();
	test_refill_and_wait();
	test_burst_and_oversize();
	test_long_run_rate();
	return check_summary("ratelimit");
}
