/* 16550A UART, enough for Linux's 8250 driver: divisor latch, IER/IIR with THR-empty and
 * receive interrupts, FIFO detection, loopback for the driver's probe, scratch register.
 * Every register access is a VM exit, which is why chatty guests should use virtio-console;
 * the 16-byte FIFO at least lets the driver send 16 bytes per interrupt. */
#include "dev_uart8250.h"

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "console.h"
#include "pio.h"
#include "snapshot.h"
#include "vmm.h"

#define UART_BASE 0x3f8
#define UART_IRQ 4
#define RX_SIZE 1024

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IIR_NONE 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO 0xc0
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

static struct uart {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thri_pending;
	uint8_t rx[RX_SIZE];
	unsigned rx_head, rx_count;
	int irq_level;
	uint64_t tx_bytes, rx_bytes, irqs;
} uart = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint8_t uart_iir(struct uart *u)
{
	uint8_t fifo = (u->fcr & 1) ? IIR_FIFO : 0;

	if ((u->ier & IER_RDI) && u->rx_count)
		return IIR_RDI | fifo;
	if ((u->ier & IER_THRI) && u->thri_pending)
		return IIR_THRI | fifo;
	return IIR_NONE | fifo;
}

/* The line follows "an interrupt is pending"; the IOAPIC sees its rising edges. */
static void uart_update_irq(struct uart *u)
{
	int level = (uart_iir(u) & IIR_NONE) ? 0 : 1;

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	u->irqs += (uint64_t)level;
	struct kvm_irq_level irq = { .irq = UART_IRQ, .level = (uint32_t)level };
	ioctl(u->vm->vm_fd, KVM_IRQ_LINE, &irq);
}

static uint8_t uart_msr(struct uart *u)
{
	if (u->mcr & MCR_LOOP) {
		/* loopback: DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD */
		return (uint8_t)(((u->mcr & 0x01) << 5) | ((u->mcr & 0x02) << 3) |
				 ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4));
	}
	return 0xb0; /* DCD, DSR, CTS: a terminal is always there */
}

static void uart_io(void *dev, uint16_t port, uint8_t *data, unsigned size, bool write)
{
	struct uart *u = dev;
	unsigned reg = port - UART_BASE;
	uint8_t out = 0;
	bool emit = false;

	if (size != 1) {
		if (!write)
			memset(data, 0xff, size);
		return;
	}
	pthread_mutex_lock(&u->lock);
	bool dlab = u->lcr & LCR_DLAB;
	if (write) {
		uint8_t v = data[0];
		switch (reg) {
		case 0:
			if (dlab) {
				u->dll = v;
			} else {
				out = v;
				emit = !(u->mcr & MCR_LOOP);
				u->tx_bytes++;
				u->thri_pending = true; /* sent at once: the holding register is empty */
			}
			break;
		case 1:
			if (dlab) {
				u->dlm = v;
			} else {
				if ((v & IER_THRI) && !(u->ier & IER_THRI))
					u->thri_pending = true;
				u->ier = v & 0x0f;
			}
			break;
		case 2:
			u->fcr = v;
			if (v & 0x02) {
				/* the chip's receive FIFO is 16 bytes; the rest of rx is still on the
				 * line, so a reset (a driver opening the port) drops at most those 16,
				 * not input a person or a script typed just before */
				unsigned drop = u->rx_count < 16 ? u->rx_count : 16;
				u->rx_head = (u->rx_head + drop) % RX_SIZE;
				u->rx_count -= drop;
			}
			break;
		case 3:
			u->lcr = v;
			break;
		case 4:
			u->mcr = v & 0x1f;
			break;
		case 7:
			u->scr = v;
			break;
		default:
			break;
		}
	} else {
		switch (reg) {
		case 0:
			if (dlab) {
				data[0] = u->dll;
			} else if (u->rx_count) {
				data[0] = u->rx[u->rx_head];
				u->rx_head = (u->rx_head + 1) % RX_SIZE;
				u->rx_count--;
			} else {
				data[0] = 0;
			}
			break;
		case 1:
			data[0] = dlab ? u->dlm : u->ier;
			break;
		case 2:
			data[0] = uart_iir(u);
			if ((data[0] & 0x0f) == IIR_THRI)
				u->thri_pending = false; /* reading IIR acknowledges THR empty */
			break;
		case 3:
			data[0] = u->lcr;
			break;
		case 4:
			data[0] = u->mcr;
			break;
		case 5:
			data[0] = LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
			break;
		case 6:
			data[0] = uart_msr(u);
			break;
		case 7:
			data[0] = u->scr;
			break;
		default:
			data[0] = 0xff;
		}
	}
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	if (emit)
		console_output(&out, 1);
}

static size_t uart_receive(void *dev, const uint8_t *buf, size_t len)
{
	struct uart *u = dev;
	size_t taken = 0;

	pthread_mutex_lock(&u->lock);
	while (taken < len && u->rx_count < RX_SIZE) {
		u->rx[(u->rx_head + u->rx_count) % RX_SIZE] = buf[taken++];
		u->rx_count++;
		u->rx_bytes++;
	}
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return taken;
}

/* Registers, the receive FIFO and the interrupt line: a restored driver finds its UART as
 * it left it, input not yet read included. */
static void uart_save(void *opaque, struct snap_buf *b)
{
	struct uart *u = opaque;

	pthread_mutex_lock(&u->lock);
	sb_put(b, u->ier, 1);
	sb_put(b, u->lcr, 1);
	sb_put(b, u->mcr, 1);
	sb_put(b, u->scr, 1);
	sb_put(b, u->dll, 1);
	sb_put(b, u->dlm, 1);
	sb_put(b, u->fcr, 1);
	sb_put(b, u->thri_pending, 1);
	sb_put(b, u->rx_count, 4);
	for (unsigned i = 0; i < u->rx_count; i++)
		sb_put(b, u->rx[(u->rx_head + i) % RX_SIZE], 1);
	pthread_mutex_unlock(&u->lock);
}

static int uart_load(void *opaque, struct snap_buf *b, char *err, size_t errlen)
{
	struct uart *u = opaque;

	pthread_mutex_lock(&u->lock);
	u->ier = (uint8_t)sb_get(b, 1);
	u->lcr = (uint8_t)sb_get(b, 1);
	u->mcr = (uint8_t)sb_get(b, 1);
	u->scr = (uint8_t)sb_get(b, 1);
	u->dll = (uint8_t)sb_get(b, 1);
	u->dlm = (uint8_t)sb_get(b, 1);
	u->fcr = (uint8_t)sb_get(b, 1);
	u->thri_pending = sb_get(b, 1) != 0;
	uint32_t n = (uint32_t)sb_get(b, 4);
	if (n > RX_SIZE) {
		pthread_mutex_unlock(&u->lock);
		snprintf(err, errlen, "serial port: %u bytes of pending input, more than %d", n, RX_SIZE);
		return -1;
	}
	u->rx_head = 0;
	u->rx_count = n;
	for (uint32_t i = 0; i < n; i++)
		u->rx[i] = (uint8_t)sb_get(b, 1);
	/* the IOAPIC's saved state has the line as it was; we drive it from here on */
	u->irq_level = -1;
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return 0;
}

static const struct snap_ops uart_snap_ops = { .save = uart_save, .load = uart_load };

int uart8250_init(struct vm *vm)
{
	uart.vm = vm;
	snapshot_register(SNAP_TAG('U', 'A', 'R', 'T'), 0, &uart_snap_ops, &uart);
	console_set_input(uart_receive, &uart);
	return pio_register(UART_BASE, 8, uart_io, &uart);
}

void uart8250_stats(uint64_t *tx_bytes, uint64_t *rx_bytes, uint64_t *irqs)
{
	pthread_mutex_lock(&uart.lock);
	*tx_bytes = uart.tx_bytes;
	*rx_bytes = uart.rx_bytes;
	*irqs = uart.irqs;
	pthread_mutex_unlock(&uart.lock);
}
