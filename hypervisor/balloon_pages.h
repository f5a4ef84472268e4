/* What virtio-balloon does with the pages a guest gives back: the inflate queue carries
 * arrays of 32-bit page frame numbers (4 KiB pages); each one inside guest RAM is released
 * to dom0 (madvise MADV_DONTNEED: its memory is freed, and reads as zero if the guest ever
 * touches it again). Frame numbers outside RAM are counted and ignored: a guest can only
 * give back its own memory. */
#ifndef PARAVENT_VMM_BALLOON_PAGES_H
#define PARAVENT_VMM_BALLOON_PAGES_H

#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"

#define BALLOON_PAGE_SIZE 4096u

struct balloon_counts {
	uint64_t released; /* pages handed back to dom0 */
	uint64_t bad;      /* frame numbers outside guest RAM */
};

/* Releases the pages whose frame numbers (little-endian u32) fill buf; a trailing partial
 * entry is ignored. Runs of consecutive frames go to the kernel in one call. */
void balloon_release_pfns(struct guest_mem *m, const uint8_t *buf, size_t len, struct balloon_counts *c);

#endif
