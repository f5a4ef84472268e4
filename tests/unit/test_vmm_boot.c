/* Unit tests for paravent-vmm's machine setup without KVM: the option parser, bzImage and
 * ELF recognition, boot_params from a real bzImage header, the e820 map, the MP tables. */
#include "check.h"

#include <asm/bootparam.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "boot_linux.h"
#include "guest_mem.h"
#include "mptable.h"
#include "options.h"
#include "vmm.h"

void vmm_log(const char *fmt, ...)
{
	(void)fmt;
}

static int parse(const char *line, struct vmm_options *o, char *err, size_t errlen)
{
	static char buf[1024];
	char *argv[32];
	int argc = 0;

	snprintf(buf, sizeof(buf), "paravent-vmm %s", line);
	for (char *save, *t = strtok_r(buf, " ", &save); t && argc < 31; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	return options_parse(argc, argv, o, err, errlen);
}

static void test_options(void)
{
	struct vmm_options o;
	char err[256];

	CHECK(parse("--kernel k --memory 256 --vcpus 2 --name web-1 --console-log /tmp/c", &o, err, sizeof(err)) == 0);
	CHECK_STR(o.kernel, "k");
	CHECK(o.memory_mib == 256 && o.vcpus == 2 && o.max_vcpus == 2);
	CHECK_STR(o.name, "web-1");
	CHECK_STR(o.console_log, "/tmp/c");
	CHECK_STR(o.cmdline, "console=ttyS0");
	CHECK(parse("--kernel=k --vcpus=2 --max-vcpus=4", &o, err, sizeof(err)) == 0);
	CHECK(o.vcpus == 2 && o.max_vcpus == 4);
	CHECK(parse("--help", &o, err, sizeof(err)) == 0 && o.help);

	CHECK(parse("--memory 128", &o, err, sizeof(err)) == -1);
	CHECK_STR(err, "--kernel is required (see --help)");
	CHECK(parse("--kernel k --vcpus 0", &o, err, sizeof(err)) == -1);
	CHECK_STR(err, "--vcpus 0: want 1 to 32");
	CHECK(parse("--kernel k --vcpus 33", &o, err, sizeof(err)) == -1);
	CHECK(parse("--kernel k --vcpus 2x", &o, err, sizeof(err)) == -1);
	CHECK(parse("--kernel k --memory 8", &o, err, sizeof(err)) == -1);
	CHECK(parse("--kernel k --memory -1", &o, err, sizeof(err)) == -1);
	CHECK(parse("--kernel k --memory 99999999999999999999999", &o, err, sizeof(err)) == -1);
	CHECK(parse("--kernel k --vcpus 4 --max-vcpus 2", &o, err, sizeof(err)) == -1);
	CHECK_STR(err, "--max-vcpus must be at least --vcpus");
	/* vsock context IDs: 0-2 are reserved, -1 means any */
	CHECK(parse("--kernel k --vsock 3", &o, err, sizeof(err)) == 0 && o.vsock_cid == 3);
	CHECK(parse("--kernel k --vsock 4294967294", &o, err, sizeof(err)) == 0 && o.vsock_cid == 4294967294u);
	CHECK(parse("--kernel k", &o, err, sizeof(err)) == 0 && o.vsock_cid == 0);
	CHECK(parse("--kernel k --vsock 2", &o, err, sizeof(err)) == -1);
	CHECK_STR(err, "--vsock 2: want a context ID from 3 to 4294967294");
	CHECK(parse("--kernel k --vsock 4294967295", &o, err, sizeof(err)) == -1);
	CHECK(parse("--kernel k --vsock x", &o, err, sizeof(err)) == -1);
	/* the balloon's target: all of --memory unless told, never more */
	CHECK(parse("--kernel k --memory 256", &o, err, sizeof(err)) == 0 && o.balloon_mib == 256);
	CHECK(parse("--kernel k --memory 256 --balloon 64", &o, err, sizeof(err)) == 0 && o.balloon_mib == 64);
	CHECK(parse("--kernel k --memory 128 --balloon 256", &o, err, sizeof(err)) == -1);
	CHECK_STR(err, "--balloon must be at most --memory (128 MiB)");
	CHECK(parse("--kernel k --balloon 8", &o, err, sizeof(err)) == -1);
	CHECK(parse("--kernel k --frobnicate", &o, err, sizeof(err)) == -1);
	CHECK_STR(err, "unknown option \"--frobnicate\" (see --help)");
	CHECK(parse("--kernel k stray", &o, err, sizeof(err)) == -1);
	CHECK(parse("--kernel", &o, err, sizeof(err)) == -1);
	CHECK_STR(err, "--kernel needs a value");
	CHECK(parse("--kernel k --console vga", &o, err, sizeof(err)) == -1);
	CHECK(parse("--kernel k --console virtio", &o, err, sizeof(err)) == 0);
	CHECK_STR(o.cmdline, "console=hvc0");
	CHECK(parse("--kernel k --console virtio --cmdline quiet", &o, err, sizeof(err)) == 0);
	CHECK_STR(o.cmdline, "quiet");
	CHECK(parse("--kernel k --name ../etc", &o, err, sizeof(err)) == -1);
	CHECK(parse("--kernel k --name a/b", &o, err, sizeof(err)) == -1);
	CHECK(parse("--kernel k --disk d,rx", &o, err, sizeof(err)) == -1);
	CHECK(parse("--kernel k --help=1", &o, err, sizeof(err)) == -1);
}

static uint8_t *load_fixture(size_t *len)
{
	FILE *f = fopen("tests/unit/data/bzimage-head.bin", "rb");
	uint8_t *head = calloc(1, 1024);
	size_t n = f ? fread(head, 1, 1024, f) : 0;

	if (f)
		fclose(f);
	CHECK(n == 1024);
	/* A real header; the rest of the image is made up to the size it declares. */
	unsigned sects = head[0x1f1] ? head[0x1f1] : 4;
	*len = (sects + 1) * 512 + 4096;
	uint8_t *img = calloc(1, *len);
	memcpy(img, head, 1024);
	memset(img + (sects + 1) * 512, 0xcc, 4096);
	free(head);
	return img;
}

static void test_bzimage(void)
{
	struct linux_image img;
	struct guest_mem m;
	char err[256];
	size_t len;
	uint64_t entry;
	uint64_t ram = 64ULL << 20;
	uint8_t *ramp = calloc(1, ram);
	uint8_t *k = load_fixture(&len);
	const uint8_t initrd[] = "initrd-bytes";

	memset(&m, 0, sizeof(m));
	CHECK(guest_mem_add(&m, 0, ram, ramp) == 0);
	CHECK(linux_image_parse(k, len, &img, err, sizeof(err)) == 0);
	CHECK(!img.is_elf && img.protocol >= 0x020c);
	CHECK(linux_load(&m, ram, &img, initrd, sizeof(initrd), "console=ttyS0 quiet", &entry, err, sizeof(err)) == 0);
	CHECK(entry == KERNEL_LOAD_ADDR + 0x200);

	struct boot_params *bp = (struct boot_params *)(ramp + BOOT_PARAMS_ADDR);
	CHECK(bp->hdr.header == 0x53726448);
	CHECK(bp->hdr.type_of_loader == 0xff);
	CHECK(bp->hdr.loadflags & LOADED_HIGH);
	CHECK(bp->hdr.loadflags & CAN_USE_HEAP);
	CHECK(bp->hdr.cmd_line_ptr == CMDLINE_ADDR);
	CHECK_STR((char *)ramp + CMDLINE_ADDR, "console=ttyS0 quiet");
	/* the protected-mode kernel sits at 1 MiB */
	CHECK(ramp[KERNEL_LOAD_ADDR] == 0xcc && ramp[KERNEL_LOAD_ADDR + 4095] == 0xcc);
	/* the initrd: page aligned, at the top of RAM under initrd_addr_max, intact */
	CHECK(bp->hdr.ramdisk_size == sizeof(initrd));
	CHECK((bp->hdr.ramdisk_image & 0xfff) == 0);
	CHECK(bp->hdr.ramdisk_image + bp->hdr.ramdisk_size <= ram);
	CHECK(bp->hdr.ramdisk_image + 4096 >= ram - sizeof(initrd));
	CHECK(memcmp(ramp + bp->hdr.ramdisk_image, initrd, sizeof(initrd)) == 0);
	CHECK(bp->e820_entries == 3);

	/* refusals, each with its reason */
	uint8_t junk[4096] = { 0 };
	CHECK(linux_image_parse(junk, sizeof(junk), &img, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a Linux kernel image") != NULL);
	uint8_t *old = malloc(len);
	memcpy(old, k, len);
	old[0x206] = 0x04; /* protocol 2.04 */
	old[0x207] = 0x02;
	CHECK(linux_image_parse(old, len, &img, err, sizeof(err)) == -1);
	CHECK(strstr(err, "too old") != NULL);
	memcpy(old, k, len);
	old[0x236] &= (uint8_t)~XLF_KERNEL_64;
	CHECK(linux_image_parse(old, len, &img, err, sizeof(err)) == -1);
	CHECK(strstr(err, "64-bit") != NULL);
	CHECK(linux_image_parse(k, 1000, &img, err, sizeof(err)) == -1);
	CHECK(strstr(err, "truncated") != NULL);
	/* a kernel that does not fit in guest memory */
	struct guest_mem small;
	memset(&small, 0, sizeof(small));
	CHECK(guest_mem_add(&small, 0, 2ULL << 20, ramp) == 0);
	CHECK(linux_image_parse(k, len, &img, err, sizeof(err)) == 0);
	CHECK(linux_load(&small, 2ULL << 20, &img, NULL, 0, "", &entry, err, sizeof(err)) == -1);
	CHECK(strstr(err, "more guest memory") != NULL);
	/* an initrd larger than RAM */
	CHECK(linux_load(&m, ram, &img, ramp, ram, "", &entry, err, sizeof(err)) == -1);
	CHECK(strstr(err, "initrd") != NULL);
	/* a command line longer than the kernel accepts */
	char longcl[5000];
	memset(longcl, 'x', sizeof(longcl) - 1);
	longcl[sizeof(longcl) - 1] = '\0';
	CHECK(linux_load(&m, ram, &img, NULL, 0, longcl, &entry, err, sizeof(err)) == -1);
	free(old);
	free(k);
	free(ramp);
}

static void test_elf(void)
{
	uint64_t ram = 32ULL << 20;
	uint8_t *ramp = calloc(1, ram);
	struct guest_mem m;
	struct linux_image img;
	char err[256];
	uint64_t entry;
	size_t len = 8192;
	uint8_t *f = calloc(1, len);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
	Elf64_Phdr *ph = (Elf64_Phdr *)(f + sizeof(*eh));

	memset(&m, 0, sizeof(m));
	CHECK(guest_mem_add(&m, 0, ram, ramp) == 0);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_entry = 0x1000000;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_offset = 4096;
	ph->p_paddr = 0x1000000;
	ph->p_filesz = 4096;
	ph->p_memsz = 8192; /* bss */
	memset(f + 4096, 0xab, 4096);
	memset(ramp + 0x1000000 + 4096, 0x55, 4096);
	CHECK(linux_image_parse(f, len, &img, err, sizeof(err)) == 0 && img.is_elf);
	CHECK(linux_load(&m, ram, &img, NULL, 0, "console=ttyS0", &entry, err, sizeof(err)) == 0);
	CHECK(entry == 0x1000000);
	CHECK(ramp[0x1000000] == 0xab && ramp[0x1000000 + 4095] == 0xab);
	CHECK(ramp[0x1000000 + 4096] == 0 && ramp[0x1000000 + 8191] == 0); /* bss zeroed */
	struct boot_params *bp = (struct boot_params *)(ramp + BOOT_PARAMS_ADDR);
	CHECK(bp->hdr.boot_flag == 0xaa55 && bp->hdr.header == 0x53726448);
	/* a segment reaching past the file, and one past RAM */
	ph->p_filesz = 8192;
	CHECK(linux_image_parse(f, len, &img, err, sizeof(err)) == 0);
	CHECK(linux_load(&m, ram, &img, NULL, 0, "", &entry, err, sizeof(err)) == -1);
	ph->p_filesz = 4096;
	ph->p_paddr = ram - 4096;
	CHECK(linux_load(&m, ram, &img, NULL, 0, "", &entry, err, sizeof(err)) == -1);
	eh->e_machine = EM_386;
	CHECK(linux_image_parse(f, len, &img, err, sizeof(err)) == -1);
	free(f);
	free(ramp);
}

static void test_e820(void)
{
	struct boot_e820_entry e[8];
	int n = e820_build(512ULL << 20, e, 8);

	CHECK(n == 3);
	CHECK(e[0].addr == 0 && e[0].size == EBDA_ADDR && e[0].type == 1);
	CHECK(e[1].addr == EBDA_ADDR && e[1].addr + e[1].size == 0x100000 && e[1].type == 2);
	CHECK(e[2].addr == 0x100000 && e[2].addr + e[2].size == (512ULL << 20) && e[2].type == 1);
	/* 4 GiB of RAM: split around the PCI hole */
	n = e820_build(4ULL << 30, e, 8);
	CHECK(n == 4);
	CHECK(e[2].addr + e[2].size == PCI_HOLE_START);
	CHECK(e[3].addr == HIGH_RAM_START && e[3].size == (4ULL << 30) - PCI_HOLE_START);
	CHECK(e820_build(4ULL << 30, e, 2) == 2);
}

static void test_mptable(void)
{
	uint8_t buf[1024];
	size_t used = mptable_write(buf, sizeof(buf), EBDA_ADDR, 4, 4);

	CHECK(used > 0);
	CHECK(memcmp(buf, "_MP_", 4) == 0);
	CHECK(mptable_checksum(buf, 16) == 0);
	uint32_t cfg = (uint32_t)buf[4] | (uint32_t)buf[5] << 8 | (uint32_t)buf[6] << 16 | (uint32_t)buf[7] << 24;
	CHECK(cfg == EBDA_ADDR + 16);
	uint8_t *mpc = buf + 16;
	unsigned tlen = (unsigned)mpc[4] | (unsigned)mpc[5] << 8;
	CHECK(memcmp(mpc, "PCMP", 4) == 0);
	CHECK(tlen + 16 == used);
	CHECK(mptable_checksum(mpc, tlen) == 0);
	unsigned count = (unsigned)mpc[34] | (unsigned)mpc[35] << 8;
	CHECK(count == 4 + 2 + 1 + 16 + 2);
	/* processors: APIC ids 0..3, only the first is the bootstrap CPU */
	uint8_t *p = mpc + 44;
	CHECK(p[0] == 0 && p[1] == 0 && (p[3] & 3) == 3);
	CHECK(p[20] == 0 && p[21] == 1 && (p[23] & 3) == 1);
	/* 32 CPUs fit in the 1 KiB below 640 KiB; too small a buffer is refused */
	CHECK(mptable_write(buf, sizeof(buf), EBDA_ADDR, 32, 32) > 0);
	CHECK(mptable_checksum(buf + 16, (unsigned)buf[20] | (unsigned)buf[21] << 8) == 0);
	CHECK(mptable_write(buf, 100, EBDA_ADDR, 4, 4) == 0);
	CHECK(mptable_write(buf, sizeof(buf), EBDA_ADDR, 0, 0) == 0);
	CHECK(mptable_write(buf, sizeof(buf), EBDA_ADDR, 0, 4) == 0);
	CHECK(mptable_write(buf, sizeof(buf), EBDA_ADDR, 5, 4) == 0);
	/* with 2 of 4 at boot, the other two are listed but not enabled */
	CHECK(mptable_write(buf, sizeof(buf), EBDA_ADDR, 2, 4) > 0);
	CHECK((mpc[44 + 20 + 3] & 1) == 1 && (mpc[44 + 40 + 3] & 1) == 0 && (mpc[44 + 60 + 3] & 1) == 0);
	CHECK(mptable_checksum(mpc, tlen) == 0);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Follows the tables as a guest does: RSDP → XSDT → FADT (→ DSDT, FACS) and MADT. */
static void test_acpi(void)
{
	static uint8_t buf[ACPI_SIZE];
	size_t used = acpi_write_tables(buf, sizeof(buf), 4, 4);

	CHECK(used > 0 && used < 8192);
	CHECK(memcmp(buf, "RSD PTR ", 8) == 0);
	CHECK(acpi_checksum(buf, 20) == 0);
	CHECK(acpi_checksum(buf, 36) == 0);
	CHECK(buf[15] == 2);
	uint64_t xsdt = get64(buf + 24) - ACPI_BASE;
	CHECK(xsdt < used && memcmp(buf + xsdt, "XSDT", 4) == 0);
	uint32_t xlen = get32(buf + xsdt + 4);
	CHECK(acpi_checksum(buf + xsdt, xlen) == 0);
	CHECK(xlen == 36 + 16);
	uint64_t fadt = get64(buf + xsdt + 36) - ACPI_BASE;
	uint64_t madt = get64(buf + xsdt + 44) - ACPI_BASE;
	CHECK(memcmp(buf + fadt, "FACP", 4) == 0);
	CHECK(acpi_checksum(buf + fadt, get32(buf + fadt + 4)) == 0);
	CHECK(get32(buf + fadt + 64) == ACPI_PM1A_CNT_PORT);
	CHECK(buf[fadt + 128] == ACPI_RESET_VALUE);
	/* a fixed power button (PWR_BUTTON clear), no sleep button (SLP_BUTTON set) */
	CHECK((get32(buf + fadt + 112) & (1u << 4)) == 0 && (get32(buf + fadt + 112) & (1u << 5)) != 0);
	CHECK(get64(buf + fadt + 116 + 4) == ACPI_RESET_PORT);
	uint64_t dsdt = get64(buf + fadt + 140) - ACPI_BASE;
	CHECK(get32(buf + fadt + 40) == dsdt + ACPI_BASE);
	CHECK(memcmp(buf + dsdt, "DSDT", 4) == 0);
	CHECK(acpi_checksum(buf + dsdt, get32(buf + dsdt + 4)) == 0);
	/* the DSDT's AML names \_S5_ with sleep type 5 */
	CHECK(memcmp(buf + dsdt + 36, "\x08_S5_\x12\x07\x04\x0a\x05", 10) == 0);
	uint64_t facs = get64(buf + fadt + 132) - ACPI_BASE;
	CHECK(memcmp(buf + facs, "FACS", 4) == 0 && (facs & 63) == 0);
	CHECK(memcmp(buf + madt, "APIC", 4) == 0);
	uint32_t mlen = get32(buf + madt + 4);
	CHECK(acpi_checksum(buf + madt, mlen) == 0);
	/* MADT: 4 enabled local APICs with ids 0..3, then the IOAPIC */
	int cpus = 0, ioapics = 0;
	for (uint32_t off = 44; off < mlen; off += buf[madt + off + 1]) {
		const uint8_t *e = buf + madt + off;
		if (e[1] == 0)
			break;
		if (e[0] == 0) {
			CHECK(e[3] == cpus && (get32(e + 4) & 1));
			cpus++;
		}
		if (e[0] == 1) {
			ioapics++;
			CHECK(get32(e + 4) == IOAPIC_ADDR);
		}
	}
	CHECK(cpus == 4 && ioapics == 1);
	/* the GPE block the hotplug method hangs on */
	CHECK(get32(buf + fadt + 80) == ACPI_GPE0_PORT && buf[fadt + 92] == ACPI_GPE0_LEN);
	CHECK(get64(buf + fadt + 220 + 4) == ACPI_GPE0_PORT && buf[fadt + 221] == 8 * ACPI_GPE0_LEN);
	CHECK(acpi_write_tables(buf, 100, 4, 4) == 0);
	CHECK(acpi_write_tables(buf, sizeof(buf), 0, 4) == 0);
	CHECK(acpi_write_tables(buf, sizeof(buf), 5, 4) == 0);
}

/* Skips one PkgLength (ACPI 20.2.4); returns the length it encodes (counting itself). */
static uint32_t pkglen(const uint8_t *p, unsigned *bytes)
{
	unsigned k = (p[0] >> 6) + 1;
	uint32_t len = k == 1 ? p[0] & 0x3f : p[0] & 0x0f;
	for (unsigned i = 1; i < k; i++)
		len |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	*bytes = k;
	return len;
}

static const uint8_t *find(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return hay + i;
	return NULL;
}

/* 32 possible CPUs, 2 at boot: the MADT marks the rest online-capable, and the DSDT is
 * well formed (its top-level objects' lengths add up to the table) and has a processor
 * device per CPU with _STA and _MAT, _EJ0 for all but CPU 0, and the GPE method. */
static void test_acpi_hotplug(void)
{
	static uint8_t buf[ACPI_SIZE];
	size_t used = acpi_write_tables(buf, sizeof(buf), 2, 32);

	CHECK(used > 0);
	uint64_t xsdt = get64(buf + 24) - ACPI_BASE;
	uint64_t fadt = get64(buf + xsdt + 36) - ACPI_BASE, madt = get64(buf + xsdt + 44) - ACPI_BASE;
	uint64_t dsdt = get64(buf + fadt + 140) - ACPI_BASE;
	uint32_t dlen = get32(buf + dsdt + 4), mlen = get32(buf + madt + 4);
	CHECK(dsdt + dlen == used);
	CHECK(acpi_checksum(buf + dsdt, dlen) == 0 && acpi_checksum(buf + madt, mlen) == 0);
	int enabled = 0, capable = 0;
	for (uint32_t off = 44; off < mlen && buf[madt + off + 1]; off += buf[madt + off + 1]) {
		const uint8_t *e = buf + madt + off;
		if (e[0] == 0) {
			enabled += get32(e + 4) == 1;
			capable += get32(e + 4) == 2;
		}
	}
	CHECK(enabled == 2 && capable == 30);

	/* top level: Name (_S5_, Package) then Scope (\_SB_) then Scope (\_GPE) */
	const uint8_t *aml = buf + dsdt + 36, *end = buf + dsdt + dlen;
	CHECK(aml[0] == 0x08 && aml[5] == 0x12);
	const uint8_t *p = aml + 6 + aml[6];
	unsigned k;
	CHECK(p[0] == 0x10);
	uint32_t sb = pkglen(p + 1, &k);
	CHECK(memcmp(p + 1 + k, "\\_SB_", 5) == 0);
	const uint8_t *q = p + 1 + sb;
	CHECK(q < end && q[0] == 0x10);
	uint32_t gpe = pkglen(q + 1, &k);
	CHECK(memcmp(q + 1 + k, "\\_GPE", 5) == 0);
	CHECK(q + 1 + gpe == end);
	CHECK(find(q, (size_t)(end - q), "_E02", 4) != NULL);
	CHECK(find(q, (size_t)(end - q), "\\\x2e_SB_CSCN", 10) != NULL);

	size_t n = (size_t)(q - p);
	const uint8_t *c0 = find(p, n, "\x5b\x82", 2), *c;
	char name[5];
	int devices = 0, ej0 = 0;
	for (int i = 0; i < 32; i++) {
		snprintf(name, sizeof(name), "C%03X", i);
		c = find(p, n, name, 4);
		/* first seen as Device (Cnnn): 5B 82, a PkgLength of 1 or 2 bytes, the name */
		CHECK(c && ((c[-3] == 0x5b && c[-2] == 0x82) || (c[-4] == 0x5b && c[-3] == 0x82)));
		if (!c)
			continue;
		devices++;
		/* the device's body: up to the next device or the end of the scope */
		const uint8_t *next = find(c + 4, (size_t)(p + n - (c + 4)), "\x5b\x82", 2);
		size_t body = (size_t)((next ? next : p + n) - c);
		CHECK(find(c, body, "ACPI0007", 8) != NULL && find(c, body, "_STA", 4) != NULL &&
		      find(c, body, "_MAT", 4) != NULL);
		ej0 += find(c, body, "_EJ0", 4) != NULL;
	}
	CHECK(c0 != NULL && devices == 32 && ej0 == 31);
	CHECK(find(p, n, "CSCN", 4) != NULL && find(p, n, "PRCR", 4) != NULL);
	CHECK(acpi_write_tables(buf, sizeof(buf), 32, 32) > 0);
}

int main(void)
{
	test_acpi();
	test_acpi_hotplug();
	test_options();
	test_bzimage();
	test_elf();
	test_e820();
	test_mptable();
	return check_summary("vmm-boot");
}
