/* crc-bench: CRC32C speed, each way snapshot_stream.c has, over 8 MiB in one thread, so that
 * docs/benchmarks.md's figures can be measured again: natively (build/bench/crc-bench) and
 * under emulation (the same static binary run in dom0, e.g. from a disk given to QEMU). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "snapshot_stream.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double mb_per_s(uint32_t (*fn)(uint32_t, const void *, size_t), const uint8_t *buf, size_t len,
		       uint32_t *crc)
{
	double t = now_s();
	*crc = fn(0, buf, len);
	return (double)len / 1e6 / (now_s() - t);
}

int main(void)
{
	size_t len = 8u << 20;
	uint8_t *buf = malloc(len);
	uint32_t a, b;

	if (!buf)
		return 1;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	double tables = mb_per_s(snap_crc32c_portable, buf, len, &a);
	printf("tables (slicing by 8): %.0f MB/s\n", tables);
	if (snap_crc32c_has_cpu()) {
		double cpu = mb_per_s(snap_crc32c_cpu, buf, len, &b);
		printf("the CPU's instruction: %.0f MB/s%s\n", cpu, a == b ? "" : " (DIFFERENT VALUE)");
	}
	printf("snap_crc32c chooses: %s\n", snap_crc32c_way());
	return 0;
}
