#ifndef PARAVENT_VMM_DEV_UART8250_H
#define PARAVENT_VMM_DEV_UART8250_H
#include <stdint.h>
struct vm;
/* A 16550A at 0x3f8, IRQ 4 (the guest's ttyS0), wired to the console. */
int uart8250_init(struct vm *vm);
/* Bytes sent and received, interrupts raised. */
void uart8250_stats(uint64_t *tx_bytes, uint64_t *rx_bytes, uint64_t *irqs);
#endif
