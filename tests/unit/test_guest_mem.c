/* Unit tests for guest memory: region setup, overflow-safe translation and the VMM's dirty
 * page log. */
#include "check.h"
#include "guest_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stdio.h>

#define R0_GPA 0x100000ULL
#define R0_SIZE 0x40000ULL /* 64 pages */
#define R1_GPA (R0_GPA + R0_SIZE) /* adjacent to region 0 */
#define R1_SIZE 0x81000ULL /* 129 pages: three bitmap words, the last one nearly empty */

static uint8_t *ram0, *ram1;

static void setup(struct guest_mem *m)
{
	memset(m, 0, sizeof(*m));
	CHECK(guest_mem_add(m, R0_GPA, R0_SIZE, ram0) == 0);
	CHECK(guest_mem_add(m, R1_GPA, R1_SIZE, ram1) == 0);
}

static void test_add(void)
{
	struct guest_mem m;
	static uint8_t page[4096];

	setup(&m);
	CHECK(m.nr == 2);
	/* overlaps, at either end or all around */
	CHECK(guest_mem_add(&m, R0_GPA - 4096, 4097, page) == -EINVAL);
	CHECK(guest_mem_add(&m, R1_GPA + R1_SIZE - 1, 4096, page) == -EINVAL);
	CHECK(guest_mem_add(&m, 0, 1ULL << 40, page) == -EINVAL);
	/* empty, wrapping past 2^64, no mapping */
	CHECK(guest_mem_add(&m, 0, 0, page) == -EINVAL);
	CHECK(guest_mem_add(&m, UINT64_MAX - 4095, 4097, page) == -EINVAL);
	CHECK(guest_mem_add(&m, 0, 4096, NULL) == -EINVAL);
	CHECK(m.nr == 2);
	/* right below region 0, and the very last page of the address space */
	CHECK(guest_mem_add(&m, R0_GPA - 4096, 4096, page) == 0);
	CHECK(guest_mem_add(&m, UINT64_MAX - 4095, 4096, page) == 0);
	CHECK(m.nr == 4);
	CHECK(guest_mem_add(&m, 0, 4096, page) == -ENOSPC);
	CHECK(m.nr == 4);

	/* the top page works, and nothing wraps around to address 0 */
	CHECK(guest_mem_ptr(&m, UINT64_MAX, 1) == page + 4095);
	CHECK(guest_mem_ptr(&m, UINT64_MAX - 4095, 4096) == page);
	CHECK(guest_mem_ptr(&m, UINT64_MAX, 2) == NULL);
	CHECK(guest_mem_ptr(&m, UINT64_MAX - 4095, 4097) == NULL);
}

static void test_ptr(void)
{
	struct guest_mem m;

	setup(&m);
	CHECK(guest_mem_ptr(&m, R0_GPA, 1) == ram0);
	CHECK(guest_mem_ptr(&m, R0_GPA + 100, 50) == ram0 + 100);
	CHECK(guest_mem_ptr(&m, R0_GPA, R0_SIZE) == ram0);
	CHECK(guest_mem_ptr(&m, R0_GPA + R0_SIZE - 1, 1) == ram0 + R0_SIZE - 1);
	CHECK(guest_mem_ptr(&m, R1_GPA + 8, 8) == ram1 + 8);
	/* below, beyond, too long */
	CHECK(guest_mem_ptr(&m, R0_GPA - 1, 1) == NULL);
	CHECK(guest_mem_ptr(&m, R0_GPA - 1, 2) == NULL);
	CHECK(guest_mem_ptr(&m, R1_GPA + R1_SIZE, 1) == NULL);
	CHECK(guest_mem_ptr(&m, R1_GPA, R1_SIZE + 1) == NULL);
	CHECK(guest_mem_ptr(&m, 0, 1) == NULL);
	/* adjacent regions are still two: a range across the seam is refused */
	CHECK(guest_mem_ptr(&m, R1_GPA - 8, 16) == NULL);
	CHECK(guest_mem_ptr(&m, R0_GPA, R0_SIZE + 1) == NULL);
	/* gpa + len wrapping around 2^64 must not come back into a region */
	CHECK(guest_mem_ptr(&m, R0_GPA + 16, UINT64_MAX) == NULL);
	CHECK(guest_mem_ptr(&m, R0_GPA, UINT64_MAX - R0_GPA + 2) == NULL);
	CHECK(guest_mem_ptr(&m, UINT64_MAX, 2) == NULL);
	CHECK(guest_mem_ptr(&m, UINT64_MAX, 0) == NULL);
	/* length 0: inside or at the very end of a region, nowhere else */
	CHECK(guest_mem_ptr(&m, R0_GPA + 5, 0) == ram0 + 5);
	CHECK(guest_mem_ptr(&m, R1_GPA + R1_SIZE, 0) == ram1 + R1_SIZE);
	CHECK(guest_mem_ptr(&m, R1_GPA + R1_SIZE + 1, 0) == NULL);
	CHECK(guest_mem_ptr(&m, R0_GPA - 1, 0) == NULL);
	/* a corrupt count does not walk off the array */
	m.nr = 1000;
	CHECK(guest_mem_ptr(&m, R0_GPA, 1) == ram0);
	CHECK(guest_mem_ptr(&m, 0, 1) == NULL);
}

static void test_dirty_words(void)
{
	CHECK(guest_mem_dirty_words(1) == 1);
	CHECK(guest_mem_dirty_words(4096) == 1);
	CHECK(guest_mem_dirty_words(64 * 4096) == 1);
	CHECK(guest_mem_dirty_words(64 * 4096 + 1) == 2);
	CHECK(guest_mem_dirty_words(R1_SIZE) == 3);
	CHECK(guest_mem_dirty_words(1ULL << 32) == (1ULL << 20) / 64);
}

static void test_dirty(void)
{
	struct guest_mem m;
	uint64_t out[3];

	setup(&m);
	/* tracking off: marking is harmless, nothing to collect */
	guest_mem_mark_dirty(&m, R0_GPA, 4096);
	memset(out, 0, sizeof(out));
	CHECK(guest_mem_dirty_collect(&m, 0, out) == 0);
	CHECK(out[0] == 0);

	CHECK(guest_mem_dirty_start(&m) == 0);
	CHECK(m.r[0].dirty != NULL && m.r[1].dirty != NULL);
	CHECK(m.r[0].dirty[0] == 0);

	/* one byte, then a range over a page boundary */
	guest_mem_mark_dirty(&m, R0_GPA + 3 * 4096 + 17, 1);
	CHECK(m.r[0].dirty[0] == 1ULL << 3);
	guest_mem_mark_dirty(&m, R0_GPA + 5 * 4096 + 4000, 200);
	CHECK(m.r[0].dirty[0] == ((1ULL << 3) | (1ULL << 5) | (1ULL << 6)));
	/* the last page of region 0 and the first of region 1, in one call */
	guest_mem_mark_dirty(&m, R1_GPA - 1, 2);
	CHECK(m.r[0].dirty[0] == ((1ULL << 3) | (1ULL << 5) | (1ULL << 6) | (1ULL << 63)));
	CHECK(m.r[1].dirty[0] == 1);
	/* across a word boundary of region 1: pages 63..65 */
	guest_mem_mark_dirty(&m, R1_GPA + 63 * 4096, 2 * 4096 + 1);
	CHECK(m.r[1].dirty[0] == (1 | (1ULL << 63)));
	CHECK(m.r[1].dirty[1] == 3);
	CHECK(m.r[1].dirty[2] == 0);
	/* outside RAM, zero length: nothing */
	guest_mem_mark_dirty(&m, 0, R0_GPA);
	guest_mem_mark_dirty(&m, R1_GPA + R1_SIZE, 1ULL << 30);
	guest_mem_mark_dirty(&m, R0_GPA + 10 * 4096, 0);
	CHECK(m.r[0].dirty[0] == ((1ULL << 3) | (1ULL << 5) | (1ULL << 6) | (1ULL << 63)));

	/* collect moves the bits out (ORed into out) and clears them */
	memset(out, 0, sizeof(out));
	out[0] = 1ULL << 40;
	CHECK(guest_mem_dirty_collect(&m, 0, out) == 4);
	CHECK(out[0] == ((1ULL << 3) | (1ULL << 5) | (1ULL << 6) | (1ULL << 63) | (1ULL << 40)));
	CHECK(m.r[0].dirty[0] == 0);
	memset(out, 0, sizeof(out));
	CHECK(guest_mem_dirty_collect(&m, 0, out) == 0);
	CHECK(out[0] == 0);
	CHECK(guest_mem_dirty_collect(&m, 1, out) == 4);
	CHECK(out[0] == (1 | (1ULL << 63)) && out[1] == 3 && out[2] == 0);
	CHECK(guest_mem_dirty_collect(&m, 7, out) == 0);

	/* a range running to the end of the address space, from the middle of region 1:
	 * saturated, not wrapped, and no bit past the region's 129 pages */
	guest_mem_mark_dirty(&m, R1_GPA + 100 * 4096, UINT64_MAX);
	CHECK(m.r[0].dirty[0] == 0);
	CHECK(m.r[1].dirty[0] == 0);
	CHECK(m.r[1].dirty[1] == ~0ULL << 36);
	CHECK(m.r[1].dirty[2] == 1);
	memset(out, 0, sizeof(out));
	CHECK(guest_mem_dirty_collect(&m, 1, out) == 29);

	/* a second start keeps the bitmaps; stop frees them (ASan checks the leak) */
	uint64_t *before = m.r[0].dirty;
	CHECK(guest_mem_dirty_start(&m) == 0);
	CHECK(m.r[0].dirty == before);
	guest_mem_dirty_stop(&m);
	CHECK(m.r[0].dirty == NULL && m.r[1].dirty == NULL);
	guest_mem_mark_dirty(&m, R0_GPA, 1);
	CHECK(guest_mem_dirty_collect(&m, 0, out) == 0);
}

/* Guest RAM resident is the Rss of the mappings inside the regions, read from smaps text:
 * other mappings, a mapping straddling a region's end and malformed lines do not count. */
static void test_resident(void)
{
	struct guest_mem m;
	char text[2048];

	memset(&m, 0, sizeof(m));
	CHECK(guest_mem_add(&m, 0, 0x200000, (void *)(uintptr_t)0x7f0000000000ULL) == 0);
	CHECK(guest_mem_add(&m, 0x100000000ULL, 0x100000, (void *)(uintptr_t)0x7f1000000000ULL) == 0);
	snprintf(text, sizeof(text),
		 "00400000-00500000 r-xp 00000000 00:10 42 /usr/bin/paravent-vmm\n"
		 "Size:               1024 kB\n"
		 "Rss:                 300 kB\n"
		 "7f0000000000-7f0000100000 rw-p 00000000 00:00 0 \n"
		 "Size:               1024 kB\n"
		 "Rss:                 512 kB\n"
		 "Pss:                 512 kB\n"
		 "7f0000100000-7f0000200000 rw-p 00000000 00:00 0\n"
		 "Rss:                  64 kB\n"
		 "7f1000000000-7f1000200000 rw-p 00000000 00:00 0\n" /* past the region's end */
		 "Rss:                1000 kB\n"
		 "garbage line\n"
		 "Rss: lots\n"
		 "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n"
		 "Rss:                  16 kB\n");
	FILE *f = fmemopen(text, strlen(text), "r");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(guest_mem_resident_kib(&m, f) == 512 + 64);
	fclose(f);
	f = fmemopen(text, 0 + 1, "r"); /* nothing useful */
	if (f) {
		CHECK(guest_mem_resident_kib(&m, f) == 0);
		fclose(f);
	}
}

int main(void)
{
	ram0 = calloc(1, R0_SIZE);
	ram1 = calloc(1, R1_SIZE);
	if (!ram0 || !ram1)
		return 1;
	test_add();
	test_ptr();
	test_dirty_words();
	test_dirty();
	test_resident();
	free(ram0);
	free(ram1);
	return check_summary("guest_mem");
}
