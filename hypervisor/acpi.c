/* ACPI tables: what a guest needs to find its CPUs and interrupt controllers and to power
 * off or reset through registers the VMM sees (dev_acpi_pm.c). Not "hardware-reduced": a
 * reduced guest assumes there is no PIC and so no ISA interrupts, and the 8250's IRQ 4 would
 * then need a described device. ACPI is already enabled (SMI_CMD is 0), no PM timer, no GPEs.
 * Written byte by byte, little-endian, so the layout does not depend on struct packing. */
#include "acpi.h"

#include <string.h>

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

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
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

/* DSDT: the AML of Name (_S5_, Package () { 5, 0, 0, 0 }). */
static size_t write_dsdt(uint8_t *t)
{
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_',       /* NameOp "_S5_" */
		0x12, 0x07, 0x04,               /* PackageOp, PkgLength 7, 4 elements */
		0x0a, ACPI_S5_SLP_TYP, 0x00, 0x00, 0x00,
	};
	uint32_t len = HDR_LEN + sizeof(aml);

	header(t, "DSDT", len, 2);
	memcpy(t + HDR_LEN, aml, sizeof(aml));
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
	size_t total = dsdt + 64;

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
