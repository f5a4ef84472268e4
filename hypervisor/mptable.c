/* MP tables, written byte by byte in the spec's little-endian layout, so the result does
 * not depend on the compiler's struct packing. */
#include "mptable.h"

#include <string.h>

#include "le.h"

#define MPF_SIZE 16
#define MPC_HEADER_SIZE 44
#define MPC_CPU_SIZE 20
#define MPC_SMALL_SIZE 8
#define ISA_IRQS 16
#define BUS_PCI 0
#define BUS_ISA 1

uint8_t mptable_checksum(const uint8_t *p, size_t len)
{
	return byte_sum(p, len);
}

size_t mptable_write(uint8_t *buf, size_t len, uint32_t base, int boot_cpus, int ncpus)
{
	size_t entries = (size_t)ncpus + 2 + 1 + ISA_IRQS + 2;
	size_t table_len = MPC_HEADER_SIZE + (size_t)ncpus * MPC_CPU_SIZE + (entries - (size_t)ncpus) * MPC_SMALL_SIZE;
	size_t total = MPF_SIZE + table_len;
	uint8_t ioapic_id = (uint8_t)ncpus;

	if (ncpus < 1 || ncpus > 254 || boot_cpus < 1 || boot_cpus > ncpus || total > len)
		return 0;
	memset(buf, 0, total);

	uint8_t *mpf = buf;
	memcpy(mpf, "_MP_", 4);
	put32(mpf + 4, base + MPF_SIZE); /* the configuration table follows */
	mpf[8] = 1;                      /* length in 16-byte units */
	mpf[9] = 4;                      /* spec revision 1.4 */
	mpf[10] = (uint8_t)-mptable_checksum(mpf, MPF_SIZE);

	uint8_t *mpc = buf + MPF_SIZE, *p = mpc + MPC_HEADER_SIZE;
	memcpy(mpc, "PCMP", 4);
	put16(mpc + 4, (uint16_t)table_len);
	mpc[6] = 4;
	memcpy(mpc + 8, "PARAVENT", 8);
	memcpy(mpc + 16, "paravent-vmm", 12);
	put16(mpc + 34, (uint16_t)entries);
	put32(mpc + 36, LAPIC_ADDR);

	for (int i = 0; i < ncpus; i++, p += MPC_CPU_SIZE) {
		p[0] = 0;                          /* processor */
		p[1] = (uint8_t)i;                 /* local APIC id */
		p[2] = 0x14;                       /* local APIC version */
		p[3] = (uint8_t)((i < boot_cpus ? 1 : 0) | (i == 0 ? 2 : 0)); /* enabled, bootstrap */
		put32(p + 4, 0x600);               /* family 6 */
		put32(p + 8, 0x201);               /* FPU, APIC */
	}
	const struct { uint8_t id; const char *name; } buses[] = { { BUS_PCI, "PCI   " }, { BUS_ISA, "ISA   " } };
	for (int i = 0; i < 2; i++, p += MPC_SMALL_SIZE) {
		p[0] = 1; /* bus */
		p[1] = buses[i].id;
		memcpy(p + 2, buses[i].name, 6);
	}
	p[0] = 2; /* I/O APIC */
	p[1] = ioapic_id;
	p[2] = 0x11;
	p[3] = 1; /* enabled */
	put32(p + 4, IOAPIC_ADDR);
	p += MPC_SMALL_SIZE;
	/* ISA interrupts go to the IOAPIC pin of the same number, as KVM's default routing has. */
	for (int irq = 0; irq < ISA_IRQS; irq++, p += MPC_SMALL_SIZE) {
		p[0] = 3;  /* I/O interrupt */
		p[1] = 0;  /* INT */
		put16(p + 2, 0); /* polarity and trigger as the bus defines them */
		p[4] = BUS_ISA;
		p[5] = (uint8_t)irq;
		p[6] = ioapic_id;
		p[7] = (uint8_t)irq;
	}
	/* LINT0: ExtINT (the PIC), LINT1: NMI, on every local APIC. */
	for (int i = 0; i < 2; i++, p += MPC_SMALL_SIZE) {
		p[0] = 4;
		p[1] = i == 0 ? 3 : 1;
		p[4] = BUS_ISA;
		p[5] = 0;
		p[6] = 0xff;
		p[7] = (uint8_t)i;
	}
	mpc[7] = (uint8_t)-mptable_checksum(mpc, table_len);
	return total;
}
