/* Linux boot for paravent-vmm. We enter the kernel directly in 64-bit mode (the bzImage's
 * startup_64 at the protected-mode code + 0x200, or the ELF entry): no firmware and no real
 * mode, so the boot path has almost no exits. See Documentation/x86/boot.rst. */
#include "boot_linux.h"

#include <asm/bootparam.h>
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

#define HDRS_MAGIC 0x53726448 /* "HdrS" */
#define MIN_PROTOCOL 0x020c   /* 2.12: xloadflags, the 64-bit entry */
#define KERNEL_64_ENTRY_OFFSET 0x200
#define E820_TYPE_RAM 1
#define E820_TYPE_RESERVED 2

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_elf(const uint8_t *data, size_t len, struct linux_image *img, char *err, size_t errlen)
{
	Elf64_Ehdr eh;

	if (len < sizeof(eh))
		return fail(err, errlen, "ELF image truncated");
	memcpy(&eh, data, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
		return fail(err, errlen, "ELF image is not x86-64");
	if (eh.e_type != ET_EXEC)
		return fail(err, errlen, "ELF image is not an executable (a vmlinux is)");
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phoff > len || (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff)
		return fail(err, errlen, "ELF program headers are missing or truncated");
	img->is_elf = 1;
	img->initrd_addr_max = 0x7fffffff;
	img->cmdline_size = CMDLINE_MAX - 1;
	return 0;
}

int linux_image_parse(const uint8_t *data, size_t len, struct linux_image *img, char *err, size_t errlen)
{
	struct setup_header hdr;

	memset(img, 0, sizeof(*img));
	img->data = data;
	img->len = len;
	if (len >= 4 && memcmp(data, ELFMAG, SELFMAG) == 0)
		return parse_elf(data, len, img, err, errlen);
	if (len < 0x1f1 + sizeof(hdr))
		return fail(err, errlen, "not a Linux kernel image (too small for a bzImage, not ELF)");
	memcpy(&hdr, data + 0x1f1, sizeof(hdr));
	if (hdr.header != HDRS_MAGIC || hdr.boot_flag != 0xaa55)
		return fail(err, errlen, "not a Linux kernel image (no bzImage header, not ELF)");
	if (hdr.version < MIN_PROTOCOL)
		return fail(err, errlen, "boot protocol %u.%02u is too old (2.12 or later needed)",
			    hdr.version >> 8, hdr.version & 0xff);
	if (!(hdr.xloadflags & XLF_KERNEL_64))
		return fail(err, errlen, "the kernel has no 64-bit entry point (a 32-bit kernel?)");
	if (!(hdr.loadflags & LOADED_HIGH))
		return fail(err, errlen, "a zImage (loaded low) cannot be booted; use a bzImage");
	unsigned sects = hdr.setup_sects ? hdr.setup_sects : 4;
	img->setup_size = (sects + 1) * 512;
	if (img->setup_size >= len)
		return fail(err, errlen, "bzImage truncated: no kernel after the %u setup bytes", img->setup_size);
	img->protocol = hdr.version;
	img->initrd_addr_max = hdr.initrd_addr_max;
	img->cmdline_size = hdr.cmdline_size;
	img->init_size = hdr.init_size;
	return 0;
}

static void e820_add(struct boot_e820_entry *e, int *n, int max, uint64_t addr, uint64_t size, uint32_t type)
{
	if (*n >= max || size == 0)
		return;
	e[*n].addr = addr;
	e[*n].size = size;
	e[*n].type = type;
	(*n)++;
}

int e820_build(uint64_t ram_size, struct boot_e820_entry *e820, int max)
{
	int n = 0;
	uint64_t low_end = ram_size < PCI_HOLE_START ? ram_size : PCI_HOLE_START;

	e820_add(e820, &n, max, 0, EBDA_ADDR, E820_TYPE_RAM);
	e820_add(e820, &n, max, EBDA_ADDR, HIGH_MEM_START - EBDA_ADDR, E820_TYPE_RESERVED);
	e820_add(e820, &n, max, HIGH_MEM_START, low_end - HIGH_MEM_START, E820_TYPE_RAM);
	if (ram_size > PCI_HOLE_START)
		e820_add(e820, &n, max, HIGH_RAM_START, ram_size - PCI_HOLE_START, E820_TYPE_RAM);
	return n;
}

static int load_elf_segments(struct guest_mem *m, const struct linux_image *img, uint64_t *entry,
			     uint64_t *end, char *err, size_t errlen)
{
	Elf64_Ehdr eh;

	memcpy(&eh, img->data, sizeof(eh));
	*end = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, img->data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > img->len || ph.p_filesz > img->len - ph.p_offset)
			return fail(err, errlen, "ELF segment %u lies outside the file", i);
		uint8_t *dst = guest_mem_ptr(m, ph.p_paddr, ph.p_memsz);
		if (!dst || ph.p_paddr < HIGH_MEM_START)
			return fail(err, errlen, "ELF segment %u (0x%llx, %llu bytes) does not fit in guest RAM",
				    i, (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz);
		memcpy(dst, img->data + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (ph.p_paddr + ph.p_memsz > *end)
			*end = ph.p_paddr + ph.p_memsz;
	}
	if (*end == 0)
		return fail(err, errlen, "ELF image has no loadable segment");
	*entry = eh.e_entry;
	if (!guest_mem_ptr(m, *entry, 1))
		return fail(err, errlen, "ELF entry point 0x%llx is not in guest RAM", (unsigned long long)*entry);
	return 0;
}

int linux_load(struct guest_mem *m, uint64_t ram_size, const struct linux_image *img,
	       const uint8_t *initrd, size_t initrd_len, const char *cmdline,
	       uint64_t *entry, char *err, size_t errlen)
{
	struct boot_params *bp = guest_mem_ptr(m, BOOT_PARAMS_ADDR, sizeof(*bp));
	uint64_t kernel_end;
	size_t cmdlen = strlen(cmdline);

	if (!bp)
		return fail(err, errlen, "guest RAM too small for boot_params");
	memset(bp, 0, sizeof(*bp));
	if (img->is_elf) {
		if (load_elf_segments(m, img, entry, &kernel_end, err, errlen) != 0)
			return -1;
		/* No setup header in a vmlinux: make the one the kernel expects. */
		bp->hdr.boot_flag = 0xaa55;
		bp->hdr.header = HDRS_MAGIC;
		bp->hdr.kernel_alignment = 0x1000000;
	} else {
		size_t kernel_len = img->len - img->setup_size;
		uint64_t need = img->init_size > kernel_len ? img->init_size : kernel_len;
		uint8_t *dst = guest_mem_ptr(m, KERNEL_LOAD_ADDR, need);
		if (!dst)
			return fail(err, errlen, "the kernel needs %llu MiB from 1 MiB up: more guest memory",
				    (unsigned long long)(need >> 20) + 1);
		memcpy(dst, img->data + img->setup_size, kernel_len);
		/* The setup header as the image has it, up to its own declared end. */
		size_t hdr_end = 0x202 + img->data[0x201];
		if (hdr_end > sizeof(*bp) || hdr_end > img->len)
			hdr_end = 0x1f1 + sizeof(bp->hdr);
		memcpy((uint8_t *)bp + 0x1f1, img->data + 0x1f1, hdr_end - 0x1f1);
		*entry = KERNEL_LOAD_ADDR + KERNEL_64_ENTRY_OFFSET;
		kernel_end = KERNEL_LOAD_ADDR + need;
	}
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.loadflags |= CAN_USE_HEAP | LOADED_HIGH;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.vid_mode = 0xffff;
	bp->hdr.code32_start = KERNEL_LOAD_ADDR;

	if (cmdlen > img->cmdline_size || cmdlen >= CMDLINE_MAX)
		return fail(err, errlen, "the command line is %zu bytes; this kernel takes at most %u",
			    cmdlen, img->cmdline_size);
	char *cl = guest_mem_ptr(m, CMDLINE_ADDR, cmdlen + 1);
	if (!cl)
		return fail(err, errlen, "guest RAM too small for the command line");
	memcpy(cl, cmdline, cmdlen + 1);
	bp->hdr.cmd_line_ptr = CMDLINE_ADDR;
	bp->hdr.cmdline_size = (uint32_t)cmdlen + 1;

	if (initrd && initrd_len) {
		/* As high as allowed, under the PCI hole and initrd_addr_max, above the kernel. */
		uint64_t top = ram_size < PCI_HOLE_START ? ram_size : PCI_HOLE_START;
		if (top > (uint64_t)img->initrd_addr_max + 1)
			top = (uint64_t)img->initrd_addr_max + 1;
		if (initrd_len > top || ((top - initrd_len) & ~0xfffULL) < kernel_end)
			return fail(err, errlen, "the initrd (%zu KiB) does not fit in guest RAM above the kernel: "
				    "more guest memory", initrd_len >> 10);
		uint64_t addr = (top - initrd_len) & ~0xfffULL;
		uint8_t *dst = guest_mem_ptr(m, addr, initrd_len);
		if (!dst)
			return fail(err, errlen, "initrd placement failed");
		memcpy(dst, initrd, initrd_len);
		bp->hdr.ramdisk_image = (uint32_t)addr;
		bp->hdr.ramdisk_size = (uint32_t)initrd_len;
	}
	bp->e820_entries = (uint8_t)e820_build(ram_size, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
	return 0;
}
