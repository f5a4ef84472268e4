/* ACPI tables: what a guest needs to find its CPUs and interrupt controllers and to power
 * off or reset through registers the VMM sees (dev_acpi_pm.c). Not "hardware-reduced": a
 * reduced guest assumes there is no PIC and so no ISA interrupts, and the 8250's IRQ 4 would
 * then need a described device. ACPI is already enabled (SMI_CMD is 0), no PM timer, no GPEs.
 * Written byte by byte, little-endian, so the layout does not depend on struct packing. */
#include "acpi.h"

#include <string.h>

#include "le.h"
#include "mptable.h"

#define HDR_LEN 36
#define RSDP_LEN 36
#define FADT_LEN 276
#define FACS_LEN 64
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_WBINVD (1u << 0)
#define BOOT_ARCH_VGA_NOT_PRESENT (1u << 2)
#define BOOT_ARCH_CMOS_RTC_NOT_PRESENT (1u << 5)
#define SCI_IRQ 9

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	return byte_sum(p, len);
}

static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "PRVENT", 6);
	memcpy(t + 16, "PARAVENT", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "PRVT", 4);
	put32(t + 32, 1);
}

static void finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = (uint8_t)-acpi_checksum(t, len);
}

/* A Generic Address Structure for an I/O port register of width bits. */
static void gas_io(uint8_t *p, uint16_t port, uint8_t bits)
{
	p[0] = 1; /* system I/O */
	p[1] = bits;
	p[2] = 0;
	p[3] = bits == 8 ? 1 : bits == 16 ? 2 : 3;
	put64(p + 4, port);
}

/* AML is written by hand: a few objects, each a byte sequence. PkgLength counts itself
 * and what follows: one byte below 64, else two (low nibble, then the rest). */
static size_t aml_pkglen(uint8_t *p, size_t body)
{
	if (body + 1 < 64) {
		p[0] = (uint8_t)(body + 1);
		return 1;
	}
	size_t len = body + 2;
	p[0] = (uint8_t)(0x40 | (len & 0xf));
	p[1] = (uint8_t)(len >> 4);
	return 2;
}

/* Wraps body (already at p + 4 .. p + 4 + n) with op (1 or 2 bytes) and its PkgLength,
 * moving the body into place; returns the total length. */
static size_t aml_wrap(uint8_t *p, const uint8_t *op, size_t oplen, const uint8_t *body, size_t n)
{
	uint8_t tmp[1024];
	size_t at = oplen;

	memcpy(tmp, body, n);
	memcpy(p, op, oplen);
	at += aml_pkglen(p + at, n);
	memcpy(p + at, tmp, n);
	return at + n;
}

/* The PCI root bridge: its bus range, the config ports, the I/O ports around them and our
 * 32-bit MMIO window, so that the guest scans the bus and keeps the BARs we assigned. */
static size_t aml_pci0(uint8_t *out)
{
	static const uint8_t crs[] = {
		/* WordBusNumber: producer, min/max fixed, 0-0xff */
		0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01,
		/* IO: decode16, 0xcf8-0xcff */
		0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08,
		/* WordIO: 0x0000-0x0cf7 and 0x0d00-0xffff, entire range */
		0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x00, 0xf7, 0x0c, 0x00, 0x00, 0xf8, 0x0c,
		0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xff, 0x00, 0x00, 0x00, 0xf3,
		/* DWordMemory: read/write, non-cacheable, 0xc0000000-0xfebfffff */
		0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0xc0, 0xff, 0xff, 0xbf, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x3e,
		0x79, 0x00, /* end tag */
	};
	uint8_t dev[512], buf[256];
	size_t n = 0, b = 0;

	memcpy(dev + n, "PCI0", 4);
	n += 4;
	/* Name (_HID, EisaId ("PNP0A03")) */
	static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
	memcpy(dev + n, hid, sizeof(hid));
	n += sizeof(hid);
	/* Name (_UID, Zero), Name (_SEG, Zero), Name (_BBN, Zero) */
	static const uint8_t ids[] = { 0x08, '_', 'U', 'I', 'D', 0x00, 0x08, '_', 'S', 'E', 'G', 0x00,
				       0x08, '_', 'B', 'B', 'N', 0x00 };
	memcpy(dev + n, ids, sizeof(ids));
	n += sizeof(ids);
	/* Name (_CRS, Buffer () { ... }) */
	static const uint8_t name_crs[] = { 0x08, '_', 'C', 'R', 'S' };
	memcpy(dev + n, name_crs, sizeof(name_crs));
	n += sizeof(name_crs);
	buf[b++] = 0x0a; /* BytePrefix: buffer size */
	buf[b++] = (uint8_t)sizeof(crs);
	memcpy(buf + b, crs, sizeof(crs));
	b += sizeof(crs);
	static const uint8_t buffer_op[] = { 0x11 };
	n += aml_wrap(dev + n, buffer_op, 1, buf, b);

	static const uint8_t device_op[] = { 0x5b, 0x82 };
	uint8_t devobj[600];
	size_t dn = aml_wrap(devobj, device_op, 2, dev, n);
	/* Scope (\_SB) { Device (PCI0) { ... } } */
	uint8_t scope[640];
	size_t sn = 0;
	static const uint8_t sb[] = { '\\', '_', 'S', 'B', '_' };
	memcpy(scope, sb, sizeof(sb));
	sn += sizeof(sb);
	memcpy(scope + sn, devobj, dn);
	sn += dn;
	static const uint8_t scope_op[] = { 0x10 };
	return aml_wrap(out, scope_op, 1, scope, sn);
}

/* DSDT: \_S5_ (soft off: sleep type 5) and the PCI root bridge. */
static size_t write_dsdt(uint8_t *t)
{
	static const uint8_t s5[] = {
		0x08, '_', 'S', '5', '_',       /* NameOp "_S5_" */
		0x12, 0x07, 0x04,               /* PackageOp, PkgLength 7, 4 elements */
		0x0a, ACPI_S5_SLP_TYP, 0x00, 0x00, 0x00,
	};
	uint32_t len = HDR_LEN;

	memcpy(t + len, s5, sizeof(s5));
	len += sizeof(s5);
	len += (uint32_t)aml_pci0(t + len);
	header(t, "DSDT", len, 2);
	finish(t, len);
	return len;
}

static void write_facs(uint8_t *t)
{
	memset(t, 0, FACS_LEN);
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 2; /* version */
}

static size_t write_fadt(uint8_t *t, uint64_t dsdt, uint64_t facs)
{
	memset(t, 0, FADT_LEN);
	header(t, "FACP", FADT_LEN, 6);
	put32(t + 36, (uint32_t)facs);
	put32(t + 40, (uint32_t)dsdt);
	put16(t + 46, SCI_IRQ);
	put32(t + 56, ACPI_PM1A_EVT_PORT);
	put32(t + 64, ACPI_PM1A_CNT_PORT);
	t[88] = 4; /* PM1_EVT_LEN */
	t[89] = 2; /* PM1_CNT_LEN */
	put16(t + 109, BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_CMOS_RTC_NOT_PRESENT);
	put32(t + 112, FADT_RESET_REG_SUP | FADT_WBINVD);
	gas_io(t + 116, ACPI_RESET_PORT, 8);
	t[128] = ACPI_RESET_VALUE;
	t[131] = 5; /* FADT minor version: ACPI 6.5 */
	put64(t + 132, facs);
	put64(t + 140, dsdt);
	gas_io(t + 148, ACPI_PM1A_EVT_PORT, 32);
	gas_io(t + 172, ACPI_PM1A_CNT_PORT, 16);
	memcpy(t + 268, "PARAVENT", 8);
	finish(t, FADT_LEN);
	return FADT_LEN;
}

static size_t write_madt(uint8_t *t, int ncpus)
{
	uint8_t *p = t + HDR_LEN + 8;

	put32(t + HDR_LEN, LAPIC_ADDR);
	put32(t + HDR_LEN + 4, 1); /* PCAT_COMPAT: there are 8259 PICs too */
	for (int i = 0; i < ncpus; i++, p += 8) {
		p[0] = 0; /* processor local APIC */
		p[1] = 8;
		p[2] = (uint8_t)i;
		p[3] = (uint8_t)i;
		put32(p + 4, 1); /* enabled */
	}
	p[0] = 1; /* I/O APIC */
	p[1] = 12;
	p[2] = (uint8_t)ncpus;
	p[3] = 0;
	put32(p + 4, IOAPIC_ADDR);
	put32(p + 8, 0);
	p += 12;
	/* ISA interrupts map one to one, as KVM routes them; the SCI is level, active high. */
	p[0] = 2;
	p[1] = 10;
	p[2] = 0;
	p[3] = SCI_IRQ;
	put32(p + 4, SCI_IRQ);
	put16(p + 8, 0x000d);
	p += 10;
	uint32_t len = (uint32_t)(p - t);
	header(t, "APIC", len, 5);
	finish(t, len);
	return len;
}

size_t acpi_write_tables(uint8_t *buf, size_t len, int ncpus)
{
	/* layout: RSDP | XSDT | FACS | FADT | MADT | DSDT, each 16-byte aligned (FACS: 64) */
	size_t rsdp = 0, xsdt = 48, facs = 128, fadt = facs + FACS_LEN, madt = fadt + 288;
	size_t madt_len = HDR_LEN + 8 + (size_t)ncpus * 8 + 12 + 10;
	size_t dsdt = (madt + madt_len + 15) & ~(size_t)15;
	size_t total = dsdt + 512;

	if (ncpus < 1 || ncpus > 254 || total > len)
		return 0;
	memset(buf, 0, total);
	write_dsdt(buf + dsdt);
	write_facs(buf + facs);
	write_fadt(buf + fadt, ACPI_BASE + dsdt, ACPI_BASE + facs);
	write_madt(buf + madt, ncpus);

	uint8_t *x = buf + xsdt;
	header(x, "XSDT", HDR_LEN + 16, 1);
	put64(x + HDR_LEN, ACPI_BASE + fadt);
	put64(x + HDR_LEN + 8, ACPI_BASE + madt);
	finish(x, HDR_LEN + 16);

	uint8_t *r = buf + rsdp;
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "PRVENT", 6);
	r[15] = 2; /* ACPI 2.0+: use the XSDT */
	put32(r + 20, RSDP_LEN);
	put64(r + 24, ACPI_BASE + xsdt);
	r[8] = (uint8_t)-acpi_checksum(r, 20);
	r[32] = (uint8_t)-acpi_checksum(r, RSDP_LEN);
	return total;
}
