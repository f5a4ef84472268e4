/* Little-endian byte access for tables and registers the guest reads (ACPI, MP, virtio),
 * independent of struct packing and host byte order. */
#ifndef PARAVENT_VMM_LE_H
#define PARAVENT_VMM_LE_H

#include <stdint.h>

static inline void le_put(uint8_t *p, unsigned len, uint64_t v)
{
	for (unsigned i = 0; i < len; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t le_get(const uint8_t *p, unsigned len)
{
	uint64_t v = 0;
	for (unsigned i = len; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

static inline void put16(uint8_t *p, uint16_t v) { le_put(p, 2, v); }
static inline void put32(uint8_t *p, uint32_t v) { le_put(p, 4, v); }
static inline void put64(uint8_t *p, uint64_t v) { le_put(p, 8, v); }

/* Sum of bytes mod 256: ACPI and MP structures are valid when theirs is 0. */
static inline uint8_t byte_sum(const uint8_t *p, unsigned long len)
{
	uint8_t sum = 0;
	for (unsigned long i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

#endif
