/* ACPI tables: what a guest needs to find its CPUs and interrupt controllers and to power
 * off or reset through registers the VMM sees (dev_acpi_pm.c). Not "hardware-reduced": a
 * reduced guest assumes there is no PIC and so no ISA interrupts, and the 8250's IRQ 4 would
 * then need a described device. ACPI is already enabled (SMI_CMD is 0), no PM timer; a fixed
 * power button (the VMM's shutdown request); one GPE block, for vCPU hotplug.
 * Written byte by byte, little-endian, so the layout does not depend on struct packing. */
#include "acpi.h"

#include <string.h>

#include "aml.h"
#include "le.h"
#include "mptable.h"

#define HDR_LEN 36
#define RSDP_LEN 36
#define FADT_LEN 276
#define FACS_LEN 64
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_SLP_BUTTON (1u << 5) /* no sleep button; PWR_BUTTON (bit 4) clear: a fixed power button */
#define FADT_WBINVD (1u << 0)
#define BOOT_ARCH_VGA_NOT_PRESENT (1u << 2)
#define BOOT_ARCH_CMOS_RTC_NOT_PRESENT (1u << 5)

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

/* The PCI root bridge: its bus range, the config ports, the I/O ports around them and our
 * 32-bit MMIO window, so that the guest scans the bus and keeps the BARs we assigned. */
static void aml_pci0(struct aml *a)
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
	static const uint8_t device[] = { AML_EXT, AML_EXT_DEVICE }, buffer[] = { AML_BUFFER };
	/* Name (_HID, EisaId ("PNP0A03")) */
	static const uint8_t hid[] = { AML_NAME, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03 };

	size_t dev = aml_open(a, device, sizeof(device));
	aml_name(a, "PCI0");
	aml_bytes(a, hid, sizeof(hid));
	/* Name (_UID, Zero), Name (_SEG, Zero), Name (_BBN, Zero) */
	static const char *const zeros[] = { "_UID", "_SEG", "_BBN" };
	for (int i = 0; i < 3; i++) {
		aml_byte(a, AML_NAME);
		aml_name(a, zeros[i]);
		aml_int(a, 0);
	}
	aml_byte(a, AML_NAME);
	aml_name(a, "_CRS");
	size_t buf = aml_open(a, buffer, sizeof(buffer));
	aml_int(a, sizeof(crs));
	aml_bytes(a, crs, sizeof(crs));
	aml_close(a, buf);
	aml_close(a, dev);
}

static void cpu_name(char *out, char kind, int n)
{
	static const char hex[] = "0123456789ABCDEF";

	out[0] = kind;
	out[1] = hex[(n >> 8) & 0xf];
	out[2] = hex[(n >> 4) & 0xf];
	out[3] = hex[n & 0xf];
	out[4] = 0;
}

/* "If (And (Snnn, bit)) {" : opens the If; the caller adds the body and closes it. */
static size_t aml_if_bit(struct aml *a, const char *reg, uint8_t bit)
{
	static const uint8_t if_op[] = { AML_IF };
	size_t at = aml_open(a, if_op, 1);
	aml_byte(a, AML_AND);
	aml_name(a, reg);
	aml_int(a, bit);
	aml_byte(a, 0); /* no target */
	return at;
}

/* The processors as ACPI devices, so that they can come and go: each has a status byte
 * Snnn in the VMM's hotplug registers; _STA reads its PRESENT bit, _EJ0 writes EJECT (not
 * for CPU 0, which stays), _MAT gives the enabled local APIC entry the OS needs to add it.
 * CSCN, run by GPE 2, tells the OS about every CPU plugged (device check) or wanted back
 * (eject request) since it last looked. */
static void aml_cpus(struct aml *a, int max_cpus)
{
	static const uint8_t opregion[] = { AML_EXT, AML_EXT_OPREGION };
	static const uint8_t field[] = { AML_EXT, AML_EXT_FIELD }, device[] = { AML_EXT, AML_EXT_DEVICE };
	static const uint8_t method[] = { AML_METHOD }, buffer[] = { AML_BUFFER };
	char c[5], r[5];

	/* OperationRegion (PRCR, SystemIO, port, max_cpus) */
	aml_bytes(a, opregion, sizeof(opregion));
	aml_name(a, "PRCR");
	aml_byte(a, 0x01);
	aml_int(a, ACPI_CPU_HOTPLUG_PORT);
	aml_int(a, (uint32_t)max_cpus);
	/* Field (PRCR, ByteAcc, NoLock, Preserve) { S000, 8, S001, 8, ... } */
	size_t f = aml_open(a, field, sizeof(field));
	aml_name(a, "PRCR");
	aml_byte(a, 0x01);
	for (int n = 0; n < max_cpus; n++) {
		cpu_name(r, 'S', n);
		aml_name(a, r);
		aml_byte(a, 8);
	}
	aml_close(a, f);

	for (int n = 0; n < max_cpus; n++) {
		cpu_name(c, 'C', n);
		cpu_name(r, 'S', n);
		size_t d = aml_open(a, device, sizeof(device));
		aml_name(a, c);
		aml_byte(a, AML_NAME);
		aml_name(a, "_HID");
		aml_byte(a, AML_STRING_PREFIX);
		aml_bytes(a, "ACPI0007", 9);
		aml_byte(a, AML_NAME);
		aml_name(a, "_UID");
		aml_int(a, (uint32_t)n);
		aml_byte(a, AML_NAME);
		aml_name(a, "_MAT");
		size_t b = aml_open(a, buffer, sizeof(buffer));
		aml_int(a, 8);
		uint8_t lapic[8] = { 0, 8, (uint8_t)n, (uint8_t)n, 1, 0, 0, 0 }; /* enabled */
		aml_bytes(a, lapic, sizeof(lapic));
		aml_close(a, b);
		/* Method (_STA) { If (And (Snnn, PRESENT)) { Return (0x0F) } Return (Zero) } */
		size_t m = aml_open(a, method, sizeof(method));
		aml_name(a, "_STA");
		aml_byte(a, 0);
		size_t i = aml_if_bit(a, r, ACPI_CPU_PRESENT);
		aml_byte(a, AML_RETURN);
		aml_int(a, 0x0f);
		aml_close(a, i);
		aml_byte(a, AML_RETURN);
		aml_int(a, 0);
		aml_close(a, m);
		if (n > 0) {
			/* Method (_EJ0, 1) { Store (EJECT, Snnn) } */
			m = aml_open(a, method, sizeof(method));
			aml_name(a, "_EJ0");
			aml_byte(a, 1);
			aml_byte(a, AML_STORE);
			aml_int(a, ACPI_CPU_EJECT);
			aml_name(a, r);
			aml_close(a, m);
		}
		aml_close(a, d);
	}

	size_t m = aml_open(a, method, sizeof(method));
	aml_name(a, "CSCN");
	aml_byte(a, 0);
	for (int n = 1; n < max_cpus; n++) {
		cpu_name(c, 'C', n);
		cpu_name(r, 'S', n);
		/* If (And (Snnn, INSERTING)) { Store (INSERTING, Snnn); Notify (Cnnn, 1) } */
		size_t i = aml_if_bit(a, r, ACPI_CPU_INSERTING);
		aml_byte(a, AML_STORE);
		aml_int(a, ACPI_CPU_INSERTING);
		aml_name(a, r);
		aml_byte(a, AML_NOTIFY);
		aml_name(a, c);
		aml_int(a, 1);
		aml_close(a, i);
		/* If (And (Snnn, REMOVING)) { Notify (Cnnn, 3) } */
		i = aml_if_bit(a, r, ACPI_CPU_REMOVING);
		aml_byte(a, AML_NOTIFY);
		aml_name(a, c);
		aml_int(a, 3);
		aml_close(a, i);
	}
	aml_close(a, m);
}

/* DSDT: \_S5_ (soft off: sleep type 5), the PCI root bridge, the processors and the GPE
 * method that rescans them. */
static size_t write_dsdt(uint8_t *t, size_t room, int max_cpus)
{
	static const uint8_t s5[] = {
		AML_NAME, '_', 'S', '5', '_',
		AML_PACKAGE, 0x07, 0x04,        /* PkgLength 7, 4 elements */
		AML_BYTE_PREFIX, ACPI_S5_SLP_TYP, 0x00, 0x00, 0x00,
	};
	static const uint8_t scope[] = { AML_SCOPE }, method[] = { AML_METHOD };
	struct aml a = { .buf = t, .len = HDR_LEN, .cap = room };

	if (room < HDR_LEN)
		return 0;
	aml_bytes(&a, s5, sizeof(s5));
	size_t sb = aml_open(&a, scope, sizeof(scope));
	aml_name(&a, "\\_SB_");
	aml_pci0(&a);
	aml_cpus(&a, max_cpus);
	aml_close(&a, sb);
	/* Scope (\_GPE) { Method (_E02) { \_SB_.CSCN () } } */
	size_t gpe = aml_open(&a, scope, sizeof(scope));
	aml_name(&a, "\\_GPE");
	size_t m = aml_open(&a, method, sizeof(method));
	aml_name(&a, "_E02");
	aml_byte(&a, 0);
	static const uint8_t call[] = { '\\', 0x2e, '_', 'S', 'B', '_', 'C', 'S', 'C', 'N' };
	aml_bytes(&a, call, sizeof(call));
	aml_close(&a, m);
	aml_close(&a, gpe);
	if (a.overflow)
		return 0;
	header(t, "DSDT", (uint32_t)a.len, 2);
	finish(t, (uint32_t)a.len);
	return a.len;
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
	put16(t + 46, ACPI_SCI_IRQ);
	put32(t + 56, ACPI_PM1A_EVT_PORT);
	put32(t + 64, ACPI_PM1A_CNT_PORT);
	put32(t + 80, ACPI_GPE0_PORT);
	t[88] = 4; /* PM1_EVT_LEN */
	t[89] = 2; /* PM1_CNT_LEN */
	t[92] = ACPI_GPE0_LEN;
	put16(t + 109, BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_CMOS_RTC_NOT_PRESENT);
	put32(t + 112, FADT_RESET_REG_SUP | FADT_WBINVD | FADT_SLP_BUTTON);
	gas_io(t + 116, ACPI_RESET_PORT, 8);
	t[128] = ACPI_RESET_VALUE;
	t[131] = 5; /* FADT minor version: ACPI 6.5 */
	put64(t + 132, facs);
	put64(t + 140, dsdt);
	gas_io(t + 148, ACPI_PM1A_EVT_PORT, 32);
	gas_io(t + 172, ACPI_PM1A_CNT_PORT, 16);
	gas_io(t + 220, ACPI_GPE0_PORT, ACPI_GPE0_LEN * 8);
	t[223] = 1; /* GPE registers are read and written a byte at a time */
	memcpy(t + 268, "PARAVENT", 8);
	finish(t, FADT_LEN);
	return FADT_LEN;
}

/* Local APIC flags: enabled at boot, or absent now but can be plugged later (ACPI 6.3;
 * an OS that knows the flag counts such CPUs as possible, one that does not ignores them). */
#define MADT_LAPIC_ENABLED 1u
#define MADT_LAPIC_ONLINE_CAPABLE 2u

static size_t write_madt(uint8_t *t, int boot_cpus, int ncpus)
{
	uint8_t *p = t + HDR_LEN + 8;

	put32(t + HDR_LEN, LAPIC_ADDR);
	put32(t + HDR_LEN + 4, 1); /* PCAT_COMPAT: there are 8259 PICs too */
	for (int i = 0; i < ncpus; i++, p += 8) {
		p[0] = 0; /* processor local APIC */
		p[1] = 8;
		p[2] = (uint8_t)i;
		p[3] = (uint8_t)i;
		put32(p + 4, i < boot_cpus ? MADT_LAPIC_ENABLED : MADT_LAPIC_ONLINE_CAPABLE);
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
	p[3] = ACPI_SCI_IRQ;
	put32(p + 4, ACPI_SCI_IRQ);
	put16(p + 8, 0x000d);
	p += 10;
	uint32_t len = (uint32_t)(p - t);
	header(t, "APIC", len, 5);
	finish(t, len);
	return len;
}

size_t acpi_write_tables(uint8_t *buf, size_t len, int boot_cpus, int ncpus)
{
	/* layout: RSDP | XSDT | FACS | FADT | MADT | DSDT, each 16-byte aligned (FACS: 64) */
	size_t rsdp = 0, xsdt = 48, facs = 128, fadt = facs + FACS_LEN, madt = fadt + 288;
	size_t madt_len = HDR_LEN + 8 + (size_t)ncpus * 8 + 12 + 10;
	size_t dsdt = (madt + madt_len + 15) & ~(size_t)15;

	if (ncpus < 1 || ncpus > 254 || boot_cpus < 1 || boot_cpus > ncpus || dsdt >= len)
		return 0;
	memset(buf, 0, len);
	size_t dsdt_len = write_dsdt(buf + dsdt, len - dsdt, ncpus);
	if (dsdt_len == 0)
		return 0;
	write_facs(buf + facs);
	write_fadt(buf + fadt, ACPI_BASE + dsdt, ACPI_BASE + facs);
	write_madt(buf + madt, boot_cpus, ncpus);

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
	return dsdt + dsdt_len;
}
