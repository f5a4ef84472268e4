/* A handful of devices sit on the port bus, so a linear table is the right structure. */
#include "pio.h"

#include <string.h>

#define PIO_MAX 32

static struct pio_range {
	uint16_t base, len;
	pio_handler fn;
	void *dev;
} ranges[PIO_MAX];
static int nranges;

int pio_register(uint16_t base, uint16_t len, pio_handler fn, void *dev)
{
	if (nranges == PIO_MAX || len == 0 || (uint32_t)base + len > 0x10000)
		return -1;
	for (int i = 0; i < nranges; i++) {
		if (base < ranges[i].base + ranges[i].len && ranges[i].base < base + len)
			return -1;
	}
	ranges[nranges++] = (struct pio_range){ base, len, fn, dev };
	return 0;
}

bool pio_dispatch(uint16_t port, uint8_t *data, unsigned size, bool write)
{
	for (int i = 0; i < nranges; i++) {
		if (port >= ranges[i].base && port < ranges[i].base + ranges[i].len) {
			ranges[i].fn(ranges[i].dev, port, data, size, write);
			return true;
		}
	}
	if (!write)
		memset(data, 0xff, size);
	return false;
}
