/* Guest physical memory: address translation that a hostile guest address cannot push out of
 * RAM, and the VMM's own dirty-page log. */
#include "guest_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <inttypes.h>

/* Last byte of [start, start+len), len > 0, saturated at 2^64-1 instead of wrapping. */
static uint64_t range_last(uint64_t start, uint64_t len)
{
	return len - 1 > UINT64_MAX - start ? UINT64_MAX : start + (len - 1);
}

int guest_mem_add(struct guest_mem *m, uint64_t gpa, uint64_t size, void *hva)
{
	if (size == 0 || !hva || size - 1 > UINT64_MAX - gpa)
		return -EINVAL;
	if (m->nr >= GUEST_MEM_MAX_REGIONS)
		return -ENOSPC;
	uint64_t last = gpa + (size - 1);
	for (unsigned i = 0; i < m->nr; i++) {
		const struct guest_mem_region *r = &m->r[i];
		if (gpa <= range_last(r->gpa, r->size) && r->gpa <= last)
			return -EINVAL;
	}
	m->r[m->nr++] = (struct guest_mem_region){ .gpa = gpa, .size = size, .hva = hva };
	return 0;
}

/* nr as stored, but never past the array: the struct is plain data anyone can fill. */
static unsigned nr_regions(const struct guest_mem *m)
{
	return m->nr < GUEST_MEM_MAX_REGIONS ? m->nr : GUEST_MEM_MAX_REGIONS;
}

void *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < nr_regions(m); i++) {
		const struct guest_mem_region *r = &m->r[i];
		if (gpa < r->gpa)
			continue;
		/* Offsets only, compared against what is left of the region: nothing to wrap. */
		uint64_t off = gpa - r->gpa;
		if (off > r->size || len > r->size - off)
			continue;
		return r->hva + off;
	}
	return NULL;
}

size_t guest_mem_dirty_words(uint64_t size)
{
	uint64_t pages = (size >> GUEST_PAGE_SHIFT) + ((size & (GUEST_PAGE_SIZE - 1)) != 0);
	return (size_t)((pages + 63) / 64);
}

int guest_mem_dirty_start(struct guest_mem *m)
{
	uint64_t *fresh[GUEST_MEM_MAX_REGIONS] = { NULL };

	for (unsigned i = 0; i < nr_regions(m); i++) {
		if (m->r[i].dirty)
			continue;
		fresh[i] = calloc(guest_mem_dirty_words(m->r[i].size), sizeof(uint64_t));
		if (!fresh[i]) {
			for (unsigned j = 0; j < i; j++)
				free(fresh[j]);
			return -ENOMEM;
		}
	}
	/* Published with release so a device thread that sees the pointer sees zeroed words. */
	for (unsigned i = 0; i < nr_regions(m); i++)
		if (fresh[i])
			__atomic_store_n(&m->r[i].dirty, fresh[i], __ATOMIC_RELEASE);
	return 0;
}

void guest_mem_dirty_stop(struct guest_mem *m)
{
	for (unsigned i = 0; i < nr_regions(m); i++) {
		uint64_t *d = __atomic_exchange_n(&m->r[i].dirty, NULL, __ATOMIC_ACQ_REL);
		free(d);
	}
}

/* Sets bits first..last. Page numbers are below 2^52, so end + 1 cannot wrap. */
static void mark_pages(uint64_t *bitmap, uint64_t first, uint64_t last)
{
	for (uint64_t p = first; p <= last;) {
		uint64_t word = p / 64;
		uint64_t end = word * 64 + 63 < last ? word * 64 + 63 : last;
		uint64_t mask = (~0ULL >> (63 - end % 64)) & (~0ULL << (p % 64));
		__atomic_fetch_or(&bitmap[word], mask, __ATOMIC_RELAXED);
		p = end + 1;
	}
}

void guest_mem_mark_dirty(struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	if (len == 0)
		return;
	uint64_t last = range_last(gpa, len);

	for (unsigned i = 0; i < nr_regions(m); i++) {
		struct guest_mem_region *r = &m->r[i];
		uint64_t *bitmap = __atomic_load_n(&r->dirty, __ATOMIC_ACQUIRE);
		if (!bitmap || r->size == 0)
			continue;
		uint64_t r_last = range_last(r->gpa, r->size);
		uint64_t lo = gpa > r->gpa ? gpa : r->gpa;
		uint64_t hi = last < r_last ? last : r_last;
		if (lo > hi)
			continue;
		mark_pages(bitmap, (lo - r->gpa) >> GUEST_PAGE_SHIFT,
			   (hi - r->gpa) >> GUEST_PAGE_SHIFT);
	}
}

uint64_t guest_mem_dirty_collect(struct guest_mem *m, unsigned i, uint64_t *out)
{
	if (i >= nr_regions(m))
		return 0;
	uint64_t *bitmap = __atomic_load_n(&m->r[i].dirty, __ATOMIC_ACQUIRE);
	if (!bitmap)
		return 0;
	uint64_t pages = 0;
	size_t words = guest_mem_dirty_words(m->r[i].size);
	for (size_t w = 0; w < words; w++) {
		/* Skip the locked exchange on clean words: most are, and the read is harmless. */
		if (!__atomic_load_n(&bitmap[w], __ATOMIC_RELAXED))
			continue;
		uint64_t bits = __atomic_exchange_n(&bitmap[w], 0, __ATOMIC_ACQ_REL);
		out[w] |= bits;
		pages += (uint64_t)__builtin_popcountll(bits);
	}
	return pages;
}

/* Does host range [lo, hi) lie inside one region's mapping? */
static int inside_region(const struct guest_mem *m, uintptr_t lo, uintptr_t hi)
{
	for (unsigned i = 0; i < nr_regions(m); i++) {
		uintptr_t start = (uintptr_t)m->r[i].hva;
		if (lo >= start && hi >= lo && hi - start <= m->r[i].size)
			return 1;
	}
	return 0;
}

uint64_t guest_mem_resident_kib(const struct guest_mem *m, FILE *smaps)
{
	char line[512];
	int in_guest = 0;
	uint64_t kib = 0;

	while (fgets(line, sizeof(line), smaps)) {
		uintmax_t lo, hi, v;
		int n = 0;
		/* A mapping's header: "lo-hi perms offset dev inode [path]", addresses in hex. */
		if (sscanf(line, "%jx-%jx %*s%n", &lo, &hi, &n) == 2 && n > 0)
			in_guest = inside_region(m, (uintptr_t)lo, (uintptr_t)hi);
		else if (in_guest && sscanf(line, "Rss: %ju kB", &v) == 1)
			kib += v;
	}
	return kib;
}
