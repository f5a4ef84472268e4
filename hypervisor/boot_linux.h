/* Loading Linux into guest memory: bzImage by the 64-bit boot protocol, or ELF vmlinux,
 * with boot_params (the "zero page"), the e820 map, the command line and the initrd. */
#ifndef PARAVENT_VMM_BOOT_LINUX_H
#define PARAVENT_VMM_BOOT_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"

struct linux_image {
	const uint8_t *data;
	size_t len;
	int is_elf;
	/* bzImage */
	unsigned setup_size;       /* bytes before the protected-mode kernel */
	uint16_t protocol;         /* boot protocol version, e.g. 0x020f */
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
	uint32_t init_size;        /* memory the kernel needs from its load address */
};

/* Recognizes a bzImage or an ELF vmlinux and checks it can be booted; on failure returns
 * -1 with the reason in err (not a kernel, protocol too old, no 64-bit entry, truncated). */
int linux_image_parse(const uint8_t *data, size_t len, struct linux_image *img, char *err, size_t errlen);

/* The e820 map of a guest with ram_size bytes: low RAM, the reserved BIOS area (where the
 * MP and ACPI tables are), RAM from 1 MiB to the PCI hole, RAM above 4 GiB. Returns the
 * number of entries written (at most max). */
struct boot_e820_entry;
int e820_build(uint64_t ram_size, struct boot_e820_entry *e820, int max);

/* Copies the kernel, initrd and command line into guest memory and writes boot_params at
 * BOOT_PARAMS_ADDR. Returns 0 and the 64-bit entry point, or -1 with a reason. */
int linux_load(struct guest_mem *m, uint64_t ram_size, const struct linux_image *img,
	       const uint8_t *initrd, size_t initrd_len, const char *cmdline,
	       uint64_t *entry, char *err, size_t errlen);

#endif
