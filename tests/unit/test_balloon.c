/* virtio-balloon's page release: frame numbers from the guest, over real anonymous memory,
 * checking which pages went back to dom0 (they read as zero again) and which were refused. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "balloon_pages.h"
#include "check.h"
#include "le.h"

#define PAGES 64

static void fill(uint8_t *ram)
{
	for (int p = 0; p < PAGES; p++)
		memset(ram + (size_t)p * BALLOON_PAGE_SIZE, 0xa0 + p % 16, BALLOON_PAGE_SIZE);
}

static int zeroed(const uint8_t *page)
{
	for (unsigned i = 0; i < BALLOON_PAGE_SIZE; i++)
		if (page[i])
			return 0;
	return 1;
}

int main(void)
{
	struct guest_mem m = { 0 };
	/* two regions as the VM lays out RAM around a hole: pages 0-31 and 64-95 (gpa) */
	uint8_t *ram = mmap(NULL, PAGES * BALLOON_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ram != MAP_FAILED);
	CHECK(guest_mem_add(&m, 0, 32 * BALLOON_PAGE_SIZE, ram) == 0);
	CHECK(guest_mem_add(&m, 64 * BALLOON_PAGE_SIZE, 32 * BALLOON_PAGE_SIZE, ram + 32 * BALLOON_PAGE_SIZE) == 0);
	fill(ram);

	/* a run (3,4,5), a single page, a run across the hole (30,31,32,33: 32 and 33 are in
	 * it), pages of the second region (64, 95), one past its end (96), a huge number */
	uint32_t pfns[] = { 3, 4, 5, 10, 30, 31, 32, 33, 64, 95, 96, 0xffffffff };
	uint8_t buf[sizeof(pfns) + 3];
	for (size_t i = 0; i < sizeof(pfns) / 4; i++)
		put32(buf + 4 * i, pfns[i]);
	struct balloon_counts c = { 0 };
	/* + 3 stray bytes: a partial entry, ignored */
	balloon_release_pfns(&m, buf, sizeof(buf), &c);
	CHECK(c.released == 8);
	CHECK(c.bad == 4);
	int want_zero[PAGES] = { 0 };
	const int gone[] = { 3, 4, 5, 10, 30, 31, 32 /* gpa page 64 */, 63 /* gpa page 95 */ };
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		want_zero[gone[i]] = 1;
	int all_right = 1;
	for (int p = 0; p < PAGES; p++)
		all_right &= zeroed(ram + (size_t)p * BALLOON_PAGE_SIZE) == want_zero[p];
	CHECK(all_right);

	/* an empty buffer and a lone partial entry change nothing */
	balloon_release_pfns(&m, buf, 0, &c);
	balloon_release_pfns(&m, buf, 3, &c);
	CHECK(c.released == 8 && c.bad == 4);
	/* the same page twice: released twice, harmless */
	put32(buf, 7);
	put32(buf + 4, 7);
	balloon_release_pfns(&m, buf, 8, &c);
	CHECK(c.released == 10 && zeroed(ram + 7 * BALLOON_PAGE_SIZE));
	munmap(ram, PAGES * BALLOON_PAGE_SIZE);
	return check_summary("balloon");
}
