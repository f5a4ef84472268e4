/* Guest physical memory as the VMM sees it: a few regions of guest-physical addresses, each
 * mapped contiguously in our address space, plus an optional dirty-page bitmap per region so
 * that the pages the VMM itself writes (used rings, buffers devices fill) can be found again
 * by live migration. KVM only logs the guest's own writes; ours go around it. */
#ifndef PARAVENT_VMM_GUEST_MEM_H
#define PARAVENT_VMM_GUEST_MEM_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#define GUEST_MEM_MAX_REGIONS 4
#define GUEST_PAGE_SHIFT 12
#define GUEST_PAGE_SIZE (1ULL << GUEST_PAGE_SHIFT)

struct guest_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
	/* NULL while dirty tracking is off. Otherwise bit i (word i / 64, bit i % 64) stands for
	 * the 4 KiB page at gpa + i * 4096: the layout of KVM_GET_DIRTY_LOG for a memory slot, so
	 * the two logs can simply be OR-ed together. Updated with atomic OR from any thread. */
	uint64_t *dirty;
};

struct guest_mem {
	struct guest_mem_region r[GUEST_MEM_MAX_REGIONS];
	unsigned nr;
};

/* Adds a region. Refuses (-EINVAL) a zero size, a range that wraps past 2^64 or overlaps
 * another region, and (-ENOSPC) a fifth region. The caller keeps the mapping alive. */
int guest_mem_add(struct guest_mem *m, uint64_t gpa, uint64_t size, void *hva);

/* Host pointer to guest range [gpa, gpa+len) if it lies entirely inside ONE region, else
 * NULL. Never computes gpa + len, so a range that wraps around 2^64 is simply refused. A
 * zero-length range gets a pointer when gpa is inside a region or exactly at its end (a
 * one-past-the-end pointer, not to be dereferenced). */
void *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Words of bitmap a region of size bytes needs (one bit per page, the last page partial). */
size_t guest_mem_dirty_words(uint64_t size);

/* Starts dirty tracking: allocates a zeroed bitmap for every region that has none. Returns 0
 * or -ENOMEM (then no region has a bitmap). */
int guest_mem_dirty_start(struct guest_mem *m);

/* Stops dirty tracking and frees the bitmaps. Nobody may be marking pages meanwhile: the
 * devices must be paused, as they are when migration ends. */
void guest_mem_dirty_stop(struct guest_mem *m);

/* Records that the VMM wrote guest range [gpa, gpa+len): sets the bit of every page it
 * touches, in every region it overlaps. Ranges outside RAM and len 0 mark nothing; no-op
 * while tracking is off. Safe to call from several threads at once. */
void guest_mem_mark_dirty(struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Moves region i's dirty bits into out (ORed in, guest_mem_dirty_words(size) words), clearing
 * them atomically word by word, so a page marked meanwhile is reported now or next time but
 * never lost. Returns the number of dirty pages moved, 0 when tracking is off. */
uint64_t guest_mem_dirty_collect(struct guest_mem *m, unsigned i, uint64_t *out);

/* KiB of guest RAM resident in host memory, from the text of /proc/PID/smaps: the Rss of every
 * mapping that lies inside a region. (mincore() would also count pages that merely map the
 * shared zero page, which the kernel's RSS does not.) What the VMM's RSS holds beyond this
 * is its own cost: the figure `stats` reports and the toolstack accounts. */
uint64_t guest_mem_resident_kib(const struct guest_mem *m, FILE *smaps);

#endif
