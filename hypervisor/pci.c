/* PCI configuration mechanism #1 and BAR decoding. Config space accesses are rare (driver
 * probe and setup), so one lock over the bus keeps it simple; BAR accesses go straight to
 * the device, which has its own lock. */
#include "pci.h"
#include "snapshot_buf.h"

#include <pthread.h>
#include <string.h>

#include "pio.h"

#define PCI_CONFIG_ADDR 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2
#define PCI_BAR0 0x10

static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t config_addr;
static struct pci_device *devices[PCI_MAX_DEVICES];
static struct pci_device host_bridge;
static uint32_t next_mmio = PCI_MMIO_BASE;

void pci_cfg_put16(struct pci_device *d, unsigned off, uint16_t v)
{
	d->cfg[off] = (uint8_t)v;
	d->cfg[off + 1] = (uint8_t)(v >> 8);
}

void pci_cfg_put32(struct pci_device *d, unsigned off, uint32_t v)
{
	pci_cfg_put16(d, off, (uint16_t)v);
	pci_cfg_put16(d, off + 2, (uint16_t)(v >> 16));
}

uint16_t pci_cfg_get16(const struct pci_device *d, unsigned off)
{
	return (uint16_t)(d->cfg[off] | d->cfg[off + 1] << 8);
}

static uint32_t cfg_get32(const struct pci_device *d, unsigned off)
{
	return (uint32_t)pci_cfg_get16(d, off) | (uint32_t)pci_cfg_get16(d, off + 2) << 16;
}

/* Tells the device where its BARs decode after a command or BAR change. */
static void update_bars(struct pci_device *d)
{
	bool mem = pci_cfg_get16(d, PCI_COMMAND) & PCI_COMMAND_MEMORY;

	for (int i = 0; i < 6; i++) {
		if (!d->bar_size[i])
			continue;
		uint64_t addr = cfg_get32(d, PCI_BAR0 + 4 * i) & ~0xfu;
		uint64_t now = (mem && addr) ? addr : 0;
		if (now != d->bar_active[i]) {
			d->bar_active[i] = now;
			if (d->ops && d->ops->bar_moved)
				d->ops->bar_moved(d, i, now);
		}
	}
}

void pci_device_save(const struct pci_device *d, struct snap_buf *b)
{
	/* under the bus's lock: a migration's hint is taken while the guest runs */
	pthread_mutex_lock(&bus_lock);
	sb_put_blob(b, d->cfg, sizeof(d->cfg));
	pthread_mutex_unlock(&bus_lock);
}

static void config_write(struct pci_device *d, unsigned off, const uint8_t *data, unsigned len)
{
	bool touched_bars = false, touched_dev = false;

	for (unsigned i = 0; i < len && off + i < 256; i++) {
		unsigned o = off + i;
		if (o == PCI_COMMAND) {
			d->cfg[o] = data[i] & 0x07; /* I/O, memory, bus master */
			touched_bars = true;
		} else if (o >= PCI_BAR0 && o < PCI_BAR0 + 24) {
			int bar = (int)(o - PCI_BAR0) / 4;
			if (!d->bar_size[bar])
				continue;
			/* only the address bits above the size can be written: that is how the
			 * guest learns the size, writing all ones and reading back */
			uint32_t mask = ~(d->bar_size[bar] - 1);
			uint8_t m = (uint8_t)(mask >> (8 * ((o - PCI_BAR0) % 4)));
			d->cfg[o] = (uint8_t)((d->cfg[o] & ~m) | (data[i] & m));
			touched_bars = true;
		} else if (d->writable[o]) {
			d->cfg[o] = (uint8_t)((d->cfg[o] & ~d->writable[o]) | (data[i] & d->writable[o]));
			touched_dev = true;
		}
	}
	if (touched_bars)
		update_bars(d);
	if (touched_dev && d->ops && d->ops->config_written)
		d->ops->config_written(d, off, len);
}

/* A saved config space, as the guest wrote it, through the same checks: the BARs, the
 * device's writable bits (all_bits) or none, and last the command register, so each BAR
 * moves once. */
static void config_apply(struct pci_device *d, struct snap_buf *b, bool all_bits)
{
	uint8_t cfg[256];

	sb_get_blob(b, cfg, sizeof(cfg));
	if (b->bad)
		return;
	pthread_mutex_lock(&bus_lock);
	config_write(d, PCI_BAR0, cfg + PCI_BAR0, 24);
	for (unsigned i = 0; all_bits && i < sizeof(cfg); i++) {
		if (d->writable[i])
			config_write(d, i, &cfg[i], 1);
	}
	config_write(d, PCI_COMMAND, &cfg[PCI_COMMAND], 1);
	pthread_mutex_unlock(&bus_lock);
}

void pci_device_load(struct pci_device *d, struct snap_buf *b)
{
	config_apply(d, b, true);
}

void pci_device_preview(struct pci_device *d, struct snap_buf *b)
{
	config_apply(d, b, false);
}

static void config_io(void *dev, uint16_t port, uint8_t *data, unsigned size, bool write)
{
	(void)dev;
	pthread_mutex_lock(&bus_lock);
	if (port >= PCI_CONFIG_ADDR && port < PCI_CONFIG_ADDR + 4) {
		if (size == 4 && port == PCI_CONFIG_ADDR) {
			if (write)
				memcpy(&config_addr, data, 4);
			else
				memcpy(data, &config_addr, 4);
		} else if (!write) {
			memset(data, 0xff, size);
		}
		pthread_mutex_unlock(&bus_lock);
		return;
	}
	unsigned bus = (config_addr >> 16) & 0xff, slot = (config_addr >> 11) & 0x1f;
	unsigned fn = (config_addr >> 8) & 7;
	unsigned off = (config_addr & 0xfc) + (port - PCI_CONFIG_DATA);
	struct pci_device *d = NULL;
	if ((config_addr & 0x80000000u) && bus == 0 && fn == 0 && slot < PCI_MAX_DEVICES)
		d = devices[slot];
	if (!d) {
		if (!write)
			memset(data, 0xff, size);
	} else if (write) {
		config_write(d, off, data, size);
	} else {
		for (unsigned i = 0; i < size; i++)
			data[i] = off + i < 256 ? d->cfg[off + i] : 0xff;
	}
	pthread_mutex_unlock(&bus_lock);
}

int pci_register(struct pci_device *d)
{
	pthread_mutex_lock(&bus_lock);
	int slot = -1;
	for (int i = 1; i < PCI_MAX_DEVICES && slot < 0; i++) {
		if (!devices[i])
			slot = i;
	}
	if (slot < 0) {
		pthread_mutex_unlock(&bus_lock);
		return -1;
	}
	d->slot = slot;
	for (int i = 0; i < 6; i++) {
		if (!d->bar_size[i])
			continue;
		uint32_t size = d->bar_size[i];
		next_mmio = (next_mmio + size - 1) & ~(size - 1);
		pci_cfg_put32(d, PCI_BAR0 + 4 * i, next_mmio);
		next_mmio += size;
	}
	devices[slot] = d;
	pthread_mutex_unlock(&bus_lock);
	return 0;
}

bool pci_mmio_dispatch(uint64_t addr, uint8_t *data, unsigned len, bool write)
{
	for (int s = 0; s < PCI_MAX_DEVICES; s++) {
		struct pci_device *d = devices[s];
		if (!d)
			continue;
		for (int i = 0; i < 6; i++) {
			uint64_t base = d->bar_active[i];
			if (base && addr >= base && addr + len <= base + d->bar_size[i]) {
				d->ops->bar_access(d, i, addr - base, data, len, write);
				return true;
			}
		}
	}
	if (!write)
		memset(data, 0xff, len);
	return false;
}

int pci_init(void)
{
	/* 00:00.0, a host bridge, so the guest's probe of mechanism #1 finds a bus */
	pci_cfg_put16(&host_bridge, 0x00, 0x8086);
	pci_cfg_put16(&host_bridge, 0x02, 0x29c0);
	host_bridge.cfg[0x0b] = 0x06; /* bridge */
	host_bridge.cfg[0x0a] = 0x00; /* host bridge */
	devices[0] = &host_bridge;
	return pio_register(PCI_CONFIG_ADDR, 8, config_io, NULL);
}
