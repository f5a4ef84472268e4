/* See balloon_pages.h. */
#include "balloon_pages.h"

#include <sys/mman.h>

#include "le.h"

static void release_run(struct guest_mem *m, uint64_t first, uint64_t n, struct balloon_counts *c)
{
	uint8_t *p = guest_mem_ptr(m, first * BALLOON_PAGE_SIZE, n * BALLOON_PAGE_SIZE);
	if (p && madvise(p, n * BALLOON_PAGE_SIZE, MADV_DONTNEED) == 0) {
		c->released += n;
		return;
	}
	/* a run across a region's end, or a hole: page by page, so the good ones still go */
	for (uint64_t i = 0; i < n; i++) {
		p = guest_mem_ptr(m, (first + i) * BALLOON_PAGE_SIZE, BALLOON_PAGE_SIZE);
		if (p && madvise(p, BALLOON_PAGE_SIZE, MADV_DONTNEED) == 0)
			c->released++;
		else
			c->bad++;
	}
}

void balloon_release_pfns(struct guest_mem *m, const uint8_t *buf, size_t len, struct balloon_counts *c)
{
	uint64_t first = 0, n = 0;
	for (size_t off = 0; off + 4 <= len; off += 4) {
		uint64_t pfn = le_get(buf + off, 4);
		if (n && pfn == first + n) {
			n++;
			continue;
		}
		if (n)
			release_run(m, first, n, c);
		first = pfn;
		n = 1;
	}
	if (n)
		release_run(m, first, n, c);
}
