/* Shared by the fuzz targets that play a hostile guest driver: 64 KiB of guest RAM at
 * guest-physical 0x1000, filled from the input, and a virtqueue whose size, event-index flag
 * and ring addresses the input's first 8 bytes choose (often pointing outside RAM, or
 * overlapping each other, as a lying driver may). */
#ifndef PARAVENT_FUZZ_RING_H
#define PARAVENT_FUZZ_RING_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_mem.h"
#include "virtqueue.h"

#define FZ_RAM_GPA 0x1000u
#define FZ_RAM_SIZE 0x10000u

static uint8_t *fz_ram;
static struct guest_mem fz_mem;

static inline uint16_t fz_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Lays the input over guest RAM and the ring; returns the input bytes left after the header
 * (the targets use their tail for other choices). */
static inline void fz_ring(struct virtq *vq, const uint8_t *data, size_t size)
{
	uint8_t h[8] = { 0 };
	if (!fz_ram) {
		fz_ram = aligned_alloc(4096, FZ_RAM_SIZE);
		if (!fz_ram || guest_mem_add(&fz_mem, FZ_RAM_GPA, FZ_RAM_SIZE, fz_ram) != 0)
			abort();
	}
	memcpy(h, data, size < 8 ? size : 8);
	memset(fz_ram, 0, FZ_RAM_SIZE);
	if (size > 8)
		memcpy(fz_ram, data + 8, size - 8 < FZ_RAM_SIZE ? size - 8 : FZ_RAM_SIZE);
	memset(vq, 0, sizeof(*vq));
	vq->size = (uint16_t)(1u << (h[0] % 9)); /* 1 to 256 */
	vq->ready = true;
	vq->event_idx = h[1] & 1;
	/* even addresses up to 128 KiB: inside RAM (0x1000-0x11000) or not */
	vq->desc_gpa = (uint64_t)fz_le16(h + 2) * 2;
	vq->avail_gpa = (uint64_t)fz_le16(h + 4) * 2;
	vq->used_gpa = (uint64_t)fz_le16(h + 6) * 2;
}

#endif
