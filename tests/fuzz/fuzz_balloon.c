/* Fuzz target: the frame numbers a guest lists on virtio-balloon's inflate queue. Only pages
 * inside guest RAM may be released; everything else is counted as bad. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "balloon_pages.h"

#define PAGES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static struct guest_mem m;
	if (!ram) {
		ram = mmap(NULL, PAGES * BALLOON_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		/* two regions around a hole, as RAM lies around the PCI hole */
		if (ram == MAP_FAILED || guest_mem_add(&m, 0, 32 * BALLOON_PAGE_SIZE, ram) != 0 ||
		    guest_mem_add(&m, 64 * BALLOON_PAGE_SIZE, 32 * BALLOON_PAGE_SIZE, ram + 32 * BALLOON_PAGE_SIZE) != 0)
			abort();
	}
	struct balloon_counts c = { 0 };
	balloon_release_pfns(&m, data, size, &c);
	if (c.released + c.bad != size / 4)
		abort(); /* every entry is either released or refused */
	return 0;
}
