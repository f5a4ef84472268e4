/* A PCI host bridge with one bus: configuration space through ports 0xcf8/0xcfc
 * (mechanism #1), memory BARs that the guest may size and move. */
#ifndef PARAVENT_VMM_PCI_H
#define PARAVENT_VMM_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_MMIO_BASE 0xc0000000u /* our 32-bit MMIO window, described in the DSDT */
#define PCI_MMIO_END 0xfebfffffu
#define PCI_MAX_DEVICES 32

struct pci_device;

struct pci_device_ops {
	/* An access inside memory BAR bar, at offset off. */
	void (*bar_access)(struct pci_device *d, int bar, uint64_t off, uint8_t *data, unsigned len, bool write);
	/* The BAR now decodes at addr (or addr 0: it stopped decoding). */
	void (*bar_moved)(struct pci_device *d, int bar, uint64_t addr);
	/* A write to the device's own part of config space (capabilities), after it is stored. */
	void (*config_written)(struct pci_device *d, unsigned off, unsigned len);
};

struct pci_device {
	uint8_t cfg[256];
	uint8_t writable[256]; /* mask of bits the guest may change beyond the standard ones */
	uint32_t bar_size[6];  /* 0: no BAR; 32-bit memory BARs only */
	uint64_t bar_active[6]; /* where each BAR decodes now, 0 if not */
	const struct pci_device_ops *ops;
	void *opaque;
	int slot;
};

/* The host bridge and the config ports. */
int pci_init(void);
/* Adds a device in the next slot and gives its BARs addresses in the window. */
int pci_register(struct pci_device *d);
/* A vCPU's MMIO exit; returns whether a BAR claimed the address. */
bool pci_mmio_dispatch(uint64_t addr, uint8_t *data, unsigned len, bool write);

/* A device's config space (and so where its BARs decode) into a snapshot and back; the load
 * tells the device where its BARs are now. */
struct snap_buf;
void pci_device_save(const struct pci_device *d, struct snap_buf *b);
void pci_device_load(struct pci_device *d, struct snap_buf *b);
/* From what pci_device_save wrote, only where the BARs decode (the BARs and the command
 * register): a migration's receiver places them ahead of the pause (snap_ops.hint_load). */
void pci_device_preview(struct pci_device *d, struct snap_buf *b);

/* Config space helpers for devices building their header and capabilities. */
void pci_cfg_put16(struct pci_device *d, unsigned off, uint16_t v);
void pci_cfg_put32(struct pci_device *d, unsigned off, uint32_t v);
uint16_t pci_cfg_get16(const struct pci_device *d, unsigned off);

#endif
