/* The port I/O bus: devices claim port ranges; vCPU exits are dispatched here. */
#ifndef PARAVENT_VMM_PIO_H
#define PARAVENT_VMM_PIO_H

#include <stdbool.h>
#include <stdint.h>

/* size is 1, 2 or 4; data holds the value written, or receives the value read. */
typedef void (*pio_handler)(void *dev, uint16_t port, uint8_t *data, unsigned size, bool write);

/* Claims [base, base+len); fails on overlap with another device. */
int pio_register(uint16_t base, uint16_t len, pio_handler fn, void *dev);

/* Runs the handler of port; an unclaimed port reads as all ones and ignores writes, as
 * an empty ISA bus does. Returns whether a device claimed it. */
bool pio_dispatch(uint16_t port, uint8_t *data, unsigned size, bool write);

#endif
